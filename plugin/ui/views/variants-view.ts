// The variants: a live preview while the strength slider moves, one grid per edit (edit-strength rows × variation
// columns, beside the layer as it was), a larger before/after view of one variant, and Insert. The interface says
// "edit strength" and "variation"; η and the seed are in the tooltips, as the CLI and the docs name them.
import { variantGrid } from '../state/grid.ts';
import type { EditRun, PanelState, Variant } from '../state/panel-state.ts';
import { formatEta } from '../../main/result-name.ts';
import { byId, h, pngUrl, replaceChildren } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function variantsView(doc: Document, events: PanelEvents) {
  const section = byId(doc, 'results', 'section');
  const preview = byId(doc, 'preview', 'div');
  const previewImage = byId(doc, 'preview-image', 'img');
  const previewText = byId(doc, 'preview-text', 'p');
  const grids = byId(doc, 'variant-grids', 'div');
  const insert = byId(doc, 'insert', 'button');
  const insertHelp = byId(doc, 'insert-help', 'span');
  const lightbox = lightboxView(doc, events);
  let lastRuns: EditRun[] | null = null;
  let lastChosen: ReadonlySet<string> | null = null;

  insert.addEventListener('click', () => events.insert());

  /** A variant: a toggle that chooses it for Insert, and a corner button that enlarges it. */
  const cell = (run: EditRun, variant: Variant, column: number, chosen: boolean): HTMLElement => {
    const label = variantLabel(variant.eta, column);
    const attrs = {
      type: 'button',
      'aria-pressed': String(chosen),
      'aria-label': label,
      title: `${label} (η ${formatEta(variant.eta)}, seed ${variant.seed})`,
      'data-key': variant.key,
    };
    const button = h(doc, 'button', { className: 'tile', attrs }, [
      h(doc, 'img', { attrs: { src: pngUrl(variant.png), alt: '' } }),
    ]);
    button.addEventListener('click', () => events.toggleVariant(variant.key));
    const enlarge = h(doc, 'button', {
      className: 'enlarge',
      text: '⤢',
      attrs: { type: 'button', 'aria-label': `Enlarge ${label}`, title: 'Enlarge, beside the layer as it was' },
    });
    enlarge.addEventListener('click', () => lightbox.open(run, variant, label));
    return h(doc, 'div', { className: 'cell' }, [button, enlarge]);
  };

  /** The region the model found (white may change), with Grow, Shrink and Off, which render the edit again. */
  const regionRow = (run: EditRun): HTMLElement => {
    const button = (text: string, label: string, step: 1 | -1 | null) => {
      const b = h(doc, 'button', { text, attrs: { type: 'button', 'aria-label': `${label} (${run.source.name})` } });
      b.addEventListener('click', () => events.regionChanged(run.id, step));
      return b;
    };
    const grow = run.autoRegion?.growPx ?? 0;
    return h(doc, 'div', { className: 'region' }, [
      h(doc, 'img', {
        attrs: {
          src: pngUrl(run.maskPng!),
          alt: `The region the edit may change in ${run.source.name}`,
          title: 'White: may change. Black: kept exactly.',
        },
      }),
      h(doc, 'span', {
        className: 'muted grow',
        text: `Region found${grow === 0 ? '' : grow > 0 ? `, grown ${grow} px` : `, shrunk ${-grow} px`}`,
      }),
      button('Grow', 'Grow the region', 1),
      button('Shrink', 'Shrink the region', -1),
      button('Off', 'Edit everywhere', null),
    ]);
  };

  const gridFor = (run: EditRun, chosen: ReadonlySet<string>): HTMLElement => {
    const grid = variantGrid(run.variants);
    const header = h(doc, 'div', { className: 'grid-row' }, [
      h(doc, 'span', { className: 'axis eta', text: 'strength', attrs: { title: 'η' } }),
      ...grid.seeds.map((seed, i) =>
        h(doc, 'span', { className: 'axis', text: `variation ${i + 1}`, attrs: { title: `seed ${seed}` } }),
      ),
    ]);
    const rows = grid.etas.map((eta) =>
      h(doc, 'div', { className: 'grid-row' }, [
        h(doc, 'span', { className: 'axis eta', text: formatEta(eta), attrs: { title: `η ${formatEta(eta)}` } }),
        ...grid.seeds.map((seed, i) => {
          const variant = grid.cell(eta, seed);
          return variant === undefined
            ? h(doc, 'span', { className: 'axis' })
            : cell(run, variant, i + 1, chosen.has(variant.key));
        }),
      ]),
    );
    const label = `Variants of “${run.prompt}” for ${run.source.name}`;
    const caption = h(doc, 'p', { className: 'muted grow', text: `${run.source.name} → “${run.prompt}”` });
    return h(doc, 'div', {}, [
      h(
        doc,
        'div',
        { className: 'before' },
        run.before === null
          ? [caption]
          : [
              h(doc, 'img', {
                attrs: { src: pngUrl(run.before), alt: `${run.source.name} before the edit`, title: 'Before' },
              }),
              caption,
            ],
      ),
      ...(run.maskPng !== null ? [regionRow(run)] : []),
      h(doc, 'div', { className: 'grid', attrs: { role: 'group', 'aria-label': label } }, [header, ...rows]),
    ]);
  };

  return {
    render({ runs, chosen, busy }: PanelState): void {
      const withVariants = runs.filter((r) => r.variants.length > 0 || r.preview !== null);
      section.hidden = withVariants.length === 0;
      const shown = runs.find((r) => r.preview !== null)?.preview ?? null;
      preview.hidden = shown === null;
      preview.classList.toggle(
        'floating',
        runs.some((r) => r.variants.length > 0),
      );
      if (shown !== null) {
        previewImage.src = pngUrl(shown.png);
        previewImage.alt = `Preview at edit strength ${formatEta(shown.eta)}`;
        previewText.textContent = `Preview · strength ${formatEta(shown.eta)} · ${shown.steps} steps`;
        previewText.title = `η ${formatEta(shown.eta)}, seed ${shown.seed}`;
      }
      if (runs !== lastRuns || chosen !== lastChosen) {
        const focusedKey = (doc.activeElement as HTMLElement | null)?.dataset?.['key'];
        replaceChildren(
          grids,
          withVariants.filter((r) => r.variants.length > 0).map((r) => gridFor(r, chosen)),
        );
        if (focusedKey !== undefined)
          (grids.querySelector(`[data-key="${focusedKey}"]`) as HTMLElement | null)?.focus();
        lastRuns = runs;
        lastChosen = chosen;
      }
      lightbox.render(runs, chosen);
      insert.disabled = chosen.size === 0 || busy === 'inserting';
      insert.textContent = chosen.size > 1 ? `Insert ${chosen.size}` : 'Insert';
      insertHelp.textContent =
        chosen.size === 0 ? 'Choose variants, then insert them above the layer.' : `${chosen.size} chosen`;
    },
  };
}

