/**
 * Plane's webhook signature (plane-api.md §5): `X-Plane-Signature` is the lowercase hex
 * HMAC-SHA256 of the exact body bytes, keyed with the webhook secret; no prefix, no timestamp.
 * Always computed over the raw bytes: Plane signs Python's `json.dumps` output, which no
 * JavaScript re-serialization reproduces.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** The signature Plane would send for these bytes. */
export function signBody(rawBody: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/** True when `signature` is 64 hex digits (what Plane sends; surrounding whitespace ignored). */
export function isWellFormedSignature(signature: string): boolean {
  return SIGNATURE.test(signature.trim());
}

/**
 * Constant-time check of a well-formed signature against the body: both sides are 32-byte
 * digests, so timingSafeEqual compares equal lengths and leaks nothing through timing.
 */
export function signatureMatches(rawBody: Buffer, signature: string, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature.trim(), 'hex');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
