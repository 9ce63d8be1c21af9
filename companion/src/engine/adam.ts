// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) as nodes appended to a gradient
// graph, so that one session run is a whole optimiser step. Per element, at step t (1-based):
//   m_t = β1·m_{t−1} + (1 − β1)·g_t                    (biased first moment)
//   v_t = β2·v_{t−1} + (1 − β2)·g_t²                   (biased second raw moment)
//   θ_t = θ_{t−1} − α_t·m̂_t/(sqrt(v̂_t) + ε),  m̂_t = m_t/(1 − β1^t),  v̂_t = v_t/(1 − β2^t)
// The step's scalars α_t/(1 − β1^t) and 1/(1 − β2^t) are fed per step (a learning-rate schedule changes α_t). The
// parameters, both moments and the stage's fixed inputs come back as outputs that the next step takes as inputs
// (loop-carried), so a provider that can keep outputs on the device (WebGPU: gpu-buffer outputs) never moves them to
// the host during a stage: per step only the draw (z_t, t, ε) goes up and the loss comes down (docs/providers.md,
// "Data on the device"). The moments are fp32 whatever the model's dtype (gradient-model.ts promotes fp16
// parameters to fp32 inputs), so fp16 models train with fp32 master weights. The defaults are the paper's (and
// torch.optim.Adam's), which the Imagic implementations use.
import { gradOutputName, LOSS_OUTPUT } from '../autodiff/gradient-model.ts';
import { GraphEmitter } from '../graph/emitter.ts';
import { intAttr, opsetOf, type Model, type ValueInfo } from '../graph/ir.ts';
import { numel } from '../graph/tensor.ts';
import { eliminateDeadCode } from '../graph/normalize.ts';
import { fail } from '../errors.ts';

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** Per-step scalar inputs: α_t/(1 − β1^t) and 1/(1 − β2^t). */
export const ADAM_LR_INPUT = 'adam::lr_over_c1';
export const ADAM_C2_INPUT = 'adam::inv_c2';

/** The moments of every parameter, flattened and concatenated in the order of `params`. */
export const FIRST_MOMENT = 'adam::m';
export const SECOND_MOMENT = 'adam::v';
/** The output a loop-carried input comes back as. */
export const carriedOutputName = (input: string): string => `next::${input}`;

export interface TrainingStep {
  readonly model: Model;
  /** Output → the input it feeds at the next step: every parameter, the two moments, and the fixed inputs. */
  readonly carried: ReadonlyMap<string, string>;
}

/** What a training step built from `params` and `fixed` carries: output → the input it feeds at the next step. */
export function carriedInputs(params: readonly string[], fixed: readonly string[] = []): Map<string, string> {
  return new Map([...params, FIRST_MOMENT, SECOND_MOMENT, ...fixed].map((input) => [carriedOutputName(input), input]));
}

/** The per-step scalars for 1-based step `t` at rate `lr`. */
export function adamScalars(
  lr: number,
  t: number,
  betas: { beta1: number; beta2: number } = ADAM_DEFAULTS,
): Record<typeof ADAM_LR_INPUT | typeof ADAM_C2_INPUT, number> {
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`Adam: lr must be > 0, got ${lr}`);
  if (!(Number.isSafeInteger(t) && t >= 1)) throw new RangeError(`Adam: steps count from 1, got ${t}`);
  return { [ADAM_LR_INPUT]: lr / (1 - betas.beta1 ** t), [ADAM_C2_INPUT]: 1 / (1 - betas.beta2 ** t) };
}

/**
 * `gradient` (buildGradientModel's model: outputs `loss` and `grad::<p>`) with an Adam update of every parameter in
 * `params` appended: outputs `loss`, then `next::<x>` for each parameter, both moments and each input in `fixed` (the
 * inputs a stage feeds unchanged at every step). The gradients stay inside the graph. The update runs once over all
 * parameters flattened into one vector (the moments are kept that way): per parameter it costs a Reshape of its
 * gradient, a Reshape of its step and a Sub, where an update per parameter costs a dozen nodes, and on the demo
 * model's 130 adapter matrices each node's fixed cost made the step 17% slower than the gradient graph alone.
 */
