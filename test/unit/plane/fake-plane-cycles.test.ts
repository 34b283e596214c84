import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/http/fetcher.js';
import { PlaneClient } from '../../../src/plane/client.js';
import type { FakePlane } from '../../support/fake-plane.js';
import { fakePlanes } from './fake-plane-harness.js';

const NOW = new Date('2026-03-05T10:00:00Z');
const CYCLE_KEYS = [
  'id',
  'total_issues',
  'cancelled_issues',
  'completed_issues',
  'started_issues',
  'unstarted_issues',
  'backlog_issues',
  'created_at',
  'updated_at',
  'deleted_at',
  'name',
  'description',
  'start_date',
  'end_date',
  'view_props',
  'sort_order',
  'external_source',
  'external_id',
  'progress_snapshot',
  'archived_at',
  'logo_props',
  'timezone',
  'version',
  'created_by',
  'updated_by',
  'project',
  'workspace',
  'owned_by',
];
const MODULE_KEYS = [
  'id',
  'total_issues',
  'cancelled_issues',
  'completed_issues',
  'started_issues',
  'unstarted_issues',
  'backlog_issues',
  'created_at',
  'updated_at',
  'deleted_at',
  'name',
  'description',
  'description_text',
  'description_html',
  'start_date',
  'target_date',
  'status',
  'view_props',
  'sort_order',
  'external_source',
  'external_id',
  'archived_at',
  'logo_props',
  'created_by',
  'updated_by',
  'project',
  'workspace',
  'lead',
  'members',
];

const fake = fakePlanes({ seed: 11, now: NOW });

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
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
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) as unknown };
}

const listPath = (plane: FakePlane, projectId: string, what: 'cycles' | 'modules') =>
  `/api/v1/workspaces/${plane.workspaceSlug}/projects/${projectId}/${what}/`;
const envelope = (answer: Answer) => answer.body as Record<string, unknown>;
const results = (answer: Answer) => envelope(answer).results as Record<string, unknown>[];
const names = (answer: Answer) => results(answer).map((item) => item.name);

