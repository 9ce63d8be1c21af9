// What the panel shows about the companion connection: one of five situations, each with the exact fix. Derived
// from the connection state machine plus what the page can learn about the browser's local-network permission.
import { errorCodes } from '../../../shared/src/protocol/error-codes.ts';
import type { ConnectionState } from '../daemon/connection-state.ts';

/** The browser's answer for the local-network (loopback) permission; 'unknown' where the API or name is missing. */
export type NetworkAccess = 'granted' | 'prompt' | 'denied' | 'unknown';

export type HostEnvironment = {
  host: 'figma' | 'photoshop';
  /** Figma in a web browser rather than the desktop app (a guess from the user agent). */
  inBrowser: boolean;
  /** Who embeds the panel: a public site (figma.com in Chrome) is subject to Local Network Access; a local page is not. */
  embeddedIn: 'public' | 'local' | 'unknown';
};

export type ConnectionKind =
  'connecting' | 'pairing-needed' | 'connected' | 'not-running' | 'network-blocked' | 'incompatible';

export type ConnectionView = {
  kind: ConnectionKind;
  title: string;
  /** What to do, one step per line; `backticks` mark commands. */
  fix: string[];
  /** Whether the pairing-code form is open. */
  askForCode: boolean;
};

export type ConnectionContext = { hasToken: boolean; network: NetworkAccess; env: HostEnvironment; port: number };

const PAIR_FIX = 'Run `npx imagic pair` on the computer running the companion and paste the code it prints below.';
const START_FIX =
  'Start the companion: `npm start` in the imagic folder, or `npx imagic serve`. The panel reconnects by itself.';
const BLOCKED_FIX = [
  'Use the Figma desktop app: it can reach the companion on this computer.',
  'Or allow it in Chrome: click the site-information icon left of figma.com in the address bar → Site settings → “Local network access” → Allow, then reload Figma.',
];

/**
 * Chrome blocks a public page (figma.com) from reaching localhost unless the user allows it. The permission query
 * alone is not enough: a sandboxed iframe reads "denied" even where the rule does not apply (a page served from this
 * computer), and the desktop app is not a browser.
 */
const isBlocked = ({ network, env }: ConnectionContext): boolean =>
  env.inBrowser && env.embeddedIn === 'public' && (network === 'denied' || network === 'prompt');

function unreachable(ctx: ConnectionContext, retry: string): ConnectionView {
  if (isBlocked(ctx))
    return {
      kind: 'network-blocked',
      title: 'The browser blocks the connection to the companion',
      fix: [...BLOCKED_FIX, START_FIX],
      askForCode: false,
    };
  const fix = [START_FIX, `It must listen on localhost:${ctx.port}.${retry}`];
  if (ctx.env.inBrowser && ctx.env.host === 'figma')
    fix.push('If it is running: Figma in a browser may be blocked from localhost; use the Figma desktop app.');
  return { kind: 'not-running', title: 'The companion is not running', fix, askForCode: false };
}

export function connectionView(state: ConnectionState, ctx: ConnectionContext): ConnectionView {
  switch (state.status) {
    case 'idle':
    case 'closed':
      return ctx.hasToken
        ? { kind: 'connecting', title: 'Connecting to the companion…', fix: [], askForCode: false }
        : { kind: 'pairing-needed', title: 'Pair with the companion', fix: [PAIR_FIX], askForCode: true };
    case 'connecting':
      return state.attempt > 1
        ? unreachable(ctx, '')
        : { kind: 'connecting', title: 'Connecting to the companion…', fix: [], askForCode: false };
    case 'pairing':
      return { kind: 'connecting', title: 'Pairing…', fix: [], askForCode: false };
    case 'waiting':
      return unreachable(ctx, ` Next try in ${Math.ceil(state.retryInMs / 1000)} s.`);
    case 'ready':
      return {
        kind: 'connected',
        title: `Connected to companion ${state.companionVersion}`,
        fix: [],
        askForCode: false,
      };
    case 'failed':
      if (state.code === 'PAIRING_FAILED' || state.code === 'PAIRING_REQUIRED')
        return {
          kind: 'pairing-needed',
          title: 'The pairing code was not accepted',
          fix: [PAIR_FIX],
          askForCode: true,
        };
      if (state.code === 'RATE_LIMITED')
        return {
          kind: 'pairing-needed',
          title: 'Too many wrong pairing codes',
          fix: ['Wait a minute.', PAIR_FIX],
          askForCode: true,
        };
      return {
        kind: 'incompatible',
        title: `${state.code}: ${state.message}`,
        fix: [errorCodes[state.code]],
        askForCode: false,
      };
  }
}
