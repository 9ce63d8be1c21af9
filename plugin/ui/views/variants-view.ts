// The variants: a live preview while the η slider moves, one grid (η rows × seed columns) per edit, and Insert.
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
  let lastRuns: EditRun[] | null = null;
  let lastChosen: ReadonlySet<string> | null = null;

  insert.addEventListener('click', () => events.insert());

  const tile = (label: string, variant: Variant, chosen: boolean): HTMLButtonElement => {
    const attrs = { type: 'button', 'aria-pressed': String(chosen), 'aria-label': label, title: label, 'data-key': variant.key };
    const button = h(doc, 'button', { className: 'tile', attrs }, [h(doc, 'img', { attrs: { src: pngUrl(variant.png), alt: '' } })]);
    button.addEventListener('click', () => events.toggleVariant(variant.key));
    return button;
  };

  const gridFor = (run: EditRun, chosen: ReadonlySet<string>): HTMLElement => {
    const grid = variantGrid(run.variants);
    const header = h(doc, 'div', { className: 'grid-row' }, [
      h(doc, 'span', { className: 'axis eta' }),
      ...grid.seeds.map((seed) => h(doc, 'span', { className: 'axis', text: `seed ${seed}` })),
    ]);
    const rows = grid.etas.map((eta) =>
      h(doc, 'div', { className: 'grid-row' }, [
        h(doc, 'span', { className: 'axis eta', text: `η ${formatEta(eta)}` }),
        ...grid.seeds.map((seed) => {
          const variant = grid.cell(eta, seed);
          return variant === undefined ? h(doc, 'span', { className: 'axis' }) : tile(`η ${formatEta(eta)}, seed ${seed}`, variant, chosen.has(variant.key));
        }),
      ]),
    );
    const label = `Variants of “${run.prompt}” for ${run.source.name}`;
    return h(doc, 'div', {}, [
      h(doc, 'p', { className: 'muted', text: `${run.source.name}: “${run.prompt}”` }),
      h(doc, 'div', { className: 'grid', attrs: { role: 'group', 'aria-label': label } }, [header, ...rows]),
    ]);
  };

  return {
    render({ runs, chosen, busy }: PanelState): void {
      const withVariants = runs.filter((r) => r.variants.length > 0 || r.preview !== null);
      section.hidden = withVariants.length === 0;
      const shown = runs.find((r) => r.preview !== null)?.preview ?? null;
      preview.hidden = shown === null;
      if (shown !== null) {
        previewImage.src = pngUrl(shown.png);
        previewImage.alt = `Preview at η ${formatEta(shown.eta)}`;
        previewText.textContent = `Preview · η ${formatEta(shown.eta)} · seed ${shown.seed} · ${shown.steps} steps`;
      }
      if (runs !== lastRuns || chosen !== lastChosen) {
        const focusedKey = (doc.activeElement as HTMLElement | null)?.dataset?.['key'];
        replaceChildren(grids, withVariants.filter((r) => r.variants.length > 0).map((r) => gridFor(r, chosen)));
        if (focusedKey !== undefined) (grids.querySelector(`[data-key="${focusedKey}"]`) as HTMLElement | null)?.focus();
        lastRuns = runs;
        lastChosen = chosen;
      }
      insert.disabled = chosen.size === 0 || busy === 'inserting';
      insert.textContent = chosen.size > 1 ? `Insert ${chosen.size}` : 'Insert';
      insertHelp.textContent = chosen.size === 0 ? 'Choose variants, then insert them above the layer.' : `${chosen.size} chosen`;
    },
  };
}
