// DOM helpers for the views. Elements are checked by tag name, not instanceof: Photoshop's UXP DOM does not expose
// every HTML*Element constructor.
import { dataUrl } from '../image/data-url.ts';

export function byId<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  id: string,
  tag: K,
): HTMLElementTagNameMap[K] {
  const found = doc.getElementById(id);
  if (found === null || found.tagName.toLowerCase() !== tag)
    throw new Error(`the panel HTML lacks <${tag} id="${id}">`);
  return found as HTMLElementTagNameMap[K];
}

type Props = { className?: string; text?: string; attrs?: Record<string, string> };

export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  props: Props = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  if (props.className !== undefined) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) el.appendChild(child);
  return el;
}

/** Text where `backticks` become <code> elements: how fixes show commands. */
export function withCode(doc: Document, text: string): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  text.split('`').forEach((part, i) => {
    if (part === '') return;
    fragment.appendChild(i % 2 === 1 ? h(doc, 'code', { text: part }) : doc.createTextNode(part));
  });
  return fragment;
}

export function replaceChildren(parent: Element, children: Node[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  for (const child of children) parent.appendChild(child);
}

const urls = new WeakMap<Uint8Array, string>();

/** A data: URL per PNG byte array, computed once. */
export function pngUrl(png: Uint8Array): string {
  let url = urls.get(png);
  if (url === undefined) {
    url = dataUrl(png);
    urls.set(png, url);
  }
  return url;
}
