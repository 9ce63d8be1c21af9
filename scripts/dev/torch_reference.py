#!/usr/bin/python3
"""Independent reference for `imagic grad` (development only; the project never depends on Python).

Evaluates an ONNX graph node by node with PyTorch ops in float64, computes the spec's loss
L = mean((output - target)^2) and dL/d(wrt) by torch.autograd, and writes

    <out>/ref_<name>.bin     raw little-endian float32, same shape as the tensor
    <out>/ref_report.json    {"loss": ..., "gradients": {name: {"dims": [...], "file": ...}}, ...}

Usage:
    /usr/bin/python3 scripts/dev/torch_reference.py --spec SPEC.json --out DIR
        [--dtype float64|float32] [--dump NAME,...] [--dump-dir DIR] [--stats] [--grad-of NAME,...]

--dump writes forward values of the named graph tensors (float32 .bin, `val_<name>.bin`) to --dump-dir;
--grad-of also writes dL/d(tensor) for intermediate tensors (`gradof_<name>.bin`); --stats prints per-node
output statistics. Needs Debian's python3-torch, python3-numpy and python3-onnx (run with /usr/bin/python3).
"""
import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

FLOAT = torch.float64  # compute dtype for every floating tensor (overridable by --dtype)

INT64_MAX = 2**63 - 1

SPEC_DTYPES = {
    'float32': np.float32, 'float16': np.float16, 'float64': np.float64,
    'int64': np.int64, 'int32': np.int32, 'int8': np.int8, 'uint8': np.uint8, 'bool': np.bool_,
}

FLOAT_ONNX = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
INT_ONNX = {TensorProto.INT8, TensorProto.INT16, TensorProto.INT32, TensorProto.INT64,
            TensorProto.UINT8, TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64}


def file_name_for(prefix, name):
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}.bin"


# ---------------------------------------------------------------------------------------------- tensors


def to_torch(arr):
    """numpy -> torch in the reference's canonical dtypes: floats -> FLOAT, ints -> int64, bool stays bool."""
    arr = np.asarray(arr)
    # np.array(copy) rather than np.ascontiguousarray, which turns 0-d arrays into 1-d ones
    if arr.dtype.kind == 'f':
        return torch.from_numpy(np.array(arr, dtype=np.float64)).to(FLOAT)
    if arr.dtype.kind in 'iu':
        return torch.from_numpy(np.array(arr, dtype=np.int64))
    if arr.dtype.kind == 'b':
        return torch.from_numpy(np.array(arr, dtype=np.bool_))
    raise ValueError(f'unsupported numpy dtype {arr.dtype}')


def load_initializer(t, base_dir):
    if t.data_location == TensorProto.EXTERNAL:
        info = {e.key: e.value for e in t.external_data}
        path = os.path.join(base_dir, info['location'])
        offset = int(info.get('offset', 0))
        length = info.get('length')
        with open(path, 'rb') as f:
            f.seek(offset)
            raw = f.read(int(length)) if length is not None else f.read()
        dtype = helper.tensor_dtype_to_np_dtype(t.data_type) if hasattr(helper, 'tensor_dtype_to_np_dtype') \
            else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type]
        dims = tuple(t.dims)
        n = int(np.prod(dims)) if dims else 1
        arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder('<'), count=n).reshape(dims)
        return to_torch(arr)
    return to_torch(numpy_helper.to_array(t))


def is_float(t):
    return t.is_floating_point()


def ints(t):
    """A 1-d int tensor (or None) as a Python list of ints."""
    if t is None:
        return None
    return [int(v) for v in t.detach().reshape(-1).tolist()]


def norm_axis(axis, rank):
    return axis + rank if axis < 0 else axis


# ---------------------------------------------------------------------------------------------- ops

OPS = {}


def op(*names):
    def reg(fn):
        for n in names:
            OPS[n] = fn
        return fn
    return reg


class Ctx:
    def __init__(self, node, opset):
        self.node = node
        self.opset = opset
        self.attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def a(self, name, default=None):
        v = self.attrs.get(name, default)
        if isinstance(v, bytes):
            v = v.decode()
        return v


def opt(inputs, i):
    return inputs[i] if i < len(inputs) else None


# --- elementwise binary (numpy broadcasting)

@op('Add')
def _add(c, x):
    return x[0] + x[1]


@op('Sub')
def _sub(c, x):
    return x[0] - x[1]


@op('Mul')
def _mul(c, x):
    return x[0] * x[1]


@op('Div')
def _div(c, x):
    a, b = x
    if not is_float(a) and not is_float(b):
        return torch.div(a, b, rounding_mode='trunc')  # ONNX integer Div truncates like C
    return a / b


@op('Pow')
def _pow(c, x):
    a, b = x
    if is_float(a) and not is_float(b):
        b = b.to(a.dtype)
    return torch.pow(a, b)


@op('Mod')
def _mod(c, x):
    a, b = x
    if c.a('fmod', 0):
        return torch.fmod(a, b)
    return torch.remainder(a, b)


