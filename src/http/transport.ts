/**
 * The wire under the HTTP client: undici's request() (not its fetch: no web streams, a third of
 * the CPU per request) over one keep-alive pool per origin, shared by every request of the
 * process, so a run reuses its connections (and TLS sessions) from the first request to the last.
 * It follows redirects within an origin (see undiciTransport). Two undici 7 behaviours are worked
 * around here, each measured:
 *
 * - undici's Agent closes an origin's pool when its connection count drops to zero and, once that
 *   has happened, the old pool's late "disconnect" events close the new pool too: after the first
 *   connection a server closes, every later request opens a new connection (10,000 PUTs, 10,000
 *   TCP and TLS handshakes). So the pools are ours: one per origin, kept until the process is done.
 * - undici closes a connection after any request with a body whose method it does not know to take
 *   one (REPORT, MKCALENDAR). WebDAV defines their bodies (RFC 4918, RFC 4791), so we ask it not to.
 */
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import type { Dispatcher as DispatcherType, Pool as PoolType } from 'undici';
import { fromFetchResponse, HeaderMap, HttpResponse } from './response.js';

/*
 * The three parts of undici used here, required one by one: undici's index also loads its fetch,
 * WebSocket, cache and mock layers, a tenth of a second of CPU and 9 MB on every start (measured).
 * These paths are undici 7's own layout (package.json keeps undici to 7.30.x patch releases).
 */
const requireUndici = createRequire(import.meta.url);
const Dispatcher = requireUndici('undici/lib/dispatcher/dispatcher.js') as typeof DispatcherType;
const Pool = requireUndici('undici/lib/dispatcher/pool.js') as typeof PoolType;
const request = requireUndici('undici/lib/api/api-request.js') as (
  this: DispatcherType,
  options: DispatcherType.RequestOptions,
) => Promise<DispatcherType.ResponseData>;
type Dispatcher = DispatcherType;

/** What the HTTP client sends requests through: the body read whole, as an HttpResponse. */
export type Transport = (url: string, init: RequestInit) => Promise<HttpResponse>;

/** A fetch-shaped transport (tests inject one: msw, a redirecting fake). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export function fetchTransport(fetchLike: FetchLike): Transport {
  return async (url, init) => fromFetchResponse(await fetchLike(url, init));
}

const POOL_OPTIONS: PoolType.Options = { connections: 8, keepAliveTimeout: 10_000, pipelining: 1 };

/** Routes each request to its origin's pool (a redirect may lead to another origin). */
class PoolPerOrigin extends Dispatcher {
  private readonly pools = new Map<string, Dispatcher>();
  private readonly closers: Array<() => Promise<void>> = [];

  override dispatch(options: DispatcherType.DispatchOptions, handler: DispatcherType.DispatchHandler): boolean {
    const origin = String(options.origin);
    let pool = this.pools.get(origin);
    if (!pool) {
      const raw = new Pool(origin, POOL_OPTIONS);
      this.closers.push(() => raw.close());
      pool = raw.compose(neverPause, keepWebDavConnections);
      this.pools.set(origin, pool);
    }
    return pool.dispatch(options, handler);
  }

  async closeAll(): Promise<void> {
    const closers = this.closers.splice(0);
    this.pools.clear();
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
  }
}

/** See the file comment: a WebDAV body is no reason to drop the connection. */
const keepWebDavConnections: DispatcherType.DispatcherComposeInterceptor = (dispatch) => (options, handler) =>
  dispatch({ ...options, reset: false }, handler);

/**
 * Every body is read whole at once (undiciTransport), so pausing the socket for a slow reader
 * buys nothing, and undici 7 crashes the process (an uncatchable `assert(!this.paused)`) when a
 * server that closes its connections, as Radicale does (HTTP/1.0), sends FIN while the parser is
 * paused: nodejs/undici#5360, fixed only in undici 8, which needs Node 22. So it is never paused.
 */
const neverPause: DispatcherType.DispatcherComposeInterceptor = (dispatch) => (options, handler) =>
  dispatch(options, {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, status, headers, socket) =>
      handler.onRequestUpgrade?.(controller, status, headers, socket),
    onResponseStart: (controller, status, headers, message) =>
      handler.onResponseStart?.(controller, status, headers, message),
    onResponseData: (controller, chunk) => handler.onResponseData?.(unpausable(controller), chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
  });

function unpausable(controller: DispatcherType.DispatchController): DispatcherType.DispatchController {
  return {
    get aborted() {
      return controller.aborted;
    },
    get paused() {
      return false;
    },
    get reason() {
      return controller.reason;
    },
    abort: (reason) => controller.abort(reason),
    pause: () => undefined,
    resume: () => controller.resume(),
  };
}

let shared: PoolPerOrigin | undefined;

export const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/**
 * One request over the shared pools, body read whole. Redirects within the origin are followed
 * as fetch follows them (303, and 301/302 after a POST, turn into a GET); a redirect to another
 * origin is handed back, never followed: the request carries credentials (the Basic token, the
 * Plane key in X-Api-Key), and fetch's rule of dropping only Authorization would send the key
 * along, maybe in clear text. `redirect: 'manual'` hands every redirect back (tsdav's discovery).
 */
export const undiciTransport: Transport = async (url, init) => {
  shared ??= new PoolPerOrigin();
  let target = new URL(url);
  let method = (init.method ?? 'GET').toUpperCase();
  const headers = headerRecord(init.headers);
  let body = bodyOf(init.body);
  for (let redirects = 0; ; redirects += 1) {
    const answer = await request.call(shared, {
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: method as DispatcherType.HttpMethod,
      headers,
      body,
      signal: init.signal ?? undefined,
    });
    const location = single(answer.headers.location);
    const next = location === undefined ? undefined : new URL(location, target);
    if (
      init.redirect !== 'manual' &&
      REDIRECTS.has(answer.statusCode) &&
      next?.origin === target.origin &&
      redirects < MAX_REDIRECTS
    ) {
      await answer.body.dump();
      if (
        (answer.statusCode === 303 && method !== 'HEAD') ||
        ((answer.statusCode === 301 || answer.statusCode === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = null;
        for (const name of [
          'content-type',
          'content-length',
          'content-encoding',
          'content-language',
          'content-location',
        ])
          delete headers[name];
      }
      target = next;
      continue;
    }
    const bytes = Buffer.from(await answer.body.arrayBuffer());
    return new HttpResponse(
      answer.statusCode,
      STATUS_CODES[answer.statusCode] ?? '',
      target.href,
      headerMapOf(answer.headers),
      bytes,
    );
  }
};

/** Request headers as a plain record with lower-case names (what undici takes, and what redirects edit). */
function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers === undefined) return record;
  // Iterable: a Headers or an array of pairs. Not `instanceof Headers`: naming the global loads Node's own copy of undici.
  const entries: Iterable<readonly [string, unknown]> =
    Symbol.iterator in headers ? (headers as Iterable<[string, string]>) : Object.entries(headers);
  for (const [name, value] of entries) if (value !== undefined) record[name.toLowerCase()] = String(value);
  return record;
}

/** The bodies calplanebot and tsdav send: text (XML, iCalendar) or bytes. */
function bodyOf(body: RequestInit['body']): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError(`unsupported request body type: ${Object.prototype.toString.call(body)}`);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerMapOf(headers: Record<string, string | string[] | undefined>): HeaderMap {
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) entries.push([name, v]);
    else if (value !== undefined) entries.push([name, value]);
  }
  return new HeaderMap(entries);
}

/** Closes pooled connections so a short-lived process can exit at once. */
export async function closeHttpConnections(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.closeAll();
}
