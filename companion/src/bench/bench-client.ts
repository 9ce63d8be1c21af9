// A minimal protocol client for the daemon benchmark: `imagic serve` in a child process, one paired socket,
// requests by id, and helpers that wait for a job's result and its frames.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { decodeBinaryFrame, type BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import { WS_PATH } from '../../../shared/src/protocol/defaults.ts';
import type { ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { parseServerMessage } from '../../../shared/src/protocol/parse.ts';

const BIN = fileURLToPath(new URL('../../bin/imagic.mjs', import.meta.url));

export async function spawnServeAsync(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--tray', 'off', '--provider', 'cpu'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let seen = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(seen);
      if (match && seen.includes('Press Ctrl+C')) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`imagic serve exited with ${code}: ${seen}`)));
  });
  return { child, port };
}

export class BenchClient {
  private readonly inbox: ServerMessage[] = [];
  private readonly frames: BinaryFrame[] = [];
  private wake: (() => void) | undefined;
  private nextId = 1;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      if (isBinary) {
        const frame = decodeBinaryFrame(bytes);
        if (frame.ok) this.frames.push(frame.value);
      } else {
        const message = parseServerMessage(bytes.toString());
        // Progress is not needed here, and keeping it would make every lookup scan thousands of events.
        if (message.ok && message.value.type !== 'job.progress') this.inbox.push(message.value);
      }
      this.wake?.();
    });
  }

  /**
   * zeroMask: frames to the daemon get an all-zero masking key, which ws skips on both ends. Browsers mask in
   * native code at memory speed; without the optional `bufferutil` addon, ws masks and unmasks in a JavaScript loop
   * (about 100 ms for 16 MB here), so a zero mask shows what the round trip costs with native masking.
   */
  static async connectAsync(port: number, token: string, { zeroMask = false } = {}): Promise<BenchClient> {
    const socket = new WebSocket(
      `ws://localhost:${port}${WS_PATH}`,
      zeroMask ? { generateMask: (mask: Buffer) => void mask.fill(0) } : {},
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const client = new BenchClient(socket);
    await client.requestAsync({ type: 'hello', client: 'cli', clientVersion: 'bench', token });
    return client;
  }

  private async waitAsync<T>(take: () => T | undefined, timeoutMs = 600_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = take();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for the companion');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  }

  nextMessageAsync(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
    return this.waitAsync(() => {
      const index = this.inbox.findIndex(match);
      return index < 0 ? undefined : this.inbox.splice(index, 1)[0];
    });
  }

  nextFrameAsync(): Promise<BinaryFrame> {
    return this.waitAsync(() => this.frames.shift());
  }

  async requestAsync(body: Record<string, unknown>): Promise<ServerMessage> {
    const id = `b${this.nextId++}`;
    this.socket.send(JSON.stringify({ v: 1, id, ...body }));
    const reply = await this.nextMessageAsync((m) => 'id' in m && m.id === id);
    if (reply.type === 'error') throw new Error(`${reply.code}: ${reply.message}`);
    return reply;
  }

  sendFrame(frame: Uint8Array): void {
    this.socket.send(frame);
  }

  close(): void {
    this.socket.close();
  }
}
