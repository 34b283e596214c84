/**
 * The gate every delivery passes before anything else happens: size cap, signature over the raw
 * bytes, then the payload's shape. Pure (no I/O, no clock). Fails closed: with a secret
 * configured, a missing or wrong signature is refused; without one, every delivery is refused
 * unless the config opts out explicitly (`webhook.allowUnsigned`).
 */
import { type Delivery, type DeliveryHeaders, parseDelivery } from './delivery.js';
import { DeliveryRejectedError } from './rejection.js';
import { isWellFormedSignature, signatureMatches } from './signature.js';

/** Plane's issue bodies (every description format included) are tens of KiB; 1 MiB is generous. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface VerifyOptions extends DeliveryHeaders {
  /** `webhook.allowUnsigned`: accept deliveries without checking when no secret is configured. */
  allowUnsigned: boolean;
  maxBytes?: number;
}

const SECRET_HINT =
  'set webhook.secret (or PLANE_WEBHOOK_SECRET / PLANE_WEBHOOK_SECRET_FILE) to the secret Plane shows for this webhook';

export function verifyDelivery(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string | undefined,
  options: VerifyOptions,
): Delivery {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  if (rawBody.length > maxBytes) throw tooLarge(maxBytes);
  if (secret === undefined || secret === '') {
    if (!options.allowUnsigned) {
      throw new DeliveryRejectedError(
        'no-secret-configured',
        'no webhook secret is configured, so the delivery cannot be authenticated',
        `${SECRET_HINT}; to accept unsigned deliveries anyway, set webhook.allowUnsigned to true`,
      );
    }
  } else {
    checkSignature(rawBody, signature, secret);
  }
  return parseDelivery(rawBody, options);
}

function checkSignature(rawBody: Buffer, signature: string | undefined, secret: string): void {
  if (signature === undefined || signature.trim() === '') {
    throw new DeliveryRejectedError(
      'signature-missing',
      'the delivery carries no signature',
      'pass the X-Plane-Signature header as --signature (or PLANE_SIGNATURE); in Plane, the webhook must have a secret',
    );
  }
  if (!isWellFormedSignature(signature)) {
    throw new DeliveryRejectedError(
      'signature-malformed',
      `the signature is not 64 hex digits (${signature.trim().length} characters)`,
    );
  }
  if (!signatureMatches(rawBody, signature, secret)) {
    throw new DeliveryRejectedError(
      'signature-mismatch',
      'the signature does not match the body',
      `${SECRET_HINT}, and make sure the receiver passes the body byte for byte, unparsed`,
    );
  }
}

export function tooLarge(maxBytes: number): DeliveryRejectedError {
  return new DeliveryRejectedError('too-large', `the body is larger than ${maxBytes} bytes`);
}
