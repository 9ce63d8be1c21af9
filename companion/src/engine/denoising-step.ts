// Stage 3's step as one graph: the UNet, classifier-free guidance and the sampler's update, so that a sampling run
// keeps its latent and the last data prediction in the session (in GPU buffers on WebGPU) from the first step to the
// last and feeds only scalars per step (docs/providers.md, "Data on the device"). Per step:
//   ε̂     = w_u·ε_θ(c_in·z, t, e_∅) + w_c·ε_θ(c_in·z, t, ē)          (classifier-free guidance, Ho & Salimans 2022)
//   x0    = clamp(a·z + b·ε̂, ±clip)       (clip is infinite unless a pixel-space scheduler config asks for it)
//   z'    = c·z + d·ε̂ + e·x0 + f·x0_prev   (the sampler's update: diffusion/schedulers/linear-step.ts)
// The scalars (c_in, a, b, clip, c … f, w_u, w_c) come in as one small input per step; z' and x0 come back as loop-carried
// outputs (adam.ts's `next::` convention) that the next run takes by reference.
// The guided pair runs as one batch-2 UNet where the export allows it ('pair'), else as two batch-1 copies of the
// UNet in the same graph ('twice'; their weights and any constant-folded adapter merge are shared, not copied);
// a guidance scale of 0 or 1 needs one prediction ('single').
import { carriedOutputName } from './adam.ts';
import { fail } from '../errors.ts';
import { GraphEmitter } from '../graph/emitter.ts';
import { intAttr, opsetOf, type Graph, type Model, type Node, type ValueInfo } from '../graph/ir.ts';
import { eliminateDeadCode } from '../graph/normalize.ts';
import { linearStepVector, type LinearStep } from '../diffusion/schedulers/linear-step.ts';

export const LATENT_INPUT = 'sampling::latent';
export const PREVIOUS_X0_INPUT = 'sampling::previous_x0';
/** The step's scalars: linearStepVector's eight, then the guidance weights w_u and w_c. */
export const STEP_INPUT = 'sampling::step';

const UNET_SAMPLE = 'sample';
const UNET_EMBEDDING = 'encoder_hidden_states';
const UNET_OUTPUT = 'out_sample';

/** How the step gets ε̂: one UNet run at batch 1, the guided pair at batch 2, or the pair as two batch-1 runs. */
export type Predictions = 'single' | 'pair' | 'twice';

export interface DenoisingStep {
  readonly model: Model;
  /** Output → the input it feeds at the next step (SAMPLING_CARRIED). */
  readonly carried: ReadonlyMap<string, string>;
}

/** What every step carries: output → the input it feeds at the next step. */
export const SAMPLING_CARRIED: ReadonlyMap<string, string> = new Map(
  [LATENT_INPUT, PREVIOUS_X0_INPUT].map((input) => [carriedOutputName(input), input]),
);

/** Guidance weights of the unconditional and the conditional prediction: ε̂ = (1 − g)·ε_u + g·ε_c. */
export const guidanceTerms = (g: number) => ({ uncond: 1 - g, cond: g });

/** Whether a guidance scale needs both predictions (g = 1 needs only the conditional one, g = 0 the unconditional). */
export const needsPair = (g: number): boolean => g !== 0 && g !== 1;

/** The step input's values for one step: the sampler's scalars, then the guidance weights. */
export function stepScalars(
  step: LinearStep,
  guidance: { readonly uncond: number; readonly cond: number },
): Float32Array {
  return Float32Array.from([...linearStepVector(step), guidance.uncond, guidance.cond]);
}

export const STEP_SCALARS = 10;

