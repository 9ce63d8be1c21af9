// The variant grid of one edit: rows are η values, columns seeds, in the order they first appear.
import type { Variant } from './panel-state.ts';

export type VariantGrid = { etas: number[]; seeds: number[]; cell(eta: number, seed: number): Variant | undefined };

export function variantGrid(variants: readonly Variant[]): VariantGrid {
  const etas = [...new Set(variants.map((v) => v.eta))].sort((a, b) => a - b);
  const seeds = [...new Set(variants.map((v) => v.seed))];
  const byCell = new Map(variants.map((v) => [`${v.eta}|${v.seed}`, v]));
  return { etas, seeds, cell: (eta, seed) => byCell.get(`${eta}|${seed}`) };
}