describe('fake Plane: cycle and module lists', () => {
  it('paginate with the cursor envelope, per_page from the request, newest first', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    for (let i = 1; i <= 5; i += 1) {
      plane.addCycle(project.id, { name: `Sprint ${i}` });
      plane.addModule(project.id, { name: `Module ${i}` });
    }

    for (const what of ['cycles', 'modules'] as const) {
      const first = await get(plane, listPath(plane, project.id, what), { query: { per_page: '2' } });
      const second = await get(plane, listPath(plane, project.id, what), { query: { per_page: '2', cursor: '2:1:0' } });
      const last = await get(plane, listPath(plane, project.id, what), { query: { per_page: '2', cursor: '2:2:0' } });
      const label = what === 'cycles' ? 'Sprint' : 'Module';

      expect(first.status).toBe(200);
      expect(envelope(first)).toMatchObject({
        total_count: 5,
        next_cursor: '2:1:0',
        prev_cursor: '2:-1:1',
        next_page_results: true,
        count: 2,
        total_pages: 3,
      });
      expect([...names(first), ...names(second), ...names(last)]).toEqual([5, 4, 3, 2, 1].map((n) => `${label} ${n}`));
      expect(envelope(last)).toMatchObject({ next_page_results: false, count: 1 });
    }
    expect(plane.requests.map((request) => request.query)).toEqual([
      { per_page: '2' },
      { per_page: '2', cursor: '2:1:0' },
      { per_page: '2', cursor: '2:2:0' },
      { per_page: '2' },
      { per_page: '2', cursor: '2:1:0' },
      { per_page: '2', cursor: '2:2:0' },
    ]);
  });

  it('require the key and project membership, like every project endpoint', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const hidden = plane.addProject({ name: 'Private', identifier: 'PRIV', member: false, network: 0 });

    const cases = await Promise.all(
      (['cycles', 'modules'] as const).flatMap((what) => [
        get(plane, listPath(plane, project.id, what), { key: null }),
        get(plane, listPath(plane, project.id, what), { key: 'plane_api_wrong' }),
        get(plane, listPath(plane, hidden.id, what)),
        get(plane, listPath(plane, project.id, what).replace(project.id, 'not-a-uuid')),
      ]),
    );

    const expected = [
      [401, { detail: 'Authentication credentials were not provided.' }],
      [403, { detail: 'Given API token is not valid' }],
      [403, { detail: 'You do not have permission to perform this action.' }],
      [404, { error: 'Page not found.' }],
    ];
    expect(cases.map((answer) => [answer.status, answer.body])).toEqual([...expected, ...expected]);
    expect(plane.requests.filter((request) => !request.apiKeyOk)).toHaveLength(4);
  });

  it('leave out archived and deleted ones, but list those of an archived project', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const [keptCycle, archivedCycle, deletedCycle] = ['kept', 'archived', 'deleted'].map((name) =>
      plane.addCycle(project.id, { name }),
    );
    const [keptModule, archivedModule, deletedModule] = ['kept', 'archived', 'deleted'].map((name) =>
      plane.addModule(project.id, { name }),
    );
    plane.addCycle(project.id, { name: 'born archived', archived: true });
    plane.archiveCycle(archivedCycle!.id);
    plane.deleteCycle(deletedCycle!.id);
    plane.archiveModule(archivedModule!.id);
    plane.deleteModule(deletedModule!.id);
    plane.archiveProject(project.id);

    const cycles = await get(plane, listPath(plane, project.id, 'cycles'));
    const modules = await get(plane, listPath(plane, project.id, 'modules'));
    const projects = await get(plane, `/api/v1/workspaces/${plane.workspaceSlug}/projects/`);

    expect(results(cycles).map((item) => item.id)).toEqual([keptCycle!.id]);
    expect(results(modules).map((item) => item.id)).toEqual([keptModule!.id]);
    expect(envelope(cycles).total_count).toBe(1);
    // The project's counts include archived cycles and modules, not deleted ones.
    expect(results(projects)[0]).toMatchObject({ total_cycles: 3, total_modules: 2 });
    plane.unarchiveCycle(archivedCycle!.id);
    expect(names(await get(plane, listPath(plane, project.id, 'cycles')))).toEqual(['archived', 'kept']);
  });

  it('rate-limits them with the shared per-key budget, a 429 and Retry-After', async () => {
    const clock = 1_800_000_000_000;
    const plane = await fake({ rateLimitPerMinute: 2, rateLimitWindowMs: 60_000, rateLimitNow: () => clock });
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });

    const answers = [];
    for (const what of ['cycles', 'modules', 'cycles'] as const)
      answers.push(await get(plane, listPath(plane, project.id, what)));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
    expect(answers[1]?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(answers[2]?.body).toEqual({ error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' });
    expect(answers[2]?.headers.get('retry-after')).toBe('60');
    expect(plane.requests.map((request) => request.status)).toEqual([200, 200, 429]);
  });
});

