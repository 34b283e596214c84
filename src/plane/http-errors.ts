/**
 * Plane's HTTP answers → typed errors, in one place (plane-api.md §1). Nothing else in src/plane
 * reads a status code to decide what went wrong. Messages carry the method, host + path and the
 * server's own words, never the API key.
 */
import { AuthError, HttpError, NotFoundError } from '../errors.js';
import { describeUrl } from '../http/fetcher.js';

/** What came back from one request, body already read. */
export interface PlaneAnswer {
  method: string;
  url: string;
  status: number;
  /** The raw body text ('' when empty). */
  text: string;
  contentType: string | null;
}

export const PAGE_NOT_FOUND = 'Page not found.';
export const DOES_NOT_EXIST = 'The requested resource does not exist.';
const INVALID_TOKEN = 'Given API token is not valid';
const NO_PERMISSION = 'You do not have permission';
const MAX_SERVER_TEXT = 200;

const API_KEY_HINT = 'check the Plane API key (plane.apiKey / PLANE_API_KEY)';

/** `error`, `detail` or `error_message` from a JSON body; undefined when the body is not such JSON. */
export function serverMessage(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['error', 'detail', 'error_message']) {
    const value = record[key];
    if (typeof value === 'string') return value;
  }
  return validationMessage(record);
}

/**
 * DRF's validation errors, `{"field": ["message", …], "non_field_errors": [...]}`, as one line:
 * "Start date cannot exceed target date", "target_date: Date has wrong format. …".
 */
function validationMessage(record: Record<string, unknown>): string | undefined {
  const parts = Object.entries(record).flatMap(([field, value]) => {
    const messages = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
    return messages.map((message) => (field === 'non_field_errors' ? message : `${field}: ${message}`));
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Plane's URL-resolver 404 (unknown route or non-UUID id), as opposed to a missing object. */
export function isPageNotFound(answer: PlaneAnswer): boolean {
  return answer.status === 404 && serverMessage(answer.text) === PAGE_NOT_FOUND;
}

/** A 404 for an object that is missing, deleted, archived, draft or in triage. */
export function isMissingObject(answer: PlaneAnswer): boolean {
  return answer.status === 404 && serverMessage(answer.text) === DOES_NOT_EXIST;
}

/** One line of server text for a message: whitespace collapsed, secrets removed, length capped. */
export function excerpt(text: string, secret: string, max = MAX_SERVER_TEXT): string {
  let line = text.replace(/\s+/g, ' ').trim();
  if (secret !== '') line = line.split(secret).join('***');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '<invalid url>';
  }
}

/** The error for a non-2xx answer. The single status → error mapping for Plane. */
export function planeStatusError(answer: PlaneAnswer, apiKey: string): HttpError {
  const { method, status } = answer;
  const where = describeUrl(answer.url);
  const host = hostOf(answer.url);
  const said = serverMessage(answer.text);
  const quoted = excerpt(said ?? answer.text, apiKey);
  const suffix = quoted === '' ? '' : `: ${quoted}`;

  switch (status) {
    case 401:
      return new AuthError(
        'plane',
        `Plane rejected the request: no API key (HTTP 401 from ${host})`,
        status,
        method,
        where,
        {
          hint: `${API_KEY_HINT} for ${host}; a proxy in front of Plane may also strip the X-Api-Key header`,
        },
      );
    case 403:
      return forbidden(answer, said, quoted, where, host);
    case 404:
      return new NotFoundError('plane', `Plane has no ${where} (HTTP 404${suffix})`, status, method, where, {
        hint:
          said === PAGE_NOT_FOUND
            ? 'check plane.baseUrl (the Plane API origin) and the project id; Plane instances older than v1.1.0 have no /work-items/ routes'
            : 'the project or work item was deleted or archived, or is not visible to the API key',
      });
    case 429:
      return new HttpError(
        'plane',
        `Plane kept rate-limiting ${method} ${where} (HTTP 429${suffix})`,
        status,
        method,
        where,
        {
          hint: 'Plane allows 60 requests per minute per API key by default (API_KEY_RATE_LIMIT on self-hosted); wait a minute, or sync fewer projects per run',
        },
      );
    default:
      return new HttpError(
        'plane',
        `Plane answered HTTP ${status} to ${method} ${where}${suffix}`,
        status,
        method,
        where,
        {
          hint: status >= 500 ? `Plane at ${host} failed; try again later` : undefined,
        },
      );
  }
}

function forbidden(
  answer: PlaneAnswer,
  said: string | undefined,
  quoted: string,
  where: string,
  host: string,
): AuthError {
  const { method, status } = answer;
  if (said?.startsWith(INVALID_TOKEN)) {
    return new AuthError(
      'plane',
      `Plane rejected the API key: it is invalid, expired or revoked (HTTP 403 from ${host})`,
      status,
      method,
      where,
      {
        hint: `${API_KEY_HINT}; create a new token in Plane under Settings → API tokens`,
      },
    );
  }
  if (said?.startsWith(NO_PERMISSION) && method !== 'GET') {
    return new AuthError(
      'plane',
      `Plane refused ${method} ${where}: the API key's user may read this project but not edit its work items (HTTP 403)`,
      status,
      method,
      where,
      {
        hint: 'write-back needs an API key whose user is a Member or Admin of the project; remove "writeBack" from the calendar entry to only read',
      },
    );
  }
  if (said?.startsWith(NO_PERMISSION)) {
    return new AuthError(
      'plane',
      `Plane refused ${method} ${where}: the API key's user is not a member of this project or workspace (HTTP 403)`,
      status,
      method,
      where,
      {
        hint: 'add that user to the project in Plane, check plane.workspaceSlug, or leave the project out of plane.projects',
      },
    );
  }
  return new AuthError(
    'plane',
    `Plane refused ${method} ${where} (HTTP 403${quoted === '' ? '' : `: ${quoted}`})`,
    status,
    method,
    where,
    {
      hint: API_KEY_HINT,
    },
  );
}
