import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, HttpError, NotFoundError } from '../../../src/errors.js';
import { createHttpClient, type RetryPolicy } from '../../../src/http/fetcher.js';
import { PlaneClient } from '../../../src/plane/client.js';
import type { IssuePage, PlaneIssue } from '../../../src/plane/types.js';

const BASE = 'https://plane.test';
const KEY = 'plane_api_0123456789abcdef0123456789abcdef';
const PROJECT = '11111111-2222-4333-8444-555555555555';
const OTHER_PROJECT = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const WS = `${BASE}/api/v1/workspaces/acme`;
const WORK_ITEMS = `${WS}/projects/:projectId/work-items/`;
const LEGACY_ISSUES = `${WS}/projects/:projectId/issues/`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Seen {
  path: string;
  query: Record<string, string>;
  apiKey: string | null;
  accept: string | null;
}

/** Records every request the handlers see. */
function recorder(): { seen: Seen[]; note: (request: Request) => URL } {
  const seen: Seen[] = [];
  return {
    seen,
    note(request) {
      const url = new URL(request.url);
      seen.push({
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        apiKey: request.headers.get('x-api-key'),
        accept: request.headers.get('accept'),
      });
      return url;
    },
  };
}

/**
 * msw patches globalThis.fetch, not undici's own fetch. It also keeps an unread clone (a tee) of
 * every mocked response, and cancel() on one branch of a tee waits for the other: the HttpClient's
 * `await response.body.cancel()` before a retry would then never settle. A buffered copy avoids it.
 */
async function bufferedGlobalFetch(url: string, init: RequestInit): Promise<Response> {
  const mocked = await globalThis.fetch(url, init);
  const body = await mocked.arrayBuffer();
  return new Response(body, { status: mocked.status, statusText: mocked.statusText, headers: mocked.headers });
}

