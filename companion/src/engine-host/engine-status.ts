// `status`'s model, device and provider: the default model from disk, and whether the engine thread has it open.
import os from 'node:os';
import type { Provider } from '../runtime/ort-session.ts';
import { ImagicError } from '../errors.ts';
import {
  readPackagePromptsAsync,
  readPackageQuickStrengthAsync,
  readPackageSampleSettingsAsync,
} from '../engine/package-settings.ts';
import { defaultModelAsync, modelStatusAsync } from '../models/model-store.ts';
import { adapterTokensAsync, learnedTokensAsync } from '../models/learned-store.ts';
import type { EngineStatus } from './edit-engine.ts';

/** What the engine thread reports about itself whenever it changes. */
export type RunnerState = { openDir: string | null; loadingDir: string | null; provider: Provider | null };

export const IDLE_RUNNER: RunnerState = { openDir: null, loadingDir: null, provider: null };

const DEVICE_NAMES: Readonly<Partial<Record<Provider, string>>> = {
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'Apple GPU / Neural Engine (Core ML)',
  webgpu: 'GPU (WebGPU)',
};

export async function engineStatusAsync(dataDir: string, state: RunnerState): Promise<EngineStatus> {
  const { provider } = state;
  const device = provider === null ? null : (DEVICE_NAMES[provider] ?? os.cpus()[0]?.model.trim() ?? 'CPU');
  const chosen = await defaultModelAsync(dataDir);
  if (chosen === null) return { model: await modelStatusAsync(dataDir), device, executionProvider: provider };
  const modelState = state.loadingDir === chosen.dir ? 'loading' : state.openDir === chosen.dir ? 'ready' : 'installed';
  const recommendedEta = await orUndefinedAsync(async () => (await readPackageSampleSettingsAsync(chosen.dir)).eta);
  const recommendedStrength = await orUndefinedAsync(() => readPackageQuickStrengthAsync(chosen.dir));
  const prompts = await orUndefinedAsync(() => readPackagePromptsAsync(chosen.dir));
  const learned = await learnedTokensAsync(dataDir, chosen.dir);
  // A word of the vocabulary may switch an adapter on too (`learned add FILE --as WORD`): adapters are read either way.
  const adapters = await adapterTokensAsync(dataDir, chosen.dir);
  return {
    model: {
      state: modelState,
      name: chosen.id,
      ...(recommendedEta === undefined ? {} : { recommendedEta }),
      ...(recommendedStrength === undefined ? {} : { recommendedStrength }),
      ...(prompts === undefined
        ? {}
        : {
            prompts: {
              examples: [...prompts.examples],
              ...(prompts.vocabulary ? { vocabulary: [...prompts.vocabulary] } : {}),
              ...(learned.length > 0 ? { learned } : {}),
            },
          }),
      ...(learned.length > 0 || adapters.length > 0 ? { learned: { words: learned, adapters } } : {}),
    },
    device,
    executionProvider: provider,
  };
}

/** A damaged imagic_settings.json fails the edit with MODEL_INVALID when it is read for one; status just leaves it out. */
async function orUndefinedAsync<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ImagicError && err.code === 'MODEL_INVALID') return undefined;
    throw err;
  }
}
