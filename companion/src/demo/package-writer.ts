// Writes the demo model as a diffusers-ONNX Stable Diffusion package (docs/onnx.md §1.2), the layout the engine's
// loader reads from any SD 1.x export: model_index.json, scheduler/, tokenizer/, text_encoder/, unet/, vae_encoder/,
// vae_decoder/ (each VAE half with optimum's config.json carrying the scaling factor). The graphs are rebuilt at
// batch 1 from the config, and the trained weights replace the seeded ones by name.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromNumbers } from '../graph/tensor.ts';
import type { Model } from '../graph/ir.ts';
import { buildUNet } from '../model-builder/unet.ts';
import { writeModel } from '../onnx/model-file.ts';
import type { DemoConfig } from './demo-config.ts';
import { workingSize } from './demo-config.ts';
import { buildPixelVaeDecoder, buildPixelVaeEncoder, type ResamplingKernels } from './pixel-vae.ts';
import { buildTextEncoder } from './text-encoder.ts';
import { vocabularySize, writeTokenizerFiles, type DemoVocabulary } from './tokenizer-files.ts';
import { PACKAGE_SETTINGS_FILE, PackageSettings } from '../engine/package-settings.ts';
import {
  DEMO_PROMPTS,
  DEMO_QUICK_STRENGTH,
  DEMO_STEP_TIMES,
  DEMO_RECOMMENDED_LEARN,
  DEMO_RECOMMENDED_PRESETS,
  DEMO_RECOMMENDED_SAMPLE,
  DEMO_RECOMMENDED_TRAIN,
  DEMO_SETTINGS_RATIONALE,
} from './demo-settings.ts';
import { ONNX_PIPELINE_INDEX, SD15_SCHEDULER_CONFIG } from '../engine/pipeline-index.ts';

export interface DemoPackageContents {
  readonly config: DemoConfig;
  /** Trained weights by name; every UNet and text-encoder parameter must be present. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly scalingFactor: number;
  readonly vaeFilter: ResamplingKernels;
  readonly vocabulary: DemoVocabulary;
}

/** The schedule as the package ships it: SD 1.5's, with the config's prediction type (SD 2.x style). */
export const schedulerConfig = (c: DemoConfig) => ({ ...SD15_SCHEDULER_CONFIG, prediction_type: c.predictionType });

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Replaces each named initializer's value; refuses a model whose parameters the map does not cover exactly. */
export function applyWeights(model: Model, names: Iterable<string>, weights: ReadonlyMap<string, Float32Array>): void {
  for (const name of names) {
    const init = model.graph.initializers.get(name);
    const value = weights.get(name);
    if (!init || !value)
      throw new RangeError(`weight '${name}' is missing from the ${init ? 'trained weights' : 'graph'}`);
    model.graph.initializers.set(name, {
      name,
      dtype: 'float32',
      dims: init.dims,
      data: fromNumbers('float32', init.dims, value),
    });
  }
}

export async function writeDemoPackage(dir: string, c: DemoPackageContents): Promise<void> {
  const root = resolve(dir);
  const folder = async (name: string) => {
    await mkdir(join(root, name), { recursive: true });
    return join(root, name);
  };
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'model_index.json'), json(ONNX_PIPELINE_INDEX));
  await writeFile(join(await folder('scheduler'), 'scheduler_config.json'), json(schedulerConfig(c.config)));
  // The stage-2 settings this model recommends for itself (engine/package-settings.ts), from the comparison.
  await writeFile(
    join(root, PACKAGE_SETTINGS_FILE),
    json(
      PackageSettings.parse({
        train: DEMO_RECOMMENDED_TRAIN,
        sample: DEMO_RECOMMENDED_SAMPLE,
        presets: DEMO_RECOMMENDED_PRESETS,
        prompts: DEMO_PROMPTS,
        quick: { strength: DEMO_QUICK_STRENGTH },
        cost: { stepTimes: DEMO_STEP_TIMES },
        learn: DEMO_RECOMMENDED_LEARN,
        reason: DEMO_SETTINGS_RATIONALE,
      }),
    ),
  );
  await writeTokenizerFiles(await folder('tokenizer'), c.vocabulary, c.config.text.sequenceLength);

  const text = buildTextEncoder(c.config.text, vocabularySize(c.vocabulary));
  applyWeights(
    text,
    [...text.graph.initializers.keys()].filter((n) => n.startsWith('text_model.')),
    c.weights,
  );
  await writeModel(text, join(await folder('text_encoder'), 'model.onnx'));

  const unet = buildUNet({ ...c.config.unet, batch: 1 });
  applyWeights(unet.model, unet.parameters.keys(), c.weights);
  await writeModel(unet.model, join(await folder('unet'), 'model.onnx'));

  const latentSize = c.config.unet.latentSize;
  const vaeConfig = {
    _class_name: 'AutoencoderKL',
    _note: 'pixel-space: no learnt weights; see models/demo/README.md',
    latent_channels: c.config.unet.inChannels,
    sample_size: workingSize(c.config),
    scaling_factor: c.scalingFactor,
  };
  const encoderDir = await folder('vae_encoder');
  const decoderDir = await folder('vae_decoder');
  const geometry = { sceneSize: c.config.sceneSize, latentSize };
  await writeModel(buildPixelVaeEncoder({ ...geometry, filter: c.vaeFilter }), join(encoderDir, 'model.onnx'));
  await writeModel(buildPixelVaeDecoder(geometry), join(decoderDir, 'model.onnx'));
  await writeFile(join(encoderDir, 'config.json'), json(vaeConfig));
  await writeFile(join(decoderDir, 'config.json'), json(vaeConfig));
}
