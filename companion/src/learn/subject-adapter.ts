// A subject adapter switched on for an edit: its LoRA file (models/lora-file.ts) read from the model's learned words
// (models/learned-store.ts) and laid onto this model's UNet at the modules and rank the file names. Checked before any
// model runs: a word without an adapter, or a file of another model, is refused with the fix.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_FILES } from '../models/package-files.ts';
import { readModel } from '../onnx/model-file.ts';
import type { AdapterInfo } from '../autodiff/adapters.ts';
import { fail } from '../errors.ts';
import type { ImagicPackage } from '../engine/package-loader.ts';
import { adapterLayout, type AdapterSpec } from '../engine/unet-graphs.ts';
import { adapterFile, adapterTokensAsync } from '../models/learned-store.ts';
import { adapterValuesOf, moduleOf, namesModule, readLoraFile, type LoraModule } from '../models/lora-file.ts';

export interface SubjectAdapter {
  readonly token: string;
  /** Of the file's bytes: an edit trained under the adapter knows it is the same one (EditSubject). */
  readonly digest: string;
  readonly modules: readonly LoraModule[];
}

export interface LaidAdapter {
  /** The word that switches it on, and its file's digest (SubjectAdapter). */
  readonly token: string;
  readonly digest: string;
  readonly spec: AdapterSpec;
  /** Where each module sits on this model's UNet, and its scale. */
  readonly adapters: readonly AdapterInfo[];
  readonly values: ReadonlyMap<string, Float32Array>;
}

/** INVALID_SPEC naming the model's adapters unless it has one for `token` (from the files' metadata alone). */
export async function checkSubjectAsync(dataDir: string, modelDir: string, token: string): Promise<void> {
  const tokens = await adapterTokensAsync(dataDir, modelDir);
  if (!tokens.includes(token))
    fail(
      'INVALID_SPEC',
      `no subject adapter “${token}” for this model; its adapters: ${tokens.join(', ') || 'none (learn one with kind "adapter")'}`,
    );
}

/** The subject adapter learned for `token` on the model (checkSubjectAsync first). */
export async function readSubjectAdapterAsync(
  dataDir: string,
  modelDir: string,
  token: string,
): Promise<SubjectAdapter> {
  await checkSubjectAsync(dataDir, modelDir, token);
  const file = adapterFile(dataDir, modelDir, token);
  const bytes = await readFile(file);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { token, digest, modules: readLoraFile(bytes, file).modules };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The adapter on `pkg`'s UNet: one node pattern per module the file names, at the file's rank and alpha. */
export function layAdapter(pkg: ImagicPackage, adapter: SubjectAdapter): LaidAdapter {
  const ranks = new Set(adapter.modules.map((m) => m.down.shape[0]));
  const alphas = new Set(adapter.modules.map((m) => m.alpha));
  if (ranks.size !== 1 || alphas.size !== 1)
    fail(
      'INVALID_SPEC',
      `the adapter “${adapter.token}” mixes ranks or alphas across its modules; this companion loads one of each`,
    );
  const nodes = pkg.unet.model.graph.nodes.filter(
    (n) =>
      /^(MatMul|Gemm|Conv)$/.test(n.opType) && adapter.modules.some((m) => namesModule(m.module, moduleOf(n.name))),
  );
  if (nodes.length !== adapter.modules.length)
    fail(
      'DIMS_MISMATCH',
      `the adapter “${adapter.token}” names ${adapter.modules.length} modules; this model's UNet has ${nodes.length} of them (it was trained for another model)`,
    );
  const spec: AdapterSpec = {
    targets: nodes.map((n) => `^${escape(n.name)}$`),
    rank: [...ranks][0]!,
    alpha: [...alphas][0]!,
  };
  const layout = adapterLayout(pkg, spec);
  return {
    token: adapter.token,
    digest: adapter.digest,
    spec,
    adapters: layout.adapters,
    values: adapterValuesOf(adapter.modules, layout.adapters, `the adapter “${adapter.token}”`),
  };
}

/**
 * Whether a LoRA file fits the model in `modelDir`, from its UNet's weight shapes alone (no graph is built): every
 * module it names exists, with the in/out sizes (and kernel) of the file's matrices. DIMS_MISMATCH naming the first
 * that does not.
 */
export async function checkLoraFitsAsync(
  modelDir: string,
  modules: readonly LoraModule[],
  what: string,
): Promise<void> {
  const unet = await readModel(join(modelDir, PACKAGE_FILES.unet));
  const weights = new Map<string, { op: string; dims: readonly number[] }>();
  for (const n of unet.graph.nodes) {
    if (n.opType !== 'MatMul' && n.opType !== 'Conv') continue;
    const w = unet.graph.initializers.get(n.inputs[1]!);
    if (w) weights.set(moduleOf(n.name), { op: n.opType, dims: w.dims });
  }
  for (const m of modules) {
    const found =
      [...weights].find(([module]) => namesModule(m.module, module)) ??
      fail(
        'DIMS_MISMATCH',
        `${what} adapts ${m.module}, which this model's UNet does not have (it was trained for another model)`,
      );
    const [module, { op, dims }] = found;
    const r = m.down.shape[0]!;
    const want =
      op === 'MatMul'
        ? { down: [r, dims[0]!], up: [dims[1]!, r] }
        : { down: [r, dims[1]!, ...dims.slice(2)], up: [dims[0]!, r, 1, 1] };
    const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(m.down.shape, want.down) || !same(m.up.shape, want.up))
      fail(
        'DIMS_MISMATCH',
        `${what}: ${module} is [${m.down.shape.join(', ')}] · [${m.up.shape.join(', ')}]; this model's layer takes [${want.down.join(', ')}] · [${want.up.join(', ')}] (the file was trained for another model)`,
      );
  }
}
