// LearnRequest: teach the model a new word from a few layers (Textual Inversion): `learn.start` carries one, its
// images sent before it as `upload` frames on the same socket, as an edit's are. The job ends in `job.result` with no
// images and `learned`: the word, now understood by every prompt on that model, and its own file.
import * as z from 'zod';
import { ModelId } from './companion-info.ts';
import { LEARN_LAYERS } from './defaults.ts';
import { ImageRef } from './edit-request.ts';
import { text } from './fields.ts';

/** embedding: a new word (Textual Inversion); adapter: a word and a subject adapter (DreamBooth-style LoRA). */
export const LearnKind = z.enum(['embedding', 'adapter']);
export type LearnKind = z.infer<typeof LearnKind>;

/** A word a prompt holds as one token: no spaces, e.g. "<my-logo>". */
export const LearnToken = z
  .string()
  .regex(/^\S{1,64}$/, 'one word without spaces, e.g. "<my-logo>", at most 64 characters');

export const LearnRequest = z.strictObject({
  images: z.array(ImageRef).min(LEARN_LAYERS.min).max(LEARN_LAYERS.max),
  token: LearnToken,
  /** A word the model knows, one token, that the new word starts from. */
  initWord: z.string().min(1).max(40),
  kind: LearnKind.optional(),
  /** A subject adapter's class word, e.g. "dog" (kind adapter). */
  classWord: z.string().min(1).max(40).optional(),
  /** Absent: the companion's default model. */
  model: ModelId.optional(),
  /** Optimiser steps; absent: the model's recommendation. */
  steps: z.int().min(1).max(20_000).optional(),
});
export type LearnRequest = z.infer<typeof LearnRequest>;

/** What a finished learn job made: the word and the file that holds it alone (diffusers' learned_embeds layout). */
export const LearnedInfo = z.strictObject({
  token: LearnToken,
  kind: LearnKind,
  file: text(4096),
});
export type LearnedInfo = z.infer<typeof LearnedInfo>;
