import { describe, expect, it } from 'vitest';
import type { FakeIssue, FakePlane, FakeProject } from '../../support/fake-plane.js';
import { fakePlanes } from './fake-plane-harness.js';

const NOW = new Date('2025-01-15T10:00:00Z');
const fake = fakePlanes({ seed: 11, now: NOW });

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

type Options = { key?: string | null; route?: 'work-items' | 'issues'; projectId?: string };

const itemPath = (plane: FakePlane, item: Pick<FakeIssue, 'id' | 'project'>, options: Options = {}) =>
  `/api/v1/workspaces/${plane.workspaceSlug}/projects/${options.projectId ?? item.project}/${options.route ?? 'work-items'}/${item.id}/`;

async function call(
  plane: FakePlane,
  method: string,
  path: string,
  options: { key?: string | null; body?: string; contentType?: string } = {},
): Promise<Answer> {
  const key = options.key === undefined ? plane.apiKey : options.key;
  const headers: Record<string, string> = key === null ? {} : { 'x-api-key': key };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(new URL(path, plane.url), { method, headers, body: options.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
}

/** A JSON PATCH of a work item. */
const patch = (plane: FakePlane, item: Pick<FakeIssue, 'id' | 'project'>, body: unknown, options: Options = {}) =>
  call(plane, 'PATCH', itemPath(plane, item, options), { key: options.key, body: JSON.stringify(body) });

const getItem = (plane: FakePlane, item: Pick<FakeIssue, 'id' | 'project'>, options: Options = {}) =>
  call(plane, 'GET', itemPath(plane, item, options), { key: options.key });

function world(plane: FakePlane): { web: FakeProject; item: FakeIssue } {
  const web = plane.addProject({ name: 'Website', identifier: 'WEB' });
  const item = plane.addIssue(web.id, {
    name: 'Launch',
    state: 'Todo',
    start_date: '2025-01-20',
    target_date: '2025-02-01',
  });
  return { web, item };
}

const stateId = (plane: FakePlane, projectId: string, name: string) =>
  plane.states(projectId).find((state) => state.name === name)!.id;

describe('fake Plane: PATCH a work item', () => {
  it('stores new dates and answers the unexpanded work item, which a GET then shows', async () => {
    const plane = await fake();
    const { web, item } = world(plane);
    const before = await getItem(plane, item);
    const storedAt = plane.issue(item.id)!.updated_at;
    plane.resetRequests();

    const answer = await patch(plane, item, {
      start_date: '2025-02-03',
      target_date: '2025-02-10',
      unknown_key: 'ignored',
      id: 'not-changed',
    });
    const after = await getItem(plane, item);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(after.body);
    expect(answer.body).toEqual(plane.issueJson(item.id));
    expect(answer.body).toMatchObject({
      id: item.id,
      start_date: '2025-02-03',
      target_date: '2025-02-10',
      name: 'Launch',
      state: stateId(plane, web.id, 'Todo'),
    });
    expect(answer.body.state).toBeTypeOf('string'); // not expanded
    expect(answer.body).not.toHaveProperty('unknown_key');
    expect(plane.issue(item.id)!.updated_at).toBeGreaterThan(storedAt);
    expect(answer.body.updated_at).not.toBe(before.body.updated_at);
    expect(plane.issue(item.id)).toMatchObject({ start_date: '2025-02-03', target_date: '2025-02-10' });
    expect(plane.writes).toEqual([
      {
        path: itemPath(plane, item),
        issueId: item.id,
        projectId: web.id,
        body: { start_date: '2025-02-03', target_date: '2025-02-10', unknown_key: 'ignored', id: 'not-changed' },
        raw: JSON.stringify({
          start_date: '2025-02-03',
          target_date: '2025-02-10',
          unknown_key: 'ignored',
          id: 'not-changed',
        }),
        status: 200,
      },
    ]);
    expect(plane.requests.map((request) => [request.method, request.status])).toEqual([
      ['PATCH', 200],
      ['GET', 200],
    ]);
    plane.resetWrites();
    expect(plane.writes).toEqual([]);
  });

  it('changes name and priority, and stores a wall-clock time without its seconds', async () => {
    const plane = await fake();
    const { item } = world(plane);

    const answer = await patch(plane, item, {
      name: '  Launch v2  ',
      priority: 'urgent',
      target_date: '2025-02-01T18:45:30',
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      name: 'Launch v2',
      priority: 'urgent',
      target_date: '2025-02-01T18:45',
      start_date: '2025-01-20',
    });
    expect(plane.issue(item.id)).toMatchObject({
      name: 'Launch v2',
      priority: 'urgent',
      target_date: '2025-02-01T18:45',
    });
  });

  it('sets completed_at on entering a completed state and clears it on going back to the default state', async () => {
    const plane = await fake();
    const { web, item } = world(plane);

    const done = await patch(plane, item, { state: stateId(plane, web.id, 'Done') });
    const reopened = await patch(plane, item, { state: stateId(plane, web.id, 'Backlog') });

    expect(done.status).toBe(200);
    expect(done.body.state).toBe(stateId(plane, web.id, 'Done'));
    expect(done.body.completed_at).toMatch(/^2025-01-15T10:00:00\.\d{6}Z$/);
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ state: stateId(plane, web.id, 'Backlog'), completed_at: null });
    expect(plane.issue(item.id)?.completed_at).toBeNull();
  });

  it('refuses a start after the target, sent together or against the stored date, and stores nothing', async () => {
    const plane = await fake();
    const { item } = world(plane);
    const stored = plane.issue(item.id);

    const both = await patch(plane, item, { start_date: '2025-03-02', target_date: '2025-03-01', name: 'Renamed' });
    const startOnly = await patch(plane, item, { start_date: '2025-02-02', priority: 'high' });
    const targetOnly = await patch(plane, item, { target_date: '2025-01-19' });
    const sameDayTimes = await patch(plane, item, { start_date: '2025-01-19T15:00', target_date: '2025-01-19T09:00' });

    for (const answer of [both, startOnly, targetOnly, sameDayTimes]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ non_field_errors: ['Start date cannot exceed target date'] });
    }
    expect(plane.issue(item.id)).toEqual(stored);
    expect(plane.writes.map((write) => write.status)).toEqual([400, 400, 400, 400]);
  });

  it('refuses a date in another format, reporting every bad field at once, and stores nothing', async () => {
    const plane = await fake();
    const { item } = world(plane);
    const stored = plane.issue(item.id);
    const wrong = ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'];

    const slashes = await patch(plane, item, { target_date: '2025/02/01', name: 'Renamed' });
    const impossible = await patch(plane, item, { start_date: '2025-02-30', target_date: '2025-03-01T24:00' });
    const zoned = await patch(plane, item, { target_date: '2025-03-01T10:00:00Z' });
    const number = await patch(plane, item, { target_date: 20250301 });

    expect(slashes.status).toBe(400);
    expect(slashes.body).toEqual({ target_date: wrong });
    expect(impossible.body).toEqual({ start_date: wrong, target_date: wrong });
    expect([zoned.status, number.status]).toEqual([400, 400]);
    expect(zoned.body).toEqual({ target_date: wrong });
    expect(number.body).toEqual({ target_date: wrong });
    expect(plane.issue(item.id)).toEqual(stored);
  });

  it('refuses an unknown state id; a triage or another project’s state is refused too', async () => {
    const plane = await fake();
    const { web, item } = world(plane);
    const ops = plane.addProject({ name: 'Ops', identifier: 'OPS' });
    const stored = plane.issue(item.id);
    const unknown = '00000000-0000-4000-8000-000000000000';

    const missing = await patch(plane, item, { state: unknown, target_date: '2025-02-05' });
    const triage = await patch(plane, item, { state: stateId(plane, web.id, 'Triage') });
    const foreign = await patch(plane, item, { state: stateId(plane, ops.id, 'Done') });
    const garbage = await patch(plane, item, { state: 'Done' });

    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ state: [`Invalid pk "${unknown}" - object does not exist.`] });
    expect(triage.body).toEqual({
      state: [`Invalid pk "${stateId(plane, web.id, 'Triage')}" - object does not exist.`],
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({ non_field_errors: ['State is not valid please pass a valid state_id'] });
    expect(garbage.body).toEqual({ state: ['“Done” is not a valid UUID.'] });
    expect(plane.issue(item.id)).toEqual(stored);
  });

  it('refuses a body that is not a JSON object, like DRF', async () => {
    const plane = await fake();
    const { item } = world(plane);
    const stored = plane.issue(item.id);

    const broken = await call(plane, 'PATCH', itemPath(plane, item), { body: '{"target_date": ' });
    const list = await call(plane, 'PATCH', itemPath(plane, item), { body: '[{"target_date": "2025-02-05"}]' });
    const text = await call(plane, 'PATCH', itemPath(plane, item), {
      body: '{"target_date": "2025-02-05"}',
      contentType: 'text/plain',
    });

    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/^JSON parse error - ./);
    expect(list.status).toBe(400);
    expect(list.body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    expect(text.status).toBe(415);
    expect(text.body).toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
    expect(plane.issue(item.id)).toEqual(stored);
    expect(plane.writes.map((write) => [write.raw, write.body, write.status])).toEqual([
      ['{"target_date": ', {}, 400],
      ['[{"target_date": "2025-02-05"}]', {}, 400],
      ['{"target_date": "2025-02-05"}', {}, 415], // not read as JSON
    ]);
  });

  it('finds archived and draft items, but not deleted ones or one of another project', async () => {
    const plane = await fake();
    const { web, item } = world(plane);
    const ops = plane.addProject({ name: 'Ops', identifier: 'OPS' });
    const archived = plane.addIssue(web.id, { name: 'Old' });
    plane.archiveIssue(archived.id);
    const draft = plane.addIssue(web.id, { name: 'Draft', is_draft: true });
    const deleted = plane.addIssue(web.id, { name: 'Gone' });
    plane.deleteIssue(deleted.id);

    const answers = await Promise.all([
      patch(plane, archived, { target_date: '2025-02-05' }),
      patch(plane, draft, { target_date: '2025-02-06' }),
      patch(plane, deleted, { target_date: '2025-02-07' }),
      patch(plane, item, { target_date: '2025-02-08' }, { projectId: ops.id }),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 404]);
    expect(answers[2]?.body).toEqual({ error: 'The requested resource does not exist.' });
    expect(answers[3]?.body).toEqual({ error: 'The requested resource does not exist.' });
    expect(plane.issue(archived.id)?.target_date).toBe('2025-02-05');
    expect(plane.issue(draft.id)?.target_date).toBe('2025-02-06');
    expect(plane.issue(deleted.id)?.target_date).toBeNull();
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-01');
    // The archived item stays hidden from GET.
    expect((await getItem(plane, archived)).status).toBe(404);
  });

  it('lets a guest read but not write; members and admins may write', async () => {
    const plane = await fake();
    const { web, item } = world(plane);
    const guestProject = plane.addProject({ name: 'Guest', identifier: 'GST', role: 5 });
    const guestItem = plane.addIssue(guestProject.id, { name: 'Read only', target_date: '2025-02-01' });
    plane.setProjectRole(web.id, 5);

    const refused = await Promise.all([
      patch(plane, item, { target_date: '2025-02-05' }),
      patch(plane, guestItem, { target_date: '2025-02-05' }),
    ]);
    const reads = await Promise.all([getItem(plane, item), getItem(plane, guestItem)]);
    const project = await call(plane, 'GET', `/api/v1/workspaces/${plane.workspaceSlug}/projects/${web.id}/`);
    plane.setProjectRole(web.id, 15);
    const member = await patch(plane, item, { target_date: '2025-02-06' });

    expect(refused.map((answer) => answer.status)).toEqual([403, 403]);
    for (const answer of refused)
      expect(answer.body).toEqual({ detail: 'You do not have permission to perform this action.' });
    expect(reads.map((answer) => answer.status)).toEqual([200, 200]);
    expect(reads[0]?.body.target_date).toBe('2025-02-01');
    expect(project.body.member_role).toBe(5);
    expect(member.status).toBe(200);
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-06');
    expect(plane.issue(guestItem.id)?.target_date).toBe('2025-02-01');
    expect(plane.writes.map((write) => write.status)).toEqual([403, 403, 200]);
  });

  it('refuses a non-member, a missing key and a wrong key', async () => {
    const plane = await fake();
    const { item } = world(plane);
    const other = plane.addProject({ name: 'Public', identifier: 'PUB', member: false });
    const foreign = plane.addIssue(other.id, { name: 'Not mine' });

    const nonMember = await patch(plane, foreign, { target_date: '2025-02-05' });
    const noKey = await patch(plane, item, { target_date: '2025-02-05' }, { key: null });
    const badKey = await patch(plane, item, { target_date: '2025-02-05' }, { key: 'plane_api_wrong' });

    expect(nonMember.status).toBe(403);
    expect(nonMember.body).toEqual({ detail: 'You do not have permission to perform this action.' });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(badKey.status).toBe(403);
    expect(badKey.body).toEqual({ detail: 'Given API token is not valid' });
    expect(plane.issue(foreign.id)?.target_date).toBeNull();
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-01');
    expect(plane.writes.map((write) => write.status)).toEqual([403, 401, 403]);
    expect(plane.requests.map((request) => [request.method, request.apiKeyOk])).toEqual([
      ['PATCH', true],
      ['PATCH', false],
      ['PATCH', false],
    ]);
  });

  it('serves the legacy /issues/ route, and only that one when legacyOnly', async () => {
    const current = await fake();
    const legacy = await fake({ legacyOnly: true });
    const a = world(current).item;
    const b = world(legacy).item;

    const old = await patch(current, a, { target_date: '2025-02-05' }, { route: 'issues' });
    const hidden = await patch(legacy, b, { target_date: '2025-02-06' });
    const served = await patch(legacy, b, { target_date: '2025-02-07' }, { route: 'issues' });

    expect(old.status).toBe(200);
    expect(current.issue(a.id)?.target_date).toBe('2025-02-05');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ error: 'Page not found.' });
    expect(served.status).toBe(200);
    expect(served.body.target_date).toBe('2025-02-07');
    expect(legacy.writes.map((write) => [write.issueId, write.status])).toEqual([
      [b.id, 404],
      [b.id, 200],
    ]);
  });

  it('counts a PATCH against the rate limit, and a throttled PATCH changes nothing', async () => {
    const clock = 1_700_000_000_000;
    const plane = await fake({ rateLimitPerMinute: 2, rateLimitWindowMs: 1000, rateLimitNow: () => clock });
    const { item } = world(plane);

    const read = await getItem(plane, item);
    const write = await patch(plane, item, { target_date: '2025-02-05' });
    const throttledRead = await getItem(plane, item);
    const throttledWrite = await patch(plane, item, { target_date: '2025-02-06' });

    expect(read.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(write.status).toBe(200);
    expect(write.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(throttledRead.status).toBe(429);
    expect(throttledWrite.status).toBe(429);
    expect(throttledWrite.body).toEqual({ error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' });
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-05');
  });

  it('applies a fault instead of the change, then serves the next PATCH', async () => {
    const plane = await fake();
    const { item } = world(plane);
    plane.failNext({ method: 'PATCH', pathIncludes: item.id }, { status: 500 });
    plane.failNext({ method: 'GET', pathIncludes: item.id }, { status: 502 });

    const failed = await patch(plane, item, { target_date: '2025-02-05' });
    const unchanged = plane.issue(item.id)?.target_date;
    const retried = await patch(plane, item, { target_date: '2025-02-05' });

    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: 'Something went wrong please try again later' });
    expect(unchanged).toBe('2025-02-01');
    expect(retried.status).toBe(200);
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-05');
    expect(plane.writes.map((write) => write.status)).toEqual([500, 200]);
  });

  it('still answers 405 to other methods, and to a PATCH of anything but a work item', async () => {
    const plane = await fake();
    const { web, item } = world(plane);

    const put = await call(plane, 'PUT', itemPath(plane, item), { body: '{"target_date": "2025-02-05"}' });
    const remove = await call(plane, 'DELETE', itemPath(plane, item));
    const project = await call(plane, 'PATCH', `/api/v1/workspaces/${plane.workspaceSlug}/projects/${web.id}/`, {
      body: '{"name": "X"}',
    });

    expect([put.status, remove.status, project.status]).toEqual([405, 405, 405]);
    expect(put.body).toEqual({ detail: 'Method "PUT" not allowed.' });
    expect(project.body).toEqual({ detail: 'Method "PATCH" not allowed.' });
    expect(plane.issue(item.id)?.target_date).toBe('2025-02-01');
    expect(plane.project(web.id)?.name).toBe('Website');
    expect(plane.writes).toEqual([
      {
        path: `/api/v1/workspaces/${plane.workspaceSlug}/projects/${web.id}/`,
        issueId: '',
        projectId: web.id,
        body: { name: 'X' },
        raw: '{"name": "X"}',
        status: 405,
      },
    ]);
  });
});
