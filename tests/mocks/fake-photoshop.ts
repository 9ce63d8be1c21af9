// A typed fake of the `photoshop` module parts the UXP host uses (PhotoshopApi): documents with a layer stack
// (doc.layers is top-first, as in Photoshop), pixel layers holding RGBA, imaging getPixels/putPixels, executeAsModal
// with Photoshop's one-modal-at-a-time rule and history suspension, and notification listeners. Operations that
// change the document throw outside modal state, as Photoshop does; `log` records what happened, in order.
import type {
  PhotoshopApi,
  PsBounds,
  PsConstants,
  PsCore,
  PsDocument,
  PsImaging,
  PsLayer,
} from '../../plugin/photoshop/photoshop-api.ts';

type ModalTarget = Parameters<PsCore['executeAsModal']>[0];
type ExecutionContext = Parameters<ModalTarget>[0];
type ModalOptions = Parameters<PsCore['executeAsModal']>[1];
type ImageData = Awaited<ReturnType<PsImaging['createImageDataFromBuffer']>>;

export class FakeImageData implements ImageData {
  type = 'image/uncompressed' as const;
  colorSpace: ImageData['colorSpace'] = 'RGB';
  colorProfile = 'sRGB IEC61966-2.1';
  componentSize = 8 as const;
  chunky = true;
  disposed = false;

  constructor(
    readonly data: Uint8Array,
    readonly width: number,
    readonly height: number,
    readonly components: number,
  ) {}

  get hasAlpha(): boolean {
    return this.components === 4;
  }

  get pixelFormat(): 'RGB' | 'RGBA' {
    return this.components === 4 ? 'RGBA' : 'RGB';
  }

  getData = async (): Promise<Uint8Array> => this.data;

  dispose = async (): Promise<void> => {
    this.disposed = true;
  };
}

let nextLayerId = 100;

export class FakeLayer implements PsLayer {
  readonly id = nextLayerId++;
  layers: FakeLayer[] | null = null;
  /** Straight RGBA over the bounds; RGB (3 components) for a background layer. */
  components = 4;
  rgba: Uint8Array;
  scaledBy: [number, number] | null = null;

  constructor(
    readonly ps: FakePhotoshop,
    public name: string,
    public boundsNoEffects: PsBounds,
    rgba?: Uint8Array,
  ) {
    const { width, height } = sizeOf(boundsNoEffects);
    this.rgba = rgba ?? pattern(width, height);
  }

  move(relativeObject: PsLayer, insertLocation: 'placeBefore'): void {
    this.ps.requireModal('move');
    if (insertLocation !== 'placeBefore') throw new Error(`unexpected placement ${String(insertLocation)}`);
    const doc = this.ps.documentOf(this);
    const stack = doc.stackOf(relativeObject as FakeLayer);
    doc.detach(this);
    stack.splice(stack.indexOf(relativeObject as FakeLayer), 0, this);
    this.ps.log.push(`move ${this.name} above ${relativeObject.name}`);
  }

  async scale(width: number, height: number, anchor?: 'top-left'): Promise<void> {
    this.ps.requireModal('scale');
    if (anchor !== 'top-left') throw new Error('expected the top-left anchor');
    const { left, top, right, bottom } = this.boundsNoEffects;
    this.boundsNoEffects = {
      left,
      top,
      right: left + ((right - left) * width) / 100,
      bottom: top + ((bottom - top) * height) / 100,
    };
    this.scaledBy = [width, height];
  }
}

export class FakeDocument implements PsDocument {
  readonly layers: FakeLayer[] = [];
  activeLayers: FakeLayer[] = [];
  /** The active pixel selection: grey levels (255 selected) over its bounds; null when nothing is selected. */
  selection: { bounds: PsBounds; grey: Uint8Array } | null = null;

  constructor(
    readonly ps: FakePhotoshop,
    readonly id: number,
    readonly title: string,
  ) {}

  /** Adds a layer with content on top of the stack. */
  addLayer(name: string, bounds: PsBounds, rgba?: Uint8Array): FakeLayer {
    const layer = new FakeLayer(this.ps, name, bounds, rgba);
    this.layers.unshift(layer);
    return layer;
  }

  stackOf(layer: FakeLayer): FakeLayer[] {
    const search = (stack: FakeLayer[]): FakeLayer[] | null => {
      if (stack.includes(layer)) return stack;
      for (const l of stack) {
        const found = l.layers === null ? null : search(l.layers);
        if (found !== null) return found;
      }
      return null;
    };
    const stack = search(this.layers);
    if (stack === null) throw new Error(`layer ${layer.name} is not in document ${this.title}`);
    return stack;
  }

