// The one graph a demo training step runs: the text encoder feeding the UNet's encoder_hidden_states, both at batch
// B, every weight of both a graph input, the UNet's output scaled per example and latent cell by `loss_weight`
// [B,1,L,L] (the target is scaled alike, so the in-graph MSE becomes Σ w·‖y − ŷ‖² with w = loss_weight²), then the autodiff's
// forward + in-graph MSE + backward (buildGradientModel).
// Outputs: `loss` and `grad::<weight>` for every weight. Feeding the weights each step is what lets the optimiser
// (optimizer.ts) update them in JS: an initializer would be frozen into the session.
import { buildGradientModel, renameUses, type GradientModel } from '../autodiff/gradient-model.ts';
import { GraphEmitter } from '../graph/emitter.ts';
import type { Graph, Model } from '../graph/ir.ts';
import { buildUNet, UNET_INPUTS, UNET_OUTPUT } from '../model-builder/unet.ts';
import type { DemoConfig } from './demo-config.ts';
import { emitTextEncoder, isTextParameter, TEXT_INPUT } from './text-encoder.ts';

/** sqrt of each example's loss weight per latent cell, [B, 1, L, L]. */
export const LOSS_WEIGHT_INPUT = 'loss_weight';

export const lossWeightDims = (c: DemoConfig): number[] => [c.train.batch, 1, c.unet.latentSize, c.unet.latentSize];

export interface Parameter {
  readonly dims: readonly number[];
  /** The seeded initial value. */
  readonly init: Float32Array;
}

export interface TrainingGraph {
  readonly gradient: GradientModel;
  /** Every trainable tensor by name (the UNet's initializer names, transformers' names for the text encoder). */
  readonly parameters: ReadonlyMap<string, Parameter>;
}

/** The text encoder and the UNet of one config, joined, with their weights as initializers (seeded values). */
export function buildJointModel(
  config: DemoConfig,
  vocabSize: number,
  batch: number,
): { model: Model; parameterNames: string[] } {
  const unet = buildUNet({ ...config.unet, batch });
  const model = unet.model;
  const graph = model.graph;
  // The text half is emitted into its own graph, with its own name prefix, and put in front of the UNet's nodes.
  const text: Graph = { name: 'text', nodes: [], inputs: [], outputs: [], initializers: new Map(), types: new Map() };
  const e = new GraphEmitter(text, config.unet.opset, 'text/');
  const idsDims = [batch, config.text.sequenceLength];
  text.types.set(TEXT_INPUT, { dtype: 'int64', dims: idsDims });
  const hidden = emitTextEncoder(text, e, TEXT_INPUT, config.text, vocabSize);
  renameUses(graph.nodes, UNET_INPUTS.encoderHiddenStates, hidden);
  graph.nodes = [...text.nodes, ...graph.nodes];
  graph.inputs = [
    { name: TEXT_INPUT, dtype: 'int64', dims: idsDims },
    ...graph.inputs.filter((i) => i.name !== UNET_INPUTS.encoderHiddenStates),
  ];
  for (const [name, init] of text.initializers) graph.initializers.set(name, init);
  for (const [name, type] of text.types) graph.types.set(name, type);
  const parameterNames = [...unet.parameters.keys(), ...[...text.initializers.keys()].filter(isTextParameter)];
  return { model, parameterNames };
}

/** The seeded initial value of every trainable tensor (the same at any batch size). */
export function initialWeights(config: DemoConfig, vocabSize: number): Map<string, Parameter> {
  const { model, parameterNames } = buildJointModel(config, vocabSize, 1);
  const out = new Map<string, Parameter>();
  for (const name of parameterNames) {
    const init = model.graph.initializers.get(name);
    if (!(init?.data?.data instanceof Float32Array))
      throw new RangeError(`parameter '${name}' has no inline float32 value`);
    out.set(name, { dims: init.dims, init: init.data.data });
  }
  return out;
}

export function buildTrainingGraph(config: DemoConfig, vocabSize: number): TrainingGraph {
  const { model, parameterNames } = buildJointModel(config, vocabSize, config.train.batch);
  const graph = model.graph;
  const parameters = new Map<string, Parameter>();
  for (const name of parameterNames) {
    const init = graph.initializers.get(name);
    if (!init?.data || !(init.data.data instanceof Float32Array))
      throw new RangeError(`parameter '${name}' has no inline float32 value`);
    graph.initializers.delete(name);
    graph.inputs.push({ name, dtype: 'float32', dims: init.dims });
    parameters.set(name, { dims: init.dims, init: init.data.data });
  }
  // conv_out writes `out_sample`; it now writes a raw value that the weight multiplies into `out_sample`.
  const raw = `${UNET_OUTPUT}::unweighted`;
  for (const node of graph.nodes) node.outputs = node.outputs.map((o) => (o === UNET_OUTPUT ? raw : o));
  graph.types.set(raw, graph.types.get(UNET_OUTPUT)!);
  const weightDims = lossWeightDims(config);
  graph.inputs.push({ name: LOSS_WEIGHT_INPUT, dtype: 'float32', dims: weightDims });
  graph.types.set(LOSS_WEIGHT_INPUT, { dtype: 'float32', dims: weightDims });
  new GraphEmitter(graph, config.unet.opset, 'weight/').op(
    'Mul',
    [raw, LOSS_WEIGHT_INPUT],
    {},
    { names: [UNET_OUTPUT] },
  );
  const gradient = buildGradientModel(model, { loss: { type: 'mse', output: UNET_OUTPUT }, wrt: parameterNames });
  return { gradient, parameters };
}
