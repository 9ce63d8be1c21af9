// LoRA files: our adapters written in the kohya layout and read back give the same values; the update a file states
// in torch's convention (up·down·alpha/r on a weight stored [out, in]) is the one our layout applies (scale·A·B on the
// weight stored [in, out]); a diffusers (PEFT) file loads too; another model's file and a file of other tensors are
// refused with their codes.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { injectAdapters, type AdapterInfo } from '../autodiff/adapters.ts';
import { readModel } from '../onnx/model-file.ts';
import { Rng } from '../util/rng.ts';
import { adapterValuesOf, loraModules, moduleOf, readLoraFile, writeLoraFile } from './lora-file.ts';
import { writeSafetensors } from './safetensors.ts';

const DEMO_UNET = fileURLToPath(new URL('../../../models/demo/unet/model.onnx', import.meta.url));

async function layout(rank: number) {
  const unet = await readModel(DEMO_UNET);
  const targets = ['/attn1/to_q/MatMul$', '/resnets\\.0/conv1/Conv$'];
  const { adapters } = injectAdapters(unet, { targets, rank, alpha: rank / 2, mode: 'inputs' });
  const rng = new Rng(3);
  const values = new Map<string, Float32Array>();
  for (const a of adapters)
    for (const part of [a.down, a.up])
      values.set(part.name, rng.normalArray(part.dims.reduce((x, y) => x * y, 1)));
  return { adapters, values };
}

/** ΔW in torch's convention for a Linear: [out, in] = alpha/r · up[out, r] · down[r, in]. */
function torchDelta(up: Float32Array, down: Float32Array, out: number, r: number, inDim: number, alpha: number) {
  const d = new Float32Array(out * inDim);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inDim; i++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += up[o * r + k]! * down[k * inDim + i]!;
      d[o * inDim + i] = (alpha / r) * s;
    }
  return d;
}

describe('LoRA files', () => {
  it('round-trips our adapters through the kohya layout, with the update torch would apply', async () => {
    const { adapters, values } = await layout(4);
    expect(new Set(adapters.map((a) => a.kind))).toEqual(new Set(['lora', 'locon']));
    const bytes = writeLoraFile(loraModules(adapters, values), { token: '<s>' });
    const { modules, metadata } = readLoraFile(bytes);
    expect(metadata).toEqual({ token: '<s>' });
    expect(modules.map((m) => m.module)).toContain('down_blocks_0_resnets_0_conv1');
    const back = adapterValuesOf(modules, adapters);
    for (const [name, v] of values) expect(Array.from(back.get(name)!)).toEqual(Array.from(v));

    const linear = adapters.find((a) => a.kind === 'lora')!;
    const [inDim, r] = linear.down.dims as [number, number];
    const out = linear.up.dims[1]!;
    const m = modules.find((x) => x.module === moduleOf(linear.node).replaceAll('.', '_'))!;
    const torch = torchDelta(m.up.values, m.down.values, out, r, inDim, m.alpha);
    const A = values.get(linear.down.name)!;
    const B = values.get(linear.up.name)!;
    let worst = 0;
    for (let i = 0; i < inDim; i++)
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += A[i * r + k]! * B[k * out + o]!;
        worst = Math.max(worst, Math.abs(linear.scale * s - torch[o * inDim + i]!));
      }
    expect(worst).toBeLessThan(1e-5);
  });

  it("reads diffusers' own layout, and refuses another model's file and other tensors", async () => {
    const { adapters, values } = await layout(4);
    const modules = loraModules(adapters, values);
    const peft: Record<string, { dtype: 'F32'; shape: readonly number[]; data: Float32Array }> = {};
    for (const m of modules) {
      peft[`unet.${m.module}.lora_A.weight`] = { dtype: 'F32', shape: m.down.shape, data: m.down.values };
      // PEFT's alpha is the rank (no alpha tensor): our alpha of r/2 halves the up matrix.
      peft[`unet.${m.module}.lora_B.weight`] = { dtype: 'F32', shape: m.up.shape, data: m.up.values.map((v) => v / 2) };
    }
    const read = readLoraFile(writeSafetensors(peft));
    const back = adapterValuesOf(read.modules, adapters);
    for (const [name, v] of values)
      back.get(name)!.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 5));

    const { adapters: wider } = await layout(8);
    expect(() => adapterValuesOf(readLoraFile(writeLoraFile(modules)).modules, wider as AdapterInfo[])).toThrow(
      expect.objectContaining({ code: 'DIMS_MISMATCH' }),
    );
    const other = writeSafetensors({ 'text_model.x': { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    expect(() => readLoraFile(other)).toThrow(expect.objectContaining({ code: 'SAFETENSORS_INVALID' }));
  });
});
