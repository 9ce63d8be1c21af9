// Installed models and the default one; installing and removing is the CLI's (`imagic models`), never a client's:
// a web page that got hold of the pairing code must not be able to make the companion fetch or delete files.
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import { listModelsAsync, modelsDir, setDefaultModelAsync } from '../../models/model-store.ts';
import type { Handler } from './handler.ts';

export const handleModelsList: Handler<'models.list'> = async ({ id }, { services }) => ({
  v: PROTOCOL_VERSION,
  type: 'models.list.result',
  id,
  models: await listModelsAsync(services.dataDir),
  modelsDir: modelsDir(services.dataDir),
});

export const handleModelsDefault: Handler<'models.default'> = async ({ id, modelId }, { services }) => {
  await setDefaultModelAsync(services.dataDir, modelId);
  return { v: PROTOCOL_VERSION, type: 'ok', id };
};
