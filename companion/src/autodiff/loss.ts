// Losses built inside the graph, each with its seed gradient in closed form.
import type { GraphEmitter } from '../graph/emitter.ts';
import { numel } from '../graph/tensor.ts';
import type { Seed } from './backward.ts';

export interface LossGraph {
  /** Scalar float32 loss value. */
  readonly loss: string;
  readonly seeds: readonly Seed[];
}

/**
 * Imagic's denoising loss L = mean((output − target)²) (docs/method.md §1–2), computed in fp32
 * whatever the model's dtype. Seed: ∂L/∂output = 2·(output − target)/N, cast back to the output's dtype.
 */
export function meanSquaredError(e: GraphEmitter, output: string, target: string): LossGraph {
  const dims = e.dims(output);
  const diff = e.sub(e.cast(output, 'float32'), target);
  const loss = e.reduceMean(
    e.mul(diff, diff),
    dims.map((_, i) => i),
    false,
  );
  const grad = e.cast(e.scale(diff, 2 / numel(dims)), e.type(output).dtype);
  return { loss, seeds: [{ value: output, grad }] };
}
