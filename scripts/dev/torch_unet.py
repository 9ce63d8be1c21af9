#!/usr/bin/python3
"""diffusers' UNet2DConditionModel (SD 1.x layout) as plain torch.nn modules, for timing comparisons only.

Mirrors companion/src/model-builder (unet.ts, resnet.ts, attention.ts, transformer.ts, group-norm.ts,
timestep-embedding.ts): conv_in → CrossAttnDownBlock2D×(n−1) + DownBlock2D → UNetMidBlock2DCrossAttn
(resnet, transformer, resnet) → UpBlock2D + CrossAttnUpBlock2D×(n−1) → GroupNorm → SiLU → conv_out.
No diffusers dependency (development only; the project never depends on Python). Run with /usr/bin/python3.

    /usr/bin/python3 scripts/dev/torch_unet.py            # prints the parameter counts of the bench configs
"""
import math
from dataclasses import dataclass, replace
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class UNetConfig:
    block_out_channels: tuple = (320, 640, 1280, 1280)
    layers_per_block: int = 2
    attention_heads: int = 8          # SD 1.x's `attention_head_dim: 8` is really the head count
    cross_attention_dim: int = 768
    sequence_length: int = 77
    latent_size: int = 64
    in_channels: int = 4
    out_channels: int = 4
    norm_groups: int = 32
    norm_eps: float = 1e-5


def sd15_config(**kw) -> UNetConfig:
    return replace(UNetConfig(), **kw)


def tiny_config(**kw) -> UNetConfig:
    """unet-config.ts tinyUNetConfig defaults, overridable."""
    base = UNetConfig(block_out_channels=(32, 64), layers_per_block=1, attention_heads=2, cross_attention_dim=32,
                      sequence_length=8, latent_size=8, norm_groups=8)
    return replace(base, **kw)


def sd_style_small(latent: int = 16) -> UNetConfig:
    """The bench's sd-style-small-16: tinyUNetConfig({[64,128,256], 2 layers, 8 heads, cross 256, 77 tokens, 32 groups})."""
    return tiny_config(block_out_channels=(64, 128, 256), layers_per_block=2, attention_heads=8, cross_attention_dim=256,
                       sequence_length=77, latent_size=latent, norm_groups=32)


class LoRALinear(nn.Module):
    """y = base(x) + s·(x·A)·B with A [in, r], B [r, out] (adapters.ts 'lora' kind; s = alpha/rank = 1)."""

    def __init__(self, base: nn.Linear):
        super().__init__()
        self.base = base
        self.down: Optional[nn.Parameter] = None
        self.up: Optional[nn.Parameter] = None
        self.scale = 1.0
        self.enabled = True  # the timing script turns the branch off for the plain forward and stage 1

    def add_lora(self, rank: int, std: float = 0.01):
        self.down = nn.Parameter(torch.randn(self.base.in_features, rank) * std)
        self.up = nn.Parameter(torch.randn(rank, self.base.out_features) * std)

    def forward(self, x):
        y = self.base(x)
        if self.down is not None and self.enabled:
            y = y + (x @ self.down) @ self.up * self.scale
        return y


class Attention(nn.Module):
    """diffusers' Attention (attn1 self / attn2 cross): to_q/k/v without bias, to_out.0 with bias."""

    def __init__(self, dim: int, context_dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.to_q = LoRALinear(nn.Linear(dim, dim, bias=False))
        self.to_k = LoRALinear(nn.Linear(context_dim, dim, bias=False))
        self.to_v = LoRALinear(nn.Linear(context_dim, dim, bias=False))
        self.to_out = nn.ModuleList([LoRALinear(nn.Linear(dim, dim))])

    def _h2b(self, t):
        b, s, d = t.shape
        return t.reshape(b, s, self.heads, d // self.heads).permute(0, 2, 1, 3).reshape(b * self.heads, s, d // self.heads)

    def forward(self, x, context=None):
        context = x if context is None else context
        q, k, v = self._h2b(self.to_q(x)), self._h2b(self.to_k(context)), self._h2b(self.to_v(context))
        probs = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * self.scale, dim=-1)
        out = torch.bmm(probs, v)
        bh, s, d = out.shape
        b = bh // self.heads
        out = out.reshape(b, self.heads, s, d).permute(0, 2, 1, 3).reshape(b, s, self.heads * d)
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim: int, inner: int):
        super().__init__()
        self.proj = nn.Linear(dim, 2 * inner)

    def forward(self, x):
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, 4 * dim), nn.Dropout(0.0), nn.Linear(4 * dim, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim: int, context_dim: int, heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, context_dim, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2D(nn.Module):
    """Transformer2DModel, use_linear_projection=False: GN(eps 1e-6) → conv1×1 → tokens → block → conv1×1 → +x."""

    def __init__(self, dim: int, context_dim: int, heads: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, context_dim, heads)])
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        t = self.transformer_blocks[0](t, context)
        t = t.reshape(b, h, w, c).permute(0, 3, 1, 2)
        return self.proj_out(t) + x


