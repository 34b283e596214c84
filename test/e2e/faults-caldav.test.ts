/**
 * Fault injection between the CLI and Radicale. For each fault: the exit code, nothing lost, no
 * foreign object touched, no duplicate, and the next clean run converges (faults-harness.ts).
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { uidForIssue } from '../../src/event/uid.js';
import {
  calendarOf,
  cli,
  converges,
  doneInCalendar,
  expectSafe,
  FOREIGN_ICS,
  foreignTouched,
  nextIdentifier,
  outcome,
  pendingChanges,
  prepare,
  type Scenario,
  STALL_MS,
  sync,
  syncElsewhere,
  uidOf,
  useWorld,
  variantConfig,
  type World,
} from './faults-harness.js';

let world: World;
useWorld((started) => (world = started));

const PUT = 'PUT';
const status = (n: number, headers: Record<string, string> = {}, body = '') => ({ status: n, headers, body });

describe('CalDAV server errors', () => {
  it('PUT → 500 once: retried, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, status(500), { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ created: 1, updated: 1, deleted: 1, failed: 0 });
    expect(world.dav.faulted()).toHaveLength(1);
    await expectSafe(world, s, run);
  });

  it('PUT of one event → 502 on every attempt: that event fails (exit 3), the rest is written', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.fresh.id);
    world.dav.inject(
      { method: PUT, bodyIncludes: uid },
      status(502, { 'content-type': 'text/html' }, '<h1>502 Bad Gateway</h1>'),
    );
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'create', uid, status: 502 })]);
    expect(run.report!.totals).toMatchObject({ updated: 1, deleted: 1, failed: 1 });
    expect(world.dav.faulted()).toHaveLength(3); // 3 attempts, then given up
    expect(run.stderr).toMatch(/create plane-issue-.* failed: PUT .* answered 502/);
    await expectSafe(world, s, run);
  });

  it('PUT → 503 with Retry-After once: waited out, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, status(503, { 'Retry-After': '1' }), { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    expect(run.stderr).toMatch(/retrying PUT .* \(HTTP 503/);
    await expectSafe(world, s, run);
  });

  it('the calendar listing → 503 with Retry-After, always: the project fails (exit 3) and nothing is written', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, status(503, { 'Retry-After': '1' }));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'list-calendar', status: 503 })]);
    expect(world.dav.requests.filter((r) => r.method === PUT || r.method === 'DELETE')).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('a 429 storm on every write: each write gives up after its waits (exit 3), nothing lost', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, status(429, { 'Retry-After': '2' }));
    world.dav.inject({ method: 'DELETE' }, status(429, { 'Retry-After': '2' }));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors.map((e) => [e.operation, e.status]).sort()).toEqual([
      ['create', 429],
      ['delete', 429],
      ['update', 429],
    ]);
    await expectSafe(world, s, run);
  });

  it('a short 429 burst: waited out, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, status(429, { 'Retry-After': '1' }), { times: 4 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(4);
    await expectSafe(world, s, run);
  });

  it('507 Insufficient Storage on one create: that event fails and is reported, the run goes on (exit 3)', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.fresh.id);
    world.dav.inject({ method: PUT, bodyIncludes: uid }, status(507));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([
      expect.objectContaining({ operation: 'create', uid, status: 507, hint: expect.stringMatching(/out of storage/) }),
    ]);
    expect(world.dav.faulted()).toHaveLength(1); // not retried
    expect(run.report!.totals).toMatchObject({ updated: 1, deleted: 1 });
    await expectSafe(world, s, run);
  });

  it('a PUT answered 207 with an inner 409: a failure of that event, never a success (exit 3)', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.fresh.id);
    const body = `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/x.ics</D:href><D:status>HTTP/1.1 409 Conflict</D:status></D:response></D:multistatus>`;
    world.dav.inject({ method: PUT, bodyIncludes: uid }, status(207, { 'content-type': 'application/xml' }, body));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'create', uid, status: 409 })]);
    await expectSafe(world, s, run);
  });

  it('401 from the CalDAV server: not retried, exit 1, says to check the credentials and names the host', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({}, status(401, { 'WWW-Authenticate': 'Basic realm="Radicale"' }));
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('check the CalDAV credentials');
    expect(run.stderr).toContain(new URL(world.dav.url).host);
    // Not retried: no request is repeated (a cached calendar home may cost one fresh discovery).
    const sent = world.dav.requests.map((r) => `${r.method} ${r.path}`);
    expect(new Set(sent).size, run.stderr).toBe(sent.length);
    expect(sent.length).toBeLessThanOrEqual(2);
    await expectSafe(world, s, run);
  });
});

describe('credentials refused mid-run', () => {
  it('401 on the calendar listing, after discovery worked: the run stops, exit 1, nothing written', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, status(401));
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.hint).toContain('check the CalDAV credentials');
    expect(world.dav.requests.filter((r) => r.method === 'REPORT')).toHaveLength(1);
    expect(world.dav.requests.filter((r) => r.method === PUT || r.method === 'DELETE')).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('403 on one PUT: that event fails with a write-permission hint (not a credentials one), the rest is written, exit 3', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.renamed.id);
    world.dav.inject({ method: PUT, bodyIncludes: uid }, status(403));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([
      expect.objectContaining({
        operation: 'update',
        uid,
        status: 403,
        hint: expect.stringMatching(/may write to this calendar/),
      }),
    ]);
    expect(run.report!.totals).toMatchObject({ created: 1, deleted: 1 });
    await expectSafe(world, s, run);
  });
});

describe('CalDAV transport faults', () => {
  it('connection reset before a PUT reaches the server (once): retried, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, { reset: 'before' }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: PUT, fault: 'reset before', status: 0 })]);
    await expectSafe(world, s, run);
  });

  it('connection reset after the server created the event: the retry meets 412, re-plans, no duplicate, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT, bodyIncludes: uidForIssue(s.issues.fresh.id) }, { reset: 'after' }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ created: 1, failed: 0 });
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: PUT, fault: 'reset after' })]);
    await expectSafe(world, s, run);
  });

  it('connection reset after the server deleted the event: the retry meets 404, counted as done, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'DELETE' }, { reset: 'after' }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ deleted: 1, failed: 0 });
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'DELETE', fault: 'reset after' })]);
    await expectSafe(world, s, run);
  });

  it('the listing stalls past the timeout (once): retried, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, { stallMs: STALL_MS }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/retrying REPORT .*no answer within/);
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'REPORT', fault: 'stall before' })]);
    await expectSafe(world, s, run);
  });

  it('an update is applied but its answer never comes: the retry meets 412, re-plans, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject(
      { method: PUT, bodyIncludes: uidForIssue(s.issues.renamed.id) },
      { stallMs: STALL_MS, when: 'after' },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ updated: 1, failed: 0 });
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: PUT, fault: 'stall after' })]);
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    await expectSafe(world, s, run);
  });

  it('the listing body is cut mid-way (once): retried, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, { truncateAt: 300 }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'REPORT', fault: 'truncate at 300' })]);
    // The listing cut, the listing again, then the sync-collection confirming the run's own write.
    expect(world.dav.requests.filter((r) => r.method === 'REPORT')).toHaveLength(3);
    await expectSafe(world, s, run);
  });

  it('the listing body is cut on every attempt: the project fails (exit 3), nothing written or deleted', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, { truncateAt: 300 });
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(world.dav.faulted()).toHaveLength(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'list-calendar' })]);
    expect(world.dav.requests.filter((r) => r.method === PUT || r.method === 'DELETE')).toEqual([]);
    await expectSafe(world, s, run);
  });
});

describe('CalDAV races', () => {
  it('another writer changes the event between our listing and our update: 412, re-read, re-plan, both changes kept', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.renamed.id);
    world.dav.inject(
      { method: PUT, bodyIncludes: uid },
      {
        before: async () => {
          const current = (await world.reader.list(s.calendar)).find((o) => uidOf(o.data) === uid)!;
          const withAlarm = current.data.replace(
            'END:VEVENT',
            'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT',
          );
          await world.reader.update(current.href, withAlarm, current.etag);
        },
      },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    const after = (await world.reader.list(s.calendar)).find((o) => uidOf(o.data) === uid)!;
    expect(after.data).toContain('Renamed now');
    expect(after.data).toContain('TRIGGER:-PT10M');
    await expectSafe(world, s, run);
  });

  it('two syncs at once on an existing calendar converge with exactly one event per issue', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, { barrier: 2 }, { times: 2 }); // both list before either writes
    const [a, b] = await Promise.all([sync(world, s.project), syncElsewhere(world, s.project)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(world.dav.faulted()).toHaveLength(2); // both listings were held until both had arrived
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    await expectSafe(world, s, [a, b]);
  });

  it('two first syncs at once create one calendar and one event per issue', async () => {
    const identifier = nextIdentifier('C');
    const project = world.plane.addProject({ name: `Race ${identifier}`, identifier });
    for (let i = 0; i < 5; i += 1)
      world.plane.addIssue(project.id, { name: `Race ${i}`, target_date: `2025-12-1${i}` });
    world.dav.reset();
    world.dav.inject({ method: 'MKCALENDAR' }, { barrier: 2 }, { times: 2 });
    const [a, b] = await Promise.all([sync(world, project), syncElsewhere(world, project)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(world.dav.faulted()).toHaveLength(2);
    expect(await foreignTouched(world)).toBe(0);
    world.dav.clearFaults();
    const calendar = await calendarOf(world, project);
    const uids = (await world.reader.list(calendar)).map((o) => uidOf(o.data));
    expect(uids.sort()).toEqual(
      world.plane
        .issues(project.id)
        .map((i) => uidForIssue(i.id))
        .sort(),
    );
    expect(await pendingChanges(world, project)).toBe(0);
  });
});

describe('managed calendar gone', () => {
  it('a 404 on the calendar listing rediscovers the calendar once and goes on (exit 0)', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'REPORT' }, status(404, {}, 'Not Found'), { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'REPORT', status: 404 })]);
    expect(world.dav.requests.filter((r) => r.method === 'PROPFIND').length).toBeGreaterThan(0); // the calendar list, read again
    expect(run.report!.totals).toMatchObject({ created: 1, updated: 1, deleted: 1 });
    await expectSafe(world, s, run);
  });

  it('a calendar created by the server whose answer was lost is adopted, not made twice (exit 0)', async () => {
    const identifier = nextIdentifier('C');
    const project = world.plane.addProject({ name: `Lost answer ${identifier}`, identifier });
    const issue = world.plane.addIssue(project.id, { name: 'First', target_date: '2025-12-20' });
    world.dav.reset();
    world.dav.inject({ method: 'MKCALENDAR' }, { reset: 'after' }, { times: 1 });
    const run = await sync(world, project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'MKCALENDAR', fault: 'reset after' })]);
    expect(await foreignTouched(world)).toBe(0);
    const calendar = await calendarOf(world, project);
    expect((await world.reader.list(calendar)).map((o) => uidOf(o.data))).toEqual([uidForIssue(issue.id)]);
    expect(await pendingChanges(world, project)).toBe(0);
  });
});

const eventOf = async (s: Scenario, issueId: string) =>
  (await world.reader.list(s.calendar)).find((o) => uidOf(o.data) === uidForIssue(issueId))!;
const pathOf = (href: string) => decodeURIComponent(new URL(href).pathname);
const WITH_ALARM = (data: string) =>
  data.replace(
    'END:VEVENT',
    'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT',
  );

describe('CalDAV faults on every attempt', () => {
  it('connection reset on every write: each write fails after 3 attempts (exit 3), nothing lost', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT }, { reset: 'before' });
    world.dav.inject({ method: 'DELETE' }, { reset: 'before' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors.map((e) => e.operation).sort()).toEqual(['create', 'delete', 'update']);
    for (const error of run.errors) {
      expect(error.message).toMatch(/failed: (ECONNRESET|UND_ERR_SOCKET)/);
      expect(error.hint).toBe(`check that ${new URL(world.dav.url).host} is reachable`);
    }
    expect(world.dav.faulted()).toHaveLength(9); // 3 writes × 3 attempts
    await expectSafe(world, s, run);
  });

  it('the CalDAV server unreachable for the whole run (every connection reset): exit 1 at the calendar list, naming the host', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({}, { reset: 'before' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.message).toMatch(/PROPFIND .* failed: (ECONNRESET|UND_ERR_SOCKET)/);
    expect(run.fatal?.hint).toBe(`check that ${new URL(world.dav.url).host} is reachable`);
    expect(world.dav.faulted()).toHaveLength(3); // one request, 3 attempts, then the run stops
    await expectSafe(world, s, run);
  });

  it('every PUT of one event stalls past the timeout: that event fails after 3 attempts (exit 3), the rest is written', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.fresh.id);
    world.dav.inject({ method: PUT, bodyIncludes: uid }, { stallMs: STALL_MS });
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([
      expect.objectContaining({ operation: 'create', uid, message: expect.stringMatching(/no answer within 2500 ms/) }),
    ]);
    expect(world.dav.faulted()).toHaveLength(3);
    await expectSafe(world, s, run);
  });
});

describe('CalDAV answers that are refused inside or cut short', () => {
  it('an update answered 207 with an inner 409: that update fails (exit 3), never a silent success; the old event is kept', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.renamed.id);
    const body = `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/x.ics</D:href><D:status>HTTP/1.1 409 Conflict</D:status></D:response></D:multistatus>`;
    world.dav.inject({ method: PUT, bodyIncludes: uid }, status(207, { 'content-type': 'application/xml' }, body));
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'update', uid, status: 409 })]);
    expect(world.dav.faulted()).toHaveLength(1); // a refusal is not retried
    await expectSafe(world, s, run);
  });

  it('a create whose answer is cut after the server stored it (once): the retry meets 412, re-plans, no duplicate, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT, bodyIncludes: uidForIssue(s.issues.fresh.id) }, { truncateAt: 0 }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toEqual([
      expect.objectContaining({ method: PUT, fault: 'truncate at 0', status: 201 }),
    ]);
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    await expectSafe(world, s, run);
  });

  it('an update whose answer is cut after the server stored it (once): the retry meets 412, re-plans, finds it done, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: PUT, bodyIncludes: uidForIssue(s.issues.renamed.id) }, { truncateAt: 0 }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    await expectSafe(world, s, run);
  });

  it('a DELETE whose answer is cut after the server deleted (once): the retry meets 404, counted as done, exit 0', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'DELETE' }, { truncateAt: 0 }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ deleted: 1, failed: 0 });
    expect(world.dav.faulted()).toEqual([expect.objectContaining({ method: 'DELETE', fault: 'truncate at 0' })]);
    expect(world.dav.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
    await expectSafe(world, s, run);
  });

  it("after a 412, the re-read (GET) is cut on every attempt: that update fails (exit 3), the other writer's change is kept; the next run applies ours on top", async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.renamed.id);
    world.dav.inject(
      { method: PUT, bodyIncludes: uid },
      {
        before: async () => {
          const current = await eventOf(s, s.issues.renamed.id);
          await world.reader.update(current.href, WITH_ALARM(current.data), current.etag);
        },
      },
      { times: 1 },
    );
    world.dav.inject({ method: 'GET' }, { truncateAt: 20 });
    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'update', uid })]);
    expect(world.dav.faulted().filter((r) => r.method === 'GET')).toHaveLength(3);
    expect((await eventOf(s, s.issues.renamed.id)).data).toContain('TRIGGER:-PT10M');
    await expectSafe(world, s, run);
    const after = (await eventOf(s, s.issues.renamed.id)).data;
    expect(after).toContain('Renamed now');
    expect(after).toContain('TRIGGER:-PT10M');
  });
});

describe('CalDAV races: the other writer deletes or changes first', () => {
  it('another writer deletes the event between our listing and our update: 412, re-read, the event is made again (exit 0)', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject(
      { method: PUT, bodyIncludes: uidForIssue(s.issues.renamed.id) },
      {
        before: async () => {
          const current = await eventOf(s, s.issues.renamed.id);
          await world.reader.delete(current.href, current.etag);
        },
      },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(412);
    await expectSafe(world, s, run);
  });

  it('another writer changes the event just before our DELETE: 412, re-read, still ours and its issue gone, so deleted (exit 0)', async () => {
    const s = await prepare(world, 'C');
    const gone = await eventOf(s, s.issues.gone.id);
    world.dav.inject(
      { method: 'DELETE', pathIncludes: pathOf(gone.href) },
      { before: async () => void (await world.reader.update(gone.href, WITH_ALARM(gone.data), gone.etag)) },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    expect(world.dav.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([
      412,
      expect.any(Number),
    ]);
    await expectSafe(world, s, run);
  });
});

describe('the harness itself', () => {
  it('catches a silent success: a create answered 201 that never reached the server fails the check', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject(
      { method: PUT, bodyIncludes: uidForIssue(s.issues.fresh.id) },
      status(201, { ETag: '"never-stored"' }),
    );
    const run = await sync(world, s.project);
    expect(run.code).toBe(0); // the run believes it
    await expect(expectSafe(world, s, run)).rejects.toThrow(/differs from what the run reported as written/);
  });
});

describe('Radicale, for real', () => {
  it('a create refused with 409 no-uid-conflict (our UID placed by hand at another href meanwhile) is found and updated there: no duplicate, exit 0', async () => {
    const s = await prepare(world, 'C');
    const uid = uidForIssue(s.issues.fresh.id);
    const byHand = `${s.calendar.url}placed-by-hand.ics`;
    world.dav.inject(
      { method: PUT, bodyIncludes: uid },
      {
        before: async () =>
          void (await world.reader.create(byHand, FOREIGN_ICS(uid).replace('SUMMARY:Dentist', 'SUMMARY:Stale copy'))),
      },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.dav.faulted()).toHaveLength(1);
    // Radicale's real answer to our If-None-Match PUT at the canonical href.
    expect(world.dav.requests.filter((r) => r.method === PUT).map((r) => r.status)).toContain(409);
    const holders = (await world.reader.list(s.calendar)).filter((o) => uidOf(o.data) === uid);
    expect(holders.map((o) => o.href)).toEqual([byHand]);
    expect(holders[0]!.data).toContain(`SUMMARY:[${s.issues.fresh.sequence_id}] Fresh`);
    await expectSafe(world, s, run);
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('refused outright', () => {
  it('403 on discovery (the account is refused): not retried, exit 1, says to check the CalDAV credentials, nothing written', async () => {
    const s = await prepare(world, 'C');
    world.dav.inject({ method: 'PROPFIND' }, status(403, {}, 'Forbidden'));
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.hint).toContain('check the CalDAV credentials');
    expect(run.fatal?.hint).toContain(new URL(world.dav.url).host);
    // A remembered calendar home costs one fresh discovery; nothing is retried.
    expect(world.dav.faulted().length).toBeGreaterThanOrEqual(1);
    expect(world.dav.faulted().length).toBeLessThanOrEqual(2);
    expect(world.dav.requests.filter((r) => r.method === PUT || r.method === 'DELETE')).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('connection refused (nothing listens at caldav.serverUrl): retried, then exit 1 naming the host; nothing lost, and the next run converges', async () => {
    const s = await prepare(world, 'C');
    const port = await closedPort();
    const config = variantConfig(world, (c) => (c.caldav!.serverUrl = `http://127.0.0.1:${port}/`));
    const run = await cli(world, ['sync', '--project', s.project.identifier], config);
    expect(run.code).toBe(1);
    expect(run.fatal?.message).toMatch(/failed: ECONNREFUSED/);
    expect(run.stderr).toMatch(/retrying PROPFIND .*ECONNREFUSED.*attempt 2/);
    expect(run.fatal?.hint).toBe(`check that 127.0.0.1:${port} is reachable`);
    expect(await outcome(world, s)).toEqual({ lost: 0, foreignTouched: 0, duplicates: 0 });
    expect([...(await doneInCalendar(world, s))]).toEqual([]);
    const clean = await converges(world, [s]);
    expect(clean.report!.totals).toMatchObject({ created: 1, updated: 1, deleted: 1, failed: 0 });
  });
});
