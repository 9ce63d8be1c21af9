// What the companion reports about itself beyond the basics of `status`: installed models, the event loop's
// responsiveness, and the errors it reported lately (the dashboard shows all three).
import * as z from 'zod';
import { count, ErrorCodeField, text } from './fields.ts';

/** A model's folder name under <data-dir>/models/; also what `imagic models` takes. */
export const ModelId = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit and contain only letters, digits and . _ -',
  );
export type ModelId = z.infer<typeof ModelId>;

export const ModelSummary = z.strictObject({
  modelId: ModelId,
  isDefault: z.boolean(),
  /** Total size of the model's files. */
  bytes: z.number().int().min(0),
  /** Where it came from: a hub repo id with revision, or the folder it was added from. */
  source: text(500).nullable(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

/** Event-loop delay of the companion's main thread over the last `windowS` seconds (perf_hooks histogram). */
export const EventLoopLag = z.strictObject({
  p50Ms: z.number().min(0),
  p99Ms: z.number().min(0),
  maxMs: z.number().min(0),
  windowS: count,
});
export type EventLoopLag = z.infer<typeof EventLoopLag>;

export const RecentError = z.strictObject({
  at: z.iso.datetime(),
  code: ErrorCodeField,
  message: text(2000),
});
export type RecentError = z.infer<typeof RecentError>;
