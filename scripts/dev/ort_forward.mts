// Development only: runs an ONNX model's forward pass on onnxruntime-node (no project code involved) with the feeds
// of an `imagic grad` spec.json and writes every graph output as raw little-endian data plus ort_index.json.
// Used to check scripts/dev/torch_reference.py's op interpretation (python3 … --debug-model makes a copy of the
// model that exposes every intermediate tensor as a graph output).
//   npx tsx scripts/dev/ort_forward.mts SPEC.json OUT_DIR [MODEL.onnx (default: the spec's model)] [--opt all|disabled]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';

const args = process.argv.slice(2);
const optIdx = args.indexOf('--opt');
const optLevel = (optIdx >= 0 ? args.splice(optIdx, 2)[1] : 'disabled') as 'all' | 'disabled';
const [specPath, outDir, modelArg] = args;
if (!specPath || !outDir) throw new Error('usage: ort_forward.mts SPEC.json OUT_DIR [MODEL.onnx] [--opt all|disabled]');
const spec = JSON.parse(await readFile(specPath, 'utf8'));
const base = dirname(resolve(specPath));
const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
const modelPath = modelArg ? resolve(modelArg) : rel(spec.model);

const arrays: Record<string, (b: ArrayBuffer, o: number, n: number) => ort.Tensor['data']> = {
  float32: (b, o, n) => new Float32Array(b, o, n),
  float16: (b, o, n) => new Uint16Array(b, o, n),
  int64: (b, o, n) => new BigInt64Array(b, o, n),
  int32: (b, o, n) => new Int32Array(b, o, n),
};
const bytesPer: Record<string, number> = { float32: 4, float16: 2, int64: 8, int32: 4 };

const feeds: Record<string, ort.Tensor> = {};
for (const [name, ref] of Object.entries<{ dtype: string; dims: number[]; file: string }>(spec.feeds ?? {})) {
  const buf = await readFile(rel(ref.file));
  const copy = new Uint8Array(buf).buffer; // aligned copy
  const n = ref.dims.reduce((a, b) => a * b, 1);
  feeds[name] = new ort.Tensor(ref.dtype as never, arrays[ref.dtype]!(copy, 0, n) as never, ref.dims);
  if (copy.byteLength !== n * bytesPer[ref.dtype]!) throw new Error(`feed ${name}: size mismatch`);
}

const session = await ort.InferenceSession.create(modelPath, {
  graphOptimizationLevel: optLevel,
  executionProviders: ['cpu'],
});
const t0 = performance.now();
const results = await session.run(feeds);
const ms = performance.now() - t0;
await mkdir(outDir, { recursive: true });
const index: Record<string, { dtype: string; dims: number[]; file: string }> = {};
let i = 0;
for (const [name, t] of Object.entries(results)) {
  const file = `ort_${i++}.bin`;
  let data: ArrayBufferView = t.data as ArrayBufferView;
  let dtype = t.type as string;
  if (dtype === 'bool') {
    data = Uint8Array.from(t.data as Uint8Array);
    dtype = 'uint8';
  }
  await writeFile(join(outDir, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  index[name] = { dtype, dims: [...t.dims], file };
}
await writeFile(join(outDir, 'ort_index.json'), JSON.stringify({ model: modelPath, ms, outputs: index }, null, 1));
process.stdout.write(
  `ort forward: ${Object.keys(index).length} outputs, ${ms.toFixed(1)} ms → ${outDir}/ort_index.json\n`,
);
