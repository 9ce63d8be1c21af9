// models/demo/README.md, rendered from the package's training.json (written by train:demo) and eval.json (written by
// eval:demo --write), so the figures in the README are the ones the commands measured.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoConfig } from './demo-config.ts';
import type { CaseOutcome, MaskFigures } from './eval-imagic.ts';
import type { QuickEvalResult } from './eval-quick.ts';
import { LEARN_SEARCH, type LearnEvalResult } from './eval-learn.ts';
import { SUBJECT_SEARCH, type SubjectEvalResult } from './eval-subject.ts';
import {
  DEMO_QUICK_RATIONALE,
  DEMO_QUICK_SEARCH,
  DEMO_QUICK_SEARCH_SUMMARY,
  DEMO_MASK_NOTES,
  DEMO_QUICK_STRENGTH,
  DEMO_RECOMMENDED_SAMPLE,
  DEMO_SETTINGS_RATIONALE,
} from './demo-settings.ts';
import { SELECTION_MARGIN_PX } from './eval-cases.ts';

export interface TrainingReport {
  readonly command: string;
  readonly config: DemoConfig;
  readonly scalingFactor: number;
  readonly steps: number;
  readonly examplesSeen: number;
  readonly wallMinutes: number;
  readonly cpuMinutes: number;
  /** Mean loss of the last logging windows. */
  readonly finalLoss: number;
  readonly losses: readonly { readonly step: number; readonly loss: number }[];
  readonly machine: string;
}

interface ComparisonRow {
  readonly label: string;
  /** (case, seed) outputs at each η: the rows may run on different numbers of scenes. */
  readonly outputsPerEta?: number;
  readonly reconstruction: { readonly meanPsnr: number; readonly minPsnr: number };
  readonly atDefaultEta: {
    readonly eta: number;
    readonly success: number;
    readonly colour: number;
    readonly shape: number;
  };
  readonly sweep: readonly { readonly eta: number; readonly success: number }[];
  readonly secondsPerCase: number;
}

/** The η columns of the comparison: the paper's usual η, the target text itself, the demo model's default (1.2) and 1.6. */
const COMPARISON_ETAS = [0.7, 1, 1.2, 1.6] as const;

