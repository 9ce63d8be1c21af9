// Where a model builder puts each weight as it generates it. The inline sink keeps the tensor in the graph; the
// external-data writer (onnx/external-data-writer.ts) appends it to a weights file and keeps only a reference,
// so a 3.4 GB UNet never sits in JS memory. The dry-run sink keeps neither: it lets the full graph be built
// and inspected (names, shapes, parameter counts) without generating a single weight.
import type { DType } from '../graph/dtype.ts';
import type { Initializer } from '../graph/ir.ts';
import type { ConstTensor } from '../graph/tensor.ts';

export interface WeightSink {
  /** Stores one weight and returns its initializer. `values` is called at most once, only by sinks that keep data. */
  put(name: string, dtype: DType, dims: readonly number[], values: () => ConstTensor): Initializer;
}

export const inlineWeightSink: WeightSink = {
  put: (name, dtype, dims, values) => ({ name, dtype, dims, data: values() }),
};

/** Records shapes only; the resulting model can be inspected but not serialised or run. */
export const DRY_RUN_LOCATION = 'dry-run://no-data';

export const dryRunWeightSink: WeightSink = {
  put: (name, dtype, dims) => ({ name, dtype, dims, external: { location: DRY_RUN_LOCATION, offset: 0, length: 0 } }),
};
