/**
 * A Plane (CE, "v1") webhook body → the few facts calplanebot acts on. Pure. Only what handling
 * needs is checked: `event`, `action`, `data.id`, and `data.project` for issue upserts; the
 * rest of `data` is ignored because the handler re-reads the object from the API anyway.
 */
import { DeliveryRejectedError, printableAscii, quote } from './rejection.js';

export type WebhookAction = 'created' | 'updated' | 'deleted';

export interface Delivery {
  /** `X-Plane-Event` as the body says it: issue, project, cycle, module, issue_comment, … */
  event: string;
  /** Normalised: the older `create|update|delete` spellings become `created|updated|deleted`. */
  action: WebhookAction;
  /** `data.id`: the object the delivery is about. */
  id: string;
  /** `data.project` of an issue delivery (absent from `deleted` bodies, which carry only the id). */
  projectId: string | null;
  /** `X-Plane-Delivery`, when the receiver passed it on; null otherwise. */
  deliveryId: string | null;
}

/** Plane sends the past tense; a dead mapping in its code and older docs use the present. */
const ACTIONS: Record<string, WebhookAction> = {
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  create: 'created',
  update: 'updated',
  delete: 'deleted',
};

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Event names are snake_case words (issue_comment); anything else is not a CE v1 delivery. */
const EVENT_NAME = /^[a-z][a-z_]{0,63}$/;
/** Plane sends a UUID; a relay may use its own id. Printable, short, no spaces. */
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface DeliveryHeaders {
  /** `X-Plane-Event`, when passed: must agree with the body's `event`. */
  event?: string | undefined;
  /** `X-Plane-Delivery`, when passed. */
  deliveryId?: string | undefined;
}

/** Parses and checks an authenticated body. Throws DeliveryRejectedError with the reason. */
export function parseDelivery(rawBody: Buffer, headers: DeliveryHeaders = {}): Delivery {
  const body = parseJsonObject(rawBody);
  const event = readEvent(body.event, headers.event);
  const action = readAction(body.action);
  const data = body.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DeliveryRejectedError(
      'bad-data',
      `"data" is ${data === undefined ? 'missing' : `not an object (${quote(data)})`}`,
    );
  }
  const fields = data as Record<string, unknown>;
  const id = readUuid(fields.id, 'bad-id', 'data.id');
  return {
    event,
    action,
    id,
    projectId: readProject(event, action, fields.project ?? fields.project_id),
    deliveryId: readDeliveryId(headers.deliveryId),
  };
}

function parseJsonObject(rawBody: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(rawBody);
  } catch {
    throw new DeliveryRejectedError('invalid-json', 'the body is not UTF-8 text');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the body raw (escape sequences, newlines): only the position is kept,
    // with a short excerpt escaped to printable ASCII.
    throw new DeliveryRejectedError(
      'invalid-json',
      `the body is not valid JSON (${rawBody.length} bytes)${syntaxErrorWhere(error, text)}`,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DeliveryRejectedError('not-an-object', 'the body is not a JSON object');
  }
  return body as Record<string, unknown>;
}

const EXCERPT_CHARS = 16;

/** ", at position 12 near \"…\"" from a JSON.parse SyntaxError; "" when it names no position. */
export function syntaxErrorWhere(error: unknown, text: string): string {
  if (!(error instanceof SyntaxError)) return '';
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return /end of JSON input/i.test(error.message) ? ', it ends too early' : '';
  const at = Number(position);
  const near = text.slice(Math.max(0, at - EXCERPT_CHARS / 2), at + EXCERPT_CHARS / 2);
  return `, at position ${at} near "${printableAscii(near)}"`;
}

function readEvent(value: unknown, header: string | undefined): string {
  if (typeof value !== 'string' || !EVENT_NAME.test(value)) {
    throw new DeliveryRejectedError(
      'bad-event',
      `"event" is ${value === undefined ? 'missing' : `malformed (${quote(value)})`}`,
      'calplanebot handles Plane CE (v1) webhooks: "event" is issue, project, cycle, module or issue_comment',
    );
  }
  // The header is not signed, the body is: a disagreement means something rewrote the request.
  if (header !== undefined && header !== '' && header !== value) {
    throw new DeliveryRejectedError(
      'event-header-mismatch',
      `X-Plane-Event says ${quote(header)} but the body says ${quote(value)}`,
    );
  }
  return value;
}

function readAction(value: unknown): WebhookAction {
  const action = typeof value === 'string' && Object.hasOwn(ACTIONS, value) ? ACTIONS[value] : undefined;
  if (action === undefined) {
    throw new DeliveryRejectedError(
      'bad-action',
      `"action" is ${value === undefined ? 'missing' : `not one of created, updated, deleted (${quote(value)})`}`,
    );
  }
  return action;
}

function readUuid(value: unknown, reason: 'bad-id' | 'bad-project', name: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new DeliveryRejectedError(
      reason,
      `"${name}" is ${value === undefined ? 'missing' : `not a UUID (${quote(value)})`}`,
    );
  }
  return value.toLowerCase();
}

/**
 * An issue upsert needs its project to re-fetch from; a `deleted` body carries only the id. A
 * cycle's or module's project says which calendars may show it, when the body has one.
 */
function readProject(event: string, action: WebhookAction, value: unknown): string | null {
  if (event === 'cycle' || event === 'module')
    return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
  if (event !== 'issue') return null;
  if (action === 'deleted') return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
  return readUuid(value, 'bad-project', 'data.project');
}

function readDeliveryId(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!DELIVERY_ID.test(value))
    throw new DeliveryRejectedError('bad-delivery-id', `the delivery id ${quote(value)} is malformed`);
  return value;
}