/** The step graph around `unet` (the sampling UNet, adapters merged or scaled; at batch 2 for 'pair', else batch 1). */
export function denoisingStepModel(unet: Model, predictions: Predictions): DenoisingStep {
  const source = unet.graph;
  const sampleInfo =
    source.inputs.find((i) => i.name === UNET_SAMPLE) ?? fail('INTERNAL', 'the UNet has no sample input');
  const ehsInfo =
    source.inputs.find((i) => i.name === UNET_EMBEDDING) ??
    fail('INTERNAL', 'the UNet has no encoder_hidden_states input');
  const unetBatch = sampleInfo.dims[0];
  if (unetBatch !== (predictions === 'pair' ? 2 : 1))
    fail(
      'INTERNAL',
      `a '${predictions}' step needs the UNet at batch ${predictions === 'pair' ? 2 : 1}, got ${unetBatch}`,
    );
  const latentDims = [1, ...staticDims(sampleInfo).slice(1)];
  const graph: Graph = {
    ...source,
    nodes: [],
    inputs: [],
    outputs: [],
    types: new Map(source.types),
    initializers: new Map(source.initializers),
  };
  const model: Model = { ...unet, graph };
  const e = new GraphEmitter(graph, opsetOf(unet), 'sampling/');
  const addInput = (info: ValueInfo): string => {
    graph.inputs.push(info);
    graph.types.set(info.name, { dtype: info.dtype, dims: staticDims(info) });
    return info.name;
  };
  // The UNet's inputs but its sample; the embeddings of a 'twice' step come as one [2, S, D] input, as for 'pair'.
  for (const input of source.inputs) {
    if (input.name === UNET_SAMPLE) continue;
    addInput(
      input.name === UNET_EMBEDDING && predictions === 'twice'
        ? { ...input, dims: [2, ...input.dims.slice(1)] }
        : input,
    );
  }
  const latent = addInput({ name: LATENT_INPUT, dtype: 'float32', dims: latentDims });
  const previous = addInput({ name: PREVIOUS_X0_INPUT, dtype: 'float32', dims: latentDims });
  const scalars = addInput({ name: STEP_INPUT, dtype: 'float32', dims: [STEP_SCALARS] });
  const k = (index: number) => e.op1('Gather', [scalars, e.ints([index])], { axis: intAttr(0) });

  const modelInput = e.cast(e.mul(latent, k(0)), sampleInfo.dtype);
  const unetInput =
    predictions === 'pair' ? e.op1('Concat', [modelInput, modelInput], { axis: intAttr(0) }) : modelInput;
  /** ε_θ from a copy of the UNet (its values prefixed), on `embedding` where given, else on the step's input. */
  const predict = (prefix: string, embedding?: string) =>
    e.cast(
      copyInto(
        graph,
        source,
        prefix,
        new Map([[UNET_SAMPLE, unetInput], ...(embedding ? ([[UNET_EMBEDDING, embedding]] as const) : [])]),
      ),
      'float32',
    );
  const guided: Record<Exclude<Predictions, 'single'>, () => string[]> = {
    pair: () => e.split(predict(''), [1, 1], 0),
    twice: () => {
      const [uncond, cond] = e.split(ehsInfo.name, [1, 1], 0);
      return [predict('uncond/', uncond), predict('cond/', cond)];
    },
  };
  let eps: string;
  if (predictions === 'single') eps = predict('');
  else {
    const [uncond, cond] = guided[predictions]();
    eps = e.add(e.mul(uncond!, k(8)), e.mul(cond!, k(9)));
  }
  // clamp(x, −c, c) = −max(−max(x, −c), −c): Clip would read its bounds on the host on WebGPU, and CoreML has Max but
  // no Min (docs/providers.md).
  const low = e.neg(k(3));
  const x0 = e.neg(e.op1('Max', [e.neg(e.op1('Max', [e.add(e.mul(latent, k(1)), e.mul(eps, k(2))), low])), low]));
  const terms = [e.mul(latent, k(4)), e.mul(eps, k(5)), e.mul(x0, k(6)), e.mul(previous, k(7))];
  const names = { latent: carriedOutputName(LATENT_INPUT), previous: carriedOutputName(PREVIOUS_X0_INPUT) } as const;
  e.op('Add', [e.sum(terms.slice(0, 3)), terms[3]!], {}, { names: [names.latent] });
  e.op('Identity', [x0], {}, { names: [names.previous] });
  graph.outputs = [names.latent, names.previous].map((name) => ({ name, dtype: 'float32', dims: latentDims }));
  eliminateDeadCode(graph);
  return { model, carried: SAMPLING_CARRIED };
}

/** A normalised graph's dims are static; a symbolic one here is a bug upstream. */
const staticDims = (info: ValueInfo): number[] =>
  info.dims.map((d) =>
    typeof d === 'number' ? d : fail('INTERNAL', `'${info.name}' has a symbolic dim '${d}' after normalisation`),
  );

/**
 * Appends a copy of `source`'s nodes to `graph`, its values renamed with `prefix` and the inputs in `inputs` replaced;
 * returns the copy's UNet output. Values that depend on initializers alone (the weights, an adapter merge that
 * onnxruntime folds) are shared between copies, added by the first copy only.
 */
function copyInto(graph: Graph, source: Graph, prefix: string, inputs: ReadonlyMap<string, string>): string {
  const constant = new Set<string>(source.initializers.keys());
  const graphInputs = new Set(source.inputs.map((i) => i.name));
  const present = new Set(graph.nodes.flatMap((n) => n.outputs));
  const rename = (v: string) => inputs.get(v) ?? (v === '' || constant.has(v) || graphInputs.has(v) ? v : prefix + v);
  for (const node of source.nodes) {
    if (Object.values(node.attrs).some((a) => a.type === 'opaque'))
      fail('INTERNAL', `node '${node.name}' (${node.opType}) has a subgraph; the sampling step cannot copy it`);
    const shared = node.inputs.every((x) => x === '' || constant.has(x));
    if (shared) node.outputs.forEach((o) => constant.add(o));
    if (shared && node.outputs.every((o) => present.has(o))) continue;
    const copy: Node = {
      ...node,
      name: shared ? node.name : prefix + node.name,
      inputs: node.inputs.map(rename),
      outputs: node.outputs.map(rename),
    };
    graph.nodes.push(copy);
    node.outputs.forEach((o, i) => {
      const t = source.types.get(o);
      if (t) graph.types.set(copy.outputs[i]!, t);
    });
  }
  return rename(UNET_OUTPUT);
}
