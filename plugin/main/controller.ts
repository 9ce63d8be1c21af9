// The document side of the panel, independent of the design tool: answers the UI's bridge messages through a
// DesignHost and reports selection changes. Figma runs it in the sandbox (main.ts); Photoshop in the panel itself.
import type { MainToUi, UiToMain } from '../../shared/src/bridge/messages.ts';
import type { DesignHost } from './host/design-host.ts';
import { formatEta } from './result-name.ts';

export const STORAGE_KEYS = {
  token: 'imagic.pairingToken',
  prompts: 'imagic.recentPrompts',
  port: 'imagic.port',
} as const;

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string').slice(0, 32) : [];
const portOrNull = (v: unknown): number | null =>
  Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536 ? (v as number) : null;

type Handlers = { [T in UiToMain['type']]: (message: Extract<UiToMain, { type: T }>) => Promise<void> };

export type Controller = {
  /** Handles one validated message; rejects only on bugs (expected failures are posted back and notified). */
  handleAsync(message: UiToMain): Promise<void>;
};

export function createController(host: DesignHost, post: (message: MainToUi) => void): Controller {
  const postSelectionAsync = async () =>
    post({ type: 'selection.changed', items: await host.describeSelectionAsync() });

  const handlers: Handlers = {
    'ui.ready': async () => {
      const [token, prompts, port] = await Promise.all([
        host.storage.getAsync(STORAGE_KEYS.token),
        host.storage.getAsync(STORAGE_KEYS.prompts),
        host.storage.getAsync(STORAGE_KEYS.port),
      ]);
      post({
        type: 'storage.loaded',
        token: typeof token === 'string' && token !== '' ? token : null,
        recentPrompts: strings(prompts),
        port: portOrNull(port),
      });
      await postSelectionAsync();
    },
    'token.save': async ({ token }) => {
      if (token === '') await host.storage.deleteAsync(STORAGE_KEYS.token);
      else await host.storage.setAsync(STORAGE_KEYS.token, token);
    },
    'prompts.save': async ({ prompts }) => host.storage.setAsync(STORAGE_KEYS.prompts, prompts),
    'selection.export': async ({ purpose }) => {
      const outcome = await host.exportSelectionAsync(purpose ?? 'edit');
      if (outcome.ok) return post({ type: 'selection.exported', sources: outcome.sources });
      post({ type: 'selection.failed', message: outcome.message });
      host.notify(outcome.message, true);
    },
    'results.place': async ({ request }) => {
      try {
        const { count, sourceMissing } = await host.placeResultsAsync(request);
        post({ type: 'results.placed', editId: request.editId, count, sourceMissing });
        const what = count === 1 ? `η ${formatEta(request.variants[0]?.eta ?? 0)}` : `${count} variants`;
        host.notify(
          sourceMissing
            ? `“${request.source.name}” was deleted while the edit ran; inserted ${what} where it was.`
            : `Inserted ${what} of “${request.prompt}”.`,
          false,
        );
      } catch (err) {
        const message = `Could not insert the results: ${err instanceof Error ? err.message : String(err)}`;
        post({ type: 'results.failed', editId: request.editId, message });
        host.notify(message, true);
      }
    },
    'edit.remember': async ({ sourceId, edit }) => {
      await host.rememberEditAsync(sourceId, edit);
      await postSelectionAsync();
    },
    'edit.forget': async ({ sourceId, editId }) => {
      await host.forgetEditAsync(sourceId, editId);
      await postSelectionAsync();
    },
    notify: async ({ message, isError }) => host.notify(message, isError),
  };

  host.onSelectionChange(() => {
    postSelectionAsync().catch((err: unknown) =>
      host.notify(`Imagic: ${err instanceof Error ? err.message : String(err)}`, true),
    );
  });

  return {
    handleAsync: (message) => (handlers[message.type] as (m: UiToMain) => Promise<void>)(message),
  };
}