@op('Max')
def _max(c, x):
    r = x[0]
    for t in x[1:]:
        r = torch.maximum(r, t)
    return r


@op('Min')
def _min(c, x):
    r = x[0]
    for t in x[1:]:
        r = torch.minimum(r, t)
    return r


@op('Sum')
def _sum(c, x):
    r = x[0]
    for t in x[1:]:
        r = r + t
    return r


@op('Equal')
def _eq(c, x):
    return torch.eq(x[0], x[1])


@op('Less')
def _lt(c, x):
    return torch.lt(x[0], x[1])


@op('Greater')
def _gt(c, x):
    return torch.gt(x[0], x[1])


@op('LessOrEqual')
def _le(c, x):
    return torch.le(x[0], x[1])


@op('GreaterOrEqual')
def _ge(c, x):
    return torch.ge(x[0], x[1])


@op('And')
def _and(c, x):
    return torch.logical_and(x[0], x[1])


@op('Or')
def _or(c, x):
    return torch.logical_or(x[0], x[1])


@op('Not')
def _not(c, x):
    return torch.logical_not(x[0])


@op('Where')
def _where(c, x):
    return torch.where(x[0].bool(), x[1], x[2])


# --- elementwise unary

UNARY = {
    'Sqrt': torch.sqrt, 'Erf': torch.erf, 'Sigmoid': torch.sigmoid, 'Tanh': torch.tanh, 'Exp': torch.exp,
    'Log': torch.log, 'Neg': torch.neg, 'Sin': torch.sin, 'Cos': torch.cos, 'Abs': torch.abs,
    'Relu': torch.relu, 'Reciprocal': torch.reciprocal, 'Floor': torch.floor, 'Ceil': torch.ceil,
    'Round': torch.round, 'Softplus': F.softplus, 'Sign': torch.sign,
}
for _name, _fn in UNARY.items():
    OPS[_name] = (lambda fn: (lambda c, x: fn(x[0])))(_fn)


@op('Identity', 'Dropout')
def _identity(c, x):
    return x[0]


@op('Gelu')
def _gelu(c, x):
    return F.gelu(x[0], approximate='tanh' if c.a('approximate', 'none') == 'tanh' else 'none')


@op('Clip')
def _clip(c, x):
    lo, hi = opt(x, 1), opt(x, 2)
    if c.opset < 11:
        lo, hi = c.a('min'), c.a('max')
    r = x[0]
    if lo is not None:
        r = torch.maximum(r, torch.as_tensor(lo, dtype=r.dtype))
    if hi is not None:
        r = torch.minimum(r, torch.as_tensor(hi, dtype=r.dtype))
    return r


@op('LeakyRelu')
def _leaky(c, x):
    return F.leaky_relu(x[0], c.a('alpha', 0.01))


@op('HardSigmoid')
def _hsig(c, x):
    return torch.clamp(c.a('alpha', 0.2) * x[0] + c.a('beta', 0.5), 0, 1)


@op('Cast')
def _cast(c, x):
    to = c.a('to')
    if to in FLOAT_ONNX:
        return x[0].to(FLOAT)
    if to in INT_ONNX:
        return x[0].to(torch.int64)  # float -> int truncates toward zero, as ONNX does
    if to == TensorProto.BOOL:
        return x[0] != 0
    raise NotImplementedError(f'Cast to {to}')


@op('CastLike')
def _castlike(c, x):
    return x[0].to(x[1].dtype)


# --- linear algebra

@op('MatMul')
def _matmul(c, x):
    return torch.matmul(x[0], x[1])


@op('Gemm')
def _gemm(c, x):
    a, b = x[0], x[1]
    if c.a('transA', 0):
        a = a.transpose(0, 1)
    if c.a('transB', 0):
        b = b.transpose(0, 1)
    y = c.a('alpha', 1.0) * (a @ b)
    bias = opt(x, 2)
    if bias is not None:
        y = y + c.a('beta', 1.0) * bias
    return y


@op('Einsum')
def _einsum(c, x):
    return torch.einsum(c.a('equation'), *x)


def _conv_pads(c, spatial, in_sizes, kernel, strides, dilations):
    pads = c.a('pads')
    auto_pad = c.a('auto_pad', 'NOTSET')
    if auto_pad in ('SAME_UPPER', 'SAME_LOWER'):
        begins, ends = [], []
        for i in range(spatial):
            out = math.ceil(in_sizes[i] / strides[i])
            total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in_sizes[i])
            small, big = total // 2, total - total // 2
            begins.append(small if auto_pad == 'SAME_UPPER' else big)
            ends.append(big if auto_pad == 'SAME_UPPER' else small)
        return begins + ends
    if auto_pad == 'VALID' or pads is None:
        return [0] * (2 * spatial)
    return list(pads)


CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONVT_FN = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _torch_pad(begins, ends):
    """ONNX [b1..bn] + [e1..en] (first spatial axis first) -> F.pad order (last axis first)."""
    out = []
    for b, e in zip(reversed(begins), reversed(ends)):
        out += [b, e]
    return out


