// The gradient table: one row per ONNX op type (tinygrad's pm_gradient, typed). The backward walk looks an op
// up here and fails naming the op and node when a row is missing. Rule bodies live by family in ./rules.
import type { GradientRule } from './rule.ts';
import * as ew from './rules/elementwise.ts';
import * as lin from './rules/linear.ts';
import * as norm from './rules/normalization.ts';
import * as red from './rules/reduction.ts';
import * as mov from './rules/movement.ts';

export const gradientRules: Readonly<Record<string, GradientRule>> = {
  // elementwise arithmetic, with broadcasting
  Add: ew.add,
  Sub: ew.sub,
  Mul: ew.mul,
  Div: ew.div,
  Pow: ew.pow,
  Sum: ew.sum,
  Neg: ew.neg,
  Reciprocal: ew.reciprocal,
  Abs: ew.abs,
  // elementwise functions
  Sqrt: ew.sqrt,
  Erf: ew.erf,
  Sigmoid: ew.sigmoid,
  Tanh: ew.tanh,
  Exp: ew.exp,
  Log: ew.log,
  Sin: ew.sin,
  Cos: ew.cos,
  Relu: ew.relu,
  // selection and type
  Where: ew.where,
  Cast: ew.cast,
  Identity: ew.identity,
  Dropout: ew.identity,
  // linear algebra and convolution
  MatMul: lin.matmul,
  Gemm: lin.gemm,
  Conv: lin.conv,
  ConvTranspose: lin.convTranspose,
  // normalisation
  InstanceNormalization: norm.instanceNorm,
  LayerNormalization: norm.layerNorm,
  GroupNormalization: norm.groupNorm,
  // reductions and softmax
  ReduceSum: red.reduceSum,
  ReduceMean: red.reduceMean,
  Softmax: red.softmax,
  LogSoftmax: red.logSoftmax,
  // data movement
  Reshape: mov.reshapeLike,
  Flatten: mov.reshapeLike,
  Squeeze: mov.reshapeLike,
  Unsqueeze: mov.reshapeLike,
  Transpose: mov.transpose,
  Concat: mov.concat,
  Split: mov.split,
  Slice: mov.slice,
  Expand: mov.expand,
  Tile: mov.tile,
  Gather: mov.gather,
  Resize: mov.resize,
};
