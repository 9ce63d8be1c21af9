// Textual Inversion's joined graph on the demo model's text encoder and UNet: with the new word's vector set to a
// known word's row, it predicts exactly what the UNet predicts on that word's prompt encoded by the packaged text
// encoder (the mask·v insertion is the table lookup it stands for); and the gradient of the word's vector matches
// finite differences through both models.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../autodiff/gradcheck.ts';
import { cloneModel } from '../autodiff/gradient-model.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { numel, toNumbers } from '../graph/tensor.ts';
import { tokenTable } from '../engine/learned-rows.ts';
import { readModel } from '../onnx/model-file.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { embeddingLearnModel, MASK_INPUT, ROW_INPUT } from './embedding-graph.ts';

const DEMO = fileURLToPath(new URL('../../../models/demo/', import.meta.url));

async function demoParts() {
  const encoder = await readModel(join(DEMO, 'text_encoder/model.onnx'));
  const unetSource = await readModel(join(DEMO, 'unet/model.onnx'));
  const ids = encoder.graph.inputs[0]!;
  const T = ids.dims[1] as number;
  const sample = unetSource.graph.inputs.find((i) => i.name === 'sample')!.dims as number[];
  const table = tokenTable(encoder);
  const width = table.dims[1]!;
  const unet = normalizeModel(cloneModel(unetSource), {
    inputShapes: { sample, timestep: [1], encoder_hidden_states: [1, T, width] },
  });
  const tokenizer = await ClipTokenizer.fromFiles(join(DEMO, 'tokenizer'));
  const step = unet.graph.inputs.find((i) => i.name === 'timestep')!;
  const timestep = (t: number): HostTensor =>
    step.dtype === 'int64'
      ? { dtype: 'int64', dims: step.dims as number[], data: BigInt64Array.of(BigInt(t)) }
      : { dtype: 'float32', dims: step.dims as number[], data: Float32Array.of(t) };
  return { encoder, unet, T, sample, table, width, tokenizer, timestep };
}

const f32 = (dims: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims, data });
const i64 = (ids: Int32Array): HostTensor => ({
  dtype: 'int64',
  dims: [1, ids.length],
  data: BigInt64Array.from(ids, (v) => BigInt(v)),
});

describe('the learn graph', { timeout: 120_000 }, () => {
  it("with a known word's row as the new word, predicts what that word's prompt gives", async () => {
    const { encoder, unet, T, sample, table, width, tokenizer, timestep } = await demoParts();
    const joined = await embeddingLearnModel(
      { model: encoder, idsInput: 'input_ids', output: 'last_hidden_state', learnedRows: [] },
      unet,
      T,
    );
    const word = tokenizer.tokenize('triangle')[0]!;
    const row = Float32Array.from(toNumbers(table.data!).slice(word * width, (word + 1) * width));
    const newId = table.dims[0]!;
    const learned = tokenizer.withLearnedTokens(['<t>']);
    expect(learned.learnedIds.get('<t>')).toBe(newId);
    const withNew = learned.encode('a yellow <t> on a black background', { length: T });
    const plain = tokenizer.encode('a yellow triangle on a black background', { length: T });
    const z = f32(sample, new Rng(3).normalArray(numel(sample)));
    const t = timestep(500);

    const text = await OrtSession.create(encoder);
    const net = await OrtSession.create(unet);
    const both = await OrtSession.create(joined);
    try {
      const e = (await text.run({ input_ids: i64(plain) }))['last_hidden_state']!;
      const expected = (await net.run({ sample: z, timestep: t, encoder_hidden_states: e }))['out_sample']!;
      const mask = Float32Array.from(withNew, (id) => (id === newId ? 1 : 0));
      expect(mask.reduce((a, b) => a + b, 0)).toBe(1);
      const got = await both.run({
        input_ids: i64(withNew),
        [ROW_INPUT]: f32([1, 1, width], row),
        [MASK_INPUT]: f32([1, T, 1], mask),
        sample: z,
        timestep: t,
      });
      const a = expected.data as Float32Array;
      const b = got['out_sample']!.data as Float32Array;
      expect(b.length).toBe(a.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(1e-4);
      // And another vector changes the prediction: the row is what the UNet reads.
      const other = await both.run({
        input_ids: i64(withNew),
        [ROW_INPUT]: f32([1, 1, width], new Rng(5).normalArray(width)),
        [MASK_INPUT]: f32([1, T, 1], mask),
        sample: z,
        timestep: t,
      });
      const c = other['out_sample']!.data as Float32Array;
      expect(c.some((v, i) => Math.abs(v - b[i]!) > 1e-3)).toBe(true);
    } finally {
      await Promise.all([text.release(), net.release(), both.release()]);
    }
  });

  it("differentiates the loss with respect to the new word's vector through both models", async () => {
    const { encoder, unet, T, sample, width, tokenizer, timestep } = await demoParts();
    const joined = await embeddingLearnModel(
      { model: encoder, idsInput: 'input_ids', output: 'last_hidden_state', learnedRows: [] },
      unet,
      T,
    );
    const rng = new Rng(7);
    const learned = tokenizer.withLearnedTokens(['<t>']);
    const newId = learned.learnedIds.get('<t>')!;
    // The word twice: its gradient sums over both positions.
    const ids = learned.encode('a <t> on a <t> background', { length: T });
    const results = await gradcheck(
      joined,
      { loss: { type: 'mse', output: 'out_sample' }, wrt: [ROW_INPUT] },
      {
        input_ids: i64(ids),
        [ROW_INPUT]: f32([1, 1, width], rng.normalArray(width, 0.5)),
        [MASK_INPUT]: f32(
          [1, T, 1],
          Float32Array.from(ids, (id) => (id === newId ? 1 : 0)),
        ),
        sample: f32(sample, rng.normalArray(numel(sample))),
        timestep: timestep(300),
      },
      { directions: 4, epsilon: 1e-2 },
    );
    for (const r of results) expect(r.relError).toBeLessThan(1e-2);
  });
});
