// Generation from captions, through the engine's own loader, text encoding and sampler (stage 3 with e_opt = e_tgt,
// i.e. no edit): every caption of the grammar, a few seeds each, judged by the classifier. "Recognisable" = the
// classifier reads back the caption's colour, shape and background.
import { loadPackageAsync, type ImagicPackage } from '../engine/package-loader.ts';
import { SessionPool } from '../engine/session-pool.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { encodeTextAsync } from '../engine/stage-encode.ts';
import { sampleOneAsync, type SamplingUNet } from '../engine/stage-sample.ts';
import { predictionsFor, samplingSessionAsync } from '../engine/unet-graphs.ts';
import { classify } from './classifier.ts';
import { canvasToScene, round } from './image-metrics.ts';
import { BACKGROUNDS, caption, COLOURS, SCENE_SIZE, SHAPES } from './scene.ts';

export interface GenerationResult {
  readonly samples: number;
  /** Fraction where colour, shape and background all match the caption. */
  readonly agreement: number;
  readonly perSlot: { readonly colour: number; readonly shape: number; readonly background: number };
  readonly failures: readonly { readonly caption: string; readonly seed: number; readonly read: string }[];
  /** Every sample, caption-major (grammar order), seeds inner. */
  readonly images: readonly Uint8Array[];
}

export async function evaluateGeneration(
  modelDir: string,
  sample: Omit<SampleSettings, 'etas' | 'seeds'>,
  seedsPerCaption: number,
): Promise<GenerationResult> {
  const pool = new SessionPool({ provider: 'cpu' });
  try {
    const pkg = await loadPackageAsync(modelDir, pool);
    const step = await samplingSessionAsync(pkg, pool, undefined, predictionsFor(pkg, sample.guidanceScale));
    const empty = await encodeTextAsync(pkg, '');
    // The base model has no adapters to fade.
    const { lateAdapters: _, ...plain } = sample;
    const settings: SampleSettings = { ...plain, etas: [1], seeds: [0] };
    let hits = 0;
    const slotHits = { colour: 0, shape: 0, background: 0 };
    const failures: { caption: string; seed: number; read: string }[] = [];
    const images: Uint8Array[] = [];
    let n = 0;
    for (const shape of SHAPES) {
      for (const colour of COLOURS) {
        for (const background of BACKGROUNDS) {
          const text = caption({ shape, colour, background });
          const e = await encodeTextAsync(pkg, text);
          for (let seed = 0; seed < seedsPerCaption; seed++) {
            const rgba = await generatedSceneAsync(pkg, step, { text: e, empty }, 1000 + seed, settings);
            images.push(rgba);
            const c = classify(rgba, SCENE_SIZE, SCENE_SIZE);
            const ok = {
              colour: c.colour === colour,
              shape: c.shape === shape,
              background: c.background === background,
            };
            for (const k of ['colour', 'shape', 'background'] as const) if (ok[k]) slotHits[k]++;
            if (ok.colour && ok.shape && ok.background) hits++;
            else failures.push({ caption: text, seed: 1000 + seed, read: `${c.colour} ${c.shape} on ${c.background}` });
            n++;
          }
        }
      }
    }
    return {
      samples: n,
      agreement: round(hits / n),
      perSlot: {
        colour: round(slotHits.colour / n),
        shape: round(slotHits.shape / n),
        background: round(slotHits.background / n),
      },
      failures: failures.slice(0, 12),
      images,
    };
  } finally {
    await pool.closeAsync();
  }
}

/** One sample of the text embedding `text` (no edit: e_opt = e_tgt), as a scene-sized RGBA image for the classifier. */
export async function generatedSceneAsync(
  pkg: ImagicPackage,
  net: SamplingUNet,
  e: { readonly text: Float32Array; readonly empty: Float32Array },
  seed: number,
  settings: SampleSettings,
): Promise<Uint8Array> {
  const progress = { done: 0, total: settings.steps };
  const embeddings = { target: e.text, optimized: e.text, empty: e.empty };
  const img = await sampleOneAsync(pkg, net, embeddings, 1, seed, settings, {}, progress);
  return canvasToScene(img.pixels, pkg.imageSize.width, SCENE_SIZE);
}
