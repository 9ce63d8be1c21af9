// The last few prompts, newest first, offered as one-click choices and stored with the host (clientStorage).

export const MAX_RECENT_PROMPTS = 8;

export function rememberPrompt(recent: readonly string[], prompt: string): string[] {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  if (clean === '') return [...recent];
  return [clean, ...recent.filter((p) => p !== clean)].slice(0, MAX_RECENT_PROMPTS);
}
