// The companion's log file: <log-dir>/companion.log, rotated when it would pass maxBytes to companion.log.1, .2, …
// keeping `keepFiles` old ones. Lines are written synchronously: they are few and short, and a line written before
// a kill -9 or a crash must be in the file afterwards.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export type RotatingLogOptions = { dir: string; maxBytes?: number; keepFiles?: number; baseName?: string };

export class RotatingLogFile {
  readonly file: string;
  private fd: number;
  private size: number;
  private readonly maxBytes: number;
  private readonly keepFiles: number;

  constructor({ dir, maxBytes = 5 * 1024 * 1024, keepFiles = 3, baseName = 'companion.log' }: RotatingLogOptions) {
    if (!(maxBytes >= 1024)) throw new RangeError('maxBytes must be ≥ 1024');
    if (!(Number.isInteger(keepFiles) && keepFiles >= 1)) throw new RangeError('keepFiles must be an integer ≥ 1');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, baseName);
    this.maxBytes = maxBytes;
    this.keepFiles = keepFiles;
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = statSync(this.file).size;
  }

  write(line: string): void {
    const bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'utf8');
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.file}.${this.keepFiles}`, { force: true });
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      try {
        renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      } catch (err) {
        if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
      }
    }
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = 0;
  }
}
