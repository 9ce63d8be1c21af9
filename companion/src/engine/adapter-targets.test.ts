import { describe, expect, it } from 'vitest';
import { AdapterTarget } from '../../../shared/src/protocol/edit-request.ts';
import { injectAdapters } from '../autodiff/adapters.ts';
import { buildUNet } from '../model-builder/unet.ts';
import { tinyUNetConfig } from '../model-builder/unet-config.ts';
import { ADAPTER_TARGET_PATTERNS, adapterPatterns } from './adapter-targets.ts';

// The model builder names its nodes as diffusers' TorchScript export does, so these names are those of a real SD UNet.
const unet = buildUNet(tinyUNetConfig()).model;
const sites = (targets: readonly AdapterTarget[]) =>
  injectAdapters(unet, { targets: adapterPatterns(targets), rank: 2, mode: 'inputs' }).adapters.map((a) => a.node);

describe('adapter targets', () => {
  it('has a pattern for every protocol target, and each adapts some layer of an SD-style UNet', () => {
    expect(Object.keys(ADAPTER_TARGET_PATTERNS).sort()).toEqual([...AdapterTarget.options].sort());
    for (const target of AdapterTarget.options) expect(sites([target]).length, target).toBeGreaterThan(0);
  });

  it('conv_down adapts the contracting half only: conv_in, the down blocks and the mid block, never the up blocks or conv_out', () => {
    const down = sites(['conv_down']);
    const all = sites(['conv']);
    expect(down.every((n) => all.includes(n))).toBe(true);
    expect(down).toContain('/conv_in/Conv');
    expect(down.some((n) => n.startsWith('/down_blocks.'))).toBe(true);
    expect(down.some((n) => n.startsWith('/mid_block/'))).toBe(true);
    expect(down.some((n) => n.startsWith('/up_blocks.') || n === '/conv_out/Conv')).toBe(false);
    // Every conv is in exactly one half.
    const up = all.filter((n) => !down.includes(n));
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((n) => n.startsWith('/up_blocks.') || n === '/conv_out/Conv')).toBe(true);
  });

  it('adapts a layer once when overlapping targets both match it', () => {
    expect(sites(['conv', 'conv_down'])).toEqual(sites(['conv']));
  });
});
