// A typed fake of the parts of Figma's `figma` global the plugin's main code uses: a node tree with Figma's
// coordinate rules (children of groups are positioned in the group's parent frame), exportAsync that returns a PNG
// header of the size Figma would render, image fills, grouping, plugin data, clientStorage, notify, undo commits and
// selectionchange. `install()` puts it on globalThis, the only cast to PluginAPI.
import { fakePng } from '../../shared/src/protocol/testing/fake-png.ts';

let nextId = 1;

export class FakeNode {
  readonly id: string;
  parent: FakeContainer | null = null;
  removed = false;
  x = 0;
  y = 0;
  readonly exportCalls: ExportSettingsImage[] = [];
  /** Set to make exportAsync reject, as Figma does for nodes it cannot render. */
  exportError: string | null = null;
  private readonly pluginData = new Map<string, string>();

  constructor(
    readonly figma: FakeFigma,
    readonly type: 'FRAME' | 'GROUP' | 'RECTANGLE' | 'ELLIPSE' | 'VECTOR' | 'PAGE',
    public name: string,
    public width = 100,
    public height = 100,
  ) {
    this.id = `${nextId++}:${nextId++}`;
    figma.nodes.set(this.id, this);
  }

  get relativeTransform(): Transform {
    return [
      [1, 0, this.x],
      [0, 1, this.y],
    ];
  }

  set relativeTransform(t: Transform) {
    this.x = t[0][2];
    this.y = t[1][2];
    this.figma.touch();
  }

  /** Figma: x/y are relative to the nearest ancestor that is not a group; pages sit at the origin. */
  get absoluteTransform(): Transform {
    let frame = this.parent;
    while (frame !== null && frame.type === 'GROUP') frame = frame.parent;
    const origin =
      frame === null || frame.type === 'PAGE' ? [0, 0] : [frame.absoluteTransform[0][2], frame.absoluteTransform[1][2]];
    return [
      [1, 0, (origin[0] ?? 0) + this.x],
      [0, 1, (origin[1] ?? 0) + this.y],
    ];
  }

  resize(width: number, height: number): void {
    if (width < 0.01 || height < 0.01) throw new Error('in resize: width and height must be >= 0.01');
    this.width = width;
    this.height = height;
    this.figma.touch();
  }

  /** Figma: a copy, placed as a sibling right above the original (same parent). */
  clone(): FakeNode {
    const copy = this.copyAs();
    copy.x = this.x;
    copy.y = this.y;
    const parent = this.parent ?? this.figma.currentPage;
    parent.insertChild(parent.children.indexOf(this) + 1, copy);
    this.figma.cloned.push(copy);
    return copy;
  }

  protected copyAs(): FakeNode {
    return new FakeNode(this.figma, this.type, this.name, this.width, this.height);
  }

  remove(): void {
    this.parent?.detach(this);
    this.removed = true;
    this.figma.touch();
  }

  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }

  setPluginData(key: string, value: string): void {
    if (value === '') this.pluginData.delete(key);
    else this.pluginData.set(key, value);
    this.figma.touch();
  }

  async exportAsync(settings: ExportSettingsImage): Promise<Uint8Array> {
    this.exportCalls.push(settings);
    if (this.exportError !== null) throw new Error(this.exportError);
    const constraint = settings.constraint ?? { type: 'SCALE', value: 1 };
    const scale =
      constraint.type === 'SCALE'
        ? constraint.value
        : constraint.type === 'WIDTH'
          ? constraint.value / this.width
          : constraint.value / this.height;
    return fakePng(Math.max(1, Math.round(this.width * scale)), Math.max(1, Math.round(this.height * scale)));
  }
}

export class FakeContainer extends FakeNode {
  readonly children: FakeNode[] = [];

  appendChild(child: FakeNode): void {
    this.insertChild(this.children.length, child);
  }

  insertChild(index: number, child: FakeNode): void {
    if (index < 0 || index > this.children.length) throw new Error(`insertChild: index ${index} out of range`);
    child.parent?.detach(child);
    this.children.splice(Math.min(index, this.children.length), 0, child);
    child.parent = this;
    this.figma.touch();
  }

  detach(child: FakeNode): void {
    const at = this.children.indexOf(child);
    if (at >= 0) this.children.splice(at, 1);
    child.parent = null;
  }
}

export class FakeRectangle extends FakeNode {
  fills: ReadonlyArray<Paint> = [{ type: 'SOLID', color: { r: 0.8, g: 0.8, b: 0.8 } }];
  /** Figma's "Use as mask". */
  isMask = false;
  strokes: ReadonlyArray<Paint> = [{ type: 'SOLID', color: { r: 0, g: 0, b: 1 } }];
  opacity = 0.5;

  protected override copyAs(): FakeNode {
    const copy = new FakeRectangle(this.figma, this.type, this.name, this.width, this.height);
    copy.fills = this.fills;
    copy.strokes = this.strokes;
    copy.opacity = this.opacity;
    return copy;
  }
}

/** A frame made by createFrame: its fills and clipping. */
export class FakeFrame extends FakeContainer {
  fills: ReadonlyArray<Paint> = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
  clipsContent = false;
}

