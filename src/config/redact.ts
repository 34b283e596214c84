/**
 * Output redaction. The CLI builds one redactor from the loaded config and passes every line it
 * prints through it, so a secret echoed back by a server or a library error never reaches logs.
 */
import type { Config } from './types.js';

/**
 * Secrets shorter than this are not redacted: replacing every "abc" in the output would mangle it
 * while hiding little (a 3-character secret is guessable anyway). Such secrets can still leak.
 */
export const MIN_SECRET_LENGTH = 4;

export const REDACTED = '***';

export type SecretSource = Pick<Config, 'plane' | 'caldav' | 'webhook'> | readonly string[];

/** The configured secrets plus the Basic-auth token built from them (`base64(username:password)`). */
export function secretsOf(config: Pick<Config, 'plane' | 'caldav' | 'webhook'>): string[] {
  const { apiKey } = config.plane;
  const { username, password } = config.caldav;
  const secrets = [apiKey, password, config.webhook.secret].filter((value): value is string => !!value);
  if (password) secrets.push(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'));
  return secrets;
}

/** The forms a secret takes in output: as is, percent-encoded (either hex case) and form-encoded. */
function variantsOf(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const lowerHex = encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  const formEncoded = new URLSearchParams({ s: secret }).toString().slice(2);
  return [secret, encoded, lowerHex, formEncoded];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Userinfo of any URL in free text: `https://user:pw@host` → `https://host`. Greedy to the last `@`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/**
 * Returns a function that replaces every occurrence of each secret (and its encoded forms) with
 * `***` and strips userinfo from URLs. Secrets shorter than MIN_SECRET_LENGTH are ignored.
 */
export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const variants = new Set(
    secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH).flatMap((secret) => variantsOf(secret)),
  );
  // Longest first, so a secret that contains another is replaced whole.
  const alternatives = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = alternatives.length === 0 ? undefined : new RegExp(alternatives.join('|'), 'g');
  return (text) => {
    const withoutSecrets = pattern === undefined ? text : text.replace(pattern, REDACTED);
    return withoutSecrets.replace(URL_USERINFO, '$1');
  };
}

/** One-off redaction; build a redactor with makeRedactor() when redacting many lines. */
export function redactSecrets(text: string, source: SecretSource): string {
  const secrets = isSecretList(source) ? source : secretsOf(source);
  return makeRedactor(secrets)(text);
}

function isSecretList(source: SecretSource): source is readonly string[] {
  return Array.isArray(source);
}

/** Removes `user:password@` from a URL, leaving the rest of the text exactly as it was. */
export function redactUrl(url: string): string {
  return url.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}
