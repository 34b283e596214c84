import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/http/fetcher.js';
import { PlaneClient } from '../../../src/plane/client.js';
import { type FakePlane, signWebhook } from '../../support/fake-plane.js';
import { seedLargeWorkspace, seedSampleWorkspace } from '../../support/sample-workspace.js';
import { fakePlanes } from './fake-plane-harness.js';

const NOW = new Date('2025-01-15T10:00:00Z');
const ENVELOPE_KEYS = [
  'grouped_by',
  'sub_grouped_by',
  'total_count',
  'next_cursor',
  'prev_cursor',
  'next_page_results',
  'prev_page_results',
  'count',
  'total_pages',
  'total_results',
  'extra_stats',
  'results',
];
const USER_LITE_KEYS = ['id', 'first_name', 'last_name', 'email', 'avatar', 'avatar_url', 'display_name'];
const LABEL_KEYS = [
  'id',
  'created_at',
  'updated_at',
  'deleted_at',
  'name',
  'description',
  'color',
  'sort_order',
  'external_source',
  'external_id',
  'created_by',
  'updated_by',
  'workspace',
  'project',
  'parent',
];

const fake = fakePlanes({ seed: 7, now: NOW });

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** A raw GET against the fake; `key: null` sends no X-Api-Key. */
async function get(
  plane: FakePlane,
  path: string,
  options: { key?: string | null; query?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, plane.url);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const key = options.key === undefined ? plane.apiKey : options.key;
  const response = await fetch(url, { headers: key === null ? {} : { 'x-api-key': key } });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

const issuesPath = (plane: FakePlane, projectId: string) =>
  `/api/v1/workspaces/${plane.workspaceSlug}/projects/${projectId}/work-items/`;
const results = (answer: Answer) => answer.body.results as Record<string, unknown>[];

async function projectWith(plane: FakePlane, count: number) {
  const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
  for (let i = 1; i <= count; i += 1) plane.addIssue(project.id, { name: `Item ${i}`, target_date: '2025-02-01' });
  return project;
}

describe('fake Plane: pagination', () => {
  it('answers the cursor envelope with the documented keys, in order, and cursor strings', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 25);

    const first = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10' } });
    const last = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10', cursor: '10:2:0' } });

    expect(Object.keys(first.body)).toEqual(ENVELOPE_KEYS);
    expect(
      first.text.startsWith(
        '{"grouped_by":null,"sub_grouped_by":null,"total_count":25,"next_cursor":"10:1:0","prev_cursor":"10:-1:1"',
      ),
    ).toBe(true);
    expect(first.body).toMatchObject({
      next_page_results: true,
      prev_page_results: false,
      count: 10,
      total_pages: 3,
      total_results: 25,
      extra_stats: null,
    });
    expect(last.body).toMatchObject({
      next_cursor: '10:3:0',
      prev_cursor: '10:1:1',
      next_page_results: false,
      prev_page_results: true,
      count: 5,
    });
  });

  it('orders by -created_at by default, newest first', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 3);

    const answer = await get(plane, issuesPath(plane, project.id));

    expect(results(answer).map((item) => item.name)).toEqual(['Item 3', 'Item 2', 'Item 1']);
  });

  it('computes the offset from the request per_page: a cursor without per_page skips items, like Plane', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 25);

    const resent = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10', cursor: '10:1:0' } });
    const forgotten = await get(plane, issuesPath(plane, project.id), { query: { cursor: '10:1:0' } });

    expect(results(resent).map((item) => item.sequence_id)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    // Page 1 × default 1000 = offset 1000: nothing, although 15 items were never seen.
    expect(forgotten.body).toMatchObject({
      count: 0,
      total_count: 25,
      next_page_results: false,
      next_cursor: '1000:2:0',
    });
  });

  it.each([
    [{ per_page: '1001' }, 400, { detail: 'Invalid per_page value. Cannot exceed 1000.' }],
    [{ per_page: 'ten' }, 400, { detail: 'Invalid per_page parameter.' }],
    [{ per_page: '0' }, 500, { error: 'Something went wrong please try again later' }],
    [{ cursor: 'garbage' }, 400, { detail: 'Invalid cursor parameter.' }],
    [{ cursor: '10:x:0' }, 400, { detail: 'Invalid cursor parameter.' }],
    [{ per_page: '10', cursor: '10:-1:1' }, 400, { detail: 'Error in parsing' }],
    [{ order_by: 'no_such_field' }, 500, { error: 'Something went wrong please try again later' }],
  ])('rejects %j with %i like Plane', async (query, status, body) => {
    const plane = await fake();
    const project = await projectWith(plane, 3);

    const answer = await get(plane, issuesPath(plane, project.id), { query });

    expect(answer.status).toBe(status);
    expect(answer.body).toEqual(body);
  });
});

