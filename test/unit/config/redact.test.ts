import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, makeRedactor, redactSecrets, redactUrl, secretsOf } from '../../../src/config/index.js';

const config = {
  plane: {
    baseUrl: 'https://api.plane.so',
    webUrl: 'https://app.plane.so',
    workspaceSlug: 'acme',
    apiKey: 'key/with+special=chars',
    projects: [],
  },
  caldav: {
    serverUrl: 'https://dav.example.com/',
    username: 'alice',
    password: 'p@ss word',
    calendarName: 'Plane: {project}',
  },
  webhook: { secret: 'whsec-1234', allowUnsigned: false },
};

describe('redactSecrets', () => {
  it('replaces every configured secret, every time it occurs', () => {
    const text = 'key=key/with+special=chars pw=p@ss word hook=whsec-1234 again whsec-1234';
    expect(redactSecrets(text, config)).toBe('key=*** pw=*** hook=*** again ***');
  });

  it('replaces percent-encoded (either hex case) and form-encoded forms', () => {
    const encoded = encodeURIComponent('p@ss word');
    expect(redactSecrets(`a=${encoded}`, config)).toBe('a=***');
    expect(redactSecrets('a=p%40ss%20word', config)).toBe('a=***');
    expect(redactSecrets('a=key%2fwith%2bspecial%3dchars', config)).toBe('a=***');
    expect(redactSecrets('a=p%40ss+word', config)).toBe('a=***');
  });

  it('replaces the Basic-auth token of username:password', () => {
    const token = Buffer.from('alice:p@ss word').toString('base64');
    expect(redactSecrets(`Authorization: Basic ${token}`, config)).toBe('Authorization: Basic ***');
  });

  it('accepts a plain list of secrets', () => {
    expect(redactSecrets('one two three', ['two', 'three'])).toBe('one two ***');
  });

  it('handles a config without a webhook secret', () => {
    const withoutSecret = { ...config, webhook: { secret: undefined, allowUnsigned: true } };
    expect(secretsOf(withoutSecret)).toHaveLength(3);
  });
});

describe('makeRedactor', () => {
  it(`ignores secrets shorter than ${MIN_SECRET_LENGTH} characters, to keep output readable`, () => {
    const redact = makeRedactor(['abc', 'abcd']);
    expect(redact('abc abcd')).toBe('abc ***');
  });

  it('replaces a secret that contains another one whole', () => {
    const redact = makeRedactor(['secret', 'secret-longer']);
    expect(redact('secret-longer secret')).toBe('*** ***');
  });

  it('treats regular-expression characters literally', () => {
    const redact = makeRedactor(['a.b*c(d)', '$1$2']);
    expect(redact('a.b*c(d) axb*c(d) $1$2')).toBe('*** axb*c(d) ***');
  });

  it('strips userinfo from URLs in any text', () => {
    const redact = makeRedactor([]);
    expect(redact('GET https://bob:hunter2@dav.example.com/cal/ failed; see http://x.org')).toBe(
      'GET https://dav.example.com/cal/ failed; see http://x.org',
    );
  });

  it('is the identity for text without secrets', () => {
    expect(makeRedactor(['zzzz'])('nothing to see')).toBe('nothing to see');
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://user:pass@dav.example.com/x?y=1', 'https://dav.example.com/x?y=1'],
    ['https://user@dav.example.com', 'https://dav.example.com'],
    ['https://us:p@ss@host/a@b', 'https://host/a@b'],
    ['https://dav.example.com/a@b', 'https://dav.example.com/a@b'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });
});
