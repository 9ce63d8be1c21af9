#!/usr/bin/python3
"""PyTorch's side of the autodiff benchmark (development only): the SD-1.x UNet of scripts/dev/torch_unet.py on
CPU, float32, batch 1, random init, timed as

  (a) forward under torch.no_grad()
  (b) Imagic stage-1 step: forward + backward w.r.t. encoder_hidden_states only (UNet frozen) + Adam on it
  (c) Imagic stage-2 step: forward + backward w.r.t. rank-4 LoRA on attn1/attn2 to_q/to_k/to_v/to_out.0
      (base weights frozen) + Adam on the adapters

interleaved a, b, c, a, b, c, … after warm-up, printing min and median ms, the split of (b) and (c) into
forward / backward / Adam, and the ratios (b)/(a), (c)/(a).

BLAS: Debian's torch links libblas.so.3, which on this machine is the reference BLAS (~4 GFLOP/s), so put
OpenBLAS first on LD_LIBRARY_PATH without installing it (apt-get download libopenblas0-openmp; dpkg -x). The
OpenMP build shares torch's OpenMP pool. OMP_WAIT_POLICY=PASSIVE matters on a shared machine: with libgomp's
default spin-waiting and load ~15 on 2 cores, every parallel region's barrier waits for a descheduled thread and
the forward takes 10-25× longer (3.6 s instead of 0.14 s for small-16).

    mkdir -p /tmp/openblas-deb && cd /tmp/openblas-deb && apt-get download libopenblas0-openmp && dpkg -x libopenblas0-openmp_*.deb root
    LD_LIBRARY_PATH=/tmp/openblas-deb/root/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_WAIT_POLICY=PASSIVE \
      /usr/bin/python3 scripts/dev/torch_unet_timing.py small-16 small-32 sd15-16 sd15-32 --repeat 7

Configs: tiny, small-16, small-32, sd15-16, sd15-32, sd15-64 (small = the bench's sd-style-small).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_unet import UNet2DCondition, base_parameter_count, sd15_config, sd_style_small, tiny_config  # noqa: E402

CONFIGS = {
    'tiny': lambda: tiny_config(),
    'small-16': lambda: sd_style_small(16),
    'small-32': lambda: sd_style_small(32),
    'sd15-16': lambda: sd15_config(latent_size=16),
    'sd15-32': lambda: sd15_config(latent_size=32),
    'sd15-64': lambda: sd15_config(latent_size=64),
}


def loaded_blas() -> str:
    torch.randn(64, 64) @ torch.randn(64, 64)
    libs = set()
    with open('/proc/self/maps') as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ''
            if any(k in path for k in ('blas', 'lapack', 'mkl', 'blis')):
                libs.add(os.path.realpath(path))
    return ', '.join(sorted(libs)) or '(none mapped)'


def set_lora(model, on: bool):
    for m in model.lora_layers():
        m.enabled = on


def summarise(ms):
    return {'min': min(ms), 'median': statistics.median(ms), 'runs': [round(x, 1) for x in ms]}


def bench(name: str, repeat: int, warmup: int, modes: str):
    cfg = CONFIGS[name]()
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = UNet2DCondition(cfg).eval()
    model.requires_grad_(False)
    lora = model.add_lora(4)
    build_s = time.perf_counter() - t0
    s = cfg.latent_size
    sample = torch.randn(1, cfg.in_channels, s, s)
    timestep = torch.full((1,), 500.0)
    context = torch.randn(1, cfg.sequence_length, cfg.cross_attention_dim)
    target = torch.randn(1, cfg.out_channels, s, s)

    emb = torch.nn.Parameter(context.clone())
    opt_emb = torch.optim.Adam([emb], lr=1e-3)
    opt_lora = torch.optim.Adam(lora, lr=1e-4)

    def run_forward():
        set_lora(model, False)
        t = time.perf_counter()
        with torch.no_grad():
            model(sample, timestep, context)
        return {'total': (time.perf_counter() - t) * 1e3}

    def step(params, opt, ctx):
        for p in lora:
            p.requires_grad_(params is lora)
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(sample, timestep, ctx), target)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        return {'total': (t3 - t) * 1e3, 'forward': (t1 - t) * 1e3, 'backward': (t2 - t1) * 1e3, 'adam': (t3 - t2) * 1e3}

    def run_stage1():
        set_lora(model, False)
        return step([emb], opt_emb, emb)

    def run_stage2():
        set_lora(model, True)
        return step(lora, opt_lora, context)

    fns = {'a': ('forward (no_grad)', run_forward), 'b': ('stage 1: fwd+bwd wrt ehs + Adam', run_stage1),
           'c': ('stage 2: fwd+bwd wrt rank-4 LoRA + Adam', run_stage2)}
    active = [k for k in 'abc' if k in modes]
    for _ in range(warmup):
        for k in active:
            fns[k][1]()
    results = {k: [] for k in active}
    t_start = time.time()
    for _ in range(repeat):
        for k in active:
            results[k].append(fns[k][1]())
    elapsed = time.time() - t_start

    print(f'\n{name}: {base_parameter_count(model) / 1e6:.1f}M params, latent {s}×{s}, {cfg.sequence_length} tokens; '
          f'{sum(p.numel() for p in lora):,} LoRA params ({len(model.lora_layers())} sites); build {build_s:.1f} s, '
          f'timed {elapsed:.0f} s, load avg {os.getloadavg()[0]:.2f}, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB')
    print(f'  {"case":42}{"min ms":>10}{"median ms":>11}{"×fwd(min)":>11}{"×fwd(med)":>11}   split of the min run: fwd / bwd / adam')
    summary = {'config': name, 'params': base_parameter_count(model), 'latent': s}
    fwd = summarise([r['total'] for r in results['a']]) if 'a' in results else None
    for k in active:
        tot = summarise([r['total'] for r in results[k]])
        best = min(results[k], key=lambda r: r['total'])
        split = '' if k == 'a' else f"   {best['forward']:.0f} / {best['backward']:.0f} / {best['adam']:.1f}"
        rmin = f"{tot['min'] / fwd['min']:.2f}" if fwd else '-'
        rmed = f"{tot['median'] / fwd['median']:.2f}" if fwd else '-'
        print(f'  {fns[k][0]:42}{tot["min"]:10.1f}{tot["median"]:11.1f}{rmin:>11}{rmed:>11}{split}')
        summary[k] = {**tot, 'split_of_min': {kk: round(v, 1) for kk, v in best.items()}}
    print('JSON ' + json.dumps(summary))
    sys.stdout.flush()
    del model, opt_emb, opt_lora, lora, emb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('configs', nargs='+', choices=sorted(CONFIGS))
    ap.add_argument('--repeat', type=int, default=7)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--modes', default='abc', help='subset of abc')
    ap.add_argument('--profile', action='store_true', help='also print the top ops of one stage-1 step (autograd profiler)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}; BLAS loaded: {loaded_blas()}; OPENBLAS_NUM_THREADS={os.environ.get("OPENBLAS_NUM_THREADS")}; OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY")}')
    print(torch.__config__.parallel_info().strip())
    print(f'mkldnn enabled: {torch.backends.mkldnn.is_available()}; uptime load: {os.getloadavg()}')
    for name in args.configs:
        bench(name, args.repeat, args.warmup, args.modes)
        if args.profile:
            profile(name)


def profile(name: str):
    cfg = CONFIGS[name]()
    torch.manual_seed(0)
    model = UNet2DCondition(cfg).eval().requires_grad_(False)
    s = cfg.latent_size
    sample, t = torch.randn(1, cfg.in_channels, s, s), torch.full((1,), 500.0)
    emb = torch.nn.Parameter(torch.randn(1, cfg.sequence_length, cfg.cross_attention_dim))
    target = torch.randn(1, cfg.out_channels, s, s)
    for _ in range(2):
        F.mse_loss(model(sample, t, emb), target).backward()
    with torch.autograd.profiler.profile() as prof:
        F.mse_loss(model(sample, t, emb), target).backward()
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=25))


if __name__ == '__main__':
    main()
