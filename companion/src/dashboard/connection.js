// The dashboard's WebSocket client: pairs with `hello` like any plugin, correlates replies by request id, and
// reconnects with backoff. JSON only; the dashboard never sends or receives images over the socket.
const PROTOCOL_VERSION = 1;

export class Connection {
  /** @param {{ url: string, token: string, version: string, onState: (state: string) => void, onRefused?: (err: Error) => void }} options */
  constructor(options) {
    this.options = options;
    this.stopped = false;
    this.pending = new Map();
    this.nextId = 1;
    this.delayMs = 500;
    this.socket = null;
    this.ready = null;
    this.open();
  }

  open() {
    this.options.onState('connecting');
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    this.ready = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => {
        this.send({
          type: 'hello',
          client: 'dashboard',
          clientVersion: this.options.version,
          token: this.options.token,
        }).then(
          () => {
            this.delayMs = 500;
            this.options.onState('connected');
            resolve();
          },
          (err) => {
            // A wrong or rate-limited code will not get better by retrying: stop and let the page ask for one.
            this.stopped = true;
            this.options.onState('refused');
            this.options.onRefused?.(err);
            reject(err);
          },
        );
      });
    });
    this.ready.catch(() => undefined);
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('disconnected'));
      this.pending.clear();
      if (this.stopped) return;
      this.options.onState('disconnected');
      setTimeout(() => this.open(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, 10_000);
    });
  }

  receive(data) {
    if (typeof data !== 'string') return;
    const message = JSON.parse(data);
    const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.type === 'error')
      waiter.reject(Object.assign(new Error(`${message.code}: ${message.message}`), { code: message.code }));
    else waiter.resolve(message);
  }

  /** Sends a request and resolves with its reply; rejects with the error's code and message. */
  send(body) {
    const id = `d${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, ...body }));
    });
  }

  async request(body) {
    await this.ready;
    return this.send(body);
  }
}
