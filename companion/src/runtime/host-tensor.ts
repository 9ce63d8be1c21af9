// Tensors as the companion passes them around: dtype, dims and a typed array (fp16 as Uint16 bits).
import type { DType, TypedArray } from '../graph/dtype.ts';

export interface HostTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export type Feeds = Readonly<Record<string, HostTensor>>;