  detach(layer: FakeLayer): void {
    const stack = this.stackOf(layer);
    stack.splice(stack.indexOf(layer), 1);
  }

  /** Photoshop creates a new layer above the active one (or on top). */
  async createPixelLayer(options: { name?: string } = {}): Promise<FakeLayer | null> {
    this.ps.requireModal('createPixelLayer');
    const layer = new FakeLayer(
      this.ps,
      options.name ?? 'Layer',
      { left: 0, top: 0, right: 0, bottom: 0 },
      new Uint8Array(0),
    );
    const anchor = this.activeLayers[0];
    const stack = anchor === undefined ? this.layers : this.stackOf(anchor);
    stack.splice(anchor === undefined ? 0 : stack.indexOf(anchor), 0, layer);
    this.activeLayers = [layer];
    this.ps.log.push(`createPixelLayer ${layer.name}`);
    return layer;
  }

  async createLayerGroup(options: { name?: string; fromLayers?: PsLayer | PsLayer[] } = {}): Promise<FakeLayer | null> {
    this.ps.requireModal('createLayerGroup');
    const members = ([] as PsLayer[]).concat(options.fromLayers ?? []) as FakeLayer[];
    const group = new FakeLayer(
      this.ps,
      options.name ?? 'Group',
      { left: 0, top: 0, right: 0, bottom: 0 },
      new Uint8Array(0),
    );
    const first = members[0];
    const stack = first === undefined ? this.layers : this.stackOf(first);
    stack.splice(first === undefined ? 0 : stack.indexOf(first), 0, group);
    for (const member of members) this.detach(member);
    group.layers = members;
    this.ps.log.push(`createLayerGroup ${group.name}`);
    return group;
  }
}

export class FakePhotoshop implements PhotoshopApi {
  readonly log: string[] = [];
  readonly documents: FakeDocument[] = [];
  activeDocument: FakeDocument | null = null;
  modal: string | null = null;
  modalCalls = 0;
  private readonly listeners: Array<{ events: string[]; notifier: () => void }> = [];

  readonly app = this as unknown as PhotoshopApi['app'] & { activeDocument: FakeDocument | null };

  readonly constants = {
    ElementPlacement: { PLACEBEFORE: 'placeBefore' },
    AnchorPosition: { TOPLEFT: 'top-left' },
  } as unknown as PsConstants;

  readonly core: PsCore = {
    executeAsModal: async <T>(
      target: (context: ExecutionContext, descriptor?: object) => Promise<T>,
      options: ModalOptions,
    ): Promise<T> => {
      // Photoshop allows one modal scope at a time; error number 9 means "host is in a modal state".
      if (this.modal !== null)
        throw Object.assign(new Error(`host is in a modal state (${this.modal})`), { number: 9 });
      this.modal = options.commandName;
      this.modalCalls++;
      this.log.push(`modal start: ${options.commandName}`);
      try {
        return await target(this.context());
      } finally {
        this.log.push(`modal end: ${options.commandName}`);
        this.modal = null;
      }
    },
  };

