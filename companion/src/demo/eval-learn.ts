// Learn jobs on the demo model (Textual Inversion, learn/learn-embedding.ts): for each concept, a word is learned from
// five scenes of one colour and shape at varied positions, sizes and backgrounds, from an unrelated initializer word,
// with the model's recommended learn settings (imagic_settings.json `learn`); then "a <word> on a black background"
// is sampled and the classifier judges whether the concept's colour and shape came out. The same prompt with the
// initializer word in place of the learned one is the baseline. The word goes through the model store and its file
// (saved, reloaded by a fresh package load) before it is sampled, and a second load must give the same samples.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import { loadPackageAsync } from '../engine/package-loader.ts';
import { readPackageBackwardRatioAsync, readPackageLearnSettingsAsync } from '../engine/package-settings.ts';
import { SessionPool } from '../engine/session-pool.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { encodeTextAsync } from '../engine/stage-encode.ts';
import { predictionsFor, samplingSessionAsync } from '../engine/unet-graphs.ts';
import { DEFAULT_BACKWARD_RATIO } from '../engine/cost.ts';
import { LEARN_DEFAULTS, type LearnSettings } from '../learn/learn-settings.ts';
import { readLearnedEmbeds } from '../models/learned-embeds.ts';
import { addLearnedWordsAsync, wordFile } from '../models/learned-store.ts';
import { Rng } from '../util/rng.ts';
import { classify } from './classifier.ts';
import { generatedSceneAsync } from './eval-generation.ts';
import { round } from './image-metrics.ts';
import { BACKGROUNDS, randomScene, renderScene, SCENE_SIZE, withSlots, type Colour, type Shape } from './scene.ts';

export interface LearnConcept {
  readonly colour: Colour;
  readonly shape: Shape;
  readonly initWord: string;
}

/**
 * The concept first (its bar is for yellow triangles); the others say how far the recommendation carries.
 * Settings were chosen on scenes of seed 77 (yellow triangles) and checked on seeds 5, 9 and 11; these scenes are
 * drawn from EVAL_LEARN_SEED, which no probe used.
 */
export const LEARN_CONCEPTS: readonly LearnConcept[] = [
  { colour: 'yellow', shape: 'triangle', initWord: 'circle' },
  { colour: 'green', shape: 'square', initWord: 'triangle' },
  { colour: 'red', shape: 'circle', initWord: 'square' },
];
const EVAL_LEARN_SEED = 4242;

/**
 * How the recommendation was found: yellow triangles of seed 77 from "circle", 12 samples of "a <x> on a black
 * background" per row (colour and shape right). The chosen row, then held on seeds 5 (yellow triangles: 10/12), 9
 * (green squares from "triangle": 1/12) and 11 (red circles from "square": 7/12).
 */
export const LEARN_SEARCH: readonly { readonly settings: string; readonly hits: string; readonly note: string }[] = [
  {
    settings: '200 steps at 0.01, constant, "a {}"',
    hits: '3/12',
    note: 'colour learned, shape mostly the initializer circle',
  },
  { settings: '1000 steps at 0.01, constant, "a {}"', hits: '7/12', note: '' },
  { settings: '500 steps at 0.05, constant, "a {}"', hits: '5/12', note: '' },
  { settings: '1000 steps at 0.03, constant, "a {}"', hits: '4/12', note: 'background drifts' },
  {
    settings: '1000 steps at 0.01, cosine, "a {} on a white/black/gray background"',
    hits: '0/12',
    note: "rejected: the template's background contradicts 2 of 3 images; the word learns neither",
  },
  { settings: '2000 steps at 0.01, cosine, "a {}"', hits: '7/12', note: '' },
  { settings: '1000 steps at 0.02, cosine, "a {}", "{}"', hits: '10/12', note: '' },
  {
    settings: '1000 steps at 0.02, cosine, "{}"',
    hits: '2/12',
    note: 'rejected: the bare word drifts off the grammar',
  },
  { settings: '1000 steps at 0.02, constant, "a {}", "{}"', hits: '8/12', note: '' },
  { settings: '600 steps at 0.02, cosine, "a {}", "{}"', hits: '12/12', note: 'chosen: the best and cheapest' },
];
const IMAGES_PER_CONCEPT = 5;
const TOKEN = '<x>';
const PROMPT = (word: string) => `a ${word} on a black background`;

export interface ConceptResult {
  readonly concept: string;
  readonly initWord: string;
  readonly samples: number;
  /** Fraction of samples whose colour and shape the classifier reads as the concept's. */
  readonly learned: number;
  /** The same with the initializer word in the prompt instead. */
  readonly baseline: number;
  readonly reads: readonly string[];
  readonly learnMs: number;
}

