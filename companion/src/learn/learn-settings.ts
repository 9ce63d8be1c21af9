// What a learn job does besides its images: how many optimiser steps, at what rate, over which prompts. Textual
// Inversion (Gal et al. 2022, §4 and their code's `imagenet_templates_small`) trains the word inside neutral prompts
// ("a photo of a S*") drawn at random per step, so that it carries the concept and not one sentence. Steps, rate and
// templates are the model's to recommend (imagic_settings.json `learn`): a model trained on a small grammar (the
// demo model) knows none of the photo words, and a small model needs other step counts than SD.
import { LEARN_LAYERS } from '../../../shared/src/protocol/defaults.ts';
import { fail } from '../errors.ts';
import type { LrSchedule } from '../engine/lr-schedule.ts';
import type { SubjectSettings } from './learn-adapter.ts';

/** Where a template takes the new word. */
export const WORD_SLOT = '{}';

/** The paper's object templates (the Textual Inversion code's `imagenet_templates_small`). */
export const PAPER_TEMPLATES: readonly string[] = [
  'a photo of a {}',
  'a rendering of a {}',
  'a cropped photo of the {}',
  'the photo of a {}',
  'a photo of a clean {}',
  'a photo of a dirty {}',
  'a dark photo of the {}',
  'a photo of my {}',
  'a photo of the cool {}',
  'a close-up photo of a {}',
  'a bright photo of the {}',
  'a cropped photo of a {}',
  'a photo of the {}',
  'a good photo of the {}',
  'a photo of one {}',
  'a close-up photo of the {}',
  'a rendition of the {}',
  'a photo of the clean {}',
  'a rendition of a {}',
  'a photo of a nice {}',
  'a good photo of a {}',
  'a photo of the nice {}',
  'a photo of the small {}',
  'a photo of the weird {}',
  'a photo of the large {}',
  'a photo of a cool {}',
  'a photo of a small {}',
];

export interface LearnSettings {
  readonly steps: number;
  readonly lr: number;
  readonly lrSchedule: LrSchedule;
  readonly templates: readonly string[];
  /** Seeds the draws: which image and template per step, and (t, ε). */
  readonly seed: number;
}

/**
 * Without a model's recommendation: diffusers' Textual Inversion example for SD 1.5 (3,000 steps; 5e-4 per sample
 * scaled by its 4 accumulated samples to 2e-3 per step; the gradient's scale does not move Adam's step).
 */
export const LEARN_DEFAULTS: LearnSettings = {
  steps: 3000,
  lr: 2e-3,
  lrSchedule: 'constant',
  templates: PAPER_TEMPLATES,
  seed: 0,
};

/**
 * Subject adapters without a model's recommendation: diffusers' DreamBooth LoRA example for SD 1.5 (500 steps at 1e-4,
 * rank 4 on the attention projections, prior loss weight 1), with 50 class images where it generates 100.
 */
export const SUBJECT_DEFAULTS: SubjectSettings = {
  steps: 500,
  lr: 1e-4,
  lrSchedule: 'constant',
  rank: 4,
  alpha: 4,
  targets: ['to_q', 'to_k', 'to_v', 'to_out'],
  priorWeight: 1,
  classImages: 50,
};

/** A learn job takes this many images (the protocol's limit for the panel's layers too). */
export const LEARN_IMAGES = LEARN_LAYERS;

/** Range checks with coded errors naming the field (INVALID_SPEC). */
export function validateLearnSettings(s: LearnSettings): LearnSettings {
  const bad = (field: string, why: string) => fail('INVALID_SPEC', `${field}: ${why}`);
  if (!Number.isSafeInteger(s.steps) || s.steps < 1 || s.steps > 20_000)
    bad('steps', `must be an integer in 1..20000, got ${s.steps}`);
  if (!(s.lr > 0 && Number.isFinite(s.lr))) bad('lr', `must be > 0, got ${s.lr}`);
  if (s.templates.length === 0) bad('templates', 'give at least one');
  for (const t of s.templates)
    if (t.split(WORD_SLOT).length !== 2) bad('templates', `${JSON.stringify(t)} must hold ${WORD_SLOT} exactly once`);
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) bad('seed', `must be an integer ≥ 0, got ${s.seed}`);
  return s;
}