describe('fake Plane: visibility', () => {
  it('hides deleted, archived, draft and triage items from the list and 404s their detail', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const [kept, deleted, archived, draft, triage] = ['kept', 'deleted', 'archived', 'draft', 'triage'].map((name) =>
      plane.addIssue(project.id, { name }),
    );
    plane.deleteIssue(deleted!.id);
    plane.archiveIssue(archived!.id);
    plane.setDraft(draft!.id);
    plane.moveToTriage(triage!.id);

    const list = await get(plane, issuesPath(plane, project.id));
    const details = await Promise.all(
      [kept, deleted, archived, draft, triage].map((item) =>
        get(plane, `${issuesPath(plane, project.id)}${item!.id}/`),
      ),
    );

    expect(results(list).map((item) => item.name)).toEqual(['kept']);
    expect(list.body.total_count).toBe(1);
    expect(details.map((answer) => answer.status)).toEqual([200, 404, 404, 404, 404]);
    expect(details[1]?.body).toEqual({ error: 'The requested resource does not exist.' });
    expect(plane.issue(archived!.id)?.archived_at).toBe('2025-01-15');
  });

  it('lists archived projects with archived_at set, and hides their items', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 2);
    plane.addProject({ name: 'Old', identifier: 'OLD', archived: true });
    plane.archiveProject(project.id);

    const projects = await get(plane, `/api/v1/workspaces/${plane.workspaceSlug}/projects/`);
    const items = await get(plane, issuesPath(plane, project.id));

    expect(results(projects).map((item) => [item.identifier, typeof item.archived_at])).toEqual([
      ['WEB', 'string'],
      ['OLD', 'string'],
    ]);
    expect(items.body).toMatchObject({ total_count: 0, results: [] });
  });

  it('keeps datetimes in microseconds, bumps updated_at on update and sets completed_at on Done', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const created = plane.addIssue(project.id, { name: 'x' });

    const updated = plane.updateIssue(created.id, { state: 'Done', target_date: '2025-03-01' });
    const json = plane.issueJson(created.id) as Record<string, unknown>;

    expect(updated.updated_at).toBeGreaterThan(created.updated_at);
    expect(json.created_at).toMatch(/^2025-01-15T10:00:00\.\d{6}Z$/);
    expect(json.completed_at).not.toBeNull();
    expect(() => plane.updateIssue(created.id, { start_date: '2025-04-01' })).toThrow(
      /Start date cannot exceed target date/,
    );
  });

  it('renders datetimes in the key owner’s timezone when asked', async () => {
    const plane = await fake({ userTimezoneOffsetMinutes: 330 });
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const created = plane.addIssue(project.id, { name: 'x', created_at: '2025-01-15T10:30:00.123456Z' });

    const answer = await get(plane, `${issuesPath(plane, project.id)}${created.id}/`);

    expect(answer.body.created_at).toBe('2025-01-15T16:00:00.123456+05:30');
  });
});

