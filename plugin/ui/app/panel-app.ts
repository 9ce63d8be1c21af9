// Wires one panel: views, the document-side link, the companion connection and the controllers. Shared by the
// Figma UI (ui.ts) and the Photoshop panel (plugin/photoshop/panel.ts); only the link and environment differ.
import type { MainToUi } from '../../../shared/src/bridge/messages.ts';
import type { ClientKind } from '../../../shared/src/protocol/messages.ts';
import type { SocketFactory } from '../daemon/daemon-client.ts';
import type { MainLink } from '../main-bridge.ts';
import type { HostEnvironment } from '../state/connection-view.ts';
import { sliderEtaFor } from '../state/etas.ts';
import { sliderStrengthFor } from '../state/quick.ts';
import { initialPanelState, type PanelState } from '../state/panel-state.ts';
import { parseSeeds, resolveSeeds } from '../state/seeds.ts';
import { randomSeed } from '../image/random-id.ts';
import { createPanel } from '../views/panel.ts';
import { ConnectionController } from './connection-controller.ts';
import { describeError, notice, type AppContext } from './context.ts';
import { EditController } from './edit-controller.ts';
import { JobRegistry } from './job-registry.ts';
import { LibraryController } from './library-controller.ts';
import { LearnController } from './learn-controller.ts';
import { SelectionExport } from './selection-export.ts';
import type { EditService } from '../daemon/edit-service.ts';
import { RenderController } from './render-controller.ts';
import { Store } from './store.ts';

export type PanelAppOptions = {
  doc: Document;
  link: MainLink;
  client: ClientKind;
  clientVersion: string;
  env: HostEnvironment;
  createSocket?: SocketFactory;
};

