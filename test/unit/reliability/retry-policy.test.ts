/**
 * The retry policy of the one HTTP client (src/http/fetcher.ts): what is retried, how often, how
 * long it waits, and what is handed back at once. Statuses come from a scripted transport and
 * waits are recorded instead of slept; timeouts and cut bodies go over a real loopback socket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import { backoffMs, createHttpClient, parseRetryAfter, RequestStats, type FetchLike, type RetryPolicy } from '../../../src/http/fetcher.js';

const POLICY: RetryPolicy = { timeoutMs: 2_000, retries: 3, backoffMinMs: 4_000, backoffMaxMs: 10_000, maxRetryAfterMs: 60_000 };

interface Step {
  status?: number;
  headers?: Record<string, string>;
  /** Throw this instead of answering (a connection error). */
  error?: Error;
}

/** A transport that answers from a script, and records what it was asked. */
function scripted(steps: Step[]) {
  const calls: Array<{ method: string; headers: Record<string, string> }> = [];
  const fetchImpl: FetchLike = async (_url, init) => {
    calls.push({ method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers).entries()) });
    const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
    if (step.error) throw step.error;
    return new Response(step.status === 204 ? null : `answer ${calls.length}`, { status: step.status ?? 200, headers: step.headers });
  };
  return { fetchImpl, calls };
}

function client(steps: Step[], policy: Partial<RetryPolicy> = {}) {
  const { fetchImpl, calls } = scripted(steps);
  const sleeps: number[] = [];
  const stats = new RequestStats();
  const http = createHttpClient({ service: 'caldav', policy: { ...POLICY, ...policy }, stats, fetchImpl, sleep: async (ms) => void sleeps.push(ms) });
  return { http, calls, sleeps, stats };
}

const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' } });

describe('connection errors, timeouts and 5xx: 3 attempts, exponential backoff', () => {
  it('a connection error is tried 3 times, waiting min then 2×min, then fails naming the host', async () => {
    const { http, calls, sleeps } = client([{ error: refused() }]);
    const error = await http.fetch('https://dav.example.com/cal/x.ics').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toContain('ECONNREFUSED');
    expect((error as HttpError).hint).toBe('check that dav.example.com is reachable');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([4_000, 8_000]);
  });

  it('the backoff doubles and is capped at the maximum', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, POLICY))).toEqual([4_000, 8_000, 10_000, 10_000]);
  });

  it.each([500, 502, 503, 504])('%i is retried and the later success is returned', async (status) => {
    const { http, calls, sleeps, stats } = client([{ status }, { status }, { status: 200 }]);
    const response = await http.fetch('https://dav.example.com/x');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('answer 3');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([4_000, 8_000]);
    expect(stats.retries).toBe(2);
  });

  it('a 5xx that persists is handed back after the 3rd attempt (the caller maps it)', async () => {
    const { http, calls } = client([{ status: 502 }]);
    expect((await http.fetch('https://dav.example.com/x')).status).toBe(502);
    expect(calls).toHaveLength(3);
  });

  it('http.retries = 1 means one attempt, no retry', async () => {
    const { http, calls } = client([{ status: 500 }], { retries: 1 });
    expect((await http.fetch('https://dav.example.com/x')).status).toBe(500);
    expect(calls).toHaveLength(1);
  });
});

describe('answers that are not retried', () => {
  it.each([400, 401, 403, 404, 409, 412, 501, 507])('%i is handed back at once', async (status) => {
    const { http, calls, sleeps } = client([{ status }, { status: 200 }]);
    expect((await http.fetch('https://dav.example.com/x', { method: 'PUT' })).status).toBe(status);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

describe('429 and 503: Retry-After', () => {
  it('honours Retry-After in seconds', async () => {
    const { http, calls, sleeps, stats } = client([{ status: 429, headers: { 'Retry-After': '7' } }, { status: 200 }]);
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(200);
    expect(sleeps).toEqual([7_000]);
    expect(calls).toHaveLength(2);
    expect(stats.rateLimitWaits).toBe(1);
  });

  it('honours Retry-After as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('yesterday', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('caps a long Retry-After at http.maxRetryAfterMs', async () => {
    const { http, sleeps } = client([{ status: 503, headers: { 'Retry-After': '3600' } }, { status: 200 }], { maxRetryAfterMs: 5_000 });
    await http.fetch('https://dav.example.com/x');
    expect(sleeps).toEqual([5_000]);
  });

  it('a 429 without Retry-After backs off exponentially', async () => {
    const { http, sleeps } = client([{ status: 429 }, { status: 429 }, { status: 200 }]);
    await http.fetch('https://plane.example.com/x');
    expect(sleeps).toEqual([4_000, 8_000]);
  });

  it('a 429 storm is bounded: after 10 waits in a row the 429 is handed back', async () => {
    const { http, calls, sleeps } = client([{ status: 429, headers: { 'Retry-After': '1' } }]);
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(429);
    expect(calls).toHaveLength(11);
    expect(sleeps).toEqual(Array(10).fill(1_000));
  });

  it('rate-limit waits do not use up the attempts for errors', async () => {
    const { http, calls } = client([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 500 }, { status: 429, headers: { 'Retry-After': '1' } }, { status: 500 }, { status: 200 }]);
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(200);
    expect(calls).toHaveLength(5);
  });
});

describe('conditional writes survive a retry', () => {
  it('a retried PUT carries the same If-Match / If-None-Match (a duplicate write then meets 412, never overwrites)', async () => {
    const { http, calls } = client([{ error: refused() }, { status: 412 }]);
    const response = await http.fetch('https://dav.example.com/x.ics', { method: 'PUT', headers: { 'If-None-Match': '*' }, body: 'x' });
    expect(response.status).toBe(412);
    expect(calls.map((c) => c.headers['if-none-match'])).toEqual(['*', '*']);
  });
});

describe('over a real socket', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      const body = Buffer.from('{"results": [1, 2, 3], "padding": "' + 'x'.repeat(2_000) + '"}');
      if (path === '/stall-once' && n === 1) return; // never answers: the client's timeout fires
      if (path === '/stall-body-once' && n === 1) {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, 10)); // headers and a little, then nothing
        return;
      }
      if ((path === '/cut-once' && n === 1) || path === '/cut-always') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, 100), () => res.destroy());
        return;
      }
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const real = (policy: Partial<RetryPolicy> = {}) =>
    createHttpClient({ service: 'plane', policy: { ...POLICY, timeoutMs: 300, backoffMinMs: 1, backoffMaxMs: 2, ...policy } });

  it('no answer within the per-request timeout: retried, and the retry succeeds', async () => {
    const response = await real().fetch(`${base}/stall-once`);
    expect(JSON.parse(await response.text())).toMatchObject({ results: [1, 2, 3] });
    expect(hits.get('/stall-once')).toBe(2);
  });

  it('a body that stalls after the headers counts as a timeout: retried', async () => {
    const response = await real().fetch(`${base}/stall-body-once`);
    expect(JSON.parse(await response.text())).toMatchObject({ results: [1, 2, 3] });
    expect(hits.get('/stall-body-once')).toBe(2);
  });

  it('a body cut mid-way is a connection error: retried, and the whole body is returned', async () => {
    const response = await real().fetch(`${base}/cut-once`);
    expect(JSON.parse(await response.text())).toMatchObject({ results: [1, 2, 3] });
    expect(hits.get('/cut-once')).toBe(2);
  });

  it('a body cut on every attempt ends in an HttpError after 3 attempts, never in half a body', async () => {
    const error = await real().fetch(`${base}/cut-always`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(hits.get('/cut-always')).toBe(3);
  });
});
