// The words of a prompt a model does not know, for models that declare their vocabulary (imagic_settings.json
// `prompts.vocabulary`; the demo model knows only its grammar's words). Used by the CLI's warning and the panel's
// note, before any work: a prompt of unknown words runs fine and returns something unrelated.

/** Lower-case words of a prompt: letters, digits and apostrophes; everything else separates. */
export const promptWords = (prompt: string): string[] => prompt.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

/**
 * The distinct words of `prompt` outside `vocabulary`, in order of appearance; [] without a vocabulary. `learned`:
 * the model's learned words (e.g. "<my-logo>"), known wherever they stand, whatever characters they hold.
 */
export function unknownWords(
  prompt: string,
  vocabulary: readonly string[] | undefined,
  learned: readonly string[] = [],
): string[] {
  if (!vocabulary || vocabulary.length === 0) return [];
  const known = new Set(vocabulary.map((w) => w.toLowerCase()));
  const lower = learned.map((w) => w.toLowerCase());
  const plain = lower.reduce((p, w) => p.split(w).join(' '), prompt.toLowerCase());
  return [...new Set(promptWords(plain).filter((w) => !known.has(w)))];
}