describe('fake Plane: cycle and module shapes', () => {
  it('renders a cycle like CycleSerializer: datetimes from project-local days, counts of linked work items', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB', timezone: 'Asia/Kolkata' });
    const [todo, done, draft, archived] = ['todo', 'done', 'draft', 'archived'].map((name) =>
      plane.addIssue(project.id, { name }),
    );
    plane.updateIssue(todo!.id, { state: 'Todo' });
    plane.updateIssue(done!.id, { state: 'Done' });
    plane.setDraft(draft!.id);
    plane.archiveIssue(archived!.id);
    const sprint = plane.addCycle(project.id, {
      name: 'Sprint 1',
      start_date: '2026-03-02',
      end_date: '2026-03-15',
      issues: [todo!.id, done!.id, draft!.id, archived!.id],
    });

    const item = results(await get(plane, listPath(plane, project.id, 'cycles')))[0] as Record<string, unknown>;

    expect(Object.keys(item)).toEqual(CYCLE_KEYS);
    expect(item).toMatchObject({
      id: sprint.id,
      name: 'Sprint 1',
      // convert_to_utc: 00:00:01 and 23:59 of the days in Asia/Kolkata, stored in UTC.
      start_date: '2026-03-01T18:30:01Z',
      end_date: '2026-03-15T18:29:00Z',
      total_issues: 2,
      completed_issues: 1,
      unstarted_issues: 1,
      started_issues: 0,
      archived_at: null,
      timezone: 'UTC',
      project: project.id,
      owned_by: plane.me.id,
      sort_order: 65535,
    });
  });

  it('renders cycle datetimes in the key owner’s timezone, and a start of today as the current instant', async () => {
    const plane = await fake({ userTimezoneOffsetMinutes: 330 });
    const project = plane.addProject({ name: 'Website', identifier: 'WEB', timezone: 'Asia/Kolkata' });
    plane.addCycle(project.id, { name: 'later', start_date: '2026-03-02', end_date: '2026-03-15' });
    plane.addCycle(project.id, { name: 'today', start_date: '2026-03-05', end_date: '2026-03-06' });
    plane.addCycle(project.id, {
      name: 'exact',
      start_date: '2026-04-01T09:00:00.5+02:00',
      end_date: new Date('2026-04-10T00:00:00Z'),
    });

    const items = results(await get(plane, listPath(plane, project.id, 'cycles')));

    expect(items.map((item) => [item.name, item.start_date, item.end_date])).toEqual([
      ['exact', '2026-04-01T12:30:00.500000+05:30', '2026-04-10T05:30:00+05:30'],
      ['today', '2026-03-05T15:30:00+05:30', '2026-03-06T23:59:00+05:30'],
      ['later', '2026-03-02T00:00:01+05:30', '2026-03-15T23:59:00+05:30'],
    ]);
  });

  it('crosses a DST change with the right offset on each side', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB', timezone: 'America/New_York' });
    const cycle = plane.addCycle(project.id, { start_date: '2026-03-08', end_date: '2026-03-08' });

    const item = results(await get(plane, listPath(plane, project.id, 'cycles')))[0];

    expect(item).toMatchObject({ id: cycle.id, start_date: '2026-03-08T05:00:01Z', end_date: '2026-03-09T03:59:00Z' });
  });

  it('renders a module like ModuleSerializer: plain dates, status, lead, members appended last', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const bob = plane.addMember({ first_name: 'Bob', display_name: 'bob' });
    const started = plane.addIssue(project.id, { state: 'In Progress' });
    const made = plane.addModule(project.id, {
      name: 'Checkout',
      start_date: '2026-03-02',
      target_date: '2026-04-01',
      status: 'in-progress',
      lead: 'bob',
      members: ['bob', plane.me.id],
      issues: [started.id],
    });

    const item = results(await get(plane, listPath(plane, project.id, 'modules')))[0] as Record<string, unknown>;
    const picked = results(
      await get(plane, listPath(plane, project.id, 'modules'), { query: { fields: 'id,target_date' } }),
    )[0];

    expect(Object.keys(item)).toEqual(MODULE_KEYS);
    expect(item).toMatchObject({
      id: made.id,
      start_date: '2026-03-02',
      target_date: '2026-04-01',
      status: 'in-progress',
      total_issues: 1,
      started_issues: 1,
      lead: bob.id,
      members: [bob.id, plane.me.id],
      archived_at: null,
    });
    expect(picked).toEqual({ id: made.id, target_date: '2026-04-01', members: [bob.id, plane.me.id] });
  });

  it('checks inputs like Plane’s serializers, and bumps updated_at on update', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const cycle = plane.addCycle(project.id, { start_date: '2026-03-02', end_date: '2026-03-15' });
    const module = plane.addModule(project.id, { name: 'Checkout' });

    expect(() => plane.addCycle(project.id, { start_date: '2026-03-02' })).toThrow(/either required or are to be null/);
    expect(() => plane.addCycle(project.id, { start_date: '2026-03-20', end_date: '2026-03-15' })).toThrow(
      /Start date cannot exceed end date/,
    );
    expect(() => plane.addCycle(project.id, { start_date: '2026-03-02T00:00:00', end_date: '2026-03-15' })).toThrow(
      /ISO datetime with an offset/,
    );
    expect(() => plane.addModule(project.id, { start_date: '2026-05-01', target_date: '2026-04-01' })).toThrow(
      /Start date cannot exceed target date/,
    );
    expect(() => plane.addModule(project.id, { name: 'Checkout' })).toThrow(/already has a module named/);
    expect(() => plane.updateModule(module.id, { status: 'done' as 'completed' })).toThrow(
      /module status must be one of/,
    );
    expect(plane.updateCycle(cycle.id, { name: 'Renamed' }).updated_at).toBeGreaterThan(cycle.updated_at);
    expect(plane.updateModule(module.id, { target_date: '2026-06-01' }).target_date).toBe('2026-06-01');
    expect(plane.cycles(project.id)).toHaveLength(1);
    expect(plane.module(module.id)?.name).toBe('Checkout');
  });
});

