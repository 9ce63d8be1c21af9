// The `imagic grad` spec file (issue contract): validated with zod, paths resolved against the spec's folder,
// raw little-endian tensors loaded and checked against their dims.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { dtypes, isDType, type DType } from '../graph/dtype.ts';
import { numel, tensorFromBytes } from '../graph/tensor.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { fail } from '../errors.ts';

const dims = z.array(z.number().int().nonnegative()).max(8);
const tensorRef = z.strictObject({
  dtype: z.string().refine(isDType, { message: `dtype must be one of ${Object.keys(dtypes).join(', ')}` }),
  dims,
  file: z.string().min(1),
});

export const gradSpecSchema = z.strictObject({
  model: z.string().min(1),
  feeds: z.record(z.string(), tensorRef).default({}),
  loss: z.strictObject({ type: z.literal('mse'), output: z.string().min(1), target: tensorRef }),
  wrt: z.array(z.string().min(1)).min(1).max(4096),
  repeat: z.number().int().min(1).max(1000).default(5),
  provider: z.enum(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']).default('cpu'),
});

export type GradSpec = z.infer<typeof gradSpecSchema>;
type TensorRef = z.infer<typeof tensorRef>;

export interface LoadedSpec {
  readonly spec: GradSpec;
  readonly modelPath: string;
  readonly feeds: Record<string, HostTensor>;
  readonly target: HostTensor;
}

async function loadTensor(ref: TensorRef, baseDir: string, what: string): Promise<HostTensor> {
  const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return fail('FILE_NOT_FOUND', `${what}: cannot read '${ref.file}' (resolved to ${path})`, err);
  }
  const dtype = ref.dtype as DType;
  const expected = numel(ref.dims) * dtypes[dtype].bytes;
  if (bytes.byteLength !== expected) {
    fail(
      'DIMS_MISMATCH',
      `${what}: '${ref.file}' has ${bytes.byteLength} bytes, but ${dtype}[${ref.dims.join(',')}] needs ${expected}`,
    );
  }
  const t = tensorFromBytes(dtype, ref.dims, bytes);
  return { dtype, dims: ref.dims, data: t.data };
}

export async function loadGradSpec(specPath: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(specPath, 'utf8');
  } catch (err) {
    return fail('FILE_NOT_FOUND', `cannot read spec '${specPath}'`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(
      'INVALID_SPEC',
      `spec '${specPath}' is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = gradSpecSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail('INVALID_SPEC', `spec field '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  const spec = parsed.data!;
  const baseDir = dirname(resolve(specPath));
  const feeds: Record<string, HostTensor> = {};
  for (const [name, ref] of Object.entries(spec.feeds)) feeds[name] = await loadTensor(ref, baseDir, `feed '${name}'`);
  const target = await loadTensor(spec.loss.target, baseDir, 'loss target');
  const modelPath = isAbsolute(spec.model) ? spec.model : resolve(baseDir, spec.model);
  return { spec, modelPath, feeds, target };
}
