// The prompt box and the recent prompts. ⌘/Ctrl+Enter starts the edit. A model that says what to type (the demo
// model: a small grammar) gives the placeholder, and the words of the prompt it does not know are named before any
// work, with prompts it understands to pick from.
import { unknownWords } from '../../../shared/src/protocol/prompt-words.ts';
import type { PanelState } from '../state/panel-state.ts';
import { byId, h, replaceChildren } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function promptView(doc: Document, events: PanelEvents) {
  const prompt = byId(doc, 'prompt', 'textarea');
  const recent = byId(doc, 'recent-prompts', 'div');
  const words = byId(doc, 'prompt-words', 'div');
  const wordsText = byId(doc, 'prompt-words-text', 'p');
  const examples = byId(doc, 'prompt-examples', 'div');
  const learnedWords = byId(doc, 'prompt-learned', 'div');
  let lastLearned: readonly string[] | null = null;
  const defaultPlaceholder = prompt.placeholder;
  let lastRecent: string[] | null = null;
  let lastExamples: readonly string[] | null = null;

  prompt.addEventListener('input', () => events.promptChanged(prompt.value));
  prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
      event.preventDefault();
      events.startEdit();
    }
  });

  const chip = (text: string): HTMLButtonElement => {
    const button = h(doc, 'button', { className: 'chip', text, attrs: { type: 'button', title: text } });
    button.addEventListener('click', () => {
      prompt.value = text;
      events.promptChanged(text);
      prompt.focus();
    });
    return button;
  };

  /** A learned word's chip adds the word to the prompt where the text ends. */
  const wordChip = (word: string): HTMLButtonElement => {
    const button = h(doc, 'button', {
      className: 'chip',
      text: word,
      attrs: { type: 'button', title: `A word learned for this model: adds “${word}” to the prompt` },
    });
    button.addEventListener('click', () => {
      const text = prompt.value.trimEnd();
      prompt.value = text === '' ? `a ${word}` : `${text} ${word}`;
      events.promptChanged(prompt.value);
      prompt.focus();
    });
    return button;
  };

  return {
    render({ prompt: value, recentPrompts, modelPrompts, learned: known }: PanelState): void {
      const learned = known.words;
      if (learned !== lastLearned) {
        replaceChildren(learnedWords, learned.map(wordChip));
        lastLearned = learned;
      }
      learnedWords.hidden = learned.length === 0;
      if (prompt.value !== value) prompt.value = value;
      prompt.placeholder = modelPrompts?.examples[0] ?? defaultPlaceholder;
      const unknown = unknownWords(value, modelPrompts?.vocabulary, known.words);
      words.hidden = unknown.length === 0;
      if (unknown.length > 0)
        wordsText.textContent = `This model does not know ${unknown.map((w) => `“${w}”`).join(', ')}. It understands prompts like:`;
      if (modelPrompts?.examples !== lastExamples) {
        // The model's learned words are offered too, as prompts that use them.
        const learned = (modelPrompts?.learned ?? []).map((w) => `a ${w}`);
        replaceChildren(examples, [...(modelPrompts?.examples ?? []), ...learned].map(chip));
        lastExamples = modelPrompts?.examples ?? null;
      }
      if (recentPrompts !== lastRecent) {
        replaceChildren(recent, recentPrompts.map(chip));
        lastRecent = recentPrompts;
      }
      recent.hidden = recentPrompts.length === 0;
    },
  };
}