describe('fake Plane: shapes', () => {
  it('returns UUIDs without expand, and Plane’s expanded shapes with expand', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const bob = plane.addMember({ first_name: 'Bob', display_name: 'bob' });
    const item = plane.addIssue(project.id, { name: 'x', state: 'In Progress', labels: ['bug'], assignees: ['bob'] });

    const plain = results(await get(plane, issuesPath(plane, project.id)))[0] as Record<string, unknown>;
    const expanded = results(
      await get(plane, issuesPath(plane, project.id), { query: { expand: 'state,labels,assignees,project,parent' } }),
    )[0] as Record<string, unknown>;

    expect(plain.state).toBe(item.state);
    expect(plain.labels).toEqual(item.labels);
    expect(plain.assignees).toEqual([bob.id]);
    expect(Object.keys(plain).slice(0, 3)).toEqual(['id', 'type_id', 'created_at']);
    expect(Object.keys(plain).slice(-3)).toEqual(['type', 'assignees', 'labels']);
    expect(plain).not.toHaveProperty('description_stripped');
    expect(expanded.state).toEqual({ id: item.state, name: 'In Progress', color: '#F59E0B', group: 'started' });
    expect(Object.keys((expanded.labels as Record<string, unknown>[])[0] ?? {})).toEqual(LABEL_KEYS);
    expect(Object.keys((expanded.assignees as Record<string, unknown>[])[0] ?? {})).toEqual(USER_LITE_KEYS);
    expect(expanded.project).toMatchObject({ id: project.id, identifier: 'WEB', name: 'Website' });
    expect(expanded.parent).toEqual({}); // a null foreign key expands to {}
    // BaseSerializer puts placeholders in expand order before to_representation fills them.
    expect(Object.keys(expanded).slice(-2)).toEqual(['labels', 'assignees']);
  });

  it('keeps only the requested fields', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 1);

    const answer = await get(plane, issuesPath(plane, project.id), { query: { fields: 'id,name,labels,bogus' } });

    expect(Object.keys(results(answer)[0] ?? {})).toEqual(['id', 'name', 'labels']);
  });

  it('serves states without triage, labels, members and users/me', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    plane.addLabel(project.id, { name: 'bug' });
    const base = `/api/v1/workspaces/${plane.workspaceSlug}`;

    const states = await get(plane, `${base}/projects/${project.id}/states/`);
    const labels = await get(plane, `${base}/projects/${project.id}/labels/`);
    const members = await get(plane, `${base}/members/`);
    const me = await get(plane, '/api/v1/users/me/');

    expect(results(states).map((state) => state.name)).toEqual(['Backlog', 'Todo', 'In Progress', 'Done', 'Cancelled']);
    expect(Object.keys(results(labels)[0] ?? {})).toEqual(LABEL_KEYS);
    expect(Array.isArray(members.body)).toBe(true);
    expect((members.body as unknown as Record<string, unknown>[])[0]).toMatchObject({ display_name: 'ada', role: 20 });
    expect(Object.keys(me.body)).toEqual(USER_LITE_KEYS);
  });
});

describe('fake Plane: auth and routing', () => {
  it('answers 401, 403 and 404 with Plane’s bodies', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 1);
    const hidden = plane.addProject({ name: 'Private', identifier: 'PRIV', member: false, network: 0 });
    const projects = `/api/v1/workspaces/${plane.workspaceSlug}/projects/`;

    const cases = await Promise.all([
      get(plane, projects, { key: null }),
      get(plane, projects, { key: 'plane_api_wrong' }),
      get(plane, '/api/v1/workspaces/other-slug/projects/'),
      get(plane, issuesPath(plane, hidden.id)),
      get(plane, `${projects}not-a-uuid/work-items/`),
      get(plane, `${projects}${project.id.toUpperCase()}/work-items/`),
      get(plane, `${projects}${project.id}/nothing-here/`),
      get(plane, `${projects}00000000-0000-4000-8000-000000000000/`),
    ]);

    expect(cases.map((answer) => [answer.status, answer.body])).toEqual([
      [401, { detail: 'Authentication credentials were not provided.' }],
      [403, { detail: 'Given API token is not valid' }],
      [403, { detail: 'You do not have permission to perform this action.' }],
      [403, { detail: 'You do not have permission to perform this action.' }],
      [404, { error: 'Page not found.' }],
      [404, { error: 'Page not found.' }],
      [404, { error: 'Page not found.' }],
      [404, { error: 'The requested resource does not exist.' }],
    ]);
  });

  it('serves both route spellings, and only /issues/ when legacyOnly', async () => {
    const current = await fake();
    const legacy = await fake({ legacyOnly: true });
    const a = await projectWith(current, 1);
    const b = await projectWith(legacy, 1);

    const both = await Promise.all([
      get(current, issuesPath(current, a.id)),
      get(current, issuesPath(current, a.id).replace('work-items', 'issues')),
    ]);
    const old = await Promise.all([
      get(legacy, issuesPath(legacy, b.id)),
      get(legacy, issuesPath(legacy, b.id).replace('work-items', 'issues')),
    ]);

    expect(both.map((answer) => answer.status)).toEqual([200, 200]);
    expect(old.map((answer) => answer.status)).toEqual([404, 200]);
    expect(old[0]?.body).toEqual({ error: 'Page not found.' });
  });

  it('logs every request with its query and whether the key was right', async () => {
    const plane = await fake();
    await get(plane, '/api/v1/users/me/', { query: { fields: 'id' } });
    await get(plane, '/api/v1/users/me/', { key: 'nope' });

    expect(plane.requests).toEqual([
      { method: 'GET', path: '/api/v1/users/me/', query: { fields: 'id' }, apiKeyOk: true, status: 200 },
      { method: 'GET', path: '/api/v1/users/me/', query: {}, apiKeyOk: false, status: 403 },
    ]);
    plane.resetRequests();
    expect(plane.requests).toEqual([]);
  });
});

