// Owns the companion connection: (re)connects with the stored pairing code and port, turns the connection state
// into what the panel shows, and hands a ready EditService to whoever needs one.
import type { ClientKind } from '../../../shared/src/protocol/messages.ts';
import { DEFAULT_PORT } from '../../../shared/src/protocol/defaults.ts';
import type { ConnectionState } from '../daemon/connection-state.ts';
import { companionUrl, DaemonClient, type SocketFactory } from '../daemon/daemon-client.ts';
import { EditService, OUTPUT_FORMAT } from '../daemon/edit-service.ts';
import { probeLocalNetworkAsync } from '../daemon/local-network.ts';
import {
  connectionView,
  type ConnectionView,
  type HostEnvironment,
  type NetworkAccess,
} from '../state/connection-view.ts';

export type ConnectionOptions = {
  client: ClientKind;
  clientVersion: string;
  env: HostEnvironment;
  createSocket?: SocketFactory;
  probeNetworkAsync?: () => Promise<NetworkAccess>;
  onView(view: ConnectionView): void;
  /** A paired connection is up (again); the service is valid until the next call. */
  onReady(service: EditService): void;
};

export class ConnectionController {
  private client: DaemonClient | null = null;
  private service: EditService | null = null;
  private token: string | null = null;
  private port = DEFAULT_PORT;
  private state: ConnectionState = { status: 'idle' };
  private network: NetworkAccess = 'unknown';
  private probing = false;

  constructor(private readonly options: ConnectionOptions) {
    this.publish();
  }

  /** The service of the current connection when it is ready, else null. */
  get ready(): EditService | null {
    return this.state.status === 'ready' ? this.service : null;
  }

  /** Applies stored settings: connects when there is a pairing code. */
  configure(token: string | null, port: number | null): void {
    this.token = token;
    this.port = port ?? DEFAULT_PORT;
    if (token === null) this.disconnect();
    else this.connect();
  }

  pair(token: string): void {
    this.token = token;
    this.connect();
  }

  private connect(): void {
    const token = this.token;
    if (token === null) return;
    this.client?.close();
    const client = new DaemonClient({
      url: companionUrl(this.port),
      token,
      client: this.options.client,
      clientVersion: this.options.clientVersion,
      ...(this.options.createSocket === undefined ? {} : { createSocket: this.options.createSocket }),
    });
    const service = new EditService(client, OUTPUT_FORMAT[this.options.client]);
    this.client = client;
    this.service = service;
    client.onStateChange((state) => {
      if (this.client !== client) return;
      this.state = state;
      this.publish();
      if (state.status === 'ready') this.options.onReady(service);
      if (state.status === 'waiting') this.probeNetwork();
    });
    client.connect();
  }

  private disconnect(): void {
    this.client?.close();
    this.client = null;
    this.service = null;
    this.state = { status: 'idle' };
    this.publish();
  }

  private probeNetwork(): void {
    if (this.probing) return;
    this.probing = true;
    (this.options.probeNetworkAsync ?? probeLocalNetworkAsync)()
      .then((network) => {
        this.network = network;
        this.publish();
      })
      .catch((err: unknown) => console.warn('Imagic UI: could not read the local-network permission', err))
      .finally(() => {
        this.probing = false;
      });
  }

  private publish(): void {
    this.options.onView(
      connectionView(this.state, {
        hasToken: this.token !== null,
        network: this.network,
        env: this.options.env,
        port: this.port,
      }),
    );
  }
}