export class FakePage extends FakeContainer {
  private current: FakeNode[] = [];
  loaded = false;

  get selection(): FakeNode[] {
    return this.current;
  }

  set selection(nodes: FakeNode[]) {
    for (const node of nodes) {
      let page: FakeNode | null = node;
      while (page !== null && page.type !== 'PAGE') page = page.parent;
      if (page !== this) throw new Error('in set_selection: nodes must be on this page');
    }
    this.current = [...nodes];
    this.figma.emit('selectionchange');
  }

  async loadAsync(): Promise<void> {
    this.loaded = true;
  }
}

export type FakeNotification = { message: string; error: boolean };

export class FakeFigma {
  readonly nodes = new Map<string, FakeNode>();
  readonly images = new Map<string, Uint8Array>();
  readonly notifications: FakeNotification[] = [];
  readonly storage = new Map<string, unknown>();
  readonly posted: unknown[] = [];
  readonly pages: FakePage[];
  currentPage: FakePage;
  /** Every node made by createFrame and clone, in order (removed ones too). */
  readonly created: FakeFrame[] = [];
  readonly cloned: FakeNode[] = [];
  undoCommits = 0;
  /** Document changes since the last commitUndo(); 0 right after a completed one-step operation. */
  uncommittedChanges = 0;
  private readonly listeners = new Map<string, Array<() => void>>();

  readonly clientStorage = {
    getAsync: async (key: string): Promise<unknown> => structuredClone(this.storage.get(key)),
    setAsync: async (key: string, value: unknown): Promise<void> => void this.storage.set(key, structuredClone(value)),
    deleteAsync: async (key: string): Promise<void> => void this.storage.delete(key),
  };

  readonly ui = {
    onmessage: undefined as ((message: unknown) => void) | undefined,
    postMessage: (message: unknown): void => void this.posted.push(structuredClone(message)),
  };

  constructor() {
    this.pages = [new FakePage(this, 'PAGE', 'Page 1'), new FakePage(this, 'PAGE', 'Page 2')];
    this.currentPage = this.pages[0] as FakePage;
  }

  touch(): void {
    this.uncommittedChanges++;
  }

  emit(event: string): void {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  on(event: string, listener: () => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  showUI(_html: string, _options?: ShowUIOptions): void {}

  frame(
    name: string,
    box: { x: number; y: number; width: number; height: number },
    parent: FakeContainer = this.currentPage,
  ): FakeContainer {
    const node = new FakeContainer(this, 'FRAME', name, box.width, box.height);
    parent.appendChild(node);
    node.x = box.x;
    node.y = box.y;
    return node;
  }

  createFrame(): FakeFrame {
    const frame = new FakeFrame(this, 'FRAME', 'Frame');
    this.currentPage.appendChild(frame);
    this.created.push(frame);
    return frame;
  }

  /** A shape node (rectangle or ellipse) under `parent`. */
  shape(
    type: 'RECTANGLE' | 'ELLIPSE',
    name: string,
    box: { x: number; y: number; width: number; height: number },
    parent: FakeContainer = this.currentPage,
  ): FakeRectangle {
    const node = new FakeRectangle(this, type, name, box.width, box.height);
    parent.appendChild(node);
    node.x = box.x;
    node.y = box.y;
    return node;
  }

  createRectangle(): FakeRectangle {
    const rect = new FakeRectangle(this, 'RECTANGLE', 'Rectangle');
    this.currentPage.appendChild(rect);
    return rect;
  }

  createImage(bytes: Uint8Array): { hash: string } {
    const hash = `image-${this.images.size + 1}`;
    this.images.set(hash, bytes);
    return { hash };
  }

  group(nodes: readonly FakeNode[], parent: FakeContainer, index?: number): FakeContainer {
    if (nodes.length === 0) throw new Error('in group: cannot group an empty list');
    const group = new FakeContainer(this, 'GROUP', 'Group');
    parent.insertChild(Math.min(index ?? parent.children.length, parent.children.length), group);
    for (const node of nodes) group.appendChild(node);
    group.x = Math.min(...nodes.map((n) => n.x));
    group.y = Math.min(...nodes.map((n) => n.y));
    group.width = Math.max(...nodes.map((n) => n.x + n.width)) - group.x;
    group.height = Math.max(...nodes.map((n) => n.y + n.height)) - group.y;
    return group;
  }

  async getNodeByIdAsync(id: string): Promise<FakeNode | null> {
    const node = this.nodes.get(id);
    return node === undefined || node.removed ? null : node;
  }

  commitUndo(): void {
    this.undoCommits++;
    this.uncommittedChanges = 0;
  }

  notify(message: string, options?: NotificationOptions): { cancel(): void } {
    this.notifications.push({ message, error: options?.error === true });
    return { cancel: () => undefined };
  }

  /** Makes this fake the `figma` global the main code reads. */
  install(): this {
    (globalThis as unknown as { figma: PluginAPI; __html__: string }).figma = this as unknown as PluginAPI;
    (globalThis as unknown as { __html__: string }).__html__ = '<!doctype html>';
    return this;
  }
}