describe('fake Plane: rate limiting', () => {
  it('throttles per key in a sliding window, with Plane’s headers and 429 body', async () => {
    let clock = 1_700_000_000_000;
    const plane = await fake({ rateLimitPerMinute: 3, rateLimitWindowMs: 1000, rateLimitNow: () => clock });

    const allowed = [];
    for (let i = 0; i < 3; i += 1) allowed.push(await get(plane, '/api/v1/users/me/'));
    const throttled = await get(plane, '/api/v1/users/me/');
    const anonymous = await get(plane, '/api/v1/users/me/', { key: null });
    clock += 1001;
    const later = await get(plane, '/api/v1/users/me/');

    expect(allowed.map((answer) => answer.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0']);
    expect(allowed[0]?.headers.get('x-ratelimit-reset')).toBe(String(Math.floor((1_700_000_000_000 + 1000) / 1000)));
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' });
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('x-ratelimit-remaining')).toBeNull();
    expect(anonymous.status).toBe(401); // unauthenticated requests are not throttled, just refused
    expect(later.status).toBe(200);
  });
});

describe('fake Plane: fault injection', () => {
  it('injects a 500 on page 2 only, then serves normally', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 15);
    plane.failNext({ pathIncludes: '/work-items/', query: { cursor: '10:1:0' } }, { status: 500 });

    const page1 = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10' } });
    const page2 = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10', cursor: '10:1:0' } });
    const retry = await get(plane, issuesPath(plane, project.id), { query: { per_page: '10', cursor: '10:1:0' } });

    expect([page1.status, page2.status, retry.status]).toEqual([200, 500, 200]);
    expect(page2.body).toEqual({ error: 'Something went wrong please try again later' });
  });

  it('sends an HTML 200 or a cut-off body when asked', async () => {
    const plane = await fake();
    const project = await projectWith(plane, 3);
    plane.failNext({ pathIncludes: '/work-items/' }, { status: 200, body: '<!DOCTYPE html><title>Login</title>' });
    plane.failNext({ pathIncludes: '/work-items/' }, { truncateAt: 50 });

    const html = await fetch(new URL(issuesPath(plane, project.id), plane.url), {
      headers: { 'x-api-key': plane.apiKey },
    });
    const cut = await fetch(new URL(issuesPath(plane, project.id), plane.url), {
      headers: { 'x-api-key': plane.apiKey },
    });

    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('<title>Login</title>');
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();
  });
});