function makeClient(options: { pageSize?: number; policy?: Partial<RetryPolicy>; baseUrl?: string } = {}) {
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const httpClient = createHttpClient({
    service: 'plane',
    policy: {
      timeoutMs: 5_000,
      retries: 1,
      backoffMinMs: 10,
      backoffMaxMs: 100,
      maxRetryAfterMs: 120_000,
      ...options.policy,
    },
    fetchImpl: bufferedGlobalFetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const client = new PlaneClient({
    baseUrl: options.baseUrl ?? BASE,
    workspaceSlug: 'acme',
    apiKey: KEY,
    http: httpClient,
    pageSize: options.pageSize,
    onWarning: (message) => warnings.push(message),
  });
  return { client, sleeps, warnings };
}

function issue(n: number): Record<string, unknown> {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name: `Item ${n}`,
    sequence_id: n,
    target_date: '2025-03-01',
    state: { id: 's', name: 'Todo', color: '#000', group: 'unstarted' },
    labels: [],
    assignees: [],
  };
}

/** Plane's paginator: offset = page × per_page of the *request* (default 1000). */
function envelope<T>(all: T[], url: URL): Record<string, unknown> {
  const perPage = Number(url.searchParams.get('per_page') ?? '1000');
  const page = Number((url.searchParams.get('cursor') ?? `${perPage}:0:0`).split(':')[1]);
  const results = all.slice(page * perPage, (page + 1) * perPage);
  return {
    grouped_by: null,
    sub_grouped_by: null,
    total_count: all.length,
    next_cursor: `${perPage}:${page + 1}:0`,
    prev_cursor: `${perPage}:${page - 1}:1`,
    next_page_results: all.length > (page + 1) * perPage,
    prev_page_results: page > 0,
    count: results.length,
    total_pages: Math.ceil(all.length / perPage),
    total_results: all.length,
    extra_stats: null,
    results,
  };
}

async function collect(pages: AsyncIterable<IssuePage>): Promise<PlaneIssue[]> {
  const items: PlaneIssue[] = [];
  for await (const page of pages) items.push(...page.issues);
  return items;
}

/** Runs the generator and returns the pages it yielded before failing, plus the error. */
async function collectUntilError(pages: AsyncIterable<IssuePage>): Promise<{ pages: number; error: unknown }> {
  let count = 0;
  try {
    for await (const _ of pages) count += 1;
  } catch (error) {
    return { pages: count, error };
  }
  return { pages: count, error: undefined };
}

function expectNoKey(error: unknown): void {
  const text = JSON.stringify({
    message: (error as Error).message,
    hint: (error as HttpError).hint,
    where: (error as HttpError).where,
    stack: (error as Error).stack,
  });
  expect(text).not.toContain(KEY);
}

describe('PlaneClient pagination', () => {
  it('lists every project page, re-sending per_page with each cursor, with the key and Accept headers', async () => {
    const projects = Array.from({ length: 5 }, (_, i) => ({
      id: `p${i}`,
      identifier: `P${i}`,
      name: `Project ${i}`,
      archived_at: null,
    }));
    const { seen, note } = recorder();
    server.use(http.get(`${WS}/projects/`, ({ request }) => HttpResponse.json(envelope(projects, note(request)))));

    const { client } = makeClient({ pageSize: 2 });
    const listed = await client.listProjects();

    expect(listed.map((project) => project.identifier)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(seen.map((request) => request.query)).toEqual([
      { per_page: '2' },
      { per_page: '2', cursor: '2:1:0' },
      { per_page: '2', cursor: '2:2:0' },
    ]);
    expect(seen.every((request) => request.apiKey === KEY && request.accept === 'application/json')).toBe(true);
  });

  it('pages work items with expand and per_page=1000 on every request: 2,500 items → 3 requests', async () => {
    const all = Array.from({ length: 2500 }, (_, i) => issue(i + 1));
    const { seen, note } = recorder();
    server.use(http.get(WORK_ITEMS, ({ request }) => HttpResponse.json(envelope(all, note(request)))));

    const { client } = makeClient();
    const items = await collect(client.listIssues(PROJECT));

    expect(items).toHaveLength(2500);
    expect(new Set(items.map((item) => item.id)).size).toBe(2500);
    expect(seen.map((request) => request.query)).toEqual([
      { expand: 'state,labels,assignees', per_page: '1000' },
      { expand: 'state,labels,assignees', per_page: '1000', cursor: '1000:1:0' },
      { expand: 'state,labels,assignees', per_page: '1000', cursor: '1000:2:0' },
    ]);
    expect(seen[0]?.path).toBe(`/api/v1/workspaces/acme/projects/${PROJECT}/work-items/`);
  });

  it('drops an item repeated across pages (offsets shift while paging) and says so', async () => {
    const pages = [
      {
        ...envelope([issue(1), issue(2)], new URL(`${BASE}/?per_page=2`)),
        next_page_results: true,
        next_cursor: '2:1:0',
      },
      { ...envelope([issue(2), issue(3)], new URL(`${BASE}/?per_page=2`)), next_page_results: false },
    ];
    server.use(
      http.get(WORK_ITEMS, ({ request }) =>
        HttpResponse.json(new URL(request.url).searchParams.has('cursor') ? pages[1] : pages[0]),
      ),
    );

    const { client, warnings } = makeClient({ pageSize: 2 });
    const items = await collect(client.listIssues(PROJECT));

    expect(items.map((item) => item.sequence_id)).toEqual([1, 2, 3]);
    expect(warnings.join('\n')).toMatch(/twice/);
  });

  it('keeps a work item with malformed fields (the transform rejects it) and warns', async () => {
    const odd = { ...issue(2), sequence_id: 'two', target_date: 20250301 };
    server.use(
      http.get(WORK_ITEMS, ({ request }) => HttpResponse.json(envelope([issue(1), odd], new URL(request.url)))),
    );

    const { client, warnings } = makeClient();
    const items = await collect(client.listIssues(PROJECT));

    expect(items).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/sequence_id.*target_date/);
  });

  it('accepts a base URL with a trailing slash or /api/v1', async () => {
    const { seen, note } = recorder();
    server.use(http.get(`${WS}/projects/`, ({ request }) => HttpResponse.json(envelope([], note(request)))));

    await makeClient({ baseUrl: `${BASE}/` }).client.listProjects();
    await makeClient({ baseUrl: `${BASE}/api/v1/` }).client.listProjects();

    expect(seen.map((request) => request.path)).toEqual([
      '/api/v1/workspaces/acme/projects/',
      '/api/v1/workspaces/acme/projects/',
    ]);
  });
});

describe('PlaneClient /work-items/ → /issues/ fallback', () => {
  const pageNotFound = () => HttpResponse.json({ error: 'Page not found.' }, { status: 404 });

  it('falls back once on 404 "Page not found." and remembers the route for the client lifetime', async () => {
    const { seen, note } = recorder();
    server.use(
      http.get(WORK_ITEMS, ({ request }) => {
        note(request);
        return pageNotFound();
      }),
      http.get(`${LEGACY_ISSUES}:issueId/`, ({ request }) => {
        note(request);
        return HttpResponse.json(issue(7));
      }),
      http.get(LEGACY_ISSUES, ({ request }) => HttpResponse.json(envelope([issue(1)], note(request)))),
    );

    const { client } = makeClient();
    // Two projects listed concurrently: only the first probes /work-items/.
    const [first, second] = await Promise.all([
      collect(client.listIssues(PROJECT)),
      collect(client.listIssues(OTHER_PROJECT)),
    ]);
    const single = await client.getIssue(PROJECT, issue(7).id as string);

    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(single?.sequence_id).toBe(7);
    expect(client.issuesRoute).toBe('issues');
    expect(seen.filter((request) => request.path.includes('/work-items/'))).toHaveLength(1);
    expect(seen.filter((request) => request.path.includes('/issues/'))).toHaveLength(3);
  });

  it('treats a 404 with another body as NotFoundError, without trying /issues/', async () => {
    const { seen, note } = recorder();
    server.use(
      http.get(WORK_ITEMS, ({ request }) => {
        note(request);
        return HttpResponse.json({ error: 'The requested resource does not exist.' }, { status: 404 });
      }),
      http.get(LEGACY_ISSUES, ({ request }) => {
        note(request);
        return HttpResponse.json(envelope([], new URL(request.url)));
      }),
    );

    const { client } = makeClient();
    const { pages, error } = await collectUntilError(client.listIssues(PROJECT));

    expect(pages).toBe(0);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
    expect((error as Error).message).toContain('The requested resource does not exist.');
    expect(seen).toHaveLength(1);
    expect(client.issuesRoute).toBe('work-items');
  });
});

describe('PlaneClient status mapping', () => {
  it('maps 401 to AuthError "no API key" with the key hint and the host, never the key', async () => {
    server.use(
      http.get(`${WS}/projects/`, () =>
        HttpResponse.json({ detail: 'Authentication credentials were not provided.' }, { status: 401 }),
      ),
    );

    const error = await makeClient()
      .client.listProjects()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe('Plane rejected the request: no API key (HTTP 401 from plane.test)');
    expect((error as AuthError).hint).toContain('check the Plane API key (plane.apiKey / PLANE_API_KEY)');
    expect((error as AuthError).hint).toContain('plane.test');
    expect((error as AuthError).where).toBe('https://plane.test/api/v1/workspaces/acme/projects/');
    expectNoKey(error);
  });

  it('maps 403 "Given API token is not valid" to an invalid-key AuthError', async () => {
    server.use(
      http.get(`${WS}/projects/`, () => HttpResponse.json({ detail: 'Given API token is not valid' }, { status: 403 })),
    );

    const error = await makeClient()
      .client.listProjects()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toMatch(/invalid, expired or revoked/);
    expect((error as AuthError).hint).toContain('PLANE_API_KEY');
    expectNoKey(error);
  });

  it('maps 403 "You do not have permission" to a not-a-member AuthError', async () => {
    server.use(
      http.get(WORK_ITEMS, () =>
        HttpResponse.json({ detail: 'You do not have permission to perform this action.' }, { status: 403 }),
      ),
    );

    const { error } = await collectUntilError(makeClient().client.listIssues(PROJECT));

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toMatch(/not a member/);
    expect((error as AuthError).hint).toMatch(/add that user to the project/);
  });

  it('waits out a 429 for its Retry-After (no wall time) and carries on', async () => {
    let calls = 0;
    server.use(
      http.get(`${WS}/projects/`, ({ request }) => {
        calls += 1;
        if (calls === 1) {
          return HttpResponse.json(
            { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
            { status: 429, headers: { 'Retry-After': '7' } },
          );
        }
        return HttpResponse.json(
          envelope([{ id: 'p1', identifier: 'WEB', name: 'Web', archived_at: null }], new URL(request.url)),
          {
            headers: { 'X-RateLimit-Remaining': '41', 'X-RateLimit-Reset': '1735689600' },
          },
        );
      }),
    );

    const { client, sleeps } = makeClient();
    const projects = await client.listProjects();

    expect(projects).toHaveLength(1);
    expect(sleeps).toEqual([7000]);
    expect(client.stats.rateLimitWaits).toBe(1);
    expect(client.stats.requests).toBe(2);
    expect(client.rateLimitRemaining).toBe(41);
  });

  it('gives up on a 429 that does not end, with a hint about the 60/min limit', async () => {
    server.use(
      http.get(`${WS}/projects/`, () =>
        HttpResponse.json(
          { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
          { status: 429, headers: { 'Retry-After': '30' } },
        ),
      ),
    );

    const { client, sleeps } = makeClient({ policy: { maxRateLimitWaits: 2 } });
    const error = await client.listProjects().catch((caught: unknown) => caught);

    expect(sleeps).toEqual([30_000, 30_000]);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(AuthError);
    expect((error as HttpError).status).toBe(429);
    expect((error as HttpError).hint).toMatch(/60 requests per minute/);
  });

  it('throws on a 500 for page 2 after yielding page 1: the listing is incomplete', async () => {
    const all = Array.from({ length: 1500 }, (_, i) => issue(i + 1));
    server.use(
      http.get(WORK_ITEMS, ({ request }) => {
        const url = new URL(request.url);
        if (url.searchParams.has('cursor'))
          return HttpResponse.json({ error: 'Something went wrong please try again later' }, { status: 500 });
        return HttpResponse.json(envelope(all, url));
      }),
    );

    const { client, sleeps } = makeClient({ policy: { retries: 3 } });
    const { pages, error } = await collectUntilError(client.listIssues(PROJECT));

    expect(pages).toBe(1);
    expect(sleeps).toHaveLength(2); // the HttpClient retried the 500 before giving up
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(500);
    expect((error as Error).message).toContain('Something went wrong please try again later');
    expect((error as HttpError).where).toBe(
      `https://plane.test/api/v1/workspaces/acme/projects/${PROJECT}/work-items/`,
    );
  });

  it('redacts the key if a server echoes it in an error body', async () => {
    server.use(
      http.get(`${WS}/projects/`, () =>
        HttpResponse.text(`upstream said: bad header X-Api-Key: ${KEY}`, { status: 502 }),
      ),
    );

    const error = await makeClient()
      .client.listProjects()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toContain('***');
    expectNoKey(error);
  });
});

describe('PlaneClient unusable bodies', () => {
  const cases: [string, () => Response, RegExp][] = [
    [
      'an HTML page with status 200',
      () => HttpResponse.html('<!DOCTYPE html><html><body>Sign in</body></html>'),
      /body is HTML, not JSON/,
    ],
    [
      'truncated JSON',
      () =>
        new HttpResponse('{"grouped_by": null, "results": [{"id": "a"', {
          headers: { 'Content-Type': 'application/json' },
        }),
      /not valid JSON, possibly truncated/,
    ],
    [
      'an envelope without results',
      () => HttpResponse.json({ next_page_results: false, next_cursor: '1000:1:0' }),
      /no "results" array/,
    ],
    [
      'more pages but no cursor',
      () => HttpResponse.json({ next_page_results: true, results: [issue(1)] }),
      /more results follow but has no "next_cursor"/,
    ],
    [
      'a results item that is not an object',
      () => HttpResponse.json({ next_page_results: false, next_cursor: 'x', results: [issue(1), 'oops'] }),
      /results\[1\] is not an object/,
    ],
    ['an empty body', () => new HttpResponse('', { status: 200 }), /body is empty/],
  ];

  it.each(cases)('rejects %s with an HttpError naming the path', async (_name, reply, reason) => {
    server.use(http.get(WORK_ITEMS, () => reply()));

    const { error } = await collectUntilError(makeClient().client.listIssues(PROJECT));

    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain(`/projects/${PROJECT}/work-items/`);
    expect((error as HttpError).hint).toMatch(/plane\.baseUrl/);
    expectNoKey(error);
  });

  it('rejects a page that does not advance instead of looping', async () => {
    server.use(
      http.get(WORK_ITEMS, () =>
        HttpResponse.json({ next_page_results: true, next_cursor: '1000:1:0', results: [issue(1)] }),
      ),
    );

    const { pages, error } = await collectUntilError(makeClient().client.listIssues(PROJECT));

    expect(pages).toBe(2);
    expect((error as Error).message).toMatch(/does not advance/);
  });
});

describe('PlaneClient single objects', () => {
  it('getIssue asks for the expanded detail and returns it', async () => {
    const { seen, note } = recorder();
    server.use(
      http.get(`${WORK_ITEMS}:issueId/`, ({ request }) => {
        note(request);
        return HttpResponse.json(issue(3));
      }),
    );

    const found = await makeClient().client.getIssue(PROJECT, issue(3).id as string);

    expect(found?.name).toBe('Item 3');
    expect(seen[0]?.query).toEqual({ expand: 'state,labels,assignees' });
    expect(seen[0]?.path).toBe(`/api/v1/workspaces/acme/projects/${PROJECT}/work-items/${issue(3).id as string}/`);
  });

  it('getIssue returns null on 404 "does not exist" (deleted, archived, draft, triage)', async () => {
    server.use(
      http.get(`${WORK_ITEMS}:issueId/`, () =>
        HttpResponse.json({ error: 'The requested resource does not exist.' }, { status: 404 }),
      ),
    );

    expect(await makeClient().client.getIssue(PROJECT, issue(3).id as string)).toBeNull();
  });

  it('getProject returns the project, or null on 404 "does not exist"', async () => {
    server.use(
      http.get(`${WS}/projects/:projectId/`, ({ params }) =>
        params.projectId === PROJECT
          ? HttpResponse.json({ id: PROJECT, identifier: 'WEB', name: 'Web', archived_at: '2025-01-01T00:00:00Z' })
          : HttpResponse.json({ error: 'The requested resource does not exist.' }, { status: 404 }),
      ),
    );
    const { client } = makeClient();

    expect((await client.getProject(PROJECT))?.archived_at).toBe('2025-01-01T00:00:00Z');
    expect(await client.getProject(OTHER_PROJECT)).toBeNull();
  });
});

describe('PlaneClient cycles and modules', () => {
  const CYCLES = `${WS}/projects/:projectId/cycles/`;
  const MODULES = `${WS}/projects/:projectId/modules/`;

  function cycle(n: number): Record<string, unknown> {
    return {
      id: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      total_issues: 0,
      name: `Sprint ${n}`,
      description: '',
      start_date: '2026-03-01T18:30:01Z',
      end_date: '2026-03-15T18:29:00+05:30',
      archived_at: null,
      timezone: 'Asia/Kolkata',
      project: PROJECT,
    };
  }

  function module(n: number): Record<string, unknown> {
    return {
      id: `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      name: `Module ${n}`,
      start_date: null,
      target_date: '2026-04-01',
      status: 'planned',
      project: PROJECT,
      members: [],
    };
  }

  it('lists every cycle page with per_page on each request and no cycle_view (Plane defaults to all)', async () => {
    const all = [1, 2, 3].map(cycle);
    const { seen, note } = recorder();
    server.use(http.get(CYCLES, ({ request }) => HttpResponse.json(envelope(all, note(request)))));

    const { client, warnings } = makeClient({ pageSize: 2 });
    const cycles = await client.listCycles(PROJECT);

    expect(cycles.map((c) => c.name)).toEqual(['Sprint 1', 'Sprint 2', 'Sprint 3']);
    expect(cycles[0]).toMatchObject({
      start_date: '2026-03-01T18:30:01Z',
      end_date: '2026-03-15T18:29:00+05:30',
      project_id: PROJECT,
    });
    expect(seen.map((request) => request.path)).toEqual([
      `/api/v1/workspaces/acme/projects/${PROJECT}/cycles/`,
      `/api/v1/workspaces/acme/projects/${PROJECT}/cycles/`,
    ]);
    expect(seen.map((request) => request.query)).toEqual([{ per_page: '2' }, { per_page: '2', cursor: '2:1:0' }]);
    expect(seen.every((request) => request.apiKey === KEY)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('lists every module page the same way, plain dates kept as they are', async () => {
    const all = [1, 2, 3, 4].map(module);
    const { seen, note } = recorder();
    server.use(http.get(MODULES, ({ request }) => HttpResponse.json(envelope(all, note(request)))));

    const modules = await makeClient({ pageSize: 3 }).client.listModules(PROJECT);

    expect(modules.map((m) => [m.name, m.target_date, m.project_id])).toEqual([
      ['Module 1', '2026-04-01', PROJECT],
      ['Module 2', '2026-04-01', PROJECT],
      ['Module 3', '2026-04-01', PROJECT],
      ['Module 4', '2026-04-01', PROJECT],
    ]);
    expect(seen.map((request) => request.query)).toEqual([{ per_page: '3' }, { per_page: '3', cursor: '3:1:0' }]);
    expect(seen[0]?.path).toBe(`/api/v1/workspaces/acme/projects/${PROJECT}/modules/`);
  });

  it('keeps items with odd fields and warns; drops an item without an id and one listed twice', async () => {
    const odd = { ...cycle(2), name: null, start_date: 20260301 };
    const noId = { ...cycle(3), id: 42 };
    const pages = [
      { ...envelope([cycle(1), odd], new URL(`${BASE}/?per_page=2`)), next_page_results: true, next_cursor: '2:1:0' },
      { ...envelope([cycle(1), noId], new URL(`${BASE}/?per_page=2`)), next_page_results: false },
    ];
    server.use(
      http.get(CYCLES, ({ request }) =>
        HttpResponse.json(new URL(request.url).searchParams.has('cursor') ? pages[1] : pages[0]),
      ),
    );

    const { client, warnings } = makeClient({ pageSize: 2 });
    const cycles = await client.listCycles(PROJECT);

    expect(cycles.map((c) => c.id)).toEqual([cycle(1).id, cycle(2).id]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /cycle c0{7}-.*2 of project .*"name" is not a string, "start_date" is neither a datetime string nor null/,
    );
    expect(warnings[1]).toMatch(/listed cycle .* twice/);
    expect(warnings[2]).toMatch(/cycle \(without id\) .*"id" is not a string; skipped it/);
  });

  it('warns about a module whose target_date is not a date string', async () => {
    server.use(
      http.get(MODULES, ({ request }) =>
        HttpResponse.json(envelope([module(1), { ...module(2), target_date: false }], new URL(request.url))),
      ),
    );

    const { client, warnings } = makeClient();
    const modules = await client.listModules(PROJECT);

    expect(modules).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/module .* "target_date" is neither a date string nor null/)]);
  });

  it('maps 401 and 403 like the other lists', async () => {
    server.use(
      http.get(CYCLES, () =>
        HttpResponse.json({ detail: 'Authentication credentials were not provided.' }, { status: 401 }),
      ),
      http.get(MODULES, () =>
        HttpResponse.json({ detail: 'You do not have permission to perform this action.' }, { status: 403 }),
      ),
    );
    const { client } = makeClient();

    const noKey = await client.listCycles(PROJECT).catch((caught: unknown) => caught);
    const notMember = await client.listModules(PROJECT).catch((caught: unknown) => caught);

    expect(noKey).toBeInstanceOf(AuthError);
    expect((noKey as AuthError).message).toBe('Plane rejected the request: no API key (HTTP 401 from plane.test)');
    expect(notMember).toBeInstanceOf(AuthError);
    expect((notMember as AuthError).message).toMatch(/not a member/);
    expectNoKey(noKey);
  });

  it('waits out a 429 for its Retry-After and carries on; gives up on one that does not end', async () => {
    let calls = 0;
    server.use(
      http.get(CYCLES, ({ request }) => {
        calls += 1;
        if (calls === 1)
          return HttpResponse.json(
            { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
            { status: 429, headers: { 'Retry-After': '5' } },
          );
        return HttpResponse.json(envelope([cycle(1)], new URL(request.url)), {
          headers: { 'X-RateLimit-Remaining': '12' },
        });
      }),
      http.get(MODULES, () =>
        HttpResponse.json(
          { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
          { status: 429, headers: { 'Retry-After': '30' } },
        ),
      ),
    );

    const patient = makeClient();
    const cycles = await patient.client.listCycles(PROJECT);
    const impatient = makeClient({ policy: { maxRateLimitWaits: 1 } });
    const error = await impatient.client.listModules(PROJECT).catch((caught: unknown) => caught);

    expect(cycles).toHaveLength(1);
    expect(patient.sleeps).toEqual([5000]);
    expect(patient.client.rateLimitRemaining).toBe(12);
    expect(impatient.sleeps).toEqual([30_000]);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(429);
    expect((error as HttpError).hint).toMatch(/60 requests per minute/);
  });

  it('throws when page 2 fails, and on a 404: a partial or empty list would read as deletions', async () => {
    const all = [1, 2, 3].map(cycle);
    server.use(
      http.get(CYCLES, ({ request }) => {
        const url = new URL(request.url);
        if (url.searchParams.has('cursor'))
          return HttpResponse.json({ error: 'Something went wrong please try again later' }, { status: 500 });
        return HttpResponse.json(envelope(all, url));
      }),
      http.get(MODULES, () => HttpResponse.json({ error: 'The requested resource does not exist.' }, { status: 404 })),
    );
    const { client } = makeClient({ pageSize: 2, policy: { retries: 0 } });

    const failedPage = await client.listCycles(PROJECT).catch((caught: unknown) => caught);
    const missing = await client.listModules(PROJECT).catch((caught: unknown) => caught);

    expect(failedPage).toBeInstanceOf(HttpError);
    expect((failedPage as HttpError).status).toBe(500);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toContain(`/projects/${PROJECT}/modules/`);
  });
});

describe('PlaneClient write side (write-back)', () => {
  const ITEM = issue(5).id as string;
  const answer = {
    id: ITEM,
    target_date: '2025-03-04',
    start_date: '2025-03-01',
    state: 's-done',
    completed_at: null,
    updated_at: '2025-03-02T10:00:00Z',
    labels: ['l'],
    assignees: [],
  };

  it("PATCHes the work item with a JSON body of exactly the fields given, with the key, and returns Plane's answer", async () => {
    const seen: Array<{ method: string; path: string; type: string | null; key: string | null; body: unknown }> = [];
    server.use(
      http.patch(`${WORK_ITEMS}:issueId/`, async ({ request }) => {
        seen.push({
          method: request.method,
          path: new URL(request.url).pathname,
          type: request.headers.get('content-type'),
          key: request.headers.get('x-api-key'),
          body: await request.json(),
        });
        return HttpResponse.json(answer);
      }),
    );

    const updated = await makeClient().client.updateWorkItem(PROJECT, ITEM, {
      target_date: '2025-03-04',
      start_date: '2025-03-01',
    });

    expect(updated).toMatchObject({ target_date: '2025-03-04', start_date: '2025-03-01', state: 's-done' });
    expect(seen).toEqual([
      {
        method: 'PATCH',
        path: `/api/v1/workspaces/acme/projects/${PROJECT}/work-items/${ITEM}/`,
        type: 'application/json',
        key: KEY,
        body: { target_date: '2025-03-04', start_date: '2025-03-01' },
      },
    ]);
  });

  it('PATCHes the legacy /issues/ route on an instance without /work-items/', async () => {
    const paths: string[] = [];
    server.use(
      http.patch(`${WORK_ITEMS}:issueId/`, ({ request }) => {
        paths.push(new URL(request.url).pathname);
        return HttpResponse.json({ error: 'Page not found.' }, { status: 404 });
      }),
      http.patch(`${LEGACY_ISSUES}:issueId/`, ({ request }) => {
        paths.push(new URL(request.url).pathname);
        return HttpResponse.json(answer);
      }),
    );

    await makeClient().client.updateWorkItem(PROJECT, ITEM, { state: 's-done' });

    expect(paths).toEqual([
      `/api/v1/workspaces/acme/projects/${PROJECT}/work-items/${ITEM}/`,
      `/api/v1/workspaces/acme/projects/${PROJECT}/issues/${ITEM}/`,
    ]);
  });

  it('says why Plane refused a change: a 400 carries the validation message, field errors named', async () => {
    server.use(
      http.patch(`${WORK_ITEMS}:issueId/`, () =>
        HttpResponse.json({ non_field_errors: ['Start date cannot exceed target date'] }, { status: 400 }),
      ),
    );
    const refused = await makeClient()
      .client.updateWorkItem(PROJECT, ITEM, { target_date: '2025-01-01', start_date: '2025-02-01' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(400);
    expect((refused as HttpError).message).toBe(
      `Plane answered HTTP 400 to PATCH ${WS}/projects/${PROJECT}/work-items/${ITEM}/: Start date cannot exceed target date`,
    );

    server.use(
      http.patch(`${WORK_ITEMS}:issueId/`, () =>
        HttpResponse.json(
          { target_date: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'] },
          { status: 400 },
        ),
      ),
    );
    const badDate = await makeClient()
      .client.updateWorkItem(PROJECT, ITEM, { target_date: 'soon' })
      .catch((error: unknown) => error);
    expect((badDate as HttpError).message).toMatch(
      /: target_date: Date has wrong format\. Use one of these formats instead: YYYY-MM-DD\.$/,
    );
  });

  it('a 403 "no permission" on a write says the key may read but not edit, and what to do', async () => {
    server.use(
      http.patch(`${WORK_ITEMS}:issueId/`, () =>
        HttpResponse.json({ detail: 'You do not have permission to perform this action.' }, { status: 403 }),
      ),
    );
    const refused = await makeClient()
      .client.updateWorkItem(PROJECT, ITEM, { state: 's-done' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect((refused as AuthError).message).toMatch(/may read this project but not edit its work items \(HTTP 403\)$/);
    expect((refused as AuthError).hint).toMatch(/Member or Admin.*remove "writeBack"/);
    expectNoKey(refused);
  });

  it("lists every page of a project's states", async () => {
    const states = Array.from({ length: 3 }, (_, i) => ({
      id: `s-${i}`,
      name: `State ${i}`,
      color: '#000',
      group: i === 2 ? 'completed' : 'backlog',
      default: i === 0,
      sequence: 1000 * i,
    }));
    const queries: Array<Record<string, string>> = [];
    server.use(
      http.get(`${WS}/projects/:projectId/states/`, ({ request }) => {
        const url = new URL(request.url);
        queries.push(Object.fromEntries(url.searchParams));
        return HttpResponse.json(envelope(states, url));
      }),
    );

    const listed = await makeClient({ pageSize: 2 }).client.listStates(PROJECT);

    expect(listed.map((state) => state.id)).toEqual(['s-0', 's-1', 's-2']);
    expect(queries).toEqual([{ per_page: '2' }, { per_page: '2', cursor: '2:1:0' }]);
  });
});
