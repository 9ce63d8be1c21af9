import { describe, expect, it } from 'vitest';
import { MAX_JSON_MESSAGE_CHARS } from './defaults.ts';
import { clientMessageExamples, serverMessageExamples } from './message-examples.ts';
import { clientMessageSchemas, serverMessageSchemas } from './messages.ts';
import { parseClientMessage, parseServerMessage } from './parse.ts';
import type { Result } from './result.ts';

const failure = <T>(result: Result<T>) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result;
};

const hello = clientMessageExamples.hello;

describe('round trips', () => {
  it('has an example for every message type', () => {
    expect(Object.keys(clientMessageExamples).sort()).toEqual(Object.keys(clientMessageSchemas).sort());
    expect(Object.keys(serverMessageExamples).sort()).toEqual(Object.keys(serverMessageSchemas).sort());
  });

  it.each(Object.entries(clientMessageExamples))('parses client message %s unchanged from JSON', (_type, message) => {
    expect(parseClientMessage(JSON.stringify(message))).toEqual({ ok: true, value: message });
  });

  it.each(Object.entries(serverMessageExamples))('parses server message %s unchanged from JSON', (_type, message) => {
    expect(parseServerMessage(JSON.stringify(message))).toEqual({ ok: true, value: message });
  });

  it('accepts already parsed values as well as strings', () => {
    expect(parseClientMessage(hello)).toEqual({ ok: true, value: hello });
  });

  it('keeps directions apart: a server message is not a client message', () => {
    expect(failure(parseClientMessage(serverMessageExamples['hello.ok'])).code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(failure(parseServerMessage(hello)).code).toBe('UNKNOWN_MESSAGE_TYPE');
  });
});

describe('malformed input', () => {
  it.each(['{', '', 'hello', '{"v":1,}', "{'v':1}"])('rejects invalid JSON %j with MALFORMED_MESSAGE', (text) => {
    expect(failure(parseClientMessage(text)).code).toBe('MALFORMED_MESSAGE');
  });

  it.each([['null'], ['[]'], ['42'], ['"status"'], ['true']])(
    'rejects the non-object %s with MALFORMED_MESSAGE',
    (text) => {
      const result = failure(parseClientMessage(text));
      expect(result.code).toBe('MALFORMED_MESSAGE');
      expect(result.message).toMatch(/JSON object/);
    },
  );

  it('rejects a message without a type', () => {
    expect(failure(parseClientMessage({ v: 1, id: 'a' })).code).toBe('MALFORMED_MESSAGE');
  });

  it('rejects an unknown type with UNKNOWN_MESSAGE_TYPE and keeps the id for the reply', () => {
    const result = failure(parseClientMessage({ v: 1, type: 'models.pull', id: 'r9' }));
    expect(result).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE', id: 'r9' });
    expect(result.message).toContain('models.pull');
  });

  it('does not treat inherited property names as message types', () => {
    expect(failure(parseClientMessage({ v: 1, type: 'constructor', id: 'a' })).code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(failure(parseClientMessage({ v: 1, type: '__proto__', id: 'a' })).code).toBe('UNKNOWN_MESSAGE_TYPE');
  });
});

describe('protocol version', () => {
  it.each([0, 2, 1.5, -1])('rejects v=%s with PROTOCOL_VERSION_MISMATCH', (v) => {
    expect(failure(parseClientMessage({ ...hello, v })).code).toBe('PROTOCOL_VERSION_MISMATCH');
  });

  it('checks the version before the type, so a newer peer hears about the version first', () => {
    expect(failure(parseClientMessage({ v: 2, type: 'edit.teleport', id: 'a' })).code).toBe(
      'PROTOCOL_VERSION_MISMATCH',
    );
  });

  it('rejects a missing or non-numeric version with MALFORMED_MESSAGE', () => {
    const { v: _v, ...unversioned } = hello;
    expect(failure(parseClientMessage(unversioned)).code).toBe('MALFORMED_MESSAGE');
    expect(failure(parseClientMessage({ ...hello, v: '1' })).code).toBe('MALFORMED_MESSAGE');
  });
});

describe('fields', () => {
  it('rejects a missing field and names it', () => {
    const { token: _token, ...tokenless } = hello;
    const result = failure(parseClientMessage(tokenless));
    expect(result.code).toBe('INVALID_FIELD');
    expect(result.message).toContain('hello.token');
  });

  it('rejects an extra field at the top level', () => {
    const result = failure(parseClientMessage({ ...hello, admin: true }));
    expect(result.code).toBe('INVALID_FIELD');
    expect(result.message).toContain('admin');
  });

  it('rejects an extra field nested inside the edit request', () => {
    const message = clientMessageExamples['edit.start'];
    const tampered = {
      ...message,
      request: { ...message.request, sampling: { ...message.request.sampling, strength: 1 } },
    };
    const result = failure(parseClientMessage(tampered));
    expect(result).toMatchObject({ code: 'INVALID_FIELD', id: 'r2' });
    expect(result.message).toContain('edit.start.request.sampling');
  });

  it('rejects a wrong type of value', () => {
    expect(failure(parseClientMessage({ ...hello, client: 'sketch' })).code).toBe('INVALID_FIELD');
    expect(failure(parseClientMessage({ ...clientMessageExamples['job.cancel'], jobId: 'JOB-1' })).code).toBe(
      'INVALID_FIELD',
    );
  });

  it('omits an unreadable id instead of echoing it', () => {
    const result = failure(parseClientMessage({ ...hello, id: 'x'.repeat(65) }));
    expect(result.code).toBe('INVALID_FIELD');
    expect(result.id).toBeUndefined();
  });
});

describe('size limits', () => {
  it('rejects a JSON text over the limit with PAYLOAD_TOO_LARGE before parsing it', () => {
    const text = `{"v":1,"type":"status","id":"a","pad":"${'x'.repeat(MAX_JSON_MESSAGE_CHARS)}"}`;
    expect(failure(parseClientMessage(text)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects an oversize string field', () => {
    const message = clientMessageExamples['edit.start'];
    const long = { ...message, request: { ...message.request, prompt: 'a'.repeat(1001) } };
    const result = failure(parseClientMessage(long));
    expect(result.code).toBe('INVALID_FIELD');
    expect(result.message).toContain('request.prompt');
  });

  it('rejects an oversize token and an oversize server error message', () => {
    expect(failure(parseClientMessage({ ...hello, token: 'a'.repeat(129) })).code).toBe('INVALID_FIELD');
    const error = { ...serverMessageExamples.error, message: 'e'.repeat(2001) };
    expect(failure(parseServerMessage(error)).code).toBe('INVALID_FIELD');
  });

  it('rejects progress whose step is past its total', () => {
    const progress = { ...serverMessageExamples['job.progress'], step: 501 };
    expect(failure(parseServerMessage(progress)).code).toBe('INVALID_FIELD');
  });

  it('rejects error codes outside the closed set', () => {
    const error = { ...serverMessageExamples.error, code: 'E_WHATEVER' };
    expect(failure(parseServerMessage(error)).code).toBe('INVALID_FIELD');
  });
});