interface EvalSummary {
  readonly train?: unknown;
  readonly sample?: unknown;
  readonly generation?: {
    readonly agreement: number;
    readonly samples: number;
    readonly perSlot?: { readonly colour: number; readonly shape: number; readonly background: number };
  };
  readonly captionSensitivity?: {
    readonly scenes: number;
    readonly timesteps: readonly number[];
    readonly bySlot: Readonly<Record<'shape' | 'colour' | 'background', readonly number[]>>;
    readonly embeddingChange?: Readonly<Record<'shape' | 'colour' | 'background', number>>;
  };
  readonly imagic?: {
    readonly cases: number;
    readonly outputsPerEta: number;
    readonly reconstruction: { readonly meanPsnr: number; readonly minPsnr: number; readonly fractionAbove30: number };
    readonly atDefaultEta: {
      readonly eta: number;
      readonly success: number;
      readonly colour: number;
      readonly shape: number;
    };
    readonly sweep: readonly {
      readonly eta: number;
      readonly success: number;
      readonly psnrToInput: number;
      readonly meanIoU: number;
    }[];
    readonly perCase?: readonly CaseOutcome[];
    readonly masks?: MaskFigures;
  };
  readonly comparison?: readonly ComparisonRow[];
  readonly quick?: QuickEvalResult;
  readonly learn?: LearnEvalResult;
  readonly subject?: SubjectEvalResult;
  /** The commands that produced the figures, when they were not one `eval:demo -- --compare --write`. */
  readonly commands?: { readonly main: string; readonly comparison: string };
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

function evaluationSection(e: EvalSummary, rationale: string): string {
  const lines: string[] = [];
  if (e.generation) {
    const slots = e.generation.perSlot;
    lines.push(
      `- **Generation from captions**: the classifier reads back all three slots for ${pct(e.generation.agreement)} of ${e.generation.samples} samples (bar: 90%)${slots ? `; colour ${pct(slots.colour)}, shape ${pct(slots.shape)}, background ${pct(slots.background)}` : ''}.`,
    );
  }
  const sens = e.captionSensitivity;
  if (sens) {
    const row = (slot: 'shape' | 'colour' | 'background') =>
      sens.bySlot[slot].map((v) => v.toExponential(1)).join(' · ');
    lines.push(
      `- **How much the UNet hears each word** (relative change of its output when the word is swapped, over ${sens.scenes} held-out scenes at t = ${sens.timesteps.join(', ')}): colour ${row('colour')}; background ${row('background')}; shape ${row('shape')}.`,
    );
    const moved = sens.embeddingChange;
    if (moved)
      lines.push(
        `- **How far a word moves the text embedding** (relative change of the text encoder's output when the word is swapped; the distance Imagic's interpolation spans): colour ${moved.colour}, background ${moved.background}, shape ${moved.shape}.`,
      );
  }
  const im = e.imagic;
  if (im) {
    lines.push(
      `- **Imagic, η = 0**: PSNR to the input ${im.reconstruction.meanPsnr} dB mean, ${im.reconstruction.minPsnr} dB min, ${pct(im.reconstruction.fractionAbove30)} ≥ 30 dB, over ${im.outputsPerEta} outputs (bar: 30 dB).`,
    );
    lines.push(
      `- **Edits at η = ${im.atDefaultEta.eta}**: ${pct(im.atDefaultEta.success)} of (image, edit, seed) succeed (colour ${pct(im.atDefaultEta.colour)}, shape ${pct(im.atDefaultEta.shape)}; bar: 80%), over ${im.cases} (image, edit) cases.`,
    );
    lines.push('', '| η | edit success | PSNR to input (dB) | mask IoU with input |', '| --- | --- | --- | --- |');
    for (const s of im.sweep) lines.push(`| ${s.eta} | ${pct(s.success)} | ${s.psnrToInput} | ${s.meanIoU} |`);
    if (im.perCase?.length) {
      lines.push(
        '',
        `Each case (η = 0 PSNR per seed; at η = ${im.atDefaultEta.eta}, what the classifier reads and the mask IoU per seed, ✓ for a successful edit):`,
        '',
      );
      lines.push('| input → prompt | η = 0 PSNR (dB) | at the default η |', '| --- | --- | --- |');
      for (const c of im.perCase) {
        const outs = c.atDefaultEta.map((o) => `${o.success ? '✓' : '✗'} ${o.read}, IoU ${o.iou}`).join(' · ');
        lines.push(`| ${c.input} → ${c.prompt} | ${c.reconstructionPsnr.join(' · ')} | ${outs} |`);
      }
    }
  }
  if (e.comparison?.length) {
    const etas = COMPARISON_ETAS.join(' · ');
    lines.push(
      '',
      '### Choosing the stage-1 and stage-2 settings',
      '',
      `| setting | outputs per η | η = 0 PSNR mean / min | edit success at η = ${etas} | s per case |`,
      '| --- | --- | --- | --- | --- |',
    );
    for (const r of e.comparison) {
      const success = COMPARISON_ETAS.map((eta) => {
        const s = r.sweep.find((x) => x.eta === eta);
        return s === undefined ? '–' : pct(s.success);
      });
      lines.push(
        `| ${r.label} | ${r.outputsPerEta ?? '–'} | ${r.reconstruction.meanPsnr} / ${r.reconstruction.minPsnr} | ${success.join(' · ')} | ${r.secondsPerCase} |`,
      );
    }
    lines.push('', rationale);
  }
  return lines.join('\n');
}

/** Masks (issue: quick edits and masks): the automatic mask against the true region, and edits inside a selection. */
function maskSection(imagic: MaskFigures | undefined, quick: QuickEvalResult['masks']): string {
  if (imagic === undefined && quick === undefined)
    return 'Not evaluated yet: run `npm run eval:demo -- --images 16 --seeds 1,2 --gen-seeds 2 --write`.';
  const lines = [
    `From the main command. The true changed region is the object for a colour edit and the union of the old and the`,
    `new shape for a shape edit (\`eval-cases.ts\`, \`changedRegion\`); the designer's mask is that region grown by`,
    `${SELECTION_MARGIN_PX} px (\`selectionAround\`), as a selection drawn around an object leaves room. "Kept": the largest`,
    'RGB difference to the input over the pixels the mask keeps (0: every one exactly as it was).',
    '',
    '| | automatic mask IoU with the true region (colour · shape) | success inside the mask | without a mask | kept, with · without |',
    '| --- | --- | --- | --- | --- |',
  ];
  if (imagic)
    lines.push(
      `| Imagic at η = ${DEMO_RECOMMENDED_SAMPLE.eta}, mask from e_opt | ${imagic.autoMaskIoU.mean} (${imagic.autoMaskIoU.colour} · ${imagic.autoMaskIoU.shape}), min ${imagic.autoMaskIoU.min} | ${pct(imagic.withMask.success)} | ${pct(imagic.withoutMask.success)} | ${imagic.withMask.maxKeptDifference} · ${imagic.withoutMask.maxKeptDifference} |`,
    );
  if (quick)
    lines.push(
      `| quick at strength ${quick.strength}, mask from the input's caption | ${quick.autoMaskIoU.fromCaption.mean} (${quick.autoMaskIoU.fromCaption.colour} · ${quick.autoMaskIoU.fromCaption.shape}) | ${pct(quick.withMask.success)} | ${pct(quick.withoutMask.success)} | ${quick.withMask.maxKeptDifference} · ${quick.withoutMask.maxKeptDifference} |`,
      `| quick, mask from the empty prompt | ${quick.autoMaskIoU.fromEmpty.mean} (${quick.autoMaskIoU.fromEmpty.colour} · ${quick.autoMaskIoU.fromEmpty.shape}) | | | |`,
      '',
      `A quick edit with its automatic mask takes ${quick.msPerAutoMaskedEdit} ms of engine time (the mask's 20 UNet passes and the edit, one output).`,
    );
  lines.push('', DEMO_MASK_NOTES);
  return lines.join('\n');
}

/** Quick edits (eval-quick.ts): success, closeness to the input and time against strength. */
function quickEditSection(q: QuickEvalResult | undefined): string {
  if (q === undefined) return 'Not evaluated yet: run `npm run eval:demo -- --no-generation --no-imagic --write`.';
  const rows = q.sweep.map(
    (s) =>
      `| ${s.strength}${s.strength === DEMO_QUICK_STRENGTH ? ' (default)' : ''} | ${pct(s.success)} (${pct(s.colour)} · ${pct(s.shape)}) | ${s.psnrToInput} | ${s.meanIoU} | ${s.msPerEdit} |`,
  );
  return [
    `\`imagic edit --mode quick [--strength S]\` (the panel's *Quick* mode): SDEdit with this model and no training. From`,
    `the main command (alone: \`npm run eval:demo -- --images 16 --seeds 1,2 --no-generation --no-imagic\`): ${q.cases} edits × 2 seeds per`,
    `strength, ${q.steps}-step schedule, judged as Imagic's edits are; ms: engine time of one quick edit with one output (a 32×32 scene; the UNet works on the same 128 px canvas for any layer size, so a 64×64 layer costs the same).`,
    '',
    '| strength | edit success (colour · shape) | PSNR to input (dB) | mask IoU with input | ms per edit |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    DEMO_QUICK_RATIONALE,
  ].join('\n');
}

/** The search behind the quick preset (demo-settings.ts DEMO_QUICK_SEARCH), as a table. */
function quickPresetSection(): string {
  const rows = DEMO_QUICK_SEARCH.map(
    (r) =>
      `| ${r.name} | ${r.settings} | ${r.cost} (${((100 * r.cost) / 4600).toFixed(1)}%) | ${r.meanPsnr} / ${r.minPsnr} | ${r.success}% |${r.note ? ` ${r.note}` : ''} |`,
  );
  return [
    '## The standard and quick presets',
    '',
    "`imagic edit` (the default, `--preset standard`; the panel's *Standard*) and `--preset quick` use what this model",
    "recommends for them (imagic_settings.json `presets`): the search for the community preset's quality at a tenth of",
    'its UNet work. Sampling from fresh noise, every setting at ~10% reconstructed at ~24 dB or worse, and quick is the',
    "best trade found that way (39%); sampling from the layer's edit-friendly inversion (rows ef…) reaches it at 10%.",
    'Each stage as steps @ rate; UNet work in forward-pass equivalents of one edit (`cost` in `--json`) and its share',
    "of community's 4600; scenes 0–7, from `npm run eval:demo -- --preset quick --images 8 --no-generation` plus the",
    'flags of the row (`--tune-steps`, `--tune-lr`, `--steps`, `--inversion`, `--etas`):',
    '',
    '| setting | stage 1 · stage 2 · sampling | UNet work | η = 0 PSNR mean / min (dB) | edits at η = 1.2 | note |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    DEMO_QUICK_SEARCH_SUMMARY,
  ].join('\n');
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

const lossCurve = (losses: TrainingReport['losses']) => {
  const picks = [0, 0.1, 0.25, 0.5, 0.75, 1].map(
    (f) => losses[Math.min(losses.length - 1, Math.round(f * (losses.length - 1)))]!,
  );
  return picks.map((l) => `step ${l.step}: ${l.loss.toFixed(4)}`).join(' · ');
};

export async function renderPackageReadme(dir: string): Promise<string> {
  const training = (await readJson(join(dir, 'training.json'))) as TrainingReport | undefined;
  const evaluation = (await readJson(join(dir, 'eval.json'))) as EvalSummary | undefined;
  if (!training) throw new RangeError(`${dir} has no training.json; run npm run train:demo first`);
  const c = training.config;
  return `# Demo model

A text-to-image model small enough to train from scratch on a CPU, so that a fresh install edits images end to end
without downloading anything. It is laid out exactly like a diffusers-ONNX Stable Diffusion 1.x package
(\`model_index.json\`, \`scheduler/\`, \`tokenizer/\`, \`text_encoder/\`, \`unet/\`, \`vae_encoder/\`, \`vae_decoder/\`),
so the loader, the engine, the CLI and the daemon use it unchanged. It draws one of three shapes in one of four
colours on one of three backgrounds, from captions like "a red circle on a white background"
(\`companion/src/demo/scene.ts\`); it knows nothing else.

## Reproduce

\`\`\`
${training.command}
\`\`\`

Resumable: Ctrl-C saves a checkpoint (\`.cache/demo-train/checkpoint.bin\`), running the command again continues.
The data set is procedural and seeded (seed ${c.train.seed}); weights are seeded per model (UNet ${c.unet.seed},
text encoder ${c.text.seed}); the same command gives the same package up to floating-point summation order.

| figure | value |
| --- | --- |
| optimiser steps | ${training.steps} (batch ${c.train.batch}, ${training.examplesSeen} examples) |
| wall time | ${training.wallMinutes} min on ${training.machine} |
| CPU time (all threads) | ${training.cpuMinutes} min; on a machine shared with other jobs, wall time ≈ CPU time / cores only when idle |
| final training loss (weighted ${c.predictionType === 'v_prediction' ? 'v' : 'ε'}-MSE, mean of the last windows) | ${training.finalLoss} |
| loss curve | ${lossCurve(training.losses)} |
| Adam | peak lr ${c.train.lr}, ${c.train.warmupSteps} warm-up steps, cosine to ${c.train.finalLrFraction}×, clip ${c.train.clipNorm}, weight average ${c.train.emaDecay} |
| caption dropout | ${c.train.captionDropout} (empty prompt, for classifier-free guidance) |

## What is inside

- **text_encoder/**: token + position embeddings, ${c.text.layers} pre-norm transformer layer (causal self-attention,
  ${c.text.heads} heads, quick-GELU MLP), final LayerNorm; \`input_ids\` int64 [1, ${c.text.sequenceLength}] →
  \`last_hidden_state\` [1, ${c.text.sequenceLength}, ${c.text.hidden}]. Trained jointly with the UNet.
- **tokenizer/**: CLIP's byte-level BPE format (vocab.json, merges.txt with \`</w>\`), 256 byte tokens ×2, merges
  learnt on the grammar's words (each word is one token), start and end tokens; any other text falls back to bytes.
- **unet/**: the model builder's SD-style UNet2DConditionModel, block channels [${c.unet.blockOutChannels.join(', ')}],
  ${c.unet.layersPerBlock} layer per block, ${c.unet.attentionHeads} heads, cross-attention dim ${c.unet.crossAttentionDim},
  latent ${c.unet.latentSize}×${c.unet.latentSize}×${c.unet.inChannels}${c.unet.additionEmbedType === 'text' ? `, with diffusers' text-time embedding (\`addition_embed_type: "text"\`, ${c.unet.additionEmbedHeads}-head attention pooling of the text added to the time embedding, \`model-builder/text-time-embedding.ts\`)` : ''};
  ${c.predictionType === 'v_prediction' ? 'v-prediction (as SD 2.x)' : 'ε-prediction'} on SD 1.5's scaled_linear
  schedule (scheduler/, \`prediction_type\`). Loss weighting (Min-SNR-γ cap ${c.train.minSnrGamma}${c.train.objectWeight !== undefined && c.train.objectWeight !== 1 ? `, and ${c.train.objectWeight}× on the latent cells on and around the shape` : ''}) and offset noise
  (σ ${c.train.offsetNoise}) are explained in \`companion/src/demo/demo-config.ts\`, with what they fixed.
- **imagic_settings.json**: the settings this model recommends for Imagic (\`engine/package-settings.ts\`: the CLI applies
  them where no flag is given; a plugin request that leaves its adapters, stage-1 rate and guidance to the companion
  gets the recommended ones, and the panel's η slider starts at the recommended η), with the reason.
- **vae_encoder/, vae_decoder/**: a pixel-space "VAE" with no learnt weights and nothing lost (\`companion/src/demo/pixel-vae.ts\`).
  The engine works on a canvas 8× the latent (${c.unet.latentSize * 8}×${c.unet.latentSize * 8} here, SD's VAE factor); the encoder averages each
  ${(c.unet.latentSize * 8) / c.sceneSize}×${(c.unet.latentSize * 8) / c.sceneSize} cell back to one pixel of the ${c.sceneSize}×${c.sceneSize} scene, with a 5×5 correction for the engine's lanczos3
  upsampling, and maps each ${c.sceneSize / c.unet.latentSize}×${c.sceneSize / c.unet.latentSize} patch's RGB values to ${c.unet.inChannels} channels with an orthonormal basis (luma and two
  colour-opponent axes × ${c.sceneSize / c.unet.latentSize === 2 ? 'one level of the Haar wavelet' : 'a Hadamard basis'}); the decoder applies its transpose and repeats each pixel over its cell.
  \`scaling_factor\` ${training.scalingFactor} = 1/rms of the data set's latents, as SD's is 1/std of its VAE's.

## Evaluation

These are the community preset's figures (the default before the standard preset; its settings below): Imagic as the
paper and diffusers run it, from fresh noise. The default's, at a tenth of its work, are in "The standard and quick
presets".

${evaluation ? `From ${evaluation.commands ? `\`${evaluation.commands.main}\` and, for the comparison, \`${evaluation.commands.comparison}\`` : '`npm run eval:demo -- --compare --write`'} (\`eval.json\` holds every figure, and the settings that ran).\nJudged by \`companion/src/demo/classifier.ts\`, which reads colour from pixel statistics and shape from image moments,\nindependently of the model; an edit succeeds when it reads the target caption and the shape mask overlaps the\ninput's with IoU ≥ 0.7.\n\n${evaluationSection(evaluation, DEMO_SETTINGS_RATIONALE)}` : 'Not evaluated yet: run `npm run eval:demo -- --compare --write`.'}

## Quick edits

${quickEditSection(evaluation?.quick)}

## Masks

${maskSection(evaluation?.imagic?.masks, evaluation?.quick?.masks)}

${quickPresetSection()}

## Learning new words

${learnSection(evaluation?.learn)}

## Subject adapters

${subjectSection(evaluation?.subject)}
`;
}

/** Subject adapters (eval-subject.ts): the subject on its token, and the class kept, with and without the prior. */
function subjectSection(s: SubjectEvalResult | undefined): string {
  if (s === undefined)
    return 'Not evaluated yet: run `npm run eval:demo -- --no-generation --no-imagic --no-quick --write`.';
  const st = s.settings;
  return [
    `\`imagic learn IMAGES… --kind adapter --class-word ${s.classWord}\` (DreamBooth-style LoRA with prior preservation): a ${s.subject},`,
    `which the data set never draws, learned from 5 scenes of it (no probe used them) with this model's recommendation`,
    `(imagic_settings.json \`learn.subject\`: ${st.steps} steps at ${st.lr}, rank ${st.rank} on ${st.targets.join(', ')}, λ = ${st.priorWeight}, ${st.classImages} class images; the word first,`,
    `as a learn job of its own). The adapters are judged as loaded back from their LoRA file. From the same command as above.`,
    '',
    '| | bar | with the adapters | the word alone |',
    '|---|---|---|---|',
    `| the subject on "${s.prompt}" (detector, ${s.samples} samples) | ≥ 70% | ${pct(s.onToken.withAdapters)} | ${pct(s.onToken.wordOnly)} |`,
    '',
    '| class captions ("a {colour} circle on a {background} background", classifier) | bar | |',
    '|---|---|---|',
    `| the base model | | ${pct(s.classKept.base)} |`,
    `| adapters trained with prior preservation (λ = ${st.priorWeight}) | ≥ 95% | ${pct(s.classKept.withPrior)} |`,
    `| adapters trained without it (λ = 0) | | ${pct(s.classKept.withoutPrior)} |`,
    '',
    `${s.classSamples} class samples each; one subject job is ${s.cost ?? '?'} UNet forward-pass equivalents and took ${s.learnMs} ms on 2 CPU cores. How the recommendation was`,
    'chosen (on other scenes: `companion/src/demo/eval-subject.ts`, SUBJECT_SEARCH):',
    '',
    '| settings | subject on its token | class kept |',
    '|---|---|---|',
    ...SUBJECT_SEARCH.map((r) => `| ${r.settings} | ${r.subject} | ${r.kept} |`),
  ].join('\n');
}

/** Learn jobs (eval-learn.ts): a word per held-out concept, judged by the classifier against its initializer word. */
function learnSection(l: LearnEvalResult | undefined): string {
  if (l === undefined)
    return 'Not evaluated yet: run `npm run eval:demo -- --no-generation --no-imagic --no-quick --write`.';
  const s = l.settings;
  return [
    `\`imagic learn IMAGES… --token "<x>" --init-word WORD\` (Textual Inversion): from \`npm run eval:demo -- --no-generation`,
    `--no-imagic --no-quick --write\`, one word per concept learned from 5 scenes of it (varied position, size and`,
    `background) that no probe used, from an unrelated initializer word, with this model's recommendation (imagic_settings.json`,
    `\`learn\`: ${s.steps} steps at ${s.lr}, ${s.lrSchedule}, templates ${s.templates.map((t) => `"${t}"`).join(', ')}); then "${l.prompt}"`,
    `sampled ${l.concepts[0]?.samples ?? 0} times. Learned: the classifier reads the concept's colour and shape; baseline: the same prompt with the`,
    `initializer word. Each job is ${l.cost.passes} UNet forward-pass equivalents (backward ratio ${l.cost.backwardRatio}).`,
    '',
    '| concept | initializer | learned | baseline | learn job (ms, 2 CPU cores) |',
    '|---|---|---|---|---|',
    ...l.concepts.map(
      (c) => `| ${c.concept} | ${c.initWord} | ${pct(c.learned)} | ${pct(c.baseline)} | ${c.learnMs} |`,
    ),
    '',
    'How the recommendation was chosen (on other scenes: `companion/src/demo/eval-learn.ts`, LEARN_SEARCH):',
    '',
    '| settings | samples right | note |',
    '|---|---|---|',
    ...LEARN_SEARCH.map((r) => `| ${r.settings} | ${r.hits} | ${r.note} |`),
    '',
    `Saved and reloaded: the vector read back from the word's own file is ${l.roundTrip.sameVector ? 'bit for bit the one trained' : 'NOT the one trained'}, and two fresh loads of the model with it sample ${l.roundTrip.sameSamples ? 'the same images' : 'DIFFERENT images'}.`,
  ].join('\n');
}
