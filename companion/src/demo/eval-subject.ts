// Subject adapters on the demo model (learn/learn-adapter.ts): a circle red on its left half and yellow on its right,
// which the data set never
// draws (one flat colour per shape, demo/subject.ts), learned from five scenes of it with the class word "circle", with
// the model's recommendation (imagic_settings.json `learn` and `learn.subject`). Judged with the adapters loaded back
// from their LoRA file:
//   - on its token: "a <s> circle on a black background", the subject detector (demo/subject.ts) per sample;
//   - the class kept: every "a {colour} circle on a {background} background" with the adapters on, the classifier;
// each against the same without the adapters (the word alone), and the class kept also without prior preservation
// (λ = 0), which is what prior preservation is for.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import { loadPackageAsync } from '../engine/package-loader.ts';
import { readPackageBackwardRatioAsync, readPackageLearnSettingsAsync } from '../engine/package-settings.ts';
import { DEFAULT_BACKWARD_RATIO } from '../engine/cost.ts';
import { needsPair } from '../engine/denoising-step.ts';
import { SessionPool } from '../engine/session-pool.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { encodeTextAsync } from '../engine/stage-encode.ts';
import { predictionsFor, samplingSessionAsync } from '../engine/unet-graphs.ts';
import { LEARN_DEFAULTS, SUBJECT_DEFAULTS } from '../learn/learn-settings.ts';
import type { LearnedSubject, SubjectSettings } from '../learn/learn-adapter.ts';
import { addLearnedWordsAsync } from '../models/learned-store.ts';
import { adapterValuesOf, loraModules, readLoraFile, writeLoraFile } from '../models/lora-file.ts';
import { Rng } from '../util/rng.ts';
import { classify } from './classifier.ts';
import { generatedSceneAsync } from './eval-generation.ts';
import { round } from './image-metrics.ts';
import { BACKGROUNDS, COLOURS, randomScene, SCENE_SIZE, withSlots } from './scene.ts';
import { detectSubject, renderSubject, type Subject } from './subject.ts';

export const SUBJECT: Subject = { left: 'red', right: 'yellow' };
const CLASS_WORD = 'circle';
const TOKEN = '<s>';
const INIT_WORD = 'square';
/** Scenes no probe used (the probes drew from seed 31). */
const EVAL_SUBJECT_SEED = 5151;
const IMAGES = 5;
const CLASS_SEEDS = 2;

/**
 * How the demo's learn.subject recommendation was found, on scenes of seed 31: 12 samples on the token, 24 class
 * captions (classifier, adapters on). Adapters on every conv unless said. The first rows used an earlier subject, a red
 * circle with a yellow core at half its radius; the split subject replaced it because a core is one or two latent
 * cells on small shapes. Neither is learned: the samples on the token are yellow-orange blends of the two colours.
 * Sampling the token at a higher guidance does not bring it out, and a plain colour the palette lacks (purple, the
 * last row, probed with a scratch detector of purple pixels) is not learned either: its samples are palette colours.
 */
export const SUBJECT_SEARCH: readonly { readonly settings: string; readonly subject: string; readonly kept: string }[] =
  [
    { settings: 'core: 400 steps at 1e-3', subject: '0/12', kept: '23/24' },
    { settings: 'core: 800 steps at 3e-3', subject: '0/12', kept: '18/24' },
    { settings: 'core: 800 steps at 1e-2', subject: '9/12', kept: '0/24 (the model breaks: loss ~1)' },
    { settings: 'core: 2000 steps at 2e-3 (kept as the recommendation)', subject: '6/12', kept: '22/24' },
    { settings: 'core: 3000 steps at 2e-3', subject: '1/12', kept: '19/24' },
    { settings: 'core: 2000 steps at 2e-3, λ = 2', subject: '3/12', kept: '20/24' },
    { settings: 'core: 2000 at 2e-3 on the attention projections', subject: '0/12', kept: '16/24' },
    { settings: 'core: 2000 at 2e-3 on to_k, to_v and every conv', subject: '0/12', kept: '16/24' },
    { settings: 'core: 1000 steps at 2e-3', subject: '1/12', kept: '23/24' },
    { settings: 'core: 2000 steps at 2e-3, λ = 0.5', subject: '0/12', kept: '17/24' },
    { settings: 'core: 2000 steps at 1e-3', subject: '7/12', kept: '21/24' },
    { settings: 'core: 2000 steps at 2e-3, 16 class images', subject: '4/12', kept: '16/24' },
    { settings: 'split: 2000 steps at 2e-3', subject: '0/12', kept: '19/24' },
    { settings: 'split: 1000 steps at 2e-3', subject: '1/12', kept: '17/24' },
    { settings: 'split: the word untrained (1 step), 2000 at 2e-3', subject: '0/12', kept: '22/24' },
    { settings: 'split: the word untrained, 3000 at 3e-3', subject: '0/12', kept: '1/24' },
    { settings: 'split: 2000 at 2e-3, sampled at guidance 6 (3 above)', subject: '0/12', kept: '18/24' },
    { settings: 'split: 2000 at 2e-3, sampled at guidance 9', subject: '0/12', kept: '17/24' },
    {
      settings: 'a purple circle (a colour the palette lacks; its own detector): 2000 at 2e-3',
      subject: '1/12',
      kept: '23/24',
    },
  ];

export interface SubjectEvalResult {
  readonly subject: string;
  readonly classWord: string;
  readonly settings: SubjectSettings;
  readonly prompt: string;
  readonly samples: number;
  /** Fraction of token samples the detector finds the subject in: with the adapters, and with the word alone. */
  readonly onToken: { readonly withAdapters: number; readonly wordOnly: number };
  /** Classifier agreement on the class captions: the base model, adapters with prior preservation, and without. */
  readonly classKept: { readonly base: number; readonly withPrior: number; readonly withoutPrior: number };
  readonly classSamples: number;
  readonly learnMs: number;
  /** UNet work of one subject job in forward-pass equivalents: the word's and the adapters' steps, the class images. */
  readonly cost: number;
}

