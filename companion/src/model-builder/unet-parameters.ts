// Parameter count of a UNet2DConditionModel from its config alone, in closed form: an independent check of
// what buildUNet generates (the tests compare the two), and how the SD 1.5 size is known without building it.
import { validateUNetConfig, type UNetConfig } from './unet-config.ts';

const conv = (k: number, inCh: number, outCh: number) => outCh * inCh * k * k + outCh;
const linear = (inF: number, outF: number, bias = true) => inF * outF + (bias ? outF : 0);
const norm = (ch: number) => 2 * ch;

export function countUNetParameters(config: UNetConfig): number {
  const c = validateUNetConfig(config);
  const ch = c.blockOutChannels;
  const temb = 4 * ch[0]!;
  const resnet = (i: number, o: number) =>
    norm(i) + conv(3, i, o) + linear(temb, o) + norm(o) + conv(3, o, o) + (i === o ? 0 : conv(1, i, o));
  const attention = (dim: number, contextDim: number) =>
    linear(dim, dim, false) + 2 * linear(contextDim, dim, false) + linear(dim, dim);
  const block = (dim: number) =>
    3 * norm(dim) +
    attention(dim, dim) +
    attention(dim, c.crossAttentionDim) +
    linear(dim, 8 * dim) +
    linear(4 * dim, dim);
  const transformer = (dim: number) => norm(dim) + 2 * conv(1, dim, dim) + block(dim);

  let total = linear(ch[0]!, temb) + linear(temb, temb) + conv(3, c.inChannels, ch[0]!);
  const skips = [ch[0]!];
  ch.forEach((out, i) => {
    const isLast = i === ch.length - 1;
    let inCh = i === 0 ? ch[0]! : ch[i - 1]!;
    for (let j = 0; j < c.layersPerBlock; j++) {
      total += resnet(inCh, out) + (isLast ? 0 : transformer(out));
      inCh = out;
      skips.push(out);
    }
    if (!isLast) {
      total += conv(3, out, out);
      skips.push(out);
    }
  });
  const top = ch[ch.length - 1]!;
  total += 2 * resnet(top, top) + transformer(top);
  let prev = top;
  [...ch].reverse().forEach((out, i) => {
    for (let j = 0; j <= c.layersPerBlock; j++) {
      total += resnet(prev + skips.pop()!, out) + (i > 0 ? transformer(out) : 0);
      prev = out;
    }
    if (i < ch.length - 1) total += conv(3, out, out);
  });
  // TextTimeEmbedding: norm1(D), pool (positional_embedding [1, D], q/k/v Linear(D, D)), proj Linear(D, temb), norm2(temb).
  const D = c.crossAttentionDim;
  const addition = c.additionEmbedType === 'text' ? norm(D) + D + 3 * linear(D, D) + linear(D, temb) + norm(temb) : 0;
  return total + addition + norm(ch[0]!) + conv(3, ch[0]!, c.outChannels);
}

/** Bytes the weights take in the config's dtype. */
export const unetWeightBytes = (config: UNetConfig): number =>
  countUNetParameters(config) * (config.dtype === 'float16' ? 2 : 4);
