// Adapters in the LoRA safetensors files the ecosystem shares. Written in the kohya layout (sd-scripts' networks/lora.py,
// read by diffusers' load_lora_weights, ComfyUI and A1111): per adapted module
//   lora_unet_<module path with _>.lora_down.weight   [r, in] (Linear) or [r, in, kh, kw] (Conv, LoCon)
//   lora_unet_<…>.lora_up.weight     [out, r] (Linear) or [out, r, 1, 1] (Conv)
//   lora_unet_<…>.alpha              [] : the update is up·down·alpha/r
// Read in that layout and in diffusers' own (PEFT: unet.<module path>.lora_A.weight / lora_B.weight, alpha = r). The
// module path is the UNet's diffusers module name, which an ONNX export keeps in its node names
// ("/down_blocks.0/resnets.0/conv1/Conv" adapts down_blocks.0.resnets.0.conv1). Our own layout (autodiff/adapters.ts)
// is the MatMul's: down A [in, r] and up B [r, out] with ΔW = A·B on a weight stored [in, out], so a Linear's pair is
// transposed on the way; a Conv's is stored as torch stores it.
import { fail } from '../errors.ts';
import type { AdapterInfo } from '../autodiff/adapters.ts';
import { float32Of, readSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors.ts';

/** The diffusers module an adapted ONNX node belongs to: its name without the leading '/' and the op. */
export const moduleOf = (node: string): string =>
  node
    .replace(/^\//, '')
    .replace(/\/(MatMul|Gemm|Conv)$/, '')
    .replaceAll('/', '.');

const kohyaKey = (module: string) => `lora_unet_${module.replaceAll('.', '_')}`;

/** An adapter as the file holds it, without reference to a graph. */
export interface LoraModule {
  /** The diffusers module path, e.g. "down_blocks.0.resnets.0.conv1". */
  readonly module: string;
  readonly down: { readonly shape: readonly number[]; readonly values: Float32Array };
  readonly up: { readonly shape: readonly number[]; readonly values: Float32Array };
  readonly alpha: number;
}

/** [rows, cols] row-major → its transpose. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** Our trained adapters as file modules (torch shapes); alpha = scale · rank. */
export function loraModules(adapters: readonly AdapterInfo[], values: ReadonlyMap<string, Float32Array>): LoraModule[] {
  return adapters.map((a) => {
    const down = values.get(a.down.name) ?? fail('INTERNAL', `no values for adapter '${a.down.name}'`);
    const up = values.get(a.up.name) ?? fail('INTERNAL', `no values for adapter '${a.up.name}'`);
    const shapes = torchShapes(a);
    const [rank, inDim] = shapes.down as [number, number];
    const outDim = shapes.up[0]!;
    return {
      module: moduleOf(a.node),
      down: { shape: shapes.down, values: a.kind === 'lora' ? transpose(down, inDim, rank) : down },
      up: { shape: shapes.up, values: a.kind === 'lora' ? transpose(up, rank, outDim) : up },
      alpha: a.scale * rank,
    };
  });
}

/** The kohya-layout file for `modules`, with metadata (what it was trained for) in its header. */
export function writeLoraFile(modules: readonly LoraModule[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const tensors: Record<string, { dtype: 'F32'; shape: readonly number[]; data: Float32Array }> = {};
  for (const m of modules) {
    const key = kohyaKey(m.module);
    tensors[`${key}.lora_down.weight`] = { dtype: 'F32', shape: m.down.shape, data: m.down.values };
    tensors[`${key}.lora_up.weight`] = { dtype: 'F32', shape: m.up.shape, data: m.up.values };
    tensors[`${key}.alpha`] = { dtype: 'F32', shape: [], data: Float32Array.of(m.alpha) };
  }
  return writeSafetensors(tensors, metadata);
}

/** A LoRA file's modules, in either layout; SAFETENSORS_INVALID when it holds something else or an incomplete pair. */
export function readLoraFile(bytes: Uint8Array, what = 'the file'): { modules: LoraModule[]; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(bytes);
  const parts = new Map<string, { down?: SafetensorsTensor; up?: SafetensorsTensor; alpha?: number }>();
  const entry = (module: string) => parts.get(module) ?? (parts.set(module, {}), parts.get(module)!);
  for (const [key, t] of tensors) {
    const kohya = /^lora_unet_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/.exec(key);
    const peft = /^unet\.(.+)\.(lora_A\.weight|lora_B\.weight)$/.exec(key);
    if (kohya) {
      const e = entry(kohya[1]!);
      if (kohya[2] === 'alpha') e.alpha = float32Of(key, t)[0]!;
      else e[kohya[2] === 'lora_down.weight' ? 'down' : 'up'] = t;
    } else if (peft) {
      entry(`peft:${peft[1]!}`)[peft[2] === 'lora_A.weight' ? 'down' : 'up'] = t;
    } else fail('SAFETENSORS_INVALID', `${what}: “${key}” is not a LoRA tensor of a UNet (kohya or diffusers layout)`);
  }
  const modules: LoraModule[] = [];
  for (const [name, p] of parts) {
    const { down, up } = p;
    if (!down || !up) return fail('SAFETENSORS_INVALID', `${what}: ${name} has no ${down ? 'up' : 'down'} matrix`);
    modules.push({
      // kohya's names lost their dots; they are matched against the model's modules with namesModule.
      module: name.startsWith('peft:') ? name.slice(5) : name,
      down: { shape: down.shape, values: float32Of(name, down) },
      up: { shape: up.shape, values: float32Of(name, up) },
      alpha: p.alpha ?? down.shape[0]!,
    });
  }
  if (modules.length === 0) fail('SAFETENSORS_INVALID', `${what} holds no LoRA modules`);
  return { modules, metadata: { ...metadata } };
}

/** Whether a file's module name (kohya: dots as underscores) names `module`. */
export const namesModule = (fileName: string, module: string): boolean =>
  fileName === module || fileName === module.replaceAll('.', '_');

/**
 * A file's modules as our adapters' values for the graph sites they name (`adapters`: injectAdapters' layout for the
 * same modules at the file's rank); DIMS_MISMATCH naming the first module whose shapes do not fit this model.
 */
export function adapterValuesOf(
  modules: readonly LoraModule[],
  adapters: readonly AdapterInfo[],
  what = 'the file',
): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const a of adapters) {
    const module = moduleOf(a.node);
    const m =
      modules.find((x) => namesModule(x.module, module)) ??
      fail('DIMS_MISMATCH', `${what} has no adapter for ${module}, which this model's layout expects`);
    const ours = torchShapes(a);
    const same = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(m.down.shape, ours.down) || !same(m.up.shape, ours.up))
      fail(
        'DIMS_MISMATCH',
        `${what}: ${module} is [${m.down.shape.join(', ')}] · [${m.up.shape.join(', ')}]; this model's layer takes [${ours.down.join(', ')}] · [${ours.up.join(', ')}] (the file was trained for another model)`,
      );
    // Our scale is alpha/rank from the layout; a file's own alpha rescales its up matrix to match.
    const rescale = m.alpha / (a.scale * ours.down[0]!);
    if (a.kind === 'lora') {
      const [inDim, rank] = a.down.dims as [number, number];
      const outDim = a.up.dims[1]!;
      values.set(a.down.name, transpose(m.down.values, rank, inDim));
      values.set(a.up.name, transpose(m.up.values, outDim, rank).map((v) => v * rescale));
    } else {
      values.set(a.down.name, m.down.values.slice());
      values.set(a.up.name, m.up.values.map((v) => v * rescale));
    }
  }
  return values;
}

/** The torch shapes of an adapter's down and up matrices (the file's). */
function torchShapes(a: AdapterInfo): { down: readonly number[]; up: readonly number[] } {
  if (a.kind === 'lora') {
    const [inDim, rank] = a.down.dims as [number, number];
    return { down: [rank, inDim], up: [a.up.dims[1]!, rank] };
  }
  const rank = a.down.dims[0]!;
  return { down: a.down.dims, up: [a.up.dims.reduce((x, y) => x * y, 1) / rank, rank, 1, 1] };
}
