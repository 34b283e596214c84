/**
 * A fault-injecting HTTP proxy on loopback. It forwards to a target server (Radicale or the fake
 * Plane), records every request like the recording proxy does, and can, for the requests a rule
 * matches: answer with any status/headers/body instead, reset the connection (before the request
 * reaches the server, or after the server has acted on it), stall past the client's timeout, cut
 * the real answer after n body bytes, stall in the middle of the real body, run something first
 * (another writer), or hold requests until several have arrived (a deterministic race).
 *
 *   const dav = await startFaultProxy(radicale.url);
 *   dav.inject({ method: 'PUT', pathIncludes: '/plane-' }, { status: 503, headers: { 'Retry-After': '1' } }, { times: 1 });
 *   dav.inject({ method: 'REPORT' }, { truncateAt: 200 });
 *   … run the CLI against dav.url …
 *   dav.clearFaults();
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RecordingProxy } from './recording-proxy.js';

export interface FaultMatch {
  method?: string;
  /** The decoded path and query must contain this text (or each of these). */
  pathIncludes?: string | string[];
  /** The request body must contain this text (e.g. a UID inside a PUT). */
  bodyIncludes?: string;
}

export type FaultAction =
  /** Answer with this instead of forwarding. */
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Drop the connection: before forwarding (the server never sees it) or after the server answered. */
  | { reset: 'before' | 'after' }
  /** Never answer within the client's timeout: hold for `stallMs`, then drop the connection. */
  | { stallMs: number; when?: 'before' | 'after' }
  /**
   * Forward (the server acts), then send the headers promising the whole body, only the first
   * `truncateAt` bytes of it, and drop the connection. An answer shorter than that (an empty 201)
   * is cut all the same: its Content-Length promises one byte more than is sent.
   */
  | { truncateAt: number }
  /** Forward, then send the headers and the first `stallBodyAt` bytes, and nothing more for `stallMs`. */
  | { stallBodyAt: number; stallMs: number }
  /** Run `run` (another writer, say), then forward. */
  | { before: () => Promise<void> }
  /** Hold matching requests until `barrier` of them have arrived, then forward them all at once. */
  | { barrier: number };

export interface FaultProxyRequest {
  method: string;
  path: string;
  /** The status the client was sent; 0 when the connection was dropped. */
  status: number;
  /** The kind of fault applied, if any. */
  fault?: string;
  /** The request's headers as the client sent them (to check the preconditions of writes). */
  headers: IncomingHttpHeaders;
}

interface Rule {
  match: FaultMatch;
  action: FaultAction;
  remaining: number;
  held: Array<() => void>;
}

export interface FaultProxy extends RecordingProxy {
  readonly requests: FaultProxyRequest[];
  /** Adds a rule; `times` (default Infinity) bounds how many matching requests it applies to. */
  inject(match: FaultMatch, action: FaultAction, options?: { times?: number }): void;
  clearFaults(): void;
  /** Requests the proxy tampered with since the last reset. */
  faulted(): FaultProxyRequest[];
}

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'proxy-connection',
  'upgrade',
]);

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const requests: FaultProxyRequest[] = [];
  const rules: Rule[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let interceptor: Parameters<RecordingProxy['intercept']>[0];

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          const chunks: Buffer[] = [];
          up.on('data', (chunk: Buffer) => chunks.push(chunk));
          up.on('end', () =>
            resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) }),
          );
          up.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const relay = (res: ServerResponse, answer: Upstream, cut?: { at: number; stallMs?: number }): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    if (cut === undefined) {
      headers['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      res.end(answer.body);
      return;
    }
    // Promise the whole body (at least one byte more than is sent), send part of it, then stall or drop.
    const sent = Math.min(cut.at, answer.body.length);
    headers['content-length'] = String(Math.max(answer.body.length, sent + 1));
    res.writeHead(answer.status, headers);
    res.write(answer.body.subarray(0, sent), () => {
      if (cut.stallMs === undefined) res.socket?.destroy();
      else later(cut.stallMs, () => res.socket?.destroy());
    });
  };

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const takeRule = (method: string, path: string, body: Buffer): Rule | undefined => {
    const rule = rules.find((r) => r.remaining > 0 && matches(r.match, method, path, body));
    if (rule) rule.remaining -= 1;
    return rule;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: FaultProxyRequest = { method, path, status: 0, headers: req.headers };
    requests.push(entry);
    const drop = (): void => {
      req.socket.destroy();
    };

    const intercepted = interceptor?.({ method, path, body });
    if (intercepted === 'reset') return drop();
    if (intercepted) {
      entry.status = intercepted.status;
      res.writeHead(intercepted.status, intercepted.headers ?? {});
      res.end(intercepted.body ?? '');
      return;
    }

    const rule = takeRule(method, path, body);
    const action = rule?.action;
    const pass = async (cut?: { at: number; stallMs?: number }) => {
      const answer = await forward(req, body);
      entry.status = answer.status;
      relay(res, answer, cut);
    };
    if (!rule || !action) return pass();
    entry.fault = faultName(action);

    if ('status' in action) {
      entry.status = action.status;
      res.writeHead(action.status, action.headers ?? {});
      res.end(action.body ?? '');
    } else if ('reset' in action) {
      if (action.reset === 'after') await forward(req, body); // the server acted; the client never hears
      drop();
    } else if ('stallBodyAt' in action) {
      await pass({ at: action.stallBodyAt, stallMs: action.stallMs });
    } else if ('stallMs' in action) {
      if (action.when === 'after') await forward(req, body);
      later(action.stallMs, drop);
    } else if ('truncateAt' in action) {
      await pass({ at: action.truncateAt });
    } else if ('before' in action) {
      await action.before();
      await pass();
    } else {
      await new Promise<void>((resolve) => {
        rule.held.push(resolve);
        if (rule.held.length >= action.barrier) for (const release of rule.held.splice(0)) release();
      });
      await pass();
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => {
        if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        } else {
          res.socket?.destroy();
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    // Keep the target's path prefix so that the proxy URL can stand in for the target URL.
    url: `http://127.0.0.1:${port}${target.pathname}`,
    requests,
    reset: () => {
      requests.length = 0;
    },
    intercept: (fn) => {
      interceptor = fn;
    },
    inject: (match, action, options = {}) => {
      rules.push({ match, action, remaining: options.times ?? Infinity, held: [] });
    },
    clearFaults: () => {
      for (const rule of rules.splice(0)) for (const release of rule.held.splice(0)) release();
    },
    faulted: () => requests.filter((r) => r.fault !== undefined),
    countByMethod: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function matches(match: FaultMatch, method: string, path: string, body: Buffer): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
  const parts =
    match.pathIncludes === undefined
      ? []
      : Array.isArray(match.pathIncludes)
        ? match.pathIncludes
        : [match.pathIncludes];
  if (!parts.every((part) => safeDecode(path).includes(part))) return false;
  if (match.bodyIncludes !== undefined && !body.toString('utf8').includes(match.bodyIncludes)) return false;
  return true;
}

function faultName(action: FaultAction): string {
  if ('status' in action) return `status ${action.status}`;
  if ('reset' in action) return `reset ${action.reset}`;
  if ('stallBodyAt' in action) return `stall body at ${action.stallBodyAt}`;
  if ('stallMs' in action) return `stall ${action.when ?? 'before'}`;
  if ('truncateAt' in action) return `truncate at ${action.truncateAt}`;
  if ('before' in action) return 'before hook';
  return `barrier ${action.barrier}`;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
