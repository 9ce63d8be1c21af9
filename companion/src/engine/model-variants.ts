// What each producer's export looks like at its inputs and outputs (docs/onnx.md §1.1, §1.3), detected from
// the declared graph I/O rather than guessed from the producer: the timestep's dtype and rank, input_ids' dtype,
// whether the VAE encoder returns a sample or the posterior's parameters, and fp16.
import { fail } from '../errors.ts';
import type { TensorInfo } from '../runtime/ort-session.ts';

export type FloatType = 'float32' | 'float16';

export interface IoSignature {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

const find = (list: readonly TensorInfo[], name: string, what: string, role: 'input' | 'output'): TensorInfo =>
  list.find((t) => t.name === name) ??
  fail(
    'MODEL_INVALID',
    `the ${what} has no ${role} '${name}'; its ${role}s are: ${list.map((t) => t.name).join(', ') || 'none'}`,
  );

function floatType(t: TensorInfo, what: string): FloatType {
  if (t.dtype === 'float32' || t.dtype === 'float16') return t.dtype;
  return fail('MODEL_INVALID', `the ${what}'s '${t.name}' is ${t.dtype}; expected float32 or float16`);
}

/** A dim when static, else undefined (symbolic, e.g. 'batch'). */
export const staticDim = (t: TensorInfo, axis: number): number | undefined => {
  const d = t.dims[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
};

export interface TextEncoderVariant {
  readonly inputIds: TensorInfo & { readonly dtype: 'int32' | 'int64' };
  readonly output: TensorInfo;
  readonly dtype: FloatType;
}

export function textEncoderVariant(io: IoSignature): TextEncoderVariant {
  const ids = find(io.inputs, 'input_ids', 'text encoder', 'input');
  if (ids.dtype !== 'int32' && ids.dtype !== 'int64')
    fail('MODEL_INVALID', `text encoder input_ids is ${ids.dtype}; expected int32 or int64`);
  const output = find(io.outputs, 'last_hidden_state', 'text encoder', 'output');
  return { inputIds: ids as TextEncoderVariant['inputIds'], output, dtype: floatType(output, 'text encoder') };
}

/** docs/onnx.md §1.3: int64 [B] (early diffusers script, optimum < 1.24), float [B] (later script, Olive), float 0-d (optimum ≥ 1.24). */
export type TimestepVariant = 'int64[B]' | 'float[B]' | 'float-scalar';

export interface UNetVariant {
  readonly sample: TensorInfo;
  readonly timestep: TensorInfo;
  readonly encoderHiddenStates: TensorInfo;
  readonly output: TensorInfo;
  readonly timestepVariant: TimestepVariant;
  readonly dtype: FloatType;
}

export function unetVariant(io: IoSignature): UNetVariant {
  const sample = find(io.inputs, 'sample', 'UNet', 'input');
  const timestep = find(io.inputs, 'timestep', 'UNet', 'input');
  const encoderHiddenStates = find(io.inputs, 'encoder_hidden_states', 'UNet', 'input');
  const output = find(io.outputs, 'out_sample', 'UNet', 'output');
  const rank = timestep.dims.length;
  if (rank > 1) fail('MODEL_INVALID', `UNet timestep has rank ${rank}; expected a scalar or [batch]`);
  const isInt = timestep.dtype === 'int64' || timestep.dtype === 'int32';
  if (!isInt) floatType(timestep, 'UNet');
  const timestepVariant: TimestepVariant = isInt ? 'int64[B]' : rank === 0 ? 'float-scalar' : 'float[B]';
  return { sample, timestep, encoderHiddenStates, output, timestepVariant, dtype: floatType(sample, 'UNet') };
}

/** How to get the latent mean from the encoder's output, one row per output name. */
interface EncoderOutputRule {
  /**
   * Output channels per latent channel: the mean is always the first C planes (DiagonalGaussianDistribution:
   * mean‖logvar), C = the package's latent channels (4 for SD 1.x/2.x).
   */
  readonly planesPerChannel: number;
  /** The graph samples from the posterior in-graph (RandomNormalLike); the loader rewrites it to the mean. */
  readonly sampled: boolean;
}

export const VAE_ENCODER_OUTPUTS: Readonly<Record<'latent_sample' | 'latent_parameters', EncoderOutputRule>> = {
  latent_sample: { planesPerChannel: 1, sampled: true },
  latent_parameters: { planesPerChannel: 2, sampled: false },
};

export type VaeEncoderOutputName = keyof typeof VAE_ENCODER_OUTPUTS;

export interface VaeEncoderVariant {
  readonly input: TensorInfo;
  readonly output: TensorInfo & { readonly name: VaeEncoderOutputName };
  readonly rule: EncoderOutputRule;
  readonly dtype: FloatType;
}

export function vaeEncoderVariant(io: IoSignature): VaeEncoderVariant {
  const input = find(io.inputs, 'sample', 'VAE encoder', 'input');
  const output = io.outputs.find((o): o is TensorInfo & { name: VaeEncoderOutputName } =>
    Object.hasOwn(VAE_ENCODER_OUTPUTS, o.name),
  );
  if (!output)
    fail(
      'MODEL_INVALID',
      `the VAE encoder outputs ${io.outputs.map((o) => o.name).join(', ')}; expected latent_sample or latent_parameters`,
    );
  return { input, output: output!, rule: VAE_ENCODER_OUTPUTS[output!.name], dtype: floatType(input, 'VAE encoder') };
}

export interface VaeDecoderVariant {
  readonly input: TensorInfo;
  readonly output: TensorInfo;
  readonly dtype: FloatType;
}

export function vaeDecoderVariant(io: IoSignature): VaeDecoderVariant {
  const input = find(io.inputs, 'latent_sample', 'VAE decoder', 'input');
  const output = find(io.outputs, 'sample', 'VAE decoder', 'output');
  return { input, output, dtype: floatType(input, 'VAE decoder') };
}
