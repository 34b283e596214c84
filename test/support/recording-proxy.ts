/**
 * A small HTTP proxy on loopback that forwards to a target server and records every request
 * (method, path). Tests put it between the CLI and Radicale to prove what was (not) written.
 * Fault injection hooks in here too.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The methods that change a CalDAV server: a run that sends none of them wrote nothing. */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'PUT',
  'DELETE',
  'MKCALENDAR',
  'PROPPATCH',
  'MKCOL',
  'MOVE',
  'COPY',
]);

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** Body bytes sent by the client (for the benchmark's traffic counts). */
  requestBytes?: number;
  /** Body bytes of the answer, counted as they are forwarded. */
  responseBytes?: number;
  /** The request body of a REPORT (which report it is, which hrefs a multiget asks for). */
  body?: string;
  /** When the request arrived and when its answer was through (performance.now()), for the time writes took. */
  startMs?: number;
  endMs?: number;
}

/** Decides per request whether to answer it instead of forwarding; undefined = forward. */
export type Interceptor = (req: {
  method: string;
  path: string;
  body: Buffer;
}) => { status: number; headers?: Record<string, string>; body?: string } | 'reset' | undefined;

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  reset(): void;
  intercept(fn: Interceptor | undefined): void;
  /** Methods seen since the last reset, counted. */
  countByMethod(): Record<string, number>;
  close(): Promise<void>;
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const requests: RecordedRequest[] = [];
  let interceptor: Interceptor | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const startMs = performance.now();
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const decision = interceptor?.({ method, path, body });
      if (decision === 'reset') {
        requests.push({ method, path, status: 0, requestBytes: body.length, responseBytes: 0 });
        req.socket.destroy();
        return;
      }
      if (decision) {
        requests.push({
          method,
          path,
          status: decision.status,
          requestBytes: body.length,
          responseBytes: Buffer.byteLength(decision.body ?? ''),
          ...(method === 'REPORT' ? { body: body.toString('utf8') } : {}),
        });
        res.writeHead(decision.status, decision.headers ?? {});
        res.end(decision.body ?? '');
        return;
      }
      const upstream = request(
        { host: target.hostname, port: target.port, method, path, headers: { ...req.headers, host: target.host } },
        (up) => {
          const recorded: RecordedRequest = {
            method,
            path,
            status: up.statusCode ?? 0,
            requestBytes: body.length,
            responseBytes: 0,
            ...(method === 'REPORT' ? { body: body.toString('utf8') } : {}),
            startMs,
          };
          requests.push(recorded);
          up.on('data', (chunk: Buffer) => (recorded.responseBytes = (recorded.responseBytes ?? 0) + chunk.length));
          up.on('end', () => (recorded.endMs = performance.now()));
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Keep the target's path prefix so that the proxy URL can stand in for the target URL.
  const url = `http://127.0.0.1:${port}${target.pathname}`;

  return {
    url,
    requests,
    reset: () => {
      requests.length = 0;
    },
    intercept: (fn) => {
      interceptor = fn;
    },
    countByMethod: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