describe('fake Plane: cycle_view', () => {
  it('filters on the data clock; `current` is a bare array; drafts only under all and draft', async () => {
    const plane = await fake();
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    plane.addCycle(project.id, { name: 'past', start_date: '2026-02-01', end_date: '2026-02-14' });
    plane.addCycle(project.id, { name: 'current', start_date: '2026-03-01', end_date: '2026-03-14' });
    plane.addCycle(project.id, { name: 'upcoming', start_date: '2026-04-01', end_date: '2026-04-14' });
    plane.addCycle(project.id, { name: 'draft' });
    const path = listPath(plane, project.id, 'cycles');
    const view = (cycle_view: string) => get(plane, path, { query: { cycle_view } });

    const current = await view('current');

    expect(Array.isArray(current.body)).toBe(true);
    expect((current.body as Record<string, unknown>[]).map((item) => item.name)).toEqual(['current']);
    expect(names(await get(plane, path))).toEqual(['draft', 'upcoming', 'current', 'past']);
    expect(names(await view('all'))).toEqual(['draft', 'upcoming', 'current', 'past']);
    expect(names(await view('no-such-view'))).toEqual(['draft', 'upcoming', 'current', 'past']);
    expect(names(await view('upcoming'))).toEqual(['upcoming']);
    expect(names(await view('completed'))).toEqual(['past']);
    expect(names(await view('draft'))).toEqual(['draft']);
    expect(names(await view('incomplete'))).toEqual(['draft', 'upcoming', 'current']);
  });
});

describe('PlaneClient cycles and modules against the fake over real HTTP', () => {
  it('lists every page of both, keeping per_page with each cursor', async () => {
    const plane = await fake({ rateLimitPerMinute: 60 });
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    for (let i = 1; i <= 5; i += 1) {
      plane.addCycle(project.id, { name: `Sprint ${i}`, start_date: `2026-0${i}-01`, end_date: `2026-0${i}-14` });
      plane.addModule(project.id, { name: `Module ${i}`, target_date: `2026-0${i}-28` });
    }
    plane.addCycle(project.id, { name: 'old', archived: true });
    const warnings: string[] = [];
    const client = new PlaneClient({
      baseUrl: plane.url,
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
      pageSize: 2,
      onWarning: (message) => warnings.push(message),
      http: createHttpClient({
        service: 'plane',
        policy: { timeoutMs: 10_000, retries: 1, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2_000 },
      }),
    });

    const cycles = await client.listCycles(project.id);
    const modules = await client.listModules(project.id);

    expect(cycles.map((cycle) => cycle.name)).toEqual(['Sprint 5', 'Sprint 4', 'Sprint 3', 'Sprint 2', 'Sprint 1']);
    expect(cycles[4]).toMatchObject({
      start_date: '2026-01-01T00:00:01Z',
      end_date: '2026-01-14T23:59:00Z',
      project_id: project.id,
      archived_at: null,
    });
    expect(modules.map((module) => [module.name, module.target_date, module.status])).toContainEqual([
      'Module 1',
      '2026-01-28',
      'planned',
    ]);
    expect(modules).toHaveLength(5);
    expect(warnings).toEqual([]);
    expect(plane.requests.map((request) => [request.path.split('/').at(-2), request.query])).toEqual([
      ['cycles', { per_page: '2' }],
      ['cycles', { per_page: '2', cursor: '2:1:0' }],
      ['cycles', { per_page: '2', cursor: '2:2:0' }],
      ['modules', { per_page: '2' }],
      ['modules', { per_page: '2', cursor: '2:1:0' }],
      ['modules', { per_page: '2', cursor: '2:2:0' }],
    ]);
    expect(plane.requests.every((request) => request.apiKeyOk)).toBe(true);
    expect(client.rateLimitRemaining).toBe(54);
  });
});
