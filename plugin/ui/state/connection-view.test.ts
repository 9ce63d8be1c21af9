import { describe, expect, it } from 'vitest';
import { connectionView, type ConnectionContext } from './connection-view.ts';

const desktop: ConnectionContext = {
  hasToken: true,
  network: 'unknown',
  env: { host: 'figma', inBrowser: false, embeddedIn: 'public' },
  port: 7861,
};
const chrome: ConnectionContext = {
  ...desktop,
  network: 'prompt',
  env: { host: 'figma', inBrowser: true, embeddedIn: 'public' },
};

describe('connectionView', () => {
  it('asks for the pairing code when there is none, with the command that prints it', () => {
    expect(connectionView({ status: 'idle' }, { ...desktop, hasToken: false })).toMatchObject({
      kind: 'pairing-needed',
      askForCode: true,
      fix: [expect.stringContaining('`npx imagic pair`')],
    });
  });

  it('says the companion is not running, how to start it and where it must listen', () => {
    const view = connectionView({ status: 'waiting', attempt: 2, retryInMs: 1500, reason: 'x' }, desktop);
    expect(view.kind).toBe('not-running');
    expect(view.fix.join('\n')).toMatch(/`npm start`.*`npx imagic serve`[\s\S]*localhost:7861\. Next try in 2 s/);
  });

  it('blames the browser when Chrome denies local network access, or would have to ask, from figma.com', () => {
    const waiting = { status: 'waiting', attempt: 1, retryInMs: 500, reason: 'x' } as const;
    expect(connectionView(waiting, { ...chrome, network: 'denied' }).kind).toBe('network-blocked');
    expect(connectionView(waiting, { ...desktop, network: 'denied' }).kind).toBe('not-running');
    const view = connectionView(waiting, chrome);
    expect(view.kind).toBe('network-blocked');
    expect(view.fix.join('\n')).toMatch(/Figma desktop app[\s\S]*Local network access/);
  });

  it('does not blame the browser for a page served from this computer, where a sandboxed frame still reads "denied"', () => {
    const waiting = { status: 'waiting', attempt: 1, retryInMs: 500, reason: 'x' } as const;
    expect(
      connectionView(waiting, { ...chrome, network: 'denied', env: { ...chrome.env, embeddedIn: 'local' } }).kind,
    ).toBe('not-running');
  });

  it('reports connected, refused codes and incompatible companions', () => {
    expect(connectionView({ status: 'ready', companionVersion: '1.2.3' }, desktop)).toMatchObject({
      kind: 'connected',
      title: expect.stringContaining('1.2.3'),
    });
    expect(connectionView({ status: 'failed', code: 'PAIRING_FAILED', message: 'no' }, desktop)).toMatchObject({
      kind: 'pairing-needed',
      askForCode: true,
    });
    expect(
      connectionView({ status: 'failed', code: 'PROTOCOL_VERSION_MISMATCH', message: 'v2' }, desktop),
    ).toMatchObject({
      kind: 'incompatible',
      fix: [expect.stringContaining('Update both')],
    });
  });
});
