/**
 * The retry policy of the one HTTP client (src/http/fetcher.ts): what is retried, how often, how
 * long it waits, and what is handed back at once. Statuses come from a scripted transport and
 * waits are recorded instead of slept; timeouts and cut bodies go over a real loopback socket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import {
  backoffMs,
  createHttpClient,
  type FetchLike,
  parseRetryAfter,
  RequestStats,
  type RetryPolicy,
} from '../../../src/http/fetcher.js';

const POLICY: RetryPolicy = {
  timeoutMs: 2_000,
  retries: 3,
  backoffMinMs: 4_000,
  backoffMaxMs: 10_000,
  maxRetryAfterMs: 60_000,
};

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
    return new Response(step.status === 204 ? null : `answer ${calls.length}`, {
      status: step.status ?? 200,
      headers: step.headers,
    });
  };
  return { fetchImpl, calls };
}

function client(steps: Step[], policy: Partial<RetryPolicy> = {}) {
  const { fetchImpl, calls } = scripted(steps);
  const sleeps: number[] = [];
  const stats = new RequestStats();
  const http = createHttpClient({
    service: 'caldav',
    policy: { ...POLICY, ...policy },
    stats,
    fetchImpl,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { http, calls, sleeps, stats };
}

const refused = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
  });

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

  it('a request that asks for no server-error retries gets its 500 at once (a 429 is still waited out)', async () => {
    const { http, calls, sleeps } = client([{ status: 500 }, { status: 200 }]);
    const answer = await http.fetch('https://dav.example.com/x', { method: 'REPORT' }, { retryServerErrors: false });
    expect(answer.status).toBe(500);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const limited = client([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const after = await limited.http.fetch('https://dav.example.com/x', {}, { retryServerErrors: false });
    expect(after.status).toBe(200);
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

describe('a redirect the transport did not follow (another origin, or a loop)', () => {
  it.each([
    ['plane', 'plane.baseUrl'],
    ['caldav', 'caldav.serverUrl'],
  ] as const)(
    '%s: http → https is not followed (the credentials would go along); the error names the target and the key to fix, never the query',
    async (service, key) => {
      const { fetchImpl, calls } = scripted([
        { status: 301, headers: { location: 'https://plane.example.com/api/v1/x/?token=abc' } },
      ]);
      const http = createHttpClient({ service, policy: POLICY, fetchImpl, sleep: async () => undefined });
      const error = (await http.fetch('http://plane.example.com/api/v1/x/').catch((e: unknown) => e)) as HttpError;
      expect(error).toBeInstanceOf(HttpError);
      expect(error.message).toBe(
        'GET http://plane.example.com/api/v1/x/ answered 301, a redirect to https://plane.example.com/api/v1/x/: not followed, since it leaves http://plane.example.com and the request carries the credentials',
      );
      expect(error.hint).toBe(`if that is the server's address now, set ${key} to it`);
      expect(error.status).toBe(301);
      expect(calls).toHaveLength(1);
    },
  );

  it('a redirect without a Location is an error too; with redirect: manual every redirect is handed back as it came', async () => {
    const { http } = client([{ status: 302 }]);
    await expect(http.fetch('https://dav.example.com/x')).rejects.toThrow(
      'answered 302, a redirect without a usable Location',
    );
    const manual = client([{ status: 301, headers: { location: 'https://elsewhere.example.com/' } }]);
    expect((await manual.http.fetch('https://dav.example.com/.well-known/caldav', { redirect: 'manual' })).status).toBe(
      301,
    );
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
    const { http, sleeps } = client([{ status: 503, headers: { 'Retry-After': '3600' } }, { status: 200 }], {
      maxRetryAfterMs: 5_000,
    });
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
    const { http, calls } = client([
      { status: 429, headers: { 'Retry-After': '1' } },
      { status: 500 },
      { status: 429, headers: { 'Retry-After': '1' } },
      { status: 500 },
      { status: 200 },
    ]);
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(200);
    expect(calls).toHaveLength(5);
  });
});

describe('a per-run budget for rate-limit waits (http.maxRateLimitWaitMs)', () => {
  /** Every request of the run is rate-limited with this Retry-After (seconds). */
  const storm = (seconds: string) =>
    client([{ status: 429, headers: { 'Retry-After': seconds } }], { maxRateLimitWaitMs: 25_000 });

  it('the waits of all requests of one client add up to at most the budget, then each request fails fast with its 429', async () => {
    const { http, calls, sleeps, stats } = storm('4');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await http.fetch(`https://plane.example.com/p${i}`)).status);
    expect(statuses).toEqual([429, 429, 429, 429, 429]);
    // 6 waits of 4 s fit in 25 s; the 7th would not: from there every request is one attempt.
    expect(sleeps).toEqual(Array(6).fill(4_000));
    expect(stats.rateLimitWaitedMs).toBe(24_000);
    expect(calls).toHaveLength(7 + 4);
    expect(stats.rateLimitBudgetRefusals).toBe(5);
  });

  it('a wait that would overrun the budget is not started at all', async () => {
    const { http, sleeps, calls } = client([{ status: 429, headers: { 'Retry-After': '30' } }, { status: 200 }], {
      maxRateLimitWaitMs: 29_999,
    });
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(429);
    expect(sleeps).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('a 503 with Retry-After draws on the same budget and is handed back once it is spent', async () => {
    const { http, sleeps, calls } = client([{ status: 503, headers: { 'Retry-After': '10' } }], {
      maxRateLimitWaitMs: 15_000,
    });
    expect((await http.fetch('https://dav.example.com/x')).status).toBe(503);
    expect(sleeps).toEqual([10_000]);
    expect(calls).toHaveLength(2);
  });

  it('0 means never wait for a rate limit', async () => {
    const { http, sleeps } = client([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200 }], {
      maxRateLimitWaitMs: 0,
    });
    expect((await http.fetch('https://plane.example.com/x')).status).toBe(429);
    expect(sleeps).toEqual([]);
  });

  it('the default budget is 5 minutes', async () => {
    // 60 s waits (the cap), 10 in a row allowed per request: the 6th wait would pass 300 s.
    const { http, sleeps } = client([{ status: 429, headers: { 'Retry-After': '60' } }]);
    await http.fetch('https://plane.example.com/a');
    await http.fetch('https://plane.example.com/b');
    expect(sleeps).toEqual(Array(5).fill(60_000));
  });

  it('separate clients (Plane and CalDAV) have separate budgets', async () => {
    const a = storm('20');
    const b = storm('20');
    await a.http.fetch('https://plane.example.com/x');
    await b.http.fetch('https://dav.example.com/x');
    expect(a.sleeps).toEqual([20_000]);
    expect(b.sleeps).toEqual([20_000]);
  });
});

