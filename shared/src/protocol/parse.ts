// The only way a JSON message enters either side: unknown in, Result out, never a throw. Checks run from the
// outside in, so each failure gets the most useful code: size, JSON syntax, object shape, protocol version (before
// the type, since a newer peer may send types this side cannot know), type, then the type's own schema.
import type * as z from 'zod';
import { MAX_JSON_MESSAGE_CHARS } from './defaults.ts';
import { RequestId } from './ids.ts';
import { clientMessageSchemas, serverMessageSchemas, type ClientMessage, type ServerMessage } from './messages.ts';
import { reject, succeed, type Result } from './result.ts';
import { PROTOCOL_VERSION } from './version.ts';

type SchemaTable = Readonly<Record<string, z.ZodType>>;

const MAX_REPORTED_ISSUES = 3;

const describe = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
};

const formatIssues = (type: string, issues: readonly z.core.$ZodIssue[]): string =>
  issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map(
      (issue) =>
        `${type}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
    )
    .join('; ');

function parseWith<T>(table: SchemaTable, input: unknown): Result<T> {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_JSON_MESSAGE_CHARS)
      return reject(
        'PAYLOAD_TOO_LARGE',
        `message is ${input.length} characters; JSON messages are at most ${MAX_JSON_MESSAGE_CHARS}`,
      );
    try {
      value = JSON.parse(input);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return reject('MALFORMED_MESSAGE', `not valid JSON: ${err.message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return reject('MALFORMED_MESSAGE', 'a message must be a JSON object');

  const record = value as Record<string, unknown>;
  const id = RequestId.safeParse(record['id']).success ? (record['id'] as string) : undefined;
  const version = record['v'];
  if (typeof version !== 'number')
    return reject('MALFORMED_MESSAGE', 'a message needs a numeric protocol version `v`', id);
  if (version !== PROTOCOL_VERSION)
    return reject(
      'PROTOCOL_VERSION_MISMATCH',
      `message has protocol version ${describe(version)}; this side speaks ${PROTOCOL_VERSION}`,
      id,
    );

  const type = record['type'];
  if (typeof type !== 'string') return reject('MALFORMED_MESSAGE', 'a message needs a string `type`', id);
  const schema = Object.hasOwn(table, type) ? table[type] : undefined;
  if (schema === undefined) return reject('UNKNOWN_MESSAGE_TYPE', `unknown message type ${describe(type)}`, id);

  const parsed = schema.safeParse(record);
  if (!parsed.success) return reject('INVALID_FIELD', formatIssues(type, parsed.error.issues), id);
  return succeed(parsed.data as T);
}

/** Validates a message a client sent to the companion: a raw WebSocket text frame or an already parsed value. */
export const parseClientMessage = (input: unknown): Result<ClientMessage> =>
  parseWith<ClientMessage>(clientMessageSchemas, input);

/** Validates a message the companion sent to a client. */
export const parseServerMessage = (input: unknown): Result<ServerMessage> =>
  parseWith<ServerMessage>(serverMessageSchemas, input);