@op('Conv')
def _conv(c, x):
    X, W, B = x[0], x[1], opt(x, 2)
    spatial = X.dim() - 2
    kernel = c.a('kernel_shape') or list(W.shape[2:])
    strides = c.a('strides') or [1] * spatial
    dilations = c.a('dilations') or [1] * spatial
    pads = _conv_pads(c, spatial, list(X.shape[2:]), kernel, strides, dilations)
    begins, ends = pads[:spatial], pads[spatial:]
    if begins == ends:
        padding = begins
    else:
        X = F.pad(X, _torch_pad(begins, ends))
        padding = [0] * spatial
    return CONV_FN[spatial](X, W, B, stride=strides, padding=padding, dilation=dilations, groups=c.a('group', 1))


@op('ConvTranspose')
def _convt(c, x):
    X, W, B = x[0], x[1], opt(x, 2)
    spatial = X.dim() - 2
    kernel = c.a('kernel_shape') or list(W.shape[2:])
    strides = c.a('strides') or [1] * spatial
    dilations = c.a('dilations') or [1] * spatial
    out_pad = c.a('output_padding') or [0] * spatial
    group = c.a('group', 1)
    in_sizes = list(X.shape[2:])
    full = [strides[i] * (in_sizes[i] - 1) + (kernel[i] - 1) * dilations[i] + 1 for i in range(spatial)]
    output_shape = c.a('output_shape')
    auto_pad = c.a('auto_pad', 'NOTSET')
    if output_shape is not None:
        output_shape = list(output_shape)[-spatial:]
        begins, ends = [], []
        for i in range(spatial):
            total = full[i] + out_pad[i] - output_shape[i]
            if auto_pad == 'SAME_UPPER':
                begins.append(total // 2); ends.append(total - total // 2)
            else:
                begins.append(total - total // 2); ends.append(total // 2)
    elif auto_pad in ('SAME_UPPER', 'SAME_LOWER'):
        begins, ends = [], []
        for i in range(spatial):
            total = full[i] + out_pad[i] - in_sizes[i] * strides[i]
            if auto_pad == 'SAME_UPPER':
                begins.append(total // 2); ends.append(total - total // 2)
            else:
                begins.append(total - total // 2); ends.append(total // 2)
    else:
        pads = c.a('pads') or [0] * (2 * spatial)
        begins, ends = list(pads[:spatial]), list(pads[spatial:])
    y = CONVT_FN[spatial](X, W, None, stride=strides, padding=0, output_padding=0, groups=group, dilation=dilations)
    # output_padding appends zero rows at the end (they get no contribution except the bias); then crop pads.
    y = F.pad(y, _torch_pad([0] * spatial, list(out_pad)))
    idx = [slice(None), slice(None)] + [slice(begins[i], y.shape[2 + i] - ends[i]) for i in range(spatial)]
    y = y[tuple(idx)]
    if B is not None:
        y = y + B.reshape([1, -1] + [1] * spatial)
    return y


# --- normalization

@op('InstanceNormalization')
def _instnorm(c, x):
    X, scale, bias = x
    eps = c.a('epsilon', 1e-5)
    axes = list(range(2, X.dim()))
    mean = X.mean(dim=axes, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=axes, keepdim=True)
    shape = [1, -1] + [1] * (X.dim() - 2)
    return (X - mean) / torch.sqrt(var + eps) * scale.reshape(shape) + bias.reshape(shape)


@op('LayerNormalization')
def _layernorm(c, x):
    X, scale, bias = x[0], x[1], opt(x, 2)
    eps = c.a('epsilon', 1e-5)
    axis = norm_axis(c.a('axis', -1), X.dim())
    axes = list(range(axis, X.dim()))
    mean = X.mean(dim=axes, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=axes, keepdim=True)
    inv = 1.0 / torch.sqrt(var + eps)
    y = (X - mean) * inv * scale
    if bias is not None:
        y = y + bias
    n_out = len(c.node.output)
    if n_out == 1:
        return y
    return (y, mean, inv)[:n_out]


@op('GroupNormalization')
def _groupnorm(c, x):
    X, scale, bias = x
    eps = c.a('epsilon', 1e-5)
    G = c.a('num_groups')
    N, C = X.shape[0], X.shape[1]
    rest = list(X.shape[2:])
    xg = X.reshape(N, G, -1)
    mean = xg.mean(dim=2, keepdim=True)
    var = ((xg - mean) ** 2).mean(dim=2, keepdim=True)
    y = ((xg - mean) / torch.sqrt(var + eps)).reshape([N, C] + rest)
    shape = [1, C] + [1] * len(rest)
    if scale.numel() == C:  # opset 21 (per-channel); also the common producer reading of opset 18
        s, b = scale.reshape(shape), bias.reshape(shape)
    else:  # opset 18 as written: one scale/bias per group
        s = scale.repeat_interleave(C // G).reshape(shape)
        b = bias.repeat_interleave(C // G).reshape(shape)
    return y * s + b


@op('Softmax', 'LogSoftmax')
def _softmax(c, x):
    X = x[0]
    fn = torch.softmax if c.node.op_type == 'Softmax' else torch.log_softmax
    if c.opset >= 13:
        return fn(X, dim=c.a('axis', -1))
    axis = norm_axis(c.a('axis', 1), X.dim())
    shape = X.shape
    flat = X.reshape(int(np.prod(shape[:axis])), -1)
    return fn(flat, dim=1).reshape(shape)


# --- reductions

def _reduce(c, x, fn):
    X = x[0]
    axes = c.a('axes')
    if axes is None and len(x) > 1 and x[1] is not None:
        axes = ints(x[1])
    keepdims = bool(c.a('keepdims', 1))
    if not axes:
        if c.a('noop_with_empty_axes', 0):
            return X
        axes = list(range(X.dim()))
    axes = sorted(norm_axis(a, X.dim()) for a in axes)
    return fn(X, axes, keepdims)


@op('ReduceMean')
def _rmean(c, x):
    return _reduce(c, x, lambda X, ax, k: X.mean(dim=ax, keepdim=k))


@op('ReduceSum')
def _rsum(c, x):
    return _reduce(c, x, lambda X, ax, k: X.sum(dim=ax, keepdim=k))


@op('ReduceSumSquare')
def _rsumsq(c, x):
    return _reduce(c, x, lambda X, ax, k: (X * X).sum(dim=ax, keepdim=k))


@op('ReduceMax')
def _rmax(c, x):
    return _reduce(c, x, lambda X, ax, k: torch.amax(X, dim=ax, keepdim=k))


@op('ReduceMin')
def _rmin(c, x):
    return _reduce(c, x, lambda X, ax, k: torch.amin(X, dim=ax, keepdim=k))


@op('ReduceProd')
def _rprod(c, x):
    def fn(X, ax, k):
        for a in sorted(ax, reverse=True):
            X = X.prod(dim=a, keepdim=k)
        return X
    return _reduce(c, x, fn)


# --- shape / movement

@op('Shape')
def _shape(c, x):
    s = list(x[0].shape)
    r = len(s)
    start = c.a('start', 0)
    end = c.a('end', r)
    start = max(0, min(r, norm_axis(start, r)))
    end = max(0, min(r, norm_axis(end, r)))
    return torch.tensor(s[start:end], dtype=torch.int64)


@op('Size')
def _size(c, x):
    return torch.tensor(x[0].numel(), dtype=torch.int64)


@op('Reshape')
def _reshape(c, x):
    X = x[0]
    shape = ints(x[1])
    if not c.a('allowzero', 0):
        shape = [X.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return X.reshape(shape)


@op('Flatten')
def _flatten(c, x):
    X = x[0]
    axis = norm_axis(c.a('axis', 1), X.dim())
    outer = int(np.prod(X.shape[:axis])) if axis > 0 else 1
    return X.reshape(outer, -1)


@op('Transpose')
def _transpose(c, x):
    perm = c.a('perm') or list(reversed(range(x[0].dim())))
    return x[0].permute(*perm)


@op('Squeeze')
def _squeeze(c, x):
    X = x[0]
    axes = c.a('axes')
    if axes is None and len(x) > 1 and x[1] is not None:
        axes = ints(x[1])
    if axes is None:
        axes = [i for i, d in enumerate(X.shape) if d == 1]
    axes = set(norm_axis(a, X.dim()) for a in axes)
    shape = [d for i, d in enumerate(X.shape) if i not in axes]
    return X.reshape(shape)


@op('Unsqueeze')
def _unsqueeze(c, x):
    X = x[0]
    axes = c.a('axes')
    if axes is None:
        axes = ints(x[1])
    out_rank = X.dim() + len(axes)
    axes = sorted(norm_axis(a, out_rank) for a in axes)
    shape = list(X.shape)
    for a in axes:
        shape.insert(a, 1)
    return X.reshape(shape)


@op('Concat')
def _concat(c, x):
    ts = [t for t in x if t is not None]
    # ONNX allows empty tensors in Concat; dtypes must match (ints stay int64, floats FLOAT).
    return torch.cat(ts, dim=c.a('axis'))


@op('Split')
def _split(c, x):
    X = x[0]
    axis = norm_axis(c.a('axis', 0), X.dim())
    split = c.a('split')
    if split is None and len(x) > 1 and x[1] is not None:
        split = ints(x[1])
    n = len(c.node.output)
    if split is None:
        dim = X.shape[axis]
        num = c.a('num_outputs', n)
        chunk = -(-dim // num)
        split = [chunk] * (dim // chunk) + ([dim % chunk] if dim % chunk else [])
    return tuple(torch.split(X, list(split), dim=axis))


def _slice_indices(dim, start, end, step):
    if start < 0:
        start += dim
    if end < 0:
        end += dim
    if step > 0:
        start = max(0, min(dim, start))
        end = max(0, min(dim, end))
    else:
        start = max(0, min(dim - 1, start))
        end = max(-1, min(dim - 1, end))
    return list(range(start, end, step))


@op('Slice')
def _slice(c, x):
    X = x[0]
    if c.opset < 10:
        starts, ends, axes, steps = c.a('starts'), c.a('ends'), c.a('axes'), None
    else:
        starts, ends = ints(x[1]), ints(x[2])
        axes, steps = ints(opt(x, 3)), ints(opt(x, 4))
    if axes is None:
        axes = list(range(len(starts)))
    if steps is None:
        steps = [1] * len(starts)
    y = X
    for s, e, a, st in zip(starts, ends, axes, steps):
        a = norm_axis(a, X.dim())
        dim = y.shape[a]
        if st > 0:
            idx = _slice_indices(dim, s, e, st)
            if len(idx) == 0:
                y = y.narrow(a, 0, 0)
            else:
                y = y.narrow(a, idx[0], idx[-1] - idx[0] + 1)
                if st != 1:
                    y = y.index_select(a, torch.tensor([i - idx[0] for i in idx], dtype=torch.int64))
        else:
            idx = _slice_indices(dim, s, e, st)
            y = y.index_select(a, torch.tensor(idx, dtype=torch.int64))
    return y


@op('Expand')
def _expand(c, x):
    X = x[0]
    shape = torch.broadcast_shapes(tuple(X.shape), tuple(ints(x[1])))
    return X.expand(shape)


@op('Tile')
def _tile(c, x):
    return x[0].repeat(*ints(x[1]))


@op('Gather')
def _gather(c, x):
    X, idx = x
    axis = norm_axis(c.a('axis', 0), X.dim())
    dim = X.shape[axis]
    idx = torch.where(idx < 0, idx + dim, idx)
    out = torch.index_select(X, axis, idx.reshape(-1))
    return out.reshape(list(X.shape[:axis]) + list(idx.shape) + list(X.shape[axis + 1:]))


@op('GatherElements')
def _gather_el(c, x):
    X, idx = x
    axis = norm_axis(c.a('axis', 0), X.dim())
    idx = torch.where(idx < 0, idx + X.shape[axis], idx)
    return torch.gather(X, axis, idx)


@op('Pad')
def _pad(c, x):
    X = x[0]
    if c.opset < 11:
        pads, value = c.a('pads'), c.a('value', 0.0)
        axes = None
    else:
        pads = ints(x[1])
        v = opt(x, 2)
        value = float(v.reshape(-1)[0]) if v is not None and v.numel() else 0.0
        axes = ints(opt(x, 3))
    r = X.dim()
    if axes is None:
        axes = list(range(r))
    axes = [norm_axis(a, r) for a in axes]
    n = len(axes)
    begins, ends = [0] * r, [0] * r
    for i, a in enumerate(axes):
        begins[a], ends[a] = pads[i], pads[i + n]
    mode = c.a('mode', 'constant')
    tp = _torch_pad(begins, ends)
    if mode == 'constant':
        return F.pad(X, tp, value=value)
    # torch supports reflect/replicate only on trailing spatial dims; fine for NCHW pads on H, W
    k = next(i for i in range(r) if begins[i] or ends[i]) if any(begins + ends) else r
    return F.pad(X, _torch_pad(begins[k:], ends[k:]), mode={'reflect': 'reflect', 'edge': 'replicate'}[mode])


@op('Constant')
def _constant(c, x):
    for key in ('value', 'sparse_value'):
        if key in c.attrs:
            return to_torch(numpy_helper.to_array(c.attrs[key]))
    if 'value_float' in c.attrs:
        return torch.tensor(c.attrs['value_float'], dtype=FLOAT)
    if 'value_floats' in c.attrs:
        return torch.tensor(list(c.attrs['value_floats']), dtype=FLOAT)
    if 'value_int' in c.attrs:
        return torch.tensor(c.attrs['value_int'], dtype=torch.int64)
    if 'value_ints' in c.attrs:
        return torch.tensor(list(c.attrs['value_ints']), dtype=torch.int64)
    raise NotImplementedError(f'Constant with attributes {list(c.attrs)}')


@op('ConstantOfShape')
def _const_of_shape(c, x):
    shape = ints(x[0])
    v = c.attrs.get('value')
    fill = to_torch(numpy_helper.to_array(v)).reshape(-1)[0] if v is not None else torch.tensor(0.0, dtype=FLOAT)
    return torch.full(shape, fill.item(), dtype=fill.dtype)


@op('Range')
def _range(c, x):
    start, limit, delta = x
    if is_float(start):
        n = max(0, math.ceil((float(limit) - float(start)) / float(delta)))
        return float(start) + torch.arange(n, dtype=FLOAT) * float(delta)
    return torch.arange(int(start), int(limit), int(delta), dtype=torch.int64)


def _resize_src_coords(mode, out_size, in_size, scale, roi_start=0.0, roi_end=1.0):
    """Source coordinate (float, in input pixels) of each output pixel along one axis."""
    xo = torch.arange(out_size, dtype=torch.float64)
    if mode == 'asymmetric':
        return xo / scale
    if mode == 'half_pixel':
        return (xo + 0.5) / scale - 0.5
    if mode == 'pytorch_half_pixel':
        return (xo + 0.5) / scale - 0.5 if out_size > 1 else torch.zeros(out_size, dtype=torch.float64)
    if mode == 'align_corners':
        return xo * (in_size - 1) / (out_size - 1) if out_size > 1 else torch.zeros(out_size, dtype=torch.float64)
    if mode == 'tf_crop_and_resize':
        if out_size > 1:
            return roi_start * (in_size - 1) + xo * (roi_end - roi_start) * (in_size - 1) / (out_size - 1)
        return torch.full((out_size,), 0.5 * (roi_start + roi_end) * (in_size - 1), dtype=torch.float64)
    if mode == 'half_pixel_symmetric':
        adj = out_size / (scale * in_size)
        center = in_size / 2
        offset = center * (1 - adj)
        return offset + (xo + 0.5) / scale - 0.5
    raise NotImplementedError(f'Resize coordinate_transformation_mode {mode}')


@op('Resize', 'Upsample')
def _resize(c, x):
    X = x[0]
    r = X.dim()
    if c.node.op_type == 'Upsample':
        scales = ints_or_floats(x[1]) if len(x) > 1 else list(c.a('scales'))
        sizes = None
        mode, ctm, nearest_mode = c.a('mode', 'nearest'), 'asymmetric', 'floor'
    else:
        if c.opset == 10:
            scales, sizes = ints_or_floats(x[1]), None
        else:
            scales = ints_or_floats(opt(x, 2))
            sizes = ints(opt(x, 3))
        if scales is not None and len(scales) == 0:
            scales = None
        if sizes is not None and len(sizes) == 0:
            sizes = None
        mode = c.a('mode', 'nearest')
        ctm = c.a('coordinate_transformation_mode', 'half_pixel' if c.opset >= 11 else 'asymmetric')
        nearest_mode = c.a('nearest_mode', 'round_prefer_floor')
        if c.a('axes') is not None:
            axes = [norm_axis(a, r) for a in c.a('axes')]
            full_s, full_z = [1.0] * r, list(X.shape)
            for i, a in enumerate(axes):
                if scales is not None:
                    full_s[a] = scales[i]
                if sizes is not None:
                    full_z[a] = sizes[i]
            scales = full_s if scales is not None else None
            sizes = full_z if sizes is not None else None
    if sizes is not None:
        scales = [sizes[i] / X.shape[i] for i in range(r)]
    else:
        sizes = [int(math.floor(X.shape[i] * scales[i])) for i in range(r)]
    y = X
    for a in range(r):
        if sizes[a] == X.shape[a] and scales[a] == 1.0:
            continue
        src = _resize_src_coords(ctm, sizes[a], X.shape[a], scales[a])
        n = X.shape[a]
        if mode == 'nearest':
            if nearest_mode == 'floor':
                i = torch.floor(src)
            elif nearest_mode == 'ceil':
                i = torch.ceil(src)
            elif nearest_mode == 'round_prefer_floor':
                i = torch.where(src - torch.floor(src) == 0.5, torch.floor(src), torch.round(src))
            else:  # round_prefer_ceil
                i = torch.floor(src + 0.5)
            i = i.clamp(0, n - 1).to(torch.int64)
            y = y.index_select(a, i)
        elif mode == 'linear':
            src = src.clamp(0, n - 1)
            i0 = torch.floor(src).to(torch.int64).clamp(0, n - 1)
            i1 = (i0 + 1).clamp(0, n - 1)
            w1 = (src - i0.to(torch.float64)).to(y.dtype)
            shape = [1] * r
            shape[a] = -1
            w1 = w1.reshape(shape)
            y = y.index_select(a, i0) * (1 - w1) + y.index_select(a, i1) * w1
        else:
            raise NotImplementedError(f'Resize mode {mode}')
    return y


def ints_or_floats(t):
    if t is None:
        return None
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# ---------------------------------------------------------------------------------------------- graph


class Evaluator:
    def __init__(self, model_path):
        self.model_path = model_path
        self.base_dir = os.path.dirname(os.path.abspath(model_path))
        self.model = onnx.load(model_path, load_external_data=False)
        self.opset = max([o.version for o in self.model.opset_import if o.domain in ('', 'ai.onnx')] or [1])
        g = self.model.graph
        self.initializers = {t.name: t for t in g.initializer}
        self.input_names = [i.name for i in g.input]
        self.output_names = [o.name for o in g.output]

    def run(self, feeds, leaves, stats=False, keep=()):
        """feeds: name -> torch tensor. leaves: names (inputs or initializers) made requires_grad.
        Returns (values dict, leaf tensors)."""
        env = {}
        leaf_tensors = {}
        for name, t in self.initializers.items():
            env[name] = load_initializer(t, self.base_dir)
        for name, t in feeds.items():
            env[name] = t
        for name in leaves:
            if name not in env:
                raise KeyError(f"wrt '{name}' is neither a graph input nor an initializer")
            t = env[name].detach().clone().requires_grad_(True)
            env[name] = t
            leaf_tensors[name] = t
        for i, node in enumerate(self.model.graph.node):
            if node.domain not in ('', 'ai.onnx'):
                raise NotImplementedError(f'node {node.name}: domain {node.domain} op {node.op_type}')
            fn = OPS.get(node.op_type)
            if fn is None:
                raise NotImplementedError(f'node {node.name}: op {node.op_type} is not in the reference')
            ins = [env[n] if n else None for n in node.input]
            try:
                outs = fn(Ctx(node, self.opset), ins)
            except Exception as e:
                shapes = [tuple(t.shape) if t is not None else None for t in ins]
                raise RuntimeError(f'node #{i} {node.name} ({node.op_type}) inputs {list(node.input)} shapes {shapes}: {e}') from e
            if not isinstance(outs, tuple):
                outs = (outs,)
            for name, t in zip(node.output, outs):
                if name:
                    env[name] = t
                    if name in keep and t.requires_grad:
                        t.retain_grad()
            if stats:
                for name, t in zip(node.output, outs):
                    if name and is_float(t) and t.numel():
                        td = t.detach()
                        print(f'{i:5d} {node.op_type:22s} {name:60s} {str(tuple(td.shape)):22s} '
                              f'mean {td.mean().item(): .6e} absmax {td.abs().max().item():.6e}')
        return env, leaf_tensors


def write_debug_model(ev, env, path):
    """Copy of the model with every node output as a graph output (for ort_forward.mts)."""
    m = onnx.ModelProto()
    m.CopyFrom(ev.model)
    try:
        inferred = onnx.shape_inference.infer_shapes(m)
        types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    except Exception as e:  # noqa: BLE001
        print(f'shape inference failed ({e}); guessing output types', file=sys.stderr)
        types = {}
    model_float = next((i.type.tensor_type.elem_type for i in m.graph.input
                        if i.type.tensor_type.elem_type in FLOAT_ONNX), TensorProto.FLOAT)
    existing = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for name in node.output:
            if not name or name in existing or name not in env:
                continue
            t = env[name]
            et = types.get(name) or (model_float if is_float(t) else TensorProto.BOOL if t.dtype == torch.bool
                                     else TensorProto.INT64)
            m.graph.output.append(helper.make_tensor_value_info(name, et, None))
            existing.add(name)
    path = os.path.abspath(path)
    if os.path.dirname(path) != ev.base_dir:
        print(f'warning: {path} is not in the model folder; external data will not resolve', file=sys.stderr)
    onnx.save(m, path)
    print(f'debug model with {len(m.graph.output)} outputs → {path}')


def compare_with_ort(ev, env, ort_dir, tol=1e-4):
    """Prints, in graph order, each node whose outputs differ from onnxruntime's (relative L2 > tol)."""
    with open(os.path.join(ort_dir, 'ort_index.json')) as f:
        index = json.load(f)['outputs']
    np_types = {'float32': '<f4', 'float16': '<f2', 'int64': '<i8', 'int32': '<i4', 'uint8': 'u1', 'float64': '<f8'}
    bad = 0
    worst = (0.0, None)
    checked = 0
    for i, node in enumerate(ev.model.graph.node):
        for name in node.output:
            if name not in index or name not in env:
                continue
            e = index[name]
            ref = env[name].detach().to(torch.float64).numpy() if env[name].dtype != torch.bool else env[name].numpy().astype(np.float64)
            got = np.fromfile(os.path.join(ort_dir, e['file']), dtype=np_types[e['dtype']]).astype(np.float64).reshape(e['dims'])
            checked += 1
            if got.shape != ref.shape:
                print(f'#{i} {node.op_type} {name}: shape ort {got.shape} ref {ref.shape}')
                bad += 1
                continue
            n = np.linalg.norm(ref)
            rel = np.linalg.norm(got - ref) / n if n > 0 else np.abs(got).max(initial=0.0)
            if rel > worst[0]:
                worst = (rel, f'#{i} {node.op_type} {name}')
            if rel > tol:
                bad += 1
                if bad <= 20:
                    print(f'#{i} {node.op_type} {name}: rel {rel:.3e} max abs {np.abs(got - ref).max():.3e}')
    print(f'forward vs onnxruntime: {checked} tensors checked, {bad} over rel {tol:g}; worst {worst[0]:.3e} at {worst[1]}')


def fd_check(ev, feeds, target, output, wrt, leaves, grads, h=1e-6):
    """Directional-derivative check of the autograd gradients: (L(p + h·v) − L(p − h·v)) / 2h vs <g, v>."""
    gen = torch.Generator().manual_seed(0)
    for name, g in zip(wrt, grads):
        p = leaves[name].detach()
        v = torch.randn(p.shape, generator=gen, dtype=p.dtype)
        v = v / v.norm()
        losses = []
        for sign in (1, -1):
            override = dict(feeds)
            pert = p + sign * h * v
            with torch.no_grad():
                if name in ev.initializers and name not in feeds:
                    env, _ = ev.run({**override, name: pert}, [])
                else:
                    override[name] = pert
                    env, _ = ev.run(override, [])
                losses.append(((env[output].to(FLOAT) - target) ** 2).mean().item())
        fd = (losses[0] - losses[1]) / (2 * h)
        ad = float((g * v).sum()) if g is not None else 0.0
        rel = abs(fd - ad) / max(abs(ad), 1e-30)
        print(f'fd-check {name}: autograd {ad:.9e} finite-diff {fd:.9e} rel {rel:.2e}')


def load_spec_tensor(ref, base_dir):
    path = ref['file'] if os.path.isabs(ref['file']) else os.path.join(base_dir, ref['file'])
    dt = np.dtype(SPEC_DTYPES[ref['dtype']]).newbyteorder('<')
    arr = np.fromfile(path, dtype=dt).reshape(ref['dims'])
    return to_torch(arr)


def write_f32(path, t):
    t.detach().to(torch.float64).cpu().numpy().astype('<f4').tofile(path)


def main():
    global FLOAT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--spec', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--dtype', default='float64', choices=['float64', 'float32'])
    ap.add_argument('--dump', default='', help='comma-separated tensor names whose forward values to write')
    ap.add_argument('--grad-of', default='', help='comma-separated intermediate tensor names whose dL/dt to write')
    ap.add_argument('--dump-dir', default=None)
    ap.add_argument('--stats', action='store_true')
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--fd-check', action='store_true',
                    help='check each autograd gradient against a central finite difference along a random direction')
    ap.add_argument('--debug-model', default=None,
                    help='write a copy of the model exposing every node output as a graph output (same folder as the model)')
    ap.add_argument('--compare-ort', default=None,
                    help='folder written by ort_forward.mts: compare every tensor it holds with the reference forward values')
    args = ap.parse_args()
    FLOAT = torch.float64 if args.dtype == 'float64' else torch.float32
    if args.threads:
        torch.set_num_threads(args.threads)

    spec_path = os.path.abspath(args.spec)
    base_dir = os.path.dirname(spec_path)
    with open(spec_path) as f:
        spec = json.load(f)
    model_path = spec['model'] if os.path.isabs(spec['model']) else os.path.join(base_dir, spec['model'])
    if spec['loss'].get('type', 'mse') != 'mse':
        raise SystemExit('only loss type mse is supported')

    t0 = time.time()
    ev = Evaluator(model_path)
    feeds = {n: load_spec_tensor(r, base_dir) for n, r in spec.get('feeds', {}).items()}
    target = load_spec_tensor(spec['loss']['target'], base_dir).to(FLOAT)
    wrt = list(spec['wrt'])
    dump = [n for n in args.dump.split(',') if n]
    grad_of = [n for n in args.grad_of.split(',') if n]

    env, leaves = ev.run(feeds, wrt, stats=args.stats, keep=set(grad_of))
    if args.debug_model:
        write_debug_model(ev, env, args.debug_model)
    if args.compare_ort:
        compare_with_ort(ev, env, args.compare_ort)
    out = env[spec['loss']['output']].to(FLOAT)
    if tuple(out.shape) != tuple(target.shape):
        raise SystemExit(f'output shape {tuple(out.shape)} != target shape {tuple(target.shape)}')
    loss = ((out - target) ** 2).mean()
    grad_tensors = [leaves[n] for n in wrt] + [env[n] for n in grad_of]
    grads = torch.autograd.grad(loss, grad_tensors, allow_unused=True)
    t1 = time.time()
    if args.fd_check:
        fd_check(ev, feeds, target, spec['loss']['output'], wrt, leaves, grads[:len(wrt)])

    os.makedirs(args.out, exist_ok=True)
    report = {'loss': loss.item(), 'opset': ev.opset, 'dtype': args.dtype, 'seconds': t1 - t0, 'gradients': {}}
    for name, g in zip(wrt, grads[:len(wrt)]):
        if g is None:
            g = torch.zeros_like(leaves[name])
        file = file_name_for('ref', name)
        write_f32(os.path.join(args.out, file), g)
        report['gradients'][name] = {'dims': list(g.shape), 'file': file, 'norm': g.norm().item()}
    dump_dir = args.dump_dir or args.out
    if dump or grad_of:
        os.makedirs(dump_dir, exist_ok=True)
    for name in dump:
        write_f32(os.path.join(dump_dir, file_name_for('val', name)), env[name])
        report.setdefault('dumped', {})[name] = {'dims': list(env[name].shape), 'file': file_name_for('val', name)}
    for name, g in zip(grad_of, grads[len(wrt):]):
        g = torch.zeros_like(env[name]) if g is None else g
        write_f32(os.path.join(dump_dir, file_name_for('gradof', name)), g)
        report.setdefault('grad_of', {})[name] = {'dims': list(g.shape), 'file': file_name_for('gradof', name)}
    with open(os.path.join(args.out, 'ref_report.json'), 'w') as f:
        json.dump(report, f, indent=2)
    print(f'loss {loss.item():.9g} · opset {ev.opset} · {len(ev.model.graph.node)} nodes · {t1 - t0:.1f} s → {args.out}/ref_report.json')


if __name__ == '__main__':
    main()
