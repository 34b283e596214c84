/**
 * The one HTTP path both Plane and CalDAV go through: keep-alive connections, a per-request
 * timeout, retries with backoff for connection errors / timeouts / 5xx, `Retry-After` for 429 and
 * 503 (within a per-run budget), and request accounting for reports and the benchmark. Status
 * codes other than those are handed back to the caller, whose edge maps them to typed errors.
 * Errors that are not about the network (a header value HTTP cannot carry, say) are never retried.
 */

import { HttpError } from '../errors.js';
import type { HttpResponse } from './response.js';
import { type FetchLike, fetchTransport, REDIRECTS, undiciTransport } from './transport.js';

export type Service = 'plane' | 'caldav';

export interface RetryPolicy {
  timeoutMs: number;
  /** Attempts for connection errors, timeouts and 5xx; 1 means no retry. */
  retries: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** A longer Retry-After is cut to this. */
  maxRetryAfterMs: number;
  /** How many 429/503 answers in a row are waited out before giving up. */
  maxRateLimitWaits?: number;
  /**
   * Total time one client (one service, one run) may spend waiting out 429/503 answers; once
   * spent, later rate-limited requests get their 429 handed back at once. Default 5 minutes.
   */
  maxRateLimitWaitMs?: number;
}

/** The default of RetryPolicy.maxRateLimitWaitMs (and of http.maxRateLimitWaitMs). */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 300_000;

/** Counts what went over the wire; one per service per run. */
export class RequestStats {
  requests = 0;
  retries = 0;
  rateLimitWaits = 0;
  /** Time spent waiting out 429/503 answers (each client checks its own total against RetryPolicy.maxRateLimitWaitMs). */
  rateLimitWaitedMs = 0;
  /** Rate-limited answers handed back without a wait because the run's budget was spent. */
  rateLimitBudgetRefusals = 0;
  readonly byMethod: Record<string, number> = {};
  /** Summed time to the whole answer (headers and body), for the mean response time. */
  totalResponseMs = 0;

  record(method: string, ms: number): void {
    this.requests += 1;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
    this.totalResponseMs += ms;
  }
}

export type { HttpResponse } from './response.js';
export { closeHttpConnections } from './transport.js';
export type { FetchLike };

export interface HttpClientOptions {
  service: Service;
  policy: RetryPolicy;
  stats?: RequestStats;
  /** A fetch to send through instead of undici's pools (transport.ts): tests inject one. */
  fetchImpl?: FetchLike;
  /** Injected for tests so that backoff does not cost wall time. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about every retry, for verbose logs. Never given headers. */
  onRetry?: (info: { method: string; where: string; attempt: number; waitMs: number; reason: string }) => void;
  /** Told about every response, for --verbose request logs. Never given headers or bodies. */
  onResponse?: (info: { method: string; where: string; status: number; ms: number }) => void;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** host + path of a URL, without userinfo or query (which may hold tokens). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exponential = policy.backoffMinMs * 2 ** (attempt - 1);
  return Math.min(policy.backoffMaxMs, Math.max(policy.backoffMinMs, exponential));
}

const RETRYABLE_5XX = new Set([500, 502, 504]);

export interface HttpClient {
  readonly service: Service;
  readonly stats: RequestStats;
  /** Like fetch, but retried per the policy; throws HttpError only when no response could be had. */
  fetch(url: string, init?: RequestInit, options?: RequestOptions): Promise<HttpResponse>;
}

export interface RequestOptions {
  /**
   * False: a 500/502/504 is answered at once, not retried. For a request with a cheaper way
   * round it than waiting (a sync-collection the server chokes on: the caller lists instead).
   */
  retryServerErrors?: boolean;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { service, policy } = options;
  const stats = options.stats ?? new RequestStats();
  const transport = options.fetchImpl ? fetchTransport(options.fetchImpl) : undiciTransport;
  const sleep = options.sleep ?? realSleep;
  const maxRateLimitWaits = policy.maxRateLimitWaits ?? 10;
  const rateLimitBudgetMs = policy.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
  // Shared by every request of this client: a 429 storm costs the run at most the budget.
  let rateLimitWaitedMs = 0;

  /**
   * One attempt, its body read whole inside it (the transport does): a connection cut or a stall
   * in the middle of a body counts as a connection error and is retried like one (the timeout
   * covers the body too), instead of surfacing later as a half-read answer that nobody retries.
   */
  async function attemptOnce(url: string, init: RequestInit, method: string): Promise<HttpResponse> {
    const started = performance.now();
    const signal = AbortSignal.timeout(policy.timeoutMs);
    try {
      const response = await transport(url, { ...init, signal });
      const ms = performance.now() - started;
      stats.record(method, ms);
      options.onResponse?.({ method, where: describeUrl(url), status: response.status, ms: Math.round(ms) });
      return response;
    } catch (error) {
      stats.record(method, performance.now() - started);
      throw error;
    }
  }

