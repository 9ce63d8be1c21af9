// A subject adapter under an Imagic edit (learn/subject-adapter.ts): folded into the UNet's weights on the host,
//   W' = W + s·(up · down)        (LoRA: down[in, r]·up[r, out]; LoCon: up[Cout, r]·down[r, Cin·k·k])
// the merge injectAdapters' 'merged' mode leaves to onnxruntime, done once here instead, so that the subject's UNet is
// the base every graph of the edit is built from: stage 1's gradient, stage 2's adapters (which need constant
// weights to attach to, and find them), and stage 3's sampling, whose late fading then fades the edit's adapters and
// never the subject. The package view shares the loaded package's sessions (text encoder, VAE) and keys its UNet
// graphs apart (LoadedUNet.key).
import type { AdapterInfo } from '../autodiff/adapters.ts';
import { cloneModel } from '../autodiff/gradient-model.ts';
import { fail } from '../errors.ts';
import type { ImagicPackage } from '../engine/package-loader.ts';
import { attrInt, type Initializer, type Model } from '../graph/ir.ts';
import { fromNumbers, numel, tensorFromBytes, toNumbers } from '../graph/tensor.ts';
import { initializerBytes } from '../onnx/initializer-data.ts';
import type { LaidAdapter } from './subject-adapter.ts';
import { once } from '../util/once.ts';

/** An initializer's values as numbers (a float16 weight's widened). */
const weightValues = (model: Model, init: Initializer): number[] =>
  toNumbers(tensorFromBytes(init.dtype, init.dims, initializerBytes(model, init)));

/** rows×inner · inner×cols, row-major, in float64. */
function matmul(a: Float32Array, b: Float32Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < inner; k++) {
      const aik = a[i * inner + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += aik * b[k * cols + j]!;
    }
  return out;
}

/** `model` with each adapter of `adapters` folded into its layer's weight (a new inline initializer per layer). */
export function foldAdapters(
  model: Model,
  adapters: readonly AdapterInfo[],
  values: ReadonlyMap<string, Float32Array>,
): Model {
  const folded = cloneModel(model);
  const { graph } = folded;
  for (const a of adapters) {
    const node =
      graph.nodes.find((n) => n.name === a.node) ?? fail('INTERNAL', `the UNet has no layer '${a.node}' to fold into`);
    const w = graph.initializers.get(node.inputs[1]!) ?? fail('INTERNAL', `layer '${a.node}' has no constant weight`);
    const down = values.get(a.down.name) ?? fail('INTERNAL', `no values for ${a.down.name}`);
    const up = values.get(a.up.name) ?? fail('INTERNAL', `no values for ${a.up.name}`);
    const rank = a.kind === 'lora' ? a.down.dims[1]! : a.down.dims[0]!;
    let delta: Float64Array;
    if (a.kind === 'locon') {
      const cout = a.up.dims[0]!;
      delta = matmul(up, down, cout, rank, numel(a.down.dims) / rank);
    } else {
      const [inDim, outDim] = [a.down.dims[0]!, a.up.dims[1]!];
      const product = matmul(down, up, inDim, rank, outDim); // [in, out]
      const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
      delta = transB
        ? Float64Array.from(
            { length: product.length },
            (_, i) => product[(i % inDim) * outDim + Math.floor(i / inDim)]!,
          )
        : product;
    }
    const base = weightValues(model, w);
    if (base.length !== delta.length)
      fail('DIMS_MISMATCH', `layer '${a.node}': weight of ${base.length} values, adapter product of ${delta.length}`);
    const name = `${w.name}::subject`;
    graph.initializers.set(name, {
      name,
      dtype: w.dtype,
      dims: w.dims,
      data: fromNumbers(
        w.dtype,
        w.dims,
        base.map((v, i) => v + a.scale * delta[i]!),
      ),
    });
    graph.types.set(name, { dtype: w.dtype, dims: [...w.dims] });
    node.inputs[1] = name;
    // The old weight goes unless another layer shares it (onnxruntime would carry it unused).
    if (!graph.nodes.some((n) => n.inputs.includes(w.name))) {
      graph.initializers.delete(w.name);
      graph.types.delete(w.name);
    }
  }
  return folded;
}

/** `pkg` with `subject` folded into its UNet, sharing its other sessions; its UNet graphs are keyed apart. */
export function withSubjectUNet(pkg: ImagicPackage, subject: LaidAdapter): ImagicPackage {
  const fold = (model: Model) => foldAdapters(model, subject.adapters, subject.values);
  return {
    ...pkg,
    unet: {
      ...pkg.unet,
      model: fold(pkg.unet.model),
      guided: once(() => {
        const batched = pkg.unet.guided();
        return batched && fold(batched);
      }),
      key: `${pkg.unet.key ?? ''}+subject:${subject.digest}`,
    },
  };
}
