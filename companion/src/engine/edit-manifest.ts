// manifest.json of a saved edit (edit-store.ts), validated on every read: a damaged or hand-edited manifest is
// EDIT_STALE, never a crash, and file names cannot leave the edit's folder.
import { z } from 'zod';
import { AdapterTarget, LateAdapters, Preset, Sampler } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';
import { LR_SCHEDULES } from './lr-schedule.ts';
import type { TrainedState } from './imagic-engine.ts';
import { packageFingerprint } from '../models/package-files.ts';
import type { SampleSettings } from './settings.ts';

export const EDIT_MANIFEST_VERSION = 1;

const fileName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)?\.(f32|png)$/, 'must be a file inside the edit folder');
const dims = z.array(z.int().positive()).min(1).max(8);
const size = z.strictObject({ width: z.int().positive(), height: z.int().positive() });

const adapterPart = z.strictObject({ name: z.string().min(1), dims, file: fileName });

export const editManifestSchema = z.strictObject({
  version: z.literal(EDIT_MANIFEST_VERSION),
  edit_id: z.string().regex(/^[0-9a-f]{32}$/),
  model: z.strictObject({ id: z.string().min(1), dir: z.string().min(1) }),
  /** The subject adapter the edit was trained under (its word, and a digest of its file); absent: none. */
  subject: z.strictObject({ token: z.string().min(1), digest: z.string().regex(/^[0-9a-f]{16}$/) }).optional(),
  prompt: z.string(),
  preset: Preset,
  train: z.strictObject({
    embedSteps: z.int().min(0),
    embedLr: z.number().positive(),
    tuneSteps: z.int().min(0),
    tuneLr: z.number().positive(),
    // Absent in edits saved before schedules existed: those were trained at a constant rate.
    tuneLrSchedule: z.enum(LR_SCHEDULES).optional(),
    embedLrSchedule: z.enum(LR_SCHEDULES).optional(),
    adapterRank: z.int().positive(),
    adapterAlpha: z.number().positive(),
    adapterTargets: z.array(AdapterTarget).min(1),
    seed: z.int().min(0),
  }),
  /** The sampling settings of the edit's own render, the defaults of a re-render. */
  sample: z.strictObject({
    etas: z.array(z.number()).min(1),
    seeds: z.array(z.int().min(0)).min(1),
    steps: z.int().positive(),
    guidanceScale: z.number().min(0),
    sampler: Sampler,
    lateAdapters: LateAdapters.optional(),
    inversion: z.boolean().optional(),
  }),
  input: z.strictObject({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    width: z.int().positive(),
    height: z.int().positive(),
  }),
  placement: z.strictObject({
    canvas: size,
    left: z.int().min(0),
    top: z.int().min(0),
    width: z.int().positive(),
    height: z.int().positive(),
    background: z.strictObject({ r: z.int().min(0).max(255), g: z.int().min(0).max(255), b: z.int().min(0).max(255) }),
  }),
  adapter_spec: z.strictObject({
    targets: z.array(z.string()).min(1),
    rank: z.int().positive(),
    alpha: z.number().positive(),
  }),
  adapters: z
    .array(
      z.strictObject({
        node: z.string(),
        kind: z.enum(['lora', 'locon']),
        scale: z.number(),
        down: adapterPart,
        up: adapterPart,
      }),
    )
    .min(1),
  /** [1, T, d]: the shape of each embedding file. */
  embeddings_dims: dims,
  files: z.strictObject({ e_tgt: fileName, e_opt: fileName, e_empty: fileName, input: fileName }),
  losses: z.strictObject({ embed: z.array(z.number()), finetune: z.array(z.number()) }),
  final_loss: z.strictObject({ embed: z.number().nullable(), finetune: z.number().nullable() }),
  created_at: z.iso.datetime(),
  used_at: z.iso.datetime(),
});

export type EditManifest = z.infer<typeof editManifestSchema>;

export interface NewEditManifest {
  readonly editId: string;
  readonly modelId: string;
  readonly modelDir: string;
  readonly preset: EditManifest['preset'];
  readonly sample: SampleSettings;
  /** sha256 of the input file's bytes, and its size. */
  readonly input: EditManifest['input'];
  readonly state: TrainedState;
  /** Tokens per embedding (the package's sequence length). */
  readonly sequenceLength: number;
  readonly now?: Date;
}

/** The manifest of a freshly trained edit, less the file lists EditStore.saveAsync adds. */
export function newEditManifest(m: NewEditManifest): Omit<EditManifest, 'files' | 'adapters'> {
  const { state } = m;
  const now = (m.now ?? new Date()).toISOString();
  const last = (values: readonly number[]) => values.at(-1) ?? null;
  return {
    version: EDIT_MANIFEST_VERSION,
    edit_id: m.editId,
    model: { id: m.modelId, dir: m.modelDir },
    ...(state.subject ? { subject: { ...state.subject } } : {}),
    prompt: state.prompt,
    preset: m.preset,
    train: { ...state.train, adapterTargets: [...state.train.adapterTargets] },
    sample: { ...m.sample, etas: [...m.sample.etas], seeds: [...m.sample.seeds] },
    input: m.input,
    placement: state.placement,
    adapter_spec: { ...state.adapterSpec, targets: [...state.adapterSpec.targets] },
    embeddings_dims: [1, m.sequenceLength, state.embeddings.target.length / m.sequenceLength],
    losses: { embed: [...state.losses.embed], finetune: [...state.losses.finetune] },
    final_loss: { embed: last(state.losses.embed), finetune: last(state.losses.finetune) },
    created_at: now,
    used_at: now,
  };
}

/**
 * EDIT_STALE unless the edit's model is still at its folder, unchanged (package-files.ts fingerprint). A model that is
 * gone is stale; any other failure to read it (permissions, a disk error) keeps its own cause, as MODEL_INVALID.
 */
export async function checkEditModelAsync(manifest: EditManifest): Promise<void> {
  const current = await packageFingerprint(manifest.model.dir).catch((err: unknown) => {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return fail(
      'MODEL_INVALID',
      `cannot read the model of edit ${manifest.edit_id} at ${manifest.model.dir}: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  });
  if (current !== manifest.model.id) {
    fail(
      'EDIT_STALE',
      `edit ${manifest.edit_id} was trained with ${manifest.model.id} at ${manifest.model.dir}, which is now ${current}; train it again`,
    );
  }
}
