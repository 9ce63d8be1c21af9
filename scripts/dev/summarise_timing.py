#!/usr/bin/python3
"""Development only: the tables of scripts/dev/README-timing.md from interleave_bench.sh logs.

    /usr/bin/python3 scripts/dev/summarise_timing.py /tmp/tt/small16 /tmp/tt/small16_r4 /tmp/tt/small32 ...

Directories of the same config are merged. PyTorch: min and median over all timed runs of all rounds. Ours
(bench.mjs __case prints only min and median per process): min of the per-process minima, median of the
per-process medians. Files read: torch_*.txt (lines 'JSON {...}') and ours_*.txt or log.txt (lines '{"mode":...}').
"""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict

torch_runs = defaultdict(lambda: {'a': [], 'b': [], 'c': []})
ours = defaultdict(lambda: defaultdict(list))
order = []
for d in sys.argv[1:]:
    name = None
    for f in sorted(glob.glob(os.path.join(d, 'torch_*.txt')) + glob.glob(os.path.join(d, 'log.txt'))):
        for line in open(f):
            if line.startswith('JSON '):
                j = json.loads(line[5:])
                name = j['config']
                if not f.endswith('log.txt') or not glob.glob(os.path.join(d, 'torch_*.txt')):
                    for k in 'abc':
                        torch_runs[name][k] += j[k]['runs']
    if name not in order:
        order.append(name)
    files = glob.glob(os.path.join(d, 'ours_*.txt')) or glob.glob(os.path.join(d, 'log.txt'))
    for f in files:
        for line in open(f):
            if line.startswith('{"mode"'):
                j = json.loads(line)
                ours[name][j['mode']].append((j['min_ms'], j['median_ms']))


def mm(v):
    return min(v), statistics.median(v)


def fmt(p):
    return f'{p[0]:.0f} / {p[1]:.0f}'


for kind, tk, ok, label, w in (('ehs', 'b', 'grad-ehs', 'stage-1 step', 'ehs'), ('lora', 'c', 'grad-lora', 'stage-2 step', 'LoRA')):
    print(f'| config | torch fwd | torch {label} | torch ratio | ours fwd | ours fwd+bwd ({w}) | ours ratio | ours/torch step | torch runs / our processes |')
    print('|---|---|---|---|---|---|---|---|---|')
    for name in order:
        t, o = torch_runs[name], ours[name]
        ta, tb = mm(t['a']), mm(t[tk])
        of = (min(m for m, _ in o['forward']), statistics.median(md for _, md in o['forward']))
        ob = (min(m for m, _ in o[ok]), statistics.median(md for _, md in o[ok]))
        print(f'| {name} | {fmt(ta)} | {fmt(tb)} | {tb[0] / ta[0]:.2f} / {tb[1] / ta[1]:.2f} | {fmt(of)} | {fmt(ob)} | '
              f'{ob[0] / of[0]:.2f} / {ob[1] / of[1]:.2f} | {ob[0] / tb[0]:.2f} / {ob[1] / tb[1]:.2f} | {len(t["a"])} / {len(o["forward"])} |')
    print()
