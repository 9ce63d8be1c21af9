// Learned words in the file diffusers' Textual Inversion writes and loads (learned_embeds.safetensors): one tensor per
// word, keyed by the word (the placeholder token, e.g. "<my-logo>"), holding its vector in the text encoder's input
// embedding space — [d], or [1, d] as some trainers save it. A file is checked against the model it is meant for
// before anything uses it: a vector of another width belongs to another text encoder (SD 1.x: 768; SD 2.x: 1024).
import { fail } from '../errors.ts';
import { float32Of, readSafetensors, writeSafetensors } from './safetensors.ts';

export interface LearnedWord {
  /** The placeholder token the word is typed as, e.g. "<my-logo>". */
  readonly token: string;
  readonly vector: Float32Array;
}

/** A token a prompt can hold as one word: no spaces, not empty, not absurdly long. */
export function checkToken(token: string): string {
  if (!/^\S{1,64}$/.test(token))
    fail('INVALID_SPEC', `token ${JSON.stringify(token)}: give one word without spaces, e.g. "<my-logo>" (at most 64 characters)`);
  return token;
}

/** The words in a learned_embeds.safetensors file, each checked against the model's embedding width `dim`. */
export function readLearnedEmbeds(bytes: Uint8Array, dim: number, what = 'the file'): LearnedWord[] {
  const { tensors } = readSafetensors(bytes);
  if (tensors.size === 0) fail('SAFETENSORS_INVALID', `${what} holds no tensors, so no learned word`);
  const words: LearnedWord[] = [];
  for (const [token, tensor] of tensors) {
    const shape = tensor.shape;
    const width = shape.at(-1) ?? 1;
    const vectors = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    if (shape.length === 0 || shape.length > 2)
      fail('DIMS_MISMATCH', `${what}: “${token}” is a tensor of shape [${shape.join(', ')}], not one vector`);
    if (vectors !== 1)
      fail(
        'DIMS_MISMATCH',
        `${what}: “${token}” holds ${vectors} vectors; this companion loads words of one vector (diffusers' layout)`,
      );
    if (width !== dim)
      fail(
        'DIMS_MISMATCH',
        `${what}: “${token}” has ${width} values per vector; this model's text encoder takes ${dim} (the file was trained for another model)`,
      );
    words.push({ token: checkToken(token), vector: float32Of(token, tensor) });
  }
  return words;
}

/** The file diffusers writes for learned words: one F32 [d] tensor per token. */
export function writeLearnedEmbeds(words: readonly LearnedWord[]): Uint8Array {
  return writeSafetensors(
    Object.fromEntries(
      words.map((w) => [checkToken(w.token), { dtype: 'F32' as const, shape: [w.vector.length], data: w.vector }]),
    ),
  );
}
