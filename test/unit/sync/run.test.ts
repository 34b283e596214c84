import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { RemoteObject } from '../../../src/caldav/store.js';
import { UsageError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { hasFailures } from '../../../src/sync/report.js';
import { runSync, selectProjects } from '../../../src/sync/run.js';
import { issue, MemoryPlane, memoryPage, project, syncSettings } from '../../support/builders.js';

const settings = syncSettings;

let plane: MemoryPlane;
let store: MemoryCalendarStore;
const stats = { plane: new RequestStats(), caldav: new RequestStats() };
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });

beforeEach(() => {
  plane = new MemoryPlane();
  store = new MemoryCalendarStore();
  plane.projects.push(web, api);
  plane.issues.push(issue(web.id), issue(web.id), issue(web.id, { target_date: null }), issue(api.id));
});

describe('runSync on the memory store', () => {
  it('creates one calendar per project and one event per dated issue, then converges', async () => {
    const first = await runSync({ plane, store, stats }, settings());
    expect(first.totals).toMatchObject({ created: 3, updated: 0, deleted: 0, skipped: 1, failed: 0 });
    expect((await store.listCalendars()).map((c) => c.displayName).sort()).toEqual(['Plane: Api', 'Plane: Web']);

    const writes = store.writes.length;
    const second = await runSync({ plane, store, stats }, settings());
    expect(second.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 3 });
    expect(store.writes.length).toBe(writes);
  });

  it('a dry run reports what it would do and writes nothing, not even a calendar', async () => {
    const report = await runSync({ plane, store, stats }, settings({ dryRun: true }));
    expect(report.dryRun).toBe(true);
    expect(report.totals.created).toBe(3);
    expect(report.projects.every((p) => p.calendarCreated)).toBe(true);
    expect(store.writes).toEqual([]);
  });

  it('renames the calendar it owns when the project is renamed, never making a second one', async () => {
    await runSync({ plane, store, stats }, settings());
    web.name = 'Web v2';
    await runSync({ plane, store, stats }, settings());
    const names = (await store.listCalendars()).map((c) => c.displayName).sort();
    expect(names).toEqual(['Plane: Api', 'Plane: Web v2']);
    web.name = 'Web';
  });

  it('one failing project does not stop the others, and deletes nothing', async () => {
    await runSync({ plane, store, stats }, settings());
    plane.failListing.add(web.id);
    plane.issues.push(issue(api.id));
    const report = await runSync({ plane, store, stats }, settings());
    const byId = Object.fromEntries(report.projects.map((p) => [p.identifier, p]));
    expect(byId.WEB?.errors[0]?.operation).toBe('list-issues');
    expect(byId.WEB?.deleted).toBe(0);
    expect(byId.API?.created).toBe(1);
  });

  it('re-reads and re-plans once when another writer changed the event first (412)', async () => {
    await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    const target = plane.issues.find((i) => i.project === web.id && i.target_date)!;
    plane.update(target.id, { name: 'Renamed in Plane' });

    // Between our listing and our write, a calendar app touches the event (new ETag).
    const racing = Object.create(store) as MemoryCalendarStore;
    racing.list = async (calendar) => {
      const listed: RemoteObject[] = await store.list(calendar);
      for (const o of listed) store.putDirect(o.href, o.data.replace('END:VEVENT', 'X-APP-TOUCHED:1\r\nEND:VEVENT'));
      return listed; // stale ETags
    };
    const report = await runSync({ plane, store: racing, stats }, settings({ projects: ['WEB'] }));
    expect(report.totals).toMatchObject({ updated: 1, failed: 0 });
    const stored = (await store.list((await store.listCalendars())[0]!)).map((o) => o.data).join('');
    expect(stored).toContain('Renamed in Plane');
    expect(stored).toContain('X-APP-TOUCHED:1'); // the other writer's addition survives the update
  });
});

describe('selectProjects', () => {
  const archived = project({ identifier: 'OLD', archived_at: '2025-01-01T00:00:00Z' });
  it('takes identifiers case-insensitively or UUIDs, and skips archived projects', () => {
    expect(selectProjects([web, api, archived], ['web', api.id]).map((p) => p.identifier)).toEqual(['WEB', 'API']);
    expect(selectProjects([web, archived], []).map((p) => p.identifier)).toEqual(['WEB']);
  });
  it('rejects an unknown project with the known identifiers as a hint', () => {
    expect(() => selectProjects([web, api], ['NOPE'])).toThrow(UsageError);
    try {
      selectProjects([web, api], ['NOPE']);
    } catch (error) {
      expect((error as UsageError).hint).toContain('WEB, API');
    }
  });
});

describe('a listing that fails after its first page', () => {
  it('plans the issues it read, deletes nothing, and reports the project failed (exit 3)', async () => {
    plane.pageSize = 2;
    plane.issues.push(issue(web.id), issue(web.id), issue(web.id));
    await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    const [calendar] = await store.listCalendars();
    const before = (await store.list(calendar!)).length;
    expect(before).toBe(5);

    // Page 1 will hold a new issue and a renamed one; a page-2 issue is really gone.
    const webIssues = plane.issues.filter((i) => i.project === web.id);
    const renamed = webIssues[0]!;
    plane.update(renamed.id, { name: 'Renamed on page 1' });
    plane.remove(webIssues.at(-1)!.id);
    const added = issue(web.id, { name: 'New on page 1' });
    plane.issues.unshift(added);
    plane.failListing.add(web.id);
    const writesBefore = store.writes.length;

    const report = await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    const webReport = report.projects[0]!;
    expect(webReport.errors.map((e) => e.operation)).toEqual(['list-issues', 'delete-guard']);
    expect(webReport.errors[0]?.message).toContain('page 2');
    expect(webReport.failed).toBeGreaterThan(0);
    // Every event whose issue was not on page 1 is a deletion candidate, and all are kept.
    expect(webReport.withheldDeletes).toEqual({ reason: 'listing-incomplete', count: before - 1 });
    expect(hasFailures(report)).toBe(true); // what makes `sync` exit 3
    expect(report.totals).toMatchObject({ created: 1, updated: 1, deleted: 0 });

    const writes = store.writes.slice(writesBefore);
    expect(writes.filter((w) => w.op === 'delete')).toEqual([]);
    expect(writes.filter((w) => w.op === 'put')).toHaveLength(2);
    const stored = (await store.list(calendar!)).map((o) => o.data);
    expect(stored).toHaveLength(before + 1);
    expect(stored.join('')).toContain('New on page 1');
    expect(stored.join('')).toContain('Renamed on page 1');
  });
});

describe('offset pagination safety', () => {
  it('does not delete the event of an issue a multi-page listing skipped, once Plane confirms it exists', async () => {
    plane.pageSize = 2;
    await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    const skipped = plane.issues.find((i) => i.project === web.id && i.target_date)!;
    // The list shifts while we page: this issue is on no page we read, yet it still exists.
    const listIssues = plane.listIssues.bind(plane);
    plane.listIssues = async function* (projectId: string) {
      for await (const page of listIssues(projectId)) yield memoryPage(page.issues.filter((i) => i.id !== skipped.id));
    };
    const report = await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    expect(report.totals).toMatchObject({ deleted: 0, failed: 0 });

    plane.remove(skipped.id); // now really gone: the confirmation says so and the event goes
    const after = await runSync({ plane, store, stats }, settings({ projects: ['WEB'] }));
    expect(after.totals.deleted).toBe(1);
  });
});