export function trainingStepModel(
  gradient: Model,
  params: readonly string[],
  fixed: readonly string[] = [],
  options: { beta1?: number; beta2?: number; eps?: number } = {},
): TrainingStep {
  const { beta1, beta2, eps } = { ...ADAM_DEFAULTS, ...options };
  const model: Model = {
    ...gradient,
    graph: {
      ...gradient.graph,
      nodes: [...gradient.graph.nodes],
      inputs: [...gradient.graph.inputs],
      types: new Map(gradient.graph.types),
      initializers: new Map(gradient.graph.initializers),
    },
  };
  const graph = model.graph;
  const e = new GraphEmitter(graph, opsetOf(model), 'adam/');
  const addInput = (name: string, dims: readonly number[]): string => {
    graph.inputs.push({ name, dtype: 'float32', dims });
    graph.types.set(name, { dtype: 'float32', dims });
    return name;
  };
  const gradOf = new Map(gradient.graph.outputs.map((o) => [o.name, o]));
  const outputs: ValueInfo[] = [gradOf.get(LOSS_OUTPUT) ?? fail('INTERNAL', 'the gradient graph has no loss output')];
  /** The output `input` comes back as, computed by one node. */
  const output = (input: string, opType: string, inputs: readonly string[]) => {
    const name = carriedOutputName(input);
    e.op(opType, inputs, {}, { names: [name] });
    const t = graph.types.get(name)!;
    outputs.push({ name, dtype: t.dtype, dims: t.dims });
  };
  const k = (value: number) => e.scalar(value, 'float32');

  const sizes = params.map((p) => {
    const input =
      graph.inputs.find((i) => i.name === p) ?? fail('INTERNAL', `'${p}' is not an input of the gradient graph`);
    if (input.dtype !== 'float32')
      fail('INTERNAL', `'${p}' is ${input.dtype}; the gradient graph feeds parameters as float32`);
    return numel(graph.types.get(p)!.dims);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const flat = (x: string) => e.reshape(x, [numel(e.dims(x))]);
  const grads = params.map((p) =>
    flat(gradOf.get(gradOutputName(p))?.name ?? fail('INTERNAL', `the gradient graph has no gradient for '${p}'`)),
  );
  const g = grads.length === 1 ? grads[0]! : e.op1('Concat', grads, { axis: intAttr(0) });
  const lrOverC1 = addInput(ADAM_LR_INPUT, [1]);
  const invC2 = addInput(ADAM_C2_INPUT, [1]);
  const m = addInput(FIRST_MOMENT, [total]);
  const v = addInput(SECOND_MOMENT, [total]);
  const m1 = e.add(e.mul(m, k(beta1)), e.mul(g, k(1 - beta1)));
  const v1 = e.add(e.mul(v, k(beta2)), e.mul(e.mul(g, g), k(1 - beta2)));
  const update = e.div(e.mul(m1, lrOverC1), e.add(e.op1('Sqrt', [e.mul(v1, invC2)]), k(eps)));
  const pieces = splitTree(e, update, sizes);
  params.forEach((p, i) => output(p, 'Sub', [p, e.reshape(pieces[i]!, graph.types.get(p)!.dims)]));
  output(FIRST_MOMENT, 'Identity', [m1]);
  output(SECOND_MOMENT, 'Identity', [v1]);
  for (const x of fixed) {
    if (!graph.inputs.some((i) => i.name === x))
      fail('INTERNAL', `fixed input '${x}' is not an input of the gradient graph`);
    output(x, 'Identity', [x]);
  }
  graph.outputs = outputs;
  eliminateDeadCode(graph);
  return { model, carried: carriedInputs(params, fixed) };
}

/**
 * The Split of a vector into pieces of `sizes`, as a tree of Splits of at most SPLIT_FANOUT outputs each: WebGPU binds
 * every output of a Split to one shader, and a shader stage may have only 8–12 storage buffers (SwiftShader refused
 * 13). A Slice per piece would do too, at three times the nodes (each node has a fixed cost that small tensors feel).
 */
function splitTree(e: GraphEmitter, x: string, sizes: readonly number[]): string[] {
  if (sizes.length <= SPLIT_FANOUT) return sizes.length === 1 ? [x] : e.split(x, sizes, 0);
  const per = Math.ceil(sizes.length / SPLIT_FANOUT);
  const groups = Array.from({ length: Math.ceil(sizes.length / per) }, (_, i) => sizes.slice(i * per, (i + 1) * per));
  const parts = e.split(
    x,
    groups.map((g) => g.reduce((a, b) => a + b, 0)),
    0,
  );
  return groups.flatMap((g, i) => splitTree(e, parts[i]!, g));
}

/** Outputs per Split, with the input: within the 8 storage buffers every WebGPU implementation offers. */
const SPLIT_FANOUT = 7;
