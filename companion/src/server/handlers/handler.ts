// The shape of a request handler. `hello` is not here: pairing changes the session itself, so session.ts owns it.
import type { ClientKind } from '../../../../shared/src/protocol/fields.ts';
import type {
  ClientMessage,
  ClientMessageType,
  MessageOf,
  ServerMessage,
} from '../../../../shared/src/protocol/messages.ts';
import type { EditEngine } from '../../engine-host/edit-engine.ts';
import type { JobJournal } from '../../jobs/job-journal.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { EventLoopMonitor } from '../event-loop-monitor.ts';
import type { JobHub, JobListener } from '../job-hub.ts';
import type { RecentErrors } from '../recent-errors.ts';
import type { UploadStore } from '../upload-store.ts';

/** What handlers may use from the daemon. */
export type DaemonServices = {
  companionVersion: string;
  dataDir: string;
  engine: EditEngine;
  queue: JobQueue;
  journal: JobJournal;
  hub: JobHub;
  eventLoop: EventLoopMonitor;
  recentErrors: RecentErrors;
};

/** The socket a request came in on: job events for jobs it starts or fetches go to it. */
export type SessionPort = JobListener & { readonly client: ClientKind };

export type HandlerContext = { services: DaemonServices; uploads: UploadStore; session: SessionPort };

export type RequestType = Exclude<ClientMessageType, 'hello'>;

/** A reply followed by binary frames (a re-sent `job.result` and its images). */
export type ReplyWithFrames = { message: ServerMessage; frames: readonly Uint8Array[] };

/** Returns the one reply to the request; throws ImagicError to answer with a coded `error` instead. */
export type Handler<T extends RequestType> = (
  message: MessageOf<ClientMessage, T>,
  ctx: HandlerContext,
) => Promise<ServerMessage | ReplyWithFrames>;

export type HandlerTable = { [T in RequestType]: Handler<T> };
