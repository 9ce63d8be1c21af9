// The shape of a request handler. `hello` is not here: pairing changes the session itself, so session.ts owns it.
import type { ClientMessage, ClientMessageType, MessageOf, ModelStatus, ServerMessage } from '../../../../shared/src/protocol/messages.ts';
import type { UploadStore } from '../upload-store.ts';

/** What handlers may use from the daemon; an interface so tests and the coming engine can supply their own. */
export type DaemonServices = {
  companionVersion: string;
  modelStatusAsync(): Promise<ModelStatus>;
  queue(): { running: number; queued: number; capacity: number };
};

export type HandlerContext = { services: DaemonServices; uploads: UploadStore };

export type RequestType = Exclude<ClientMessageType, 'hello'>;

/** Returns the one reply to the request; throws ImagicError to answer with a coded `error` instead. */
export type Handler<T extends RequestType> = (message: MessageOf<ClientMessage, T>, ctx: HandlerContext) => Promise<ServerMessage>;

export type HandlerTable = { [T in RequestType]: Handler<T> };
