// VAE encoders exported by the diffusers script, Olive and optimum < 1.23 return `latent_sample` =
// mean + exp(½·logvar)·ε with ε drawn in the graph by RandomNormalLike (docs/onnx.md §1.1), so two encodes of one
// image differ, and onnxruntime's random ops take no seed from the caller. Imagic needs one fixed z0 per image,
// so the graph is rewritten to draw ε = 0, i.e. to return the posterior mean, which is also what the engine
// takes from `latent_parameters` encoders (its first 4 channels). For SD's VAE the posterior std is tiny, so the
// mean is what a sample is, up to noise.
import { cloneModel } from '../autodiff/gradient-model.ts';
import { dtypes, type DType } from '../graph/dtype.ts';
import { intAttr, type Model, type Node } from '../graph/ir.ts';
import { fromNumbers } from '../graph/tensor.ts';

/** Random ops and how each becomes zeros of the same shape and type: one row per op. */
const ZERO_RULES: Readonly<Record<string, (node: Node) => Node[]>> = {
  // x − x is zeros shaped and typed like x; a `dtype` attribute adds the Cast the op would have done.
  RandomNormalLike: (node) => zerosLike(node),
  RandomUniformLike: (node) => zerosLike(node),
  RandomNormal: (node) => zerosOfShape(node),
  RandomUniform: (node) => zerosOfShape(node),
};

function zerosLike(node: Node): Node[] {
  const to = node.attrs['dtype'];
  const out = node.outputs[0]!;
  const sub: Node = {
    ...node,
    opType: 'Sub',
    inputs: [node.inputs[0]!, node.inputs[0]!],
    attrs: {},
    outputs: [to ? `${out}::zeros` : out],
  };
  if (!to || to.type !== 'int') return [sub];
  return [
    sub,
    {
      name: `${node.name}::cast`,
      opType: 'Cast',
      domain: '',
      inputs: [`${out}::zeros`],
      outputs: [out],
      attrs: { to: intAttr(to.value) },
    },
  ];
}

function zerosOfShape(node: Node): Node[] {
  const shape = node.attrs['shape'];
  const dtypeCode = node.attrs['dtype']?.type === 'int' ? node.attrs['dtype'].value : dtypes.float32.onnx;
  const dtype = (Object.entries(dtypes).find(([, row]) => row.onnx === dtypeCode)?.[0] ?? 'float32') as DType;
  const dims = shape?.type === 'ints' ? shape.value : [];
  return [
    {
      ...node,
      opType: 'Constant',
      inputs: [],
      attrs: {
        value: {
          type: 'tensor',
          value: fromNumbers(dtype, dims, new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0)),
        },
      },
    },
  ];
}

export const hasRandomOps = (model: Model): boolean =>
  model.graph.nodes.some((n) => Object.hasOwn(ZERO_RULES, n.opType) && (n.domain === '' || n.domain === 'ai.onnx'));

/** A copy of `model` whose random ops produce zeros. */
export function withPosteriorMean(model: Model): Model {
  const copy = cloneModel(model);
  copy.graph.nodes = copy.graph.nodes.flatMap((n) =>
    Object.hasOwn(ZERO_RULES, n.opType) ? ZERO_RULES[n.opType]!(n) : [n],
  );
  return copy;
}