  async function retryingFetch(
    url: string,
    init: RequestInit = {},
    request: RequestOptions = {},
  ): Promise<HttpResponse> {
    const method = (init.method ?? 'GET').toUpperCase();
    const where = describeUrl(url);
    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      let response: HttpResponse;
      try {
        response = await attemptOnce(url, init, method);
      } catch (error) {
        failures += 1;
        const reason = networkReason(error, policy.timeoutMs);
        if (reason === undefined) {
          // Not the network: another attempt would fail the same way, and "unreachable" would mislead.
          throw new HttpError(service, `${method} ${where} failed: ${localReason(error)}`, undefined, method, where, {
            hint: localHint(error, url),
            cause: error,
          });
        }
        if (failures >= policy.retries) {
          throw new HttpError(service, `${method} ${where} failed: ${reason}`, undefined, method, where, {
            hint: `check that ${new URL(url).host} is reachable`,
            cause: error,
          });
        }
        const waitMs = backoffMs(failures, policy);
        stats.retries += 1;
        options.onRetry?.({ method, where, attempt: failures, waitMs, reason });
        await sleep(waitMs);
        continue;
      }

      const status = response.status;
      if ((status === 429 || status === 503) && rateLimitWaits < maxRateLimitWaits) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        if (retryAfter !== undefined || status === 429) {
          const waitMs = Math.min(policy.maxRetryAfterMs, retryAfter ?? backoffMs(rateLimitWaits + 1, policy));
          if (rateLimitWaitedMs + waitMs > rateLimitBudgetMs) {
            // This run has waited out rate limits long enough: fail fast from here on.
            stats.rateLimitBudgetRefusals += 1;
            return response;
          }
          rateLimitWaits += 1;
          rateLimitWaitedMs += waitMs;
          stats.rateLimitWaits += 1;
          stats.rateLimitWaitedMs += waitMs;
          options.onRetry?.({ method, where, attempt: rateLimitWaits, waitMs, reason: `HTTP ${status}` });
          await sleep(waitMs);
          continue;
        }
      }
      const retryable = RETRYABLE_5XX.has(status) || status === 503;
      if (retryable && request.retryServerErrors !== false && failures + 1 < policy.retries) {
        failures += 1;
        stats.retries += 1;
        const waitMs = backoffMs(failures, policy);
        options.onRetry?.({ method, where, attempt: failures, waitMs, reason: `HTTP ${status}` });
        await sleep(waitMs);
        continue;
      }
      if (REDIRECTS.has(status) && init.redirect !== 'manual')
        throw redirectNotFollowed(service, method, url, response);
      return response;
    }
  }

  return { service, stats, fetch: retryingFetch };
}

/** Error codes of a connection that failed, broke or timed out: worth another attempt. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);
/** undici codes that are about the caller's request, not the network. */
const LOCAL_UNDICI_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_NOT_SUPPORTED']);

function isNetworkCode(code: unknown): code is string {
  if (typeof code !== 'string') return false;
  return NETWORK_CODES.has(code) || (code.startsWith('UND_ERR_') && !LOCAL_UNDICI_CODES.has(code));
}

/**
 * Why a connection failed, for a network error (the timeout, a refused / reset / cut connection,
 * a body that broke while it was read); undefined for anything else, which is not retried.
 */
function networkReason(error: unknown, timeoutMs: number): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const ownCode = (error as { code?: unknown }).code;
  if (isNetworkCode(ownCode)) return `${ownCode} (${oneLine(error.message)})`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown; name?: unknown } }).cause;
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (isNetworkCode(cause?.code))
    return `${cause.code}${typeof cause.message === 'string' && cause.message ? ` (${oneLine(cause.message)})` : ''}`;
  return undefined;
}

/**
 * The real message of a non-network error, on one line. Quoted parts are dropped: undici quotes
 * an invalid header value, and that value is the API key or the Basic token.
 */
function localReason(error: unknown): string {
  const base = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  const detail = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : '';
  const code =
    typeof (cause as { code?: unknown } | undefined)?.code === 'string' ? (cause as { code: string }).code : '';
  const text = [base, code, detail].filter((part) => part !== '').join(': ');
  return oneLine(text.replace(/"[^"]*"|'[^']*'/g, '"…"'));
}

function localHint(error: unknown, url: string): string | undefined {
  const text = `${error instanceof Error ? error.message : ''} ${String((error as { cause?: { code?: unknown } })?.cause?.code ?? '')}`;
  if (/ByteString|header/i.test(text))
    return 'a configured value sent in an HTTP header (the API key, the CalDAV username or password) holds a character HTTP headers cannot carry: check it for typos, spaces or non-ASCII characters';
  if (/CERT|TLS|SSL|self.signed/i.test(text))
    return `check the TLS certificate of ${safeHost(url)} (expired, self-signed or for another name)`;
  return undefined;
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

/**
 * A redirect the transport handed back instead of following: one to another origin (or scheme:
 * http → https is the common one), which would carry the credentials there, or a loop.
 */
function redirectNotFollowed(service: Service, method: string, url: string, response: HttpResponse): HttpError {
  const where = describeUrl(url);
  const key = service === 'plane' ? 'plane.baseUrl' : 'caldav.serverUrl';
  const location = response.headers.get('location');
  let target: URL | undefined;
  try {
    target = location === null ? undefined : new URL(location, url);
  } catch {
    target = undefined;
  }
  const origin = new URL(url).origin;
  if (target !== undefined && target.origin !== origin) {
    return new HttpError(
      service,
      `${method} ${where} answered ${response.status}, a redirect to ${describeUrl(target.href)}: not followed, since it leaves ${origin} and the request carries the credentials`,
      response.status,
      method,
      where,
      {
        hint: `if that is the server's address now, set ${key} to it`,
      },
    );
  }
  return new HttpError(
    service,
    `${method} ${where} answered ${response.status}, a redirect ${target === undefined ? 'without a usable Location' : 'loop'}`,
    response.status,
    method,
    where,
    { hint: `check ${key}` },
  );
}