describe('fake Plane: webhooks', () => {
  const VECTOR_SECRET = 'plane_wh_0123456789abcdef0123456789abcdef';
  const VECTOR_BODY =
    '{"event": "project", "action": "deleted", "webhook_id": "3c2c32ac-82df-48b3-be2a-a3e21dbe8692", "workspace_id": "d2d97c94-a6ad-4012-b526-5577c0d7c769", ' +
    '"data": {"id": "22b6fc9c-1849-45da-b103-52a3e3a6b4c1"}, "activity": {"field": null, "new_value": null, "old_value": null, ' +
    '"actor": {"id": "797b5aea-3f40-4199-be84-5f94e0d04501", "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com", "avatar": "", "avatar_url": null, "display_name": "jane"}, ' +
    '"old_identifier": null, "new_identifier": null}}';

  it('reproduces the reference body and signature byte for byte', async () => {
    const plane = await fake({
      webhookId: '3c2c32ac-82df-48b3-be2a-a3e21dbe8692',
      workspaceId: 'd2d97c94-a6ad-4012-b526-5577c0d7c769',
      me: {
        id: '797b5aea-3f40-4199-be84-5f94e0d04501',
        first_name: 'Jane',
        last_name: 'Doe',
        email: 'jane@example.com',
        display_name: 'jane',
      },
    });

    const body = plane.webhookBody('project', 'deleted', '22b6fc9c-1849-45da-b103-52a3e3a6b4c1');

    expect(body).toBe(VECTOR_BODY);
    expect(signWebhook(body, VECTOR_SECRET)).toBe('d546e372c432137f64e9768264ad91cad35dde426e2494ab6cbc3bf9af6d1fa6');
    expect(signWebhook(Buffer.from(body, 'utf8'), VECTOR_SECRET)).toBe(
      'd546e372c432137f64e9768264ad91cad35dde426e2494ab6cbc3bf9af6d1fa6',
    );
  });

  it('serialises an issue like IssueExpandSerializer + json.dumps: key order, separators, \\uXXXX', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const item = plane.addIssue(project.id, {
      name: 'Café 🎉 “launch”',
      labels: ['bug'],
      target_date: '2025-02-01',
      description_html: '<p>Hi &amp; bye</p>',
    });

    const body = plane.webhookBody('issue', 'updated', item.id, {
      field: 'target_date',
      old_value: '2025-01-20',
      new_value: '2025-02-01',
    });
    const parsed = JSON.parse(body) as { data: Record<string, unknown>; activity: Record<string, unknown> };

    expect(body).toMatch(
      /^\{"event": "issue", "action": "updated", "webhook_id": "[0-9a-f-]{36}", "workspace_id": "[0-9a-f-]{36}", "data": \{"id": /,
    );
    expect(body).toContain('"name": "Caf\\u00e9 \\ud83c\\udf89 \\u201claunch\\u201d"');
    expect(body).toContain('"sort_order": 65535.0');
    expect(body).not.toMatch(/[^\x20-\x7e]/);
    expect(Object.keys(parsed.data)).toEqual([
      'id',
      'cycle',
      'module',
      'labels',
      'assignees',
      'state',
      'description',
      'created_at',
      'updated_at',
      'deleted_at',
      'point',
      'name',
      'description_json',
      'description_html',
      'description_stripped',
      'description_binary',
      'priority',
      'start_date',
      'target_date',
      'sequence_id',
      'sort_order',
      'completed_at',
      'archived_at',
      'is_draft',
      'external_source',
      'external_id',
      'created_by',
      'updated_by',
      'project',
      'workspace',
      'parent',
      'estimate_point',
      'type',
    ]);
    expect(parsed.data.state).toMatchObject({ name: 'Backlog', group: 'backlog' });
    expect(parsed.data.labels).toEqual([{ id: item.labels[0], name: 'bug', color: '#EF4444' }]);
    expect(parsed.data.description_stripped).toBe('Hi &amp; bye');
    expect(parsed.activity).toMatchObject({ field: 'target_date', old_value: '2025-01-20', new_value: '2025-02-01' });
  });

  it('sends only the id for deleted items and signs deliveries when given a secret', async () => {
    const plane = await fake();
    const delivery = plane.webhookDelivery('issue', 'deleted', 'e1c25c66-5bb8-465e-a818-92a483423443', {
      secret: 'plane_wh_x',
      deliveryId: 'd-1',
    });

    expect(JSON.parse(delivery.body)).toMatchObject({ data: { id: 'e1c25c66-5bb8-465e-a818-92a483423443' } });
    expect(delivery.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'Autopilot',
      'X-Plane-Delivery': 'd-1',
      'X-Plane-Event': 'issue',
      'X-Plane-Signature': signWebhook(delivery.body, 'plane_wh_x'),
    });
  });
});

