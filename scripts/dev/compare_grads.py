#!/usr/bin/python3
"""Compares `imagic grad` output with scripts/dev/torch_reference.py output (development only).

Usage: /usr/bin/python3 scripts/dev/compare_grads.py IMAGIC_OUT_DIR REF_OUT_DIR [--tol 1e-3] [--json FILE]

Per tensor: max |g - g_ref|, relative error ||g - g_ref|| / ||g_ref||, and the max elementwise relative error
|g - g_ref| / |g_ref| over elements with |g_ref| > 1e-3 * max|g_ref|. Exit status 1 if any relative error
exceeds --tol (or a tensor is missing or misshapen).
"""
import argparse
import json
import os
import sys

import numpy as np


def load(dir_, entry):
    arr = np.fromfile(os.path.join(dir_, entry['file']), dtype='<f4').astype(np.float64)
    return arr.reshape(entry['dims'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('imagic_out')
    ap.add_argument('ref_out')
    ap.add_argument('--tol', type=float, default=1e-3)
    ap.add_argument('--json', default=None, help='also write the table as JSON here')
    args = ap.parse_args()
    with open(os.path.join(args.imagic_out, 'report.json')) as f:
        mine = json.load(f)
    with open(os.path.join(args.ref_out, 'ref_report.json')) as f:
        ref = json.load(f)

    rows = []
    ok = True
    loss_rel = abs(mine['loss'] - ref['loss']) / max(abs(ref['loss']), 1e-30)
    print(f"loss: imagic {mine['loss']:.9g}  reference {ref['loss']:.9g}  rel err {loss_rel:.3e}")
    if loss_rel > args.tol:
        ok = False
    header = f"{'tensor':50s} {'dims':20s} {'rel err':>10s} {'max abs err':>12s} {'max|g_ref|':>11s} {'max elem rel':>12s}  ok"
    print(header)
    print('-' * len(header))
    for name, r in ref['gradients'].items():
        m = mine['gradients'].get(name)
        if m is None:
            print(f'{name:50s} MISSING in imagic output')
            ok = False
            rows.append({'tensor': name, 'missing': True})
            continue
        g_ref = load(args.ref_out, r)
        g = load(args.imagic_out, m)
        if g.shape != g_ref.shape:
            print(f'{name:50s} shape {g.shape} != reference {g_ref.shape}')
            ok = False
            rows.append({'tensor': name, 'shape_mismatch': [list(g.shape), list(g_ref.shape)]})
            continue
        diff = g - g_ref
        max_abs = float(np.abs(diff).max()) if diff.size else 0.0
        ref_norm = float(np.linalg.norm(g_ref))
        rel = float(np.linalg.norm(diff)) / ref_norm if ref_norm > 0 else (0.0 if max_abs == 0 else float('inf'))
        ref_max = float(np.abs(g_ref).max()) if g_ref.size else 0.0
        mask = np.abs(g_ref) > 1e-3 * ref_max
        elem_rel = float((np.abs(diff[mask]) / np.abs(g_ref[mask])).max()) if mask.any() else 0.0
        finite = bool(np.isfinite(g).all())
        good = finite and rel <= args.tol
        ok = ok and good
        dims = 'x'.join(str(d) for d in g.shape)
        print(f'{name:50s} {dims:20s} {rel:10.3e} {max_abs:12.3e} {ref_max:11.3e} {elem_rel:12.3e}  {"yes" if good else "NO"}')
        rows.append({'tensor': name, 'dims': list(g.shape), 'rel_err': rel, 'max_abs_err': max_abs,
                     'max_abs_ref': ref_max, 'max_elem_rel_err': elem_rel, 'finite': finite, 'ok': good})
    extra = sorted(set(mine['gradients']) - set(ref['gradients']))
    if extra:
        print(f'(imagic also wrote: {", ".join(extra)})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'loss': {'imagic': mine['loss'], 'reference': ref['loss'], 'rel_err': loss_rel}, 'tensors': rows,
                       'ok': ok, 'tol': args.tol}, f, indent=2)
    print('PASS' if ok else 'FAIL', f'(tol {args.tol:g})')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