class ResnetBlock2D(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, temb_ch: int, groups: int, eps: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch, eps=eps)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_ch, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch, eps=eps)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Downsample2D(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Block(nn.Module):
    """CrossAttnDownBlock2D / DownBlock2D / CrossAttnUpBlock2D / UpBlock2D (attentions empty when there is none)."""

    def __init__(self):
        super().__init__()
        self.resnets = nn.ModuleList()
        self.attentions = nn.ModuleList()
        self.downsamplers = nn.ModuleList()
        self.upsamplers = nn.ModuleList()


class UNet2DCondition(nn.Module):
    def __init__(self, c: UNetConfig):
        super().__init__()
        self.c = c
        ch = list(c.block_out_channels)
        temb = 4 * ch[0]
        for k in ch:
            assert k % c.norm_groups == 0 and k % c.attention_heads == 0
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(ch[0], temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(c.in_channels, ch[0], 3, padding=1)
        res = lambda i, o: ResnetBlock2D(i, o, temb, c.norm_groups, c.norm_eps)
        attn = lambda d: Transformer2D(d, c.cross_attention_dim, c.attention_heads, c.norm_groups)

        skips = [ch[0]]
        self.down_blocks = nn.ModuleList()
        for i, out in enumerate(ch):
            last = i == len(ch) - 1
            blk = Block()
            in_ch = ch[0] if i == 0 else ch[i - 1]
            for _ in range(c.layers_per_block):
                blk.resnets.append(res(in_ch, out))
                if not last:
                    blk.attentions.append(attn(out))
                in_ch = out
                skips.append(out)
            if not last:
                blk.downsamplers.append(Downsample2D(out))
                skips.append(out)
            self.down_blocks.append(blk)

        top = ch[-1]
        self.mid_block = nn.Module()
        self.mid_block.resnets = nn.ModuleList([res(top, top), res(top, top)])
        self.mid_block.attentions = nn.ModuleList([attn(top)])

        self.up_blocks = nn.ModuleList()
        prev = top
        for i, out in enumerate(reversed(ch)):
            blk = Block()
            for _ in range(c.layers_per_block + 1):
                blk.resnets.append(res(prev + skips.pop(), out))
                if i > 0:
                    blk.attentions.append(attn(out))
                prev = out
            if i < len(ch) - 1:
                blk.upsamplers.append(Upsample2D(out))
            self.up_blocks.append(blk)

        self.conv_norm_out = nn.GroupNorm(c.norm_groups, ch[0], eps=c.norm_eps)
        self.conv_out = nn.Conv2d(ch[0], c.out_channels, 3, padding=1)
        half = ch[0] // 2
        self.register_buffer('freqs', torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half),
                             persistent=False)

    def time_proj(self, t):
        e = t.float()[:, None] * self.freqs[None, :]
        return torch.cat([torch.cos(e), torch.sin(e)], dim=-1)  # flip_sin_to_cos=True

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        t = timestep.expand(sample.shape[0])
        temb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(self.time_proj(t).to(sample.dtype))))
        h = self.conv_in(sample)
        skips = [h]
        for blk in self.down_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(h, temb)
                if len(blk.attentions):
                    h = blk.attentions[j](h, ctx)
                skips.append(h)
            for d in blk.downsamplers:
                h = d(h)
                skips.append(h)
        h = self.mid_block.resnets[0](h, temb)
        h = self.mid_block.attentions[0](h, ctx)
        h = self.mid_block.resnets[1](h, temb)
        for blk in self.up_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(torch.cat([h, skips.pop()], dim=1), temb)
                if len(blk.attentions):
                    h = blk.attentions[j](h, ctx)
            for u in blk.upsamplers:
                h = u(h)
        return self.conv_out(F.silu(self.conv_norm_out(h)))

    def lora_layers(self):
        """attn1/attn2 to_q, to_k, to_v, to_out.0: the bench's ATTENTION_TARGETS."""
        return [m for m in self.modules() if isinstance(m, LoRALinear)]

    def add_lora(self, rank: int = 4):
        for m in self.lora_layers():
            m.add_lora(rank)
        return [p for m in self.lora_layers() for p in (m.down, m.up)]


def base_parameter_count(model: UNet2DCondition) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if not (n.endswith('.down') or n.endswith('.up')))


if __name__ == '__main__':
    import sys
    configs = [('tiny', tiny_config()), ('sd-style-small-16', sd_style_small(16)), ('sd15', sd15_config())]
    for name, cfg in configs if len(sys.argv) < 2 else [c for c in configs if c[0] in sys.argv[1:]]:
        m = UNet2DCondition(cfg)
        n = base_parameter_count(m)
        lora = sum(p.numel() for p in m.add_lora(4))
        print(f'{name}: {n:,} parameters ({len(m.lora_layers())} LoRA sites, {lora:,} rank-4 adapter parameters)')
        del m
