// The last log lines in memory, for "collect diagnostics"; and a logger that writes every line to several sinks.
import type { Logger } from '../log.ts';

export class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly capacity = 300) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  list(): string[] {
    return [...this.lines];
  }
}

/** A logger that forwards to `logger` and also timestamps each line into the tail and the extra sinks. */
export function teeLogger(logger: Logger, sinks: ReadonlyArray<(line: string) => void>): Logger {
  const write = (line: string) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    for (const sink of sinks) sink(stamped);
  };
  return {
    info: (message) => {
      logger.info(message);
      write(message);
    },
    warn: (message) => {
      logger.warn(message);
      write(`WARN ${message}`);
    },
  };
}
