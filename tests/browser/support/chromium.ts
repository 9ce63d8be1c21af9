// Headless Debian Chromium through playwright-core, for the browser suites (dashboard, Figma panel). Without
// /usr/bin/chromium each suite is skipped with a message saying how to run it on a developer machine (README's
// `npm test` must pass with nothing but Node), and fails in CI (where .ci/run installs it).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** True when the browser tests must be skipped; says why once. */
export function skipBrowserTests(): boolean {
  if (existsSync(CHROMIUM)) return false;
  if (process.env['CI'])
    throw new Error(`${CHROMIUM} is missing; CI must install chromium (tests/browser/.needs-chromium)`);
  process.stderr.write(
    `SKIPPING browser tests: ${CHROMIUM} is missing. To run them, install Chromium (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) and run \`npm test\` again.\n`,
  );
  return true;
}

export async function launchAsync(): Promise<{
  context: BrowserContext;
  downloadsDir: string;
  closeAsync(): Promise<void>;
}> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'imagic-dashboard-chromium-'));
  const downloadsDir = path.join(userDataDir, 'downloads');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    acceptDownloads: true,
    downloadsPath: downloadsDir,
    viewport: { width: 1100, height: 1400 },
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    downloadsDir,
    async closeAsync() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