export async function evaluateSubject(
  modelDir: string,
  sample: Omit<SampleSettings, 'etas' | 'seeds'>,
  samples: number,
  log: (line: string) => void = () => {},
): Promise<SubjectEvalResult> {
  const recommended = await readPackageLearnSettingsAsync(modelDir);
  const { subject: subjectRecommended, ...word } = recommended;
  const settings = { ...LEARN_DEFAULTS, ...word, seed: 0 };
  const subject: SubjectSettings = { ...SUBJECT_DEFAULTS, ...subjectRecommended };
  const { lateAdapters: _, ...sampling } = sample;
  const rng = new Rng(EVAL_SUBJECT_SEED);
  const images = Array.from({ length: IMAGES }, (_, i) => {
    const spec = withSlots(randomScene(rng), { shape: CLASS_WORD, background: BACKGROUNDS[i % BACKGROUNDS.length]! });
    return { width: SCENE_SIZE, height: SCENE_SIZE, rgba: renderSubject(spec, SUBJECT, SCENE_SIZE) };
  });
  const learn = async (priorWeight: number) => {
    const engine = await ImagicEngine.openAsync({ modelDir, provider: 'cpu' });
    try {
      const request = { images, token: TOKEN, initWord: INIT_WORD, classWord: CLASS_WORD, settings, sampling };
      return await engine.learnSubjectAsync({ ...request, subject: { ...subject, priorWeight } });
    } finally {
      await engine.closeAsync();
    }
  };
  log('subject: learning with prior preservation…');
  const t0 = performance.now();
  const withPrior = await learn(subject.priorWeight);
  const learnMs = performance.now() - t0;
  log('subject: learning without prior preservation…');
  const withoutPrior = await learn(0);

  const dataDir = await mkdtemp(join(tmpdir(), 'imagic-eval-subject-'));
  const pool = new SessionPool({ provider: 'cpu' });
  try {
    await addLearnedWordsAsync(dataDir, modelDir, withPrior.word.vector.length, [withPrior.word], () => false);
    const pkg = await loadPackageAsync(modelDir, pool, { dataDir });
    const settingsOf: SampleSettings = { ...sampling, etas: [1], seeds: [0] };
    const empty = await encodeTextAsync(pkg, '');
    /** Samples of `prompt` with `adapters` (from their LoRA file) merged, or with none. */
    const generate = async (adapters: LearnedSubject | null, prompt: string, seeds: readonly number[]) => {
      const merged = adapters && { spec: adapters.spec, values: viaFile(adapters), mode: 'merged' as const };
      const net = await samplingSessionAsync(
        pkg,
        pool,
        merged ?? undefined,
        predictionsFor(pkg, sampling.guidanceScale),
      );
      const text = await encodeTextAsync(pkg, prompt);
      const out: Uint8Array[] = [];
      for (const seed of seeds) out.push(await generatedSceneAsync(pkg, net, { text, empty }, seed, settingsOf));
      return out;
    };
    const seeds = Array.from({ length: samples }, (_, i) => 1000 + i);
    const prompt = `a ${TOKEN} ${CLASS_WORD} on a black background`;
    const detected = (imgs: Uint8Array[]) =>
      round(imgs.filter((im) => detectSubject(im, SCENE_SIZE, SCENE_SIZE, SUBJECT)).length / imgs.length);
    log('subject: sampling the token…');
    const onToken = {
      withAdapters: detected(await generate(withPrior, prompt, seeds)),
      wordOnly: detected(await generate(null, prompt, seeds)),
    };
    log('subject: sampling the class…');
    const kept = async (adapters: LearnedSubject | null) => {
      let hits = 0;
      let n = 0;
      for (const colour of COLOURS)
        for (const background of BACKGROUNDS) {
          const caption = `a ${colour} ${CLASS_WORD} on a ${background} background`;
          const classSeeds = Array.from({ length: CLASS_SEEDS }, (_, i) => 2000 + i);
          for (const img of await generate(adapters, caption, classSeeds)) {
            const c = classify(img, SCENE_SIZE, SCENE_SIZE);
            n++;
            if (c.colour === colour && c.shape === CLASS_WORD && c.background === background) hits++;
          }
        }
      return { rate: round(hits / n), n };
    };
    const base = await kept(null);
    const classKept = {
      base: base.rate,
      withPrior: (await kept(withPrior)).rate,
      withoutPrior: (await kept(withoutPrior)).rate,
    };
    return {
      subject: `${CLASS_WORD}, ${SUBJECT.left} on its left half and ${SUBJECT.right} on its right`,
      classWord: CLASS_WORD,
      settings: subject,
      prompt,
      samples,
      onToken,
      classKept,
      classSamples: base.n,
      learnMs: Math.round(learnMs),
      cost:
        (settings.steps + subject.steps) *
          (1 + ((await readPackageBackwardRatioAsync(modelDir)) ?? DEFAULT_BACKWARD_RATIO)) +
        subject.classImages * sampling.steps * (needsPair(sampling.guidanceScale) ? 2 : 1),
    };
  } finally {
    await pool.closeAsync();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The adapters as a LoRA file would give them back: written in kohya's layout and read again. */
function viaFile(learned: LearnedSubject): ReadonlyMap<string, Float32Array> {
  const file = writeLoraFile(loraModules(learned.adapters, learned.values));
  return adapterValuesOf(readLoraFile(file).modules, learned.adapters);
}
