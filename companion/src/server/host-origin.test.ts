import { describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedOrigin } from './host-origin.ts';

describe('isAllowedHost', () => {
  it.each(['localhost:7861', '127.0.0.1:7861', '[::1]:7861', 'LOCALHOST:7861'])('accepts %s', (host) => {
    expect(isAllowedHost(host, 7861)).toBe(true);
  });

  it.each([
    undefined,
    '',
    ':7861',
    'localhost',
    'localhost:7862',
    'evil.com:7861',
    'localhost.evil.com:7861',
    '127.0.0.2:7861',
    '0.0.0.0:7861',
    '::1:7861',
  ])('refuses %s', (host) => expect(isAllowedHost(host, 7861)).toBe(false));
});

describe('isAllowedOrigin', () => {
  const policy = { port: 7861 };

  it.each([undefined, 'null', 'http://localhost:7861', 'http://127.0.0.1:7861', 'http://[::1]:7861'])(
    'accepts %s',
    (origin) => {
      expect(isAllowedOrigin(origin, policy)).toBe(true);
    },
  );

  it.each([
    'https://evil.com',
    'http://localhost:3000',
    'https://localhost:7861',
    'http://localhost:7861.evil.com',
    'https://www.figma.com',
    '',
  ])('refuses %s', (origin) => expect(isAllowedOrigin(origin, policy)).toBe(false));

  it('accepts configured extra origins exactly', () => {
    expect(isAllowedOrigin('uxp://com.example.imagic', { ...policy, extraOrigins: ['uxp://com.example.imagic'] })).toBe(
      true,
    );
    expect(isAllowedOrigin('uxp://com.example.other', { ...policy, extraOrigins: ['uxp://com.example.imagic'] })).toBe(
      false,
    );
  });
});