/** "Strength 0.7, variation 2": what a designer reads; η and the seed go in the tooltip. */
const variantLabel = (eta: number, column: number): string => `Strength ${formatEta(eta)}, variation ${column}`;

/** One variant large, beside the layer as it was, with its Insert choice; Escape, Close or a click outside closes it. */
function lightboxView(doc: Document, events: PanelEvents) {
  const box = byId(doc, 'lightbox', 'div');
  const title = byId(doc, 'lightbox-title', 'h2');
  const close = byId(doc, 'lightbox-close', 'button');
  const before = byId(doc, 'lightbox-before', 'figure');
  const beforeImage = byId(doc, 'lightbox-before-image', 'img');
  const image = byId(doc, 'lightbox-image', 'img');
  const caption = byId(doc, 'lightbox-caption', 'figcaption');
  const choose = byId(doc, 'lightbox-choose', 'button');
  let shown: { key: string; opener: HTMLElement | null } | null = null;
  let chosenNow: ReadonlySet<string> = new Set();

  const syncChoice = (key: string) => {
    choose.textContent = chosenNow.has(key) ? 'Chosen for Insert ✓' : 'Choose for Insert';
    choose.setAttribute('aria-pressed', String(chosenNow.has(key)));
  };

  const hide = () => {
    if (shown === null) return;
    box.hidden = true;
    shown.opener?.focus();
    shown = null;
  };
  close.addEventListener('click', hide);
  box.addEventListener('click', (event) => {
    if (event.target === box) hide();
  });
  // Capture phase: Escape closes the view before the panel's own Escape (cancel the running job) can see it.
  doc.addEventListener(
    'keydown',
    (event) => {
      if (event.key !== 'Escape' || shown === null) return;
      event.stopPropagation();
      hide();
    },
    true,
  );
  choose.addEventListener('click', () => {
    if (shown !== null) events.toggleVariant(shown.key);
  });

  return {
    open(run: EditRun, variant: Variant, label: string): void {
      shown = { key: variant.key, opener: doc.activeElement as HTMLElement | null };
      title.textContent = `${run.source.name} → “${run.prompt}”`;
      before.hidden = run.before === null;
      if (run.before !== null) {
        beforeImage.src = pngUrl(run.before);
        beforeImage.alt = `${run.source.name} before the edit`;
      }
      image.src = pngUrl(variant.png);
      image.alt = label;
      caption.textContent = label;
      caption.title = `η ${formatEta(variant.eta)}, seed ${variant.seed}`;
      syncChoice(variant.key);
      box.hidden = false;
      close.focus();
    },
    /** Keeps the choice button in step, and closes when the variant is gone (a new edit or a re-render replaced it). */
    render(runs: readonly EditRun[], chosen: ReadonlySet<string>): void {
      chosenNow = chosen;
      if (shown === null) return;
      const key = shown.key;
      if (!runs.some((r) => r.variants.some((v) => v.key === key))) return hide();
      syncChoice(key);
    },
  };
}