  readonly imaging: PsImaging = {
    getPixels: async (options) => {
      this.requireModal('getPixels');
      const layer = this.layer(options.documentID, options.layerID);
      const { width, height } = sizeOf(layer.boundsNoEffects);
      const target =
        options.targetSize === undefined
          ? { width, height }
          : { width: options.targetSize.width ?? width, height: options.targetSize.height ?? height };
      this.log.push(`getPixels ${layer.name} ${target.width}×${target.height}`);
      const data = resample(layer.rgba, layer.components, width, height, target.width, target.height);
      return {
        imageData: new FakeImageData(data, target.width, target.height, layer.components),
        sourceBounds: layer.boundsNoEffects,
        level: 0,
      };
    },
    getSelection: async (options) => {
      this.requireModal('getSelection');
      const doc = this.documents.find((d) => d.id === options.documentID);
      const selection = doc?.selection;
      // Photoshop has nothing to return without a selection.
      if (!selection) throw new Error('there is no selection');
      const asked = options.sourceBounds ?? selection.bounds;
      // The part of the selection's bounds inside the asked bounds, at 1:1 (the tests read layers unscaled).
      const b = {
        left: Math.max(asked.left, selection.bounds.left),
        top: Math.max(asked.top, selection.bounds.top),
        right: Math.min(asked.right, selection.bounds.right),
        bottom: Math.min(asked.bottom, selection.bounds.bottom),
      };
      const { width, height } = sizeOf(b);
      const sw = sizeOf(selection.bounds).width;
      const grey = new Uint8Array(width * height);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          grey[y * width + x] =
            selection.grey[(b.top - selection.bounds.top + y) * sw + (b.left - selection.bounds.left + x)] ?? 0;
      this.log.push(`getSelection ${width}×${height}`);
      const image = new FakeImageData(grey, width, height, 1);
      image.colorSpace = 'Grayscale';
      return { imageData: image, sourceBounds: b };
    },
    putPixels: async (options) => {
      this.requireModal('putPixels');
      const layer = this.layer(options.documentID, options.layerID);
      const image = options.imageData as unknown as FakeImageData;
      const at = options.targetBounds ?? { left: 0, top: 0 };
      layer.rgba = image.data;
      layer.boundsNoEffects = {
        left: at.left,
        top: at.top,
        right: at.left + image.width,
        bottom: at.top + image.height,
      };
      this.log.push(`putPixels ${layer.name} at ${at.left},${at.top}`);
    },
    createImageDataFromBuffer: async (buffer, options) => {
      if (!(buffer instanceof Uint8Array) || buffer.length !== options.width * options.height * options.components)
        throw new Error('buffer size does not match');
      return new FakeImageData(buffer, options.width, options.height, options.components);
    },
  };

  readonly action = {
    addNotificationListener: async (events: string[], notifier: () => void): Promise<void> =>
      void this.listeners.push({ events, notifier }),
  } as unknown as PhotoshopApi['action'];

  openDocument(title: string): FakeDocument {
    const doc = new FakeDocument(this, this.documents.length + 1, title);
    this.documents.push(doc);
    this.activeDocument = doc;
    return doc;
  }

  documentOf(layer: FakeLayer): FakeDocument {
    const doc = this.documents.find((d) => {
      try {
        d.stackOf(layer);
        return true;
      } catch {
        return false;
      }
    });
    if (doc === undefined) throw new Error(`layer ${layer.name} is in no document`);
    return doc;
  }

  /** Fires a Photoshop event, as action.addNotificationListener delivers it. */
  fire(event: string): void {
    for (const { events, notifier } of this.listeners) if (events.includes(event)) notifier();
  }

  requireModal(what: string): void {
    if (this.modal === null) throw new Error(`${what}: the document may only change inside core.executeAsModal`);
  }

  private layer(documentID: number | undefined, layerID: number | undefined): FakeLayer {
    const doc = this.documents.find((d) => d.id === documentID);
    const find = (stack: FakeLayer[]): FakeLayer | undefined =>
      stack.find((l) => l.id === layerID) ??
      stack.flatMap((l) => (l.layers === null ? [] : [find(l.layers)])).find((l) => l !== undefined);
    const layer = doc === undefined ? undefined : find(doc.layers);
    if (layer === undefined) throw new Error(`no layer ${layerID} in document ${documentID}`);
    return layer;
  }

  private context(): ExecutionContext {
    let nextSuspension = 1;
    return {
      isCancelled: false,
      onCancel: undefined,
      reportProgress: () => undefined,
      hostControl: {
        suspendHistory: async ({ name }) => {
          this.log.push(`suspendHistory ${name}`);
          return { historySuspensionID: nextSuspension++ };
        },
        resumeHistory: async (_suspension, commit) => void this.log.push(`resumeHistory commit=${String(commit)}`),
        registerAutoCloseDocument: async () => undefined,
        unregisterAutoCloseDocument: async () => undefined,
      },
    };
  }
}

export const sizeOf = (b: PsBounds) => ({ width: Math.round(b.right - b.left), height: Math.round(b.bottom - b.top) });

/** A recognisable RGBA test pattern: each pixel encodes its x, y. */
export function pattern(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([(i % width) & 255, Math.floor(i / width) & 255, 128, 255], i * 4);
  return rgba;
}

function resample(data: Uint8Array, components: number, w: number, h: number, tw: number, th: number): Uint8Array {
  if (tw === w && th === h) return data;
  const out = new Uint8Array(tw * th * components);
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const src = (Math.floor((y * h) / th) * w + Math.floor((x * w) / tw)) * components;
      out.set(data.subarray(src, src + components), (y * tw + x) * components);
    }
  return out;
}