export function startPanelApp(options: PanelAppOptions): Store<PanelState> {
  const store = new Store(initialPanelState());
  const ctx: AppContext = {
    store,
    link: options.link,
    registry: new JobRegistry(),
    service: () => connection.ready,
    seeds: [],
  };
  const renders = new RenderController(ctx);
  const library = new LibraryController(ctx, renders);
  const selection = new SelectionExport(options.link);
  const edits = new EditController(
    ctx,
    renders,
    selection,
    () => void library.refreshAsync().catch((err: unknown) => notice(ctx, describeError(err), true)),
  );
  const learning = new LearnController(ctx, selection, () => {
    const service = connection.ready;
    if (service) readStatus(service);
  });
  /** The edit-strength slider's value: η, or the strength in quick mode. */
  const sliderValue = () => (store.state.mode === 'quick' ? store.state.strength : store.state.eta);
  let firstReady = true;
  let etaTouched = false;
  let strengthTouched = false;

  const connection = new ConnectionController({
    client: options.client,
    clientVersion: options.clientVersion,
    env: options.env,
    ...(options.createSocket === undefined ? {} : { createSocket: options.createSocket }),
    onView: (view) => store.update({ connection: view }),
    onReady: (service) => {
      service.onJobEvent((event) => {
        edits.handle(event);
        learning.handle(event);
      });
      readStatus(service);
      library.refreshAsync().catch((err: unknown) => notice(ctx, describeError(err), true));
      if (!firstReady) {
        edits.reattach();
        learning.reattach();
      }
      firstReady = false;
    },
  });

  /** The companion's model, device and the model's prompts and words (again after a word was learned). */
  function readStatus(service: EditService): void {
    service
      .statusAsync()
      .then(({ model, device, executionProvider }) => {
        // The slider starts at the model's recommended η until the designer moves it.
        const eta = etaTouched || model.state === 'none' ? null : sliderEtaFor(model.recommendedEta);
        const strength =
          strengthTouched || model.state === 'none' ? null : sliderStrengthFor(model.recommendedStrength);
        store.update({
          companion: {
            model: model.state === 'none' ? 'none installed' : `${model.name} (${model.state})`,
            modelId: model.state === 'none' ? null : model.name,
            device:
              device === null
                ? 'device chosen at the first edit'
                : `${device}${executionProvider === null ? '' : ` · ${executionProvider}`}`,
            hasModel: model.state !== 'none',
          },
          modelPrompts: model.state === 'none' ? null : (model.prompts ?? null),
          learned: model.state === 'none' || !model.learned ? { words: [], adapters: [] } : model.learned,
          ...(model.state === 'none' ? { notice: { text: model.hint, isError: true } } : {}),
          ...(eta === null ? {} : { eta }),
          ...(strength === null ? {} : { strength }),
        });
      })
      .catch((err: unknown) => notice(ctx, describeError(err), true));
  }

  const panel = createPanel(options.doc, {
    pair: (token) => {
      options.link.post({ type: 'token.save', token });
      connection.pair(token);
    },
    changeCode: () => store.update({}),
    promptChanged: (prompt) => store.update({ prompt }),
    presetChanged: (preset) => store.update({ preset }),
    seedsChanged: (seedsText) => {
      const seeds = parseSeeds(seedsText);
      store.update({ seedsText, seeds });
      if (!seeds.ok) return;
      const same = seeds.spec.kind === 'count' && seeds.spec.count === ctx.seeds.length;
      if (!same) ctx.seeds = resolveSeeds(seeds.spec, randomSeed);
      if (!same) renders.commit(sliderValue(), 600);
    },
    etaInput: (eta) => {
      etaTouched = true;
      store.update({ eta });
      renders.preview(eta);
    },
    etaCommit: (eta) => {
      etaTouched = true;
      store.update({ eta });
      renders.commit(eta);
    },
    modeChanged: (mode) => store.update({ mode }),
    autoMaskChanged: (autoMask) => store.update({ autoMask }),
    subjectChanged: (subject) => store.update({ subject }),
    regionChanged: (runId, step) => {
      const run = store.state.runs.find((r) => r.id === runId);
      // A step of about 2% of the layer's longer side, at least one pixel.
      const px = run?.upload ?? run?.mask;
      const size = px
        ? Math.max(px.width, px.height)
        : run
          ? Math.max(run.source.frame.width, run.source.frame.height)
          : 64;
      const stepPx = Math.max(1, Math.round(0.02 * size));
      renders.adjustRegion(runId, step === null ? null : step * stepPx, sliderValue());
    },
    strengthInput: (strength) => {
      strengthTouched = true;
      store.update({ strength });
      renders.preview(strength);
    },
    strengthCommit: (strength) => {
      strengthTouched = true;
      store.update({ strength });
      renders.commit(strength);
    },
    varyEtaChanged: (varyEta) => {
      store.update({ varyEta });
      renders.commit(sliderValue(), 0);
    },
    startEdit: () => void edits.startAsync().catch((err: unknown) => notice(ctx, describeError(err), true)),
    cancel: () => edits.cancel(),
    learnChanged: (patch) => learning.changed(patch),
    startLearn: () => void learning.startAsync().catch((err: unknown) => notice(ctx, describeError(err), true)),
    cancelLearn: () => learning.cancel(),
    toggleVariant: (key) => library.toggle(key),
    insert: () => library.insert(),
    reopen: (sourceId, editId) => library.reopen(sourceId, editId),
    deleteEdit: (sourceId, editId) => void library.deleteAsync(sourceId, editId),
  });
  store.subscribe((state) => panel.render(state));
  panel.render(store.state);

  const handlers: { [T in MainToUi['type']]: (message: Extract<MainToUi, { type: T }>) => void } = {
    'storage.loaded': ({ token, recentPrompts, port }) => {
      if (token !== null) panel.setToken(token);
      store.update({ recentPrompts });
      connection.configure(token, port);
    },
    'selection.changed': ({ items }) => library.selectionChanged(items),
    'selection.exported': ({ sources }) => selection.exported(sources),
    'selection.failed': ({ message }) => selection.failed(message),
    'results.placed': ({ editId, count, sourceMissing }) => library.inserted(editId, count, sourceMissing),
    'results.failed': ({ editId, message }) => library.insertFailed(editId, message),
  };
  options.link.onMessage((message) => (handlers[message.type] as (m: MainToUi) => void)(message));
  options.link.post({ type: 'ui.ready' });
  return store;
}
