// Loads the built plugin UI the way Figma does: plugin/dist/ui.html as the srcdoc of a sandboxed iframe (origin
// "null"), with Figma's theme variables injected (themeColors: true), inside a host page that plays Figma's side of
// postMessage: it receives `{ pluginMessage }` envelopes from the iframe and posts envelopes into it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import type { MainToUi, UiToMain } from '../../shared/src/bridge/messages.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium.ts';

export const UI_HTML = new URL('../../plugin/dist/ui.html', import.meta.url);

/** A subset of the variables Figma injects with themeColors: true, in its light and dark values. */
const THEMES = {
  light: {
    bg: '#ffffff',
    'bg-secondary': '#f5f5f5',
    'bg-hover': '#f0f0f0',
    text: '#1e1e1e',
    'text-secondary': '#757575',
    border: '#e6e6e6',
    'bg-brand': '#0d99ff',
  },
  dark: {
    bg: '#2c2c2c',
    'bg-secondary': '#383838',
    'bg-hover': '#444444',
    text: '#ffffff',
    'text-secondary': '#b3b3b3',
    border: '#444444',
    'bg-brand': '#0c8ce9',
  },
} as const;

const HOST_PAGE = `<!doctype html><html><body style="margin:0;background:#888">
<iframe id="plugin" sandbox="allow-scripts" style="width:360px;height:1100px;border:0;display:block"></iframe>
<script>
  const frame = document.getElementById('plugin');
  const toB64 = (bytes) => { let s = ''; for (let i = 0; i < bytes.length; i += 32768) s += String.fromCharCode(...bytes.subarray(i, i + 32768)); return btoa(s); };
  const fromB64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const pack = (v) => v instanceof Uint8Array ? { __bytes: toB64(v) } : Array.isArray(v) ? v.map(pack)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x)])) : v;
  const unpack = (v) => v && typeof v === 'object' && '__bytes' in v ? fromB64(v.__bytes) : Array.isArray(v) ? v.map(unpack)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)])) : v;
  window.fromUi = [];
  window.addEventListener('message', (e) => { if (e.source === frame.contentWindow) window.fromUi.push(pack(e.data.pluginMessage)); });
  window.toUi = (json) => frame.contentWindow.postMessage({ pluginMessage: unpack(JSON.parse(json)) }, '*');
  window.takeFromUi = () => window.fromUi.splice(0);
</script></body></html>`;

type Packed = unknown;
const unpack = (v: Packed): unknown => {
  if (Array.isArray(v)) return v.map(unpack);
  if (v !== null && typeof v === 'object') {
    if ('__bytes' in v) return new Uint8Array(Buffer.from(String((v as { __bytes: string }).__bytes), 'base64'));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)]));
  }
  return v;
};
const pack = (v: unknown): unknown =>
  v instanceof Uint8Array
    ? { __bytes: Buffer.from(v).toString('base64') }
    : Array.isArray(v)
      ? v.map(pack)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x)]))
        : v;

/** Chromium with a fresh profile; close() removes it. `extraArgs` serve the Local Network Access test only. */
export async function launchChromiumAsync(
  extraArgs: string[] = [],
): Promise<{ context: BrowserContext; closeAsync(): Promise<void> }> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'imagic-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
    viewport: { width: 360, height: 1100 },
  });
  // Playwright's library default is to wait forever; a stuck step should fail with its name instead.
  context.setDefaultTimeout(15_000);
  return {
    context,
    async closeAsync() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Serves the host page on 127.0.0.1; `port` is known before a browser starts, for --ip-address-space-overrides. */
export async function startHostServerAsync(): Promise<{ port: number; closeAsync(): Promise<void> }> {
  const server: Server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(HOST_PAGE),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    closeAsync: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Chrome keeps idle keep-alive sockets open; close() alone would wait for them.
        server.closeAllConnections();
      }),
  };
}

export type FrameOptions = {
  theme?: keyof typeof THEMES;
  /** The host page's URL; by default a page on this computer (127.0.0.1), where Local Network Access does not apply. */
  hostUrl?: string;
  /** Whether to echo the panel's console errors (expected ones, e.g. refused sockets, are noise). */
  echoConsole?: boolean;
};

export class FigmaFrame {
  private readonly inbox: UiToMain[] = [];

  private constructor(
    readonly page: Page,
    private readonly server: { closeAsync(): Promise<void> } | null,
  ) {}

  static async openAsync(context: BrowserContext, options: FrameOptions = {}): Promise<FigmaFrame> {
    const theme = options.theme ?? 'light';
    const server = options.hostUrl === undefined ? await startHostServerAsync() : null;
    const page = await context.newPage();
    if (options.echoConsole === true)
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') console.log(`[panel ${m.type()}] ${m.text()}`);
      });
    await page.goto(options.hostUrl ?? `http://127.0.0.1:${server?.port}/`);
    const vars = Object.entries(THEMES[theme])
      .map(([k, v]) => `--figma-color-${k}:${v}`)
      .join(';');
    const html = (await readFile(UI_HTML, 'utf8'))
      .replace('<head>', `<head><style>:root{${vars}}</style>`)
      .replace('<html lang="en">', `<html lang="en" class="figma-${theme}">`);
    await page.evaluate((srcdoc) => {
      (document.getElementById('plugin') as HTMLIFrameElement).srcdoc = srcdoc;
    }, html);
    return new FigmaFrame(page, server);
  }

  /** The plugin window as Figma shows it (the iframe), down to the end of the panel's content. */
  async screenshotAsync(file: URL): Promise<void> {
    const height = await this.ui
      .locator('main')
      .evaluate((main) => Math.ceil(main.getBoundingClientRect().bottom) + 12);
    await this.page.screenshot({
      path: file.pathname,
      clip: { x: 0, y: 0, width: 360, height: Math.min(height, 1100) },
    });
  }

  get ui(): FrameLocator {
    return this.page.frameLocator('#plugin');
  }

  /** Posts a main → UI message, as figma.ui.postMessage does. */
  async sendAsync(message: MainToUi): Promise<void> {
    await this.page.evaluate(
      (json) => (window as unknown as { toUi(j: string): void }).toUi(json),
      JSON.stringify(pack(message)),
    );
  }

  /** The next UI → main message of `type`; earlier messages of other types stay available to later calls. */
  async nextAsync<T extends UiToMain['type']>(type: T, timeoutMs = 10_000): Promise<Extract<UiToMain, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.type === type);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<UiToMain, { type: T }>;
      if (Date.now() > deadline)
        throw new Error(
          `the panel sent no ${type} within ${timeoutMs} ms (got: ${this.inbox.map((m) => m.type).join(', ') || 'nothing'})`,
        );
      const taken = (await this.page.evaluate(() =>
        (window as unknown as { takeFromUi(): unknown[] }).takeFromUi(),
      )) as Packed[];
      this.inbox.push(...(taken.map(unpack) as UiToMain[]));
      if (taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async closeAsync(): Promise<void> {
    await this.page.close();
    await this.server?.closeAsync();
  }
}
