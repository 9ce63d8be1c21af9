// The companion's logger: one line per event on stderr, so stdout stays for what a command prints on purpose
// (the serve banner, the pairing code). Tests pass their own sink.
export type Logger = {
  info(message: string): void;
  warn(message: string): void;
};

export const stderrLogger: Logger = {
  info: (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`),
  warn: (message) => process.stderr.write(`${new Date().toISOString()} WARN ${message}\n`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };
