// How inserted results are named, so the layers panel says what each one is: `make the dog sit · η 0.7 · seed 3`, or
// `… · quick, strength 0.6 · seed 3` for a quick edit.

const MAX_PROMPT_CHARS = 80;

/** η with at most two decimals and no trailing zeros: 0.7, 0.65, 1. */
export const formatEta = (eta: number): string => String(Math.round(eta * 100) / 100);

const shortPrompt = (prompt: string): string => {
  const oneLine = prompt.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_PROMPT_CHARS ? `${oneLine.slice(0, MAX_PROMPT_CHARS - 1)}…` : oneLine;
};

/** `quick`: a quick edit's result, `eta` its strength. */
export const variantName = (prompt: string, eta: number, seed: number, quick = false): string =>
  `${shortPrompt(prompt)} · ${quick ? 'quick, strength' : 'η'} ${formatEta(eta)} · seed ${seed}`;

/** The group that holds one edit's variants. */
export const editGroupName = (prompt: string): string => `Imagic: ${shortPrompt(prompt)}`;
