/** Bumped on any incompatible change to messages, EditRequest or the binary frame layout. Every message carries it as `v`. */
export const PROTOCOL_VERSION = 1;
