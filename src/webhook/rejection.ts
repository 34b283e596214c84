/**
 * Why a webhook delivery was refused. Every refusal is a WebhookRejectedError (exit 4) carrying a
 * machine-readable reason; the message never quotes the secret, and quotes the body only by
 * position or by a short, JSON-escaped excerpt of a single field.
 */
import { WebhookRejectedError } from '../errors.js';

export type RejectionReason =
  | 'too-large'
  | 'no-secret-configured'
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-mismatch'
  | 'invalid-json'
  | 'not-an-object'
  | 'bad-event'
  | 'event-header-mismatch'
  | 'bad-action'
  | 'bad-data'
  | 'bad-id'
  | 'bad-project'
  | 'bad-delivery-id';

export class DeliveryRejectedError extends WebhookRejectedError {
  constructor(
    readonly reason: RejectionReason,
    message: string,
    hint?: string,
  ) {
    super(`webhook delivery rejected: ${message}`, hint === undefined ? {} : { hint });
  }
}

const MAX_QUOTED = 40;

/** A value from the payload for a message: JSON-escaped, then printable ASCII only, length capped. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  // JSON.stringify leaves C1 controls (U+009B is a CSI to some terminals) and bidi marks as they are.
  text = text.replace(/[^\x20-\x7e]/g, escapeChar);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

/** Body text for a message: anything outside printable ASCII (ESC, newlines, bidi marks) as \uXXXX. */
export function printableAscii(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, (ch) => (ch === '"' || ch === '\\' ? `\\${ch}` : escapeChar(ch)));
}

function escapeChar(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