describe('errors that are not the network are not retried', () => {
  it('a non-Latin-1 API key (refused by the header check of undici) fails at once with its real message, not "unreachable"', async () => {
    // The real transport: undici itself refuses the header before any connection is made.
    const http = createHttpClient({ service: 'plane', policy: { ...POLICY, backoffMinMs: 1, backoffMaxMs: 1 } });
    const started = performance.now();
    const error = await http
      .fetch('http://127.0.0.1:1/x', { headers: { 'X-Api-Key': 'plane_api_€uro' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    const message = (error as HttpError).message;
    expect(message).toMatch(/invalid x-api-key header/);
    expect(message).not.toContain('€uro');
    expect((error as HttpError).hint).toMatch(/character HTTP headers cannot carry/);
    expect((error as HttpError).hint).not.toMatch(/reachable/);
    expect(http.stats.retries).toBe(0);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('a header value undici quotes in its message (a newline in a password) is not echoed', async () => {
    const http = createHttpClient({ service: 'caldav', policy: POLICY });
    const error = await http
      .fetch('http://127.0.0.1:1/x', { headers: { authorization: 'Basic c2VjcmV0\nx' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).not.toContain('c2VjcmV0');
    expect((error as HttpError).message).not.toMatch(/[\n\r]/);
    expect(http.stats.retries).toBe(0);
  });

  it('an unexpected error from the transport is reported at once with its message', async () => {
    const { http, calls, sleeps } = client([{ error: new RangeError('Invalid array length') }]);
    const error = await http.fetch('https://dav.example.com/x').catch((e: unknown) => e);
    expect((error as HttpError).message).toBe('GET https://dav.example.com/x failed: Invalid array length');
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a TLS certificate problem is not retried and says to check the certificate', async () => {
    const tls = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    });
    const { http, calls } = client([{ error: tls }]);
    const error = (await http.fetch('https://dav.example.com/x').catch((e: unknown) => e)) as HttpError;
    expect(error.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.hint).toBe('check the TLS certificate of dav.example.com (expired, self-signed or for another name)');
    expect(calls).toHaveLength(1);
  });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
  ])('%s is a network error: retried', async (code) => {
    const failure = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`${code} happened`), { code }),
    });
    const { http, calls } = client([{ error: failure }, { status: 200 }]);
    expect((await http.fetch('https://dav.example.com/x')).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('the per-request timeout (an AbortSignal TimeoutError) is retried', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const { http, calls } = client([{ error: timeout }, { status: 200 }]);
    expect((await http.fetch('https://dav.example.com/x')).status).toBe(200);
    expect(calls).toHaveLength(2);
  });
});

describe('conditional writes survive a retry', () => {
  it('a retried PUT carries the same If-Match / If-None-Match (a duplicate write then meets 412, never overwrites)', async () => {
    const { http, calls } = client([{ error: refused() }, { status: 412 }]);
    const response = await http.fetch('https://dav.example.com/x.ics', {
      method: 'PUT',
      headers: { 'If-None-Match': '*' },
      body: 'x',
    });
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
      const body = Buffer.from(`{"results": [1, 2, 3], "padding": "${'x'.repeat(2_000)}"}`);
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
    createHttpClient({
      service: 'plane',
      policy: { ...POLICY, timeoutMs: 300, backoffMinMs: 1, backoffMaxMs: 2, ...policy },
    });

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
    const error = await real()
      .fetch(`${base}/cut-always`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(hits.get('/cut-always')).toBe(3);
  });
});