describe('fake Plane: seeds', () => {
  it('seeds the sample workspace deterministically', async () => {
    const a = await fake();
    const b = await fake();
    const sampleA = seedSampleWorkspace(a);
    const sampleB = seedSampleWorkspace(b);

    expect(a.projects().map((project) => project.identifier)).toEqual(['WEB', 'OPS']);
    expect(Object.keys(sampleA.issues)).toHaveLength(9);
    expect(sampleA.issues.cafe.name).toMatch(/[^\x00-\x7f]/);
    expect(sampleA.issues.colours.target_date).toBeNull();
    expect(sampleA.issues.pricing.target_date).toBe('2025-01-20');
    expect(sampleA.issues.release.completed_at).not.toBeNull();
    expect(a.issueJson(sampleA.issues.pricing.id)).toEqual(b.issueJson(sampleB.issues.pricing.id));
  });

  it('generates a large workspace with dated items only', async () => {
    const plane = await fake();
    const large = seedLargeWorkspace(plane, { projects: 2, issuesPerProject: 50, seed: 3 });
    const items = large.projects.flatMap((project) => plane.issues(project.id));

    expect(large.issueCount).toBe(100);
    expect(items).toHaveLength(100);
    expect(items.every((item) => item.target_date !== null && plane.isVisible(item))).toBe(true);
  });
});

describe('PlaneClient against the fake over real HTTP', () => {
  function realClient(plane: FakePlane): PlaneClient {
    const httpClient = createHttpClient({
      service: 'plane',
      policy: { timeoutMs: 10_000, retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2_000 },
    });
    return new PlaneClient({
      baseUrl: plane.url,
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
      http: httpClient,
    });
  }

  it('lists 2,500 items in 3 requests, all of them, none twice', async () => {
    const plane = await fake({ rateLimitPerMinute: 60 });
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    seedIssues(plane, project.id, 2500);
    const client = realClient(plane);

    const seen: string[] = [];
    for await (const page of client.listIssues(project.id)) seen.push(...page.issues.map((item) => item.id));

    const issueRequests = plane.requests.filter((request) => request.path.includes('/work-items/'));
    expect(issueRequests.map((request) => request.query)).toEqual([
      { expand: 'state,labels,assignees', per_page: '1000' },
      { expand: 'state,labels,assignees', per_page: '1000', cursor: '1000:1:0' },
      { expand: 'state,labels,assignees', per_page: '1000', cursor: '1000:2:0' },
    ]);
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    expect(client.rateLimitRemaining).toBe(57);
  });

  it('falls back to /issues/ on a pre-1.1 instance with one extra request per client', async () => {
    const plane = await fake({ legacyOnly: true });
    const [a, b] = [plane.addProject({ name: 'A', identifier: 'A' }), plane.addProject({ name: 'B', identifier: 'B' })];
    seedIssues(plane, a.id, 3);
    seedIssues(plane, b.id, 2);
    const client = realClient(plane);

    const counts = [];
    for (const project of await client.listProjects()) {
      let count = 0;
      for await (const page of client.listIssues(project.id)) count += page.issues.length;
      counts.push(count);
    }

    expect(counts).toEqual([3, 2]);
    expect(plane.requests.filter((request) => request.path.includes('/work-items/'))).toHaveLength(1);
    expect(plane.requests.filter((request) => request.path.includes('/issues/'))).toHaveLength(2);
  });

  it('maps the fake’s errors through the client: unknown item → null, wrong key → AuthError', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'A', identifier: 'A' });
    const item = plane.addIssue(project.id, { name: 'x' });
    plane.deleteIssue(item.id);
    const client = realClient(plane);
    const wrongKey = new PlaneClient({
      baseUrl: plane.url,
      workspaceSlug: plane.workspaceSlug,
      apiKey: 'plane_api_wrong',
      http: createHttpClient({
        service: 'plane',
        policy: { timeoutMs: 5000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
      }),
    });

    expect(await client.getIssue(project.id, item.id)).toBeNull();
    await expect(wrongKey.listProjects()).rejects.toMatchObject({ name: 'AuthError', status: 403 });
  });
});

function seedIssues(plane: FakePlane, projectId: string, count: number): void {
  for (let i = 0; i < count; i += 1) plane.addIssue(projectId, { name: `Item ${i + 1}`, target_date: '2025-02-01' });
}