export interface LearnEvalResult {
  readonly settings: Omit<LearnSettings, 'seed'>;
  readonly prompt: string;
  readonly concepts: readonly ConceptResult[];
  /** The word's vector read back from its own file is the one trained, and two loads sample the same images. */
  readonly roundTrip: { readonly sameVector: boolean; readonly sameSamples: boolean };
  /** UNet work per learn job in forward-pass equivalents, and the ratio used. */
  readonly cost: { readonly passes: number; readonly backwardRatio: number };
}

export async function evaluateLearn(
  modelDir: string,
  sample: Omit<SampleSettings, 'etas' | 'seeds'>,
  samplesPerConcept: number,
  onConcept?: (c: LearnConcept) => void,
): Promise<LearnEvalResult> {
  const settings: LearnSettings = { ...LEARN_DEFAULTS, ...(await readPackageLearnSettingsAsync(modelDir)), seed: 0 };
  const { lateAdapters: _, ...plain } = sample;
  const sampling: SampleSettings = { ...plain, etas: [1], seeds: [0] };
  const rng = new Rng(EVAL_LEARN_SEED);
  const concepts: ConceptResult[] = [];
  let roundTrip = { sameVector: true, sameSamples: true };
  for (const concept of LEARN_CONCEPTS) {
    onConcept?.(concept);
    const images = Array.from({ length: IMAGES_PER_CONCEPT }, (_, i) => {
      const spec = withSlots(randomScene(rng), { ...concept, background: BACKGROUNDS[i % BACKGROUNDS.length]! });
      return { width: SCENE_SIZE, height: SCENE_SIZE, rgba: renderScene(spec) };
    });
    const engine = await ImagicEngine.openAsync({ modelDir, provider: 'cpu' });
    const t0 = performance.now();
    let learned;
    try {
      learned = await engine.learnEmbeddingAsync({ images, token: TOKEN, initWord: concept.initWord, settings });
    } finally {
      await engine.closeAsync();
    }
    const learnMs = performance.now() - t0;
    const dataDir = await mkdtemp(join(tmpdir(), 'imagic-eval-learn-'));
    try {
      const { word } = learned;
      await addLearnedWordsAsync(dataDir, modelDir, word.vector.length, [word], () => false);
      const [fromFile] = readLearnedEmbeds(await readFile(wordFile(dataDir, modelDir, TOKEN)), word.vector.length);
      const sameVector = fromFile!.vector.every((v, i) => Object.is(v, word.vector[i]));
      const judge = (colour: Colour, shape: Shape) => (rgba: Uint8Array) => {
        const c = classify(rgba, SCENE_SIZE, SCENE_SIZE);
        return { hit: c.colour === colour && c.shape === shape, read: `${c.colour} ${c.shape} on ${c.background}` };
      };
      const hit = judge(concept.colour, concept.shape);
      const withWord = await samplesAsync(modelDir, dataDir, PROMPT(TOKEN), sampling, samplesPerConcept);
      const again = await samplesAsync(modelDir, dataDir, PROMPT(TOKEN), sampling, 2);
      const sameSamples = again.every((img, i) => Buffer.compare(img, withWord[i]!) === 0);
      const baseline = await samplesAsync(modelDir, dataDir, PROMPT(concept.initWord), sampling, samplesPerConcept);
      const judged = withWord.map(hit);
      concepts.push({
        concept: `${concept.colour} ${concept.shape}`,
        initWord: concept.initWord,
        samples: withWord.length,
        learned: round(judged.filter((j) => j.hit).length / judged.length),
        baseline: round(baseline.map(hit).filter((j) => j.hit).length / baseline.length),
        reads: judged.map((j) => j.read),
        learnMs: Math.round(learnMs),
      });
      roundTrip = { sameVector: roundTrip.sameVector && sameVector, sameSamples: roundTrip.sameSamples && sameSamples };
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const backwardRatio = (await readPackageBackwardRatioAsync(modelDir)) ?? DEFAULT_BACKWARD_RATIO;
  const { seed: __, ...shown } = settings;
  return {
    settings: shown,
    prompt: PROMPT(TOKEN),
    concepts,
    roundTrip,
    cost: { passes: settings.steps * (1 + backwardRatio), backwardRatio },
  };
}

/** `count` samples of `prompt` from a fresh load of the model with the data folder's learned words. */
async function samplesAsync(
  modelDir: string,
  dataDir: string,
  prompt: string,
  sampling: SampleSettings,
  count: number,
): Promise<Uint8Array[]> {
  const pool = new SessionPool({ provider: 'cpu' });
  try {
    const pkg = await loadPackageAsync(modelDir, pool, { dataDir });
    const net = await samplingSessionAsync(pkg, pool, undefined, predictionsFor(pkg, sampling.guidanceScale));
    const e = await encodeTextAsync(pkg, prompt);
    const empty = await encodeTextAsync(pkg, '');
    const out: Uint8Array[] = [];
    for (let seed = 0; seed < count; seed++) {
      out.push(await generatedSceneAsync(pkg, net, { text: e, empty }, 1000 + seed, sampling));
    }
    return out;
  } finally {
    await pool.closeAsync();
  }
}
