// The seeds field: a count ("4": four random seeds) or explicit values ("3, 7, 42"; "7," is the one seed 7).

/** EditRequest allows at most 16 seeds per request. */
export const MAX_SEEDS = 16;
const MAX_SEED = 2 ** 32 - 1;

export type SeedSpec = { kind: 'count'; count: number } | { kind: 'list'; seeds: number[] };
export type SeedParse = { ok: true; spec: SeedSpec; label: string } | { ok: false; message: string };

export function parseSeeds(text: string): SeedParse {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const count = Number(trimmed);
    if (count < 1 || count > MAX_SEEDS) return { ok: false, message: `A count of seeds is 1–${MAX_SEEDS}.` };
    return {
      ok: true,
      spec: { kind: 'count', count },
      label: count === 1 ? '1 variation, random seed' : `${count} variations, random seeds`,
    };
  }
  const parts = trimmed.split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0 || !/,/.test(trimmed))
    return { ok: false, message: 'Type a count (4) or seeds separated by commas (3, 7, 42).' };
  if (!parts.every((p) => /^\d+$/.test(p) && Number(p) <= MAX_SEED))
    return { ok: false, message: `Seeds are whole numbers from 0 to ${MAX_SEED}.` };
  const seeds = [...new Set(parts.map(Number))];
  if (seeds.length > MAX_SEEDS) return { ok: false, message: `At most ${MAX_SEEDS} seeds per edit.` };
  return { ok: true, spec: { kind: 'list', seeds }, label: `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}` };
}

/** Concrete seeds: a count draws consecutive seeds from one random start, so they are easy to note and reuse. */
export function resolveSeeds(spec: SeedSpec, randomStart: () => number): number[] {
  if (spec.kind === 'list') return spec.seeds;
  const start = Math.min(randomStart(), MAX_SEED - spec.count);
  return Array.from({ length: spec.count }, (_, i) => start + i);
}
