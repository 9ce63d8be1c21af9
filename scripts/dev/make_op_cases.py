#!/usr/bin/python3
"""Development only: small ONNX models covering the reference's ops that SD UNet exports rarely use (ConvTranspose,
asymmetric/dilated/grouped Conv, Gemm transA/transB/alpha/beta, Split, Where/Equal, Range, ConstantOfShape, Resize
nearest/linear, Gather with negative indices, Slice with negative steps, Expand, Flatten, GroupNormalization, …),
each with feeds, a target and an `imagic grad` spec.json. scripts/dev/check_op_cases.sh checks the reference's
forward values against onnxruntime and, where imagic supports the ops, gradients against imagic.

    /usr/bin/python3 scripts/dev/make_op_cases.py OUT_DIR
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # it imports torch_reference; keep scripts/dev free of __pycache__

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)
F32 = TensorProto.FLOAT


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def const(nodes, inits, name, arr):
    inits.append(init(name, arr))
    return name


class G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def op(self, op_type, inputs, n_out=1, **attrs):
        self.n += 1
        outs = [f'{op_type.lower()}_{self.n}_{i}' for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f'{op_type}_{self.n}', **attrs))
        return outs[0] if n_out == 1 else outs

    def c(self, name, arr):
        self.inits.append(init(name, arr))
        return name

    def w(self, name, shape, std=0.3):
        return self.c(name, rng.normal(0, std, shape).astype(np.float32))


def write_case(dir_, graph_nodes, inits, inputs, feeds, out_name, out_shape, wrt, opset):
    os.makedirs(dir_, exist_ok=True)
    graph = helper.make_graph(graph_nodes, 'g', [helper.make_tensor_value_info(n, F32, list(a.shape)) for n, a in inputs.items()],
                              [helper.make_tensor_value_info(out_name, F32, list(out_shape))], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='make_op_cases')
    model.ir_version = 8 if opset < 19 else 9 if opset < 21 else 10
    onnx.save(model, os.path.join(dir_, 'model.onnx'))
    spec_feeds = {}
    for n, a in feeds.items():
        a.astype('<f4').tofile(os.path.join(dir_, f'{n}.bin'))
        spec_feeds[n] = {'dtype': 'float32', 'dims': list(a.shape), 'file': f'{n}.bin'}
    rng.normal(0, 0.5, out_shape).astype('<f4').tofile(os.path.join(dir_, 'target.bin'))
    spec = {'model': 'model.onnx', 'feeds': spec_feeds,
            'loss': {'type': 'mse', 'output': out_name, 'target': {'dtype': 'float32', 'dims': list(out_shape), 'file': 'target.bin'}},
            'wrt': wrt, 'repeat': 1, 'provider': 'cpu'}
    with open(os.path.join(dir_, 'spec.json'), 'w') as f:
        json.dump(spec, f, indent=1)


def case_movement(root, strided=True):
    """Conv variants, ConvTranspose, Resize, Split, Gemm, Where/Equal, Range, ConstantOfShape, Gather, Slice, Expand…"""
    g = G()
    x = 'x'
    xv = rng.normal(0, 1, (1, 4, 6, 6)).astype(np.float32)
    c1 = g.op('Conv', [x, g.w('W1', (4, 2, 3, 3)), g.w('B1', (4,))], group=2, pads=[1, 0, 2, 1], dilations=[1, 2])  # [1,4,7,3]
    c2 = g.op('Conv', [x, g.w('W2', (3, 4, 2, 2))], strides=[2, 2], auto_pad='SAME_UPPER')  # [1,3,3,3]
    ct = g.op('ConvTranspose', [x, g.w('WT', (4, 3, 3, 3)), g.w('BT', (3,))], strides=[2, 2], pads=[1, 1, 1, 1],
              output_padding=[1, 1])  # [1,3,12,12]
    ct2 = g.op('ConvTranspose', [x, g.w('WT2', (4, 1, 2, 2))], strides=[2, 2], group=2)  # [1,2,12,12]
    rs = g.op('Resize', [x, '', g.c('scales', np.array([1, 1, 2, 2], np.float32))], mode='nearest',
              coordinate_transformation_mode='asymmetric', nearest_mode='floor')  # [1,4,12,12]
    if strided:
        rl = g.op('Resize', [x, '', '', g.c('sizes', np.array([1, 4, 9, 9], np.int64))], mode='linear')  # half_pixel
        rn = g.op('Resize', [x, '', g.c('scales3', np.array([1, 1, 1.5, 1.5], np.float32))], mode='nearest')  # defaults
    else:  # whole-number factors (imagic's Resize rule)
        rl = g.op('Resize', [x, '', '', g.c('sizes', np.array([1, 4, 18, 12], np.int64))], mode='nearest')  # defaults
        rn = g.op('Resize', [x, '', g.c('scales3', np.array([1, 1, 3, 1], np.float32))], mode='nearest',
                  coordinate_transformation_mode='asymmetric', nearest_mode='floor')
    cat = g.op('Concat', [ct, rs, ct2], axis=1)  # [1,9,12,12]
    a, b, b2 = g.op('Split', [cat, g.c('split', np.array([3, 4, 2], np.int64))], n_out=3, axis=1)
    fa = g.op('Flatten', [g.op('Tanh', [a])])
    fb = g.op('Flatten', [g.op('Exp', [g.op('Neg', [g.op('Mul', [b, b])])])], axis=2)  # [4, 144]
    fb = g.op('Reshape', [fb, g.c('shp1', np.array([1, -1], np.int64))])
    fb2 = g.op('Flatten', [g.op('Pow', [g.op('Sigmoid', [b2]), g.c('p15', np.array(1.5, np.float32))])])
    fc1 = g.op('Flatten', [c1])  # [1,84]
    gm = g.op('Gemm', [fc1, g.w('Wg', (16, 84)), g.w('Cg', (16,))], transB=1, alpha=0.5, beta=2.0)  # [1,16]
    gm2 = g.op('Gemm', [g.op('Transpose', [fc1]), g.w('Wg2', (84, 5))], transA=1)  # [1,5]
    idx = g.op('Range', [g.c('r0', np.array(0, np.int64)), g.c('r1', np.array(16, np.int64)), g.c('r2', np.array(1, np.int64))])
    frange = g.op('Range', [g.c('f0', np.array(0.5, np.float32)), g.c('f1', np.array(3.0, np.float32)), g.c('f2', np.array(0.5, np.float32))])
    cond = g.op('Equal', [g.op('Cast', [g.op('Cast', [idx], to=F32)], to=TensorProto.INT64),
                          g.c('pick', np.array([0, 1, 2, 3] * 4, np.int64))])
    wh = g.op('Where', [cond, gm, g.op('Neg', [gm])])  # [1,16]
    cos = g.op('ConstantOfShape', [g.c('shape15', np.array([1, 5], np.int64))],
               value=numpy_helper.from_array(np.array([0.25], np.float32)))
    gm2 = g.op('Add', [gm2, g.op('Mul', [cos, g.op('Unsqueeze', [frange, g.c('ax0', np.array([0], np.int64))])])])
    if strided:  # Gather along axis 1
        ga = g.op('Gather', [g.op('Flatten', [rl]), g.c('gidx', np.array([[-1, 3], [5, 0]], np.int64))], axis=1)  # [1,2,2]
        ga = g.op('Reshape', [ga, g.c('shp4', np.array([0, 4], np.int64))])
        g0 = g.op('Gather', [g.op('Flatten', [rn]), g.c('gscalar', np.array(-7, np.int64))], axis=1)  # [1]
        g0 = g.op('Unsqueeze', [g0, g.c('ax1', np.array([1], np.int64))])  # [1,1]
    else:  # axis-0 Gathers with non-negative indices only (imagic: embedding-style Gather; see the isolated cases
        # gather_axis0_*neg_idx for negative indices)
        flat = g.c('flat', np.array([-1], np.int64))
        ga = g.op('Gather', [g.op('Reshape', [rl, flat]), g.c('gidx', np.array([[863, 3], [5, 0]], np.int64))], axis=0)  # [2,2]
        ga = g.op('Reshape', [ga, g.c('shp4', np.array([1, 4], np.int64))])
        g0 = g.op('Gather', [g.op('Reshape', [rn, flat]), g.c('gscalar', np.array(425, np.int64))], axis=0)  # []
        g0 = g.op('Unsqueeze', [g0, g.c('ax1', np.array([0, 1], np.int64))])  # [1,1]
    sm = g.op('ReduceSum', [g.op('Softmax', [c1], axis=1), g.c('ax23', np.array([2, 3], np.int64))], keepdims=0)  # [1,4]
    if strided:
        sl = g.op('Slice', [x, g.c('st', np.array([5], np.int64)), g.c('en', np.array([-100], np.int64)), g.c('sa', np.array([2], np.int64)),
                            g.c('ss', np.array([-2], np.int64))])  # [1,4,3,6]
        sl2 = g.op('Slice', [x, g.c('st2', np.array([1, 0], np.int64)), g.c('en2', np.array([-1, 2**62], np.int64)),
                             g.c('sa2', np.array([-1, 1], np.int64)), g.c('ss2', np.array([2, 3], np.int64))])  # [1,2,6,2]
    else:  # step-1 slices only (imagic has no rule for other steps yet), same output shapes
        sl = g.op('Slice', [x, g.c('st', np.array([-4], np.int64)), g.c('en', np.array([5], np.int64)), g.c('sa', np.array([2], np.int64))])
        sl2 = g.op('Slice', [x, g.c('st2', np.array([4, 1], np.int64)), g.c('en2', np.array([2**62, 3], np.int64)),
                             g.c('sa2', np.array([-1, 1], np.int64))])
    lg = g.op('ReduceMean', [g.op('Log', [g.op('Sigmoid', [sl])])], axes=[1, 2], keepdims=0)  # [1,6]
    ex = g.op('Expand', [lg, g.c('eshape', np.array([3, 1, 6], np.int64))])  # [3,1,6]
    ex = g.op('ReduceMean', [ex], axes=[0], keepdims=0)  # [1,6]
    sq = g.op('Squeeze', [g.op('Unsqueeze', [ex, g.c('ax2', np.array([2, 0], np.int64))]), g.c('ax02', np.array([0, -2], np.int64))])
    sp = g.op('Flatten', [g.op('Sqrt', [g.op('Add', [g.op('Mul', [sl2, sl2]), g.c('one', np.array(1.0, np.float32))])])])  # [1,24]
    div = g.op('Div', [g.op('Flatten', [c2]), g.op('Add', [g.op('Abs', [g.op('Flatten', [c2])]), g.c('two', np.array(2.0, np.float32))])])
    erf = g.op('Erf', [g.op('Sin', [div])])
    cs = g.op('Cos', [g.op('Sub', [erf, g.c('half', np.array(0.5, np.float32))])])
    y = g.op('Concat', [fa, fb, fb2, wh, gm2, ga, g0, sm, sq, sp, cs], axis=1)
    n = 432 + 576 + 288 + 16 + 5 + 4 + 1 + 4 + 6 + 24 + 27
    y = g.op('Identity', [y])
    for op_set in (14, 17):
        write_case(os.path.join(root, f'movement{"" if strided else "_imagic"}_op{op_set}'), g.nodes, g.inits, {'x': xv}, {'x': xv}, y, (1, n),
                   ['x', 'W1', 'WT', 'WT2', 'Wg', 'Cg', 'W2'] if strided else ['x', 'W1', 'Wg', 'Cg', 'W2', 'B1'], op_set)


def case_norms(root):
    """InstanceNormalization, LayerNormalization (axis −2), GroupNormalization (opset 18 per-group and 21 per-channel)."""
    xv = rng.normal(0.3, 1.5, (2, 8, 5, 4)).astype(np.float32)
    for op_set in (18, 21):
        g = G()
        inn = g.op('InstanceNormalization', ['x', g.w('in_s', (8,), 1.0), g.w('in_b', (8,))], epsilon=1e-3)
        ln = g.op('LayerNormalization', ['x', g.w('ln_s', (5, 4), 1.0), g.w('ln_b', (5, 4))], axis=-2, epsilon=1e-4)
        gn_c = 4 if op_set == 18 else 8
        gn = g.op('GroupNormalization', ['x', g.w('gn_s', (gn_c,), 1.0), g.w('gn_b', (gn_c,))], num_groups=4, epsilon=1e-5)
        s = g.op('Add', [g.op('Mul', [inn, ln]), g.op('Tanh', [gn])])
        sm = g.op('Softmax', [s], axis=-2)
        y = g.op('Identity', [sm])
        write_case(os.path.join(root, f'norms_op{op_set}'), g.nodes, g.inits, {'x': xv}, {'x': xv}, y, xv.shape,
                   ['x', 'in_s', 'ln_s', 'ln_b', 'gn_s', 'gn_b'], op_set)




def isolated_cases(root, opset=17):
    """One op applied to x per model, for pinning a gradient discrepancy on a single op/attribute set."""
    xv = rng.normal(0, 1, (1, 4, 6, 6)).astype(np.float32)
    cases = {
        'conv_grouped_dilated_asympad': lambda g: g.op('Conv', ['x', g.w('W1', (4, 2, 3, 3))], group=2, pads=[1, 0, 2, 1], dilations=[1, 2]),
        'conv_same_upper_s2': lambda g: g.op('Conv', ['x', g.w('W2', (3, 4, 2, 2))], strides=[2, 2], auto_pad='SAME_UPPER'),
        'conv_pads_s2': lambda g: g.op('Conv', ['x', g.w('W2', (3, 4, 3, 3))], strides=[2, 2], pads=[1, 1, 1, 1]),
        'convtranspose_s2_p1_op1': lambda g: g.op('ConvTranspose', ['x', g.w('WT', (4, 3, 3, 3)), g.w('BT', (3,))], strides=[2, 2],
                                                  pads=[1, 1, 1, 1], output_padding=[1, 1]),
        'convtranspose_s2_group2': lambda g: g.op('ConvTranspose', ['x', g.w('WT2', (4, 1, 2, 2))], strides=[2, 2], group=2),
        'resize_nearest_asym_floor_x2': lambda g: g.op('Resize', ['x', '', g.c('s', np.array([1, 1, 2, 2], np.float32))], mode='nearest',
                                                       coordinate_transformation_mode='asymmetric', nearest_mode='floor'),
        'resize_nearest_asym_floor_3x1': lambda g: g.op('Resize', ['x', '', g.c('s', np.array([1, 1, 3, 1], np.float32))], mode='nearest',
                                                        coordinate_transformation_mode='asymmetric', nearest_mode='floor'),
        'resize_nearest_default_sizes_18x12': lambda g: g.op('Resize', ['x', '', '', g.c('z', np.array([1, 4, 18, 12], np.int64))],
                                                             mode='nearest'),
        'resize_nearest_default_x2': lambda g: g.op('Resize', ['x', '', g.c('s', np.array([1, 1, 2, 2], np.float32))], mode='nearest'),
        'resize_nearest_half_pixel_floor_x2': lambda g: g.op('Resize', ['x', '', g.c('s', np.array([1, 1, 2, 2], np.float32))],
                                                             mode='nearest', nearest_mode='floor'),
        'resize_nearest_half_pixel_round_prefer_ceil_x3': lambda g: g.op('Resize', ['x', '', g.c('s', np.array([1, 1, 3, 3], np.float32))],
                                                                         mode='nearest', nearest_mode='round_prefer_ceil'),
        'slice_neg_start_axis2': lambda g: g.op('Slice', ['x', g.c('a', np.array([-4], np.int64)), g.c('b', np.array([5], np.int64)),
                                                          g.c('c', np.array([2], np.int64))]),
        'slice_two_axes': lambda g: g.op('Slice', ['x', g.c('a', np.array([4, 1], np.int64)), g.c('b', np.array([2**62, 3], np.int64)),
                                                   g.c('c', np.array([-1, 1], np.int64))]),
        'gather_axis0_pos_idx': lambda g: g.op('Gather', [g.op('Reshape', ['x', g.c('f', np.array([-1], np.int64))]),
                                                          g.c('i', np.array([[7, 3], [5, 0]], np.int64))], axis=0),
        'gather_axis0_neg_idx': lambda g: g.op('Gather', [g.op('Reshape', ['x', g.c('f', np.array([-1], np.int64))]),
                                                          g.c('i', np.array([[-1, 3], [5, 0]], np.int64))], axis=0),
        'gather_axis0_scalar_neg_idx': lambda g: g.op('Unsqueeze', [
            g.op('Gather', [g.op('Reshape', ['x', g.c('f', np.array([-1], np.int64))]), g.c('i', np.array(-7, np.int64))], axis=0),
            g.c('u', np.array([0], np.int64))]),
        'gather_axis0_rows_neg_idx': lambda g: g.op('Gather', ['x', g.c('i', np.array([-1, 0, -1], np.int64))], axis=0),
        'split_concat': lambda g: g.op('Concat', list(reversed(g.op('Split', ['x', g.c('sp', np.array([1, 3], np.int64))], n_out=2,
                                                                        axis=1))), axis=1),
        'expand_reducemean': lambda g: g.op('ReduceMean', [g.op('Expand', ['x', g.c('e', np.array([3, 1, 1, 1], np.int64))])],
                                           axes=[0], keepdims=0),
        'softmax_reducesum_axes_input': lambda g: g.op('Mul', [g.op('ReduceSum', [g.op('Softmax', ['x'], axis=1),
                                                                                  g.c('a', np.array([2, 3], np.int64))], keepdims=0),
                                                               g.c('k', np.array(0.1, np.float32))]),  # keeps Tanh off saturation
        'where_equal': lambda g: g.op('Where', [g.op('Equal', [g.c('k', np.array([0, 1, 0, 1, 1, 0], np.int64)),
                                                                 g.c('k1', np.array(1, np.int64))]), 'x', g.op('Neg', ['x'])]),
    }
    for name, build in cases.items():
        g = G()
        y = g.op('Flatten', [g.op('Tanh', [build(g)])])
        # output shape from the reference itself
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import torch_reference as R
        model = helper.make_model(helper.make_graph(g.nodes, 'g', [helper.make_tensor_value_info('x', F32, list(xv.shape))],
                                                    [helper.make_tensor_value_info(y, F32, None)], initializer=g.inits),
                                  opset_imports=[helper.make_opsetid('', opset)])
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        onnx.save(model, os.path.join(d, 'model.onnx'))
        ev = R.Evaluator(os.path.join(d, 'model.onnx'))
        env, _ = ev.run({'x': R.to_torch(xv)}, [])
        write_case(d, g.nodes, g.inits, {'x': xv}, {'x': xv}, y, tuple(env[y].shape), ['x'], opset)


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    root = args[0] if args else '/tmp/op_cases'
    if '--isolated' in sys.argv:
        isolated_cases(root)
    else:
        case_movement(root)
        case_movement(root, strided=False)
        case_norms(root)
    print('\n'.join(sorted(os.listdir(root))))
