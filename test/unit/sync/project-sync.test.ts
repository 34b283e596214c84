/**
 * One project's sync on the memory store: which calendar it takes (adoption, the mark, another
 * project's calendar), what a dry run reports about the calendar, and what confirming "gone"
 * issues costs in Plane requests.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { uidForIssue } from '../../../src/event/uid.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, memoryPage, project, syncSettings } from '../../support/builders.js';

const settings = syncSettings;

const stats = () => ({ plane: new RequestStats(), caldav: new RequestStats() });
let plane: MemoryPlane;
let store: MemoryCalendarStore;

beforeEach(() => {
  plane = new MemoryPlane();
  store = new MemoryCalendarStore();
});

const sync = (overrides: Partial<SyncSettings> = {}, on = store) =>
  runSync({ plane, store: on, stats: stats() }, settings(overrides));

async function eventsIn(url: string): Promise<string[]> {
  return (await store.list({ url, displayName: '' })).map((o) => /^UID:(.*)\r$/m.exec(o.data)?.[1] ?? '');
}

describe('which calendar a project takes', () => {
  it("a new project with the old name of another never adopts that project's calendar, nor deletes its events", async () => {
    const a = project({ identifier: 'A', name: 'Web' });
    plane.projects.push(a);
    const aIssues = [issue(a.id), issue(a.id)];
    plane.issues.push(...aIssues);
    await sync();
    const aCalendar = await store.calendarUrlFor(`plane-${a.id}`);

    // A is renamed "Web Old" and B "Web" is made; B comes first in the listing, before A's rename.
    a.name = 'Web Old';
    const b = project({ identifier: 'B', name: 'Web' });
    plane.projects.unshift(b);
    plane.issues.push(issue(b.id));
    const report = await sync();

    expect(report.totals).toMatchObject({ deleted: 0, failed: 0, created: 1 });
    const byId = Object.fromEntries(report.projects.map((p) => [p.identifier, p]));
    expect(byId.B).toMatchObject({ calendarCreated: true, calendarUrl: await store.calendarUrlFor(`plane-${b.id}`) });
    expect(byId.A).toMatchObject({
      calendarUrl: aCalendar,
      calendarRenamed: { from: 'Plane: Web', to: 'Plane: Web Old' },
    });
    expect((await eventsIn(aCalendar)).sort()).toEqual(aIssues.map((i) => uidForIssue(i.id)).sort());
    expect((await store.listCalendars()).map((c) => c.displayName).sort()).toEqual(['Plane: Web', 'Plane: Web Old']);
  });

  it('a calendar adopted by display name is marked, then followed through a project rename: no second calendar', async () => {
    const web = project({ identifier: 'WEB', name: 'Web' });
    plane.projects.push(web);
    plane.issues.push(issue(web.id), issue(web.id));
    const byHand = await store.createCalendar('memory://home/made-by-hand/', 'Plane: Web');

    const first = await sync();
    expect(first.projects[0]).toMatchObject({ calendarUrl: byHand.url, calendarCreated: false, created: 2 });
    expect(store.writes.filter((w) => w.op === 'mark')).toEqual([{ op: 'mark', url: byHand.url }]);
    expect((await store.listCalendars())[0]?.projectId).toBe(web.id);

    web.name = 'Web v2';
    const renamed = await sync();
    expect(renamed.projects[0]).toMatchObject({
      calendarUrl: byHand.url,
      calendarCreated: false,
      calendarRenamed: { from: 'Plane: Web', to: 'Plane: Web v2' },
    });
    expect(renamed.totals).toMatchObject({ created: 0, deleted: 0, updated: 2 }); // the calendar name is in each event's description
    expect((await store.listCalendars()).map((c) => [c.url, c.displayName])).toEqual([[byHand.url, 'Plane: Web v2']]);
    expect(await eventsIn(byHand.url)).toHaveLength(2);

    // The template changing is the same story.
    const templated = await sync({ calendarNameTemplate: '{identifier} tasks' });
    expect(templated.projects[0]).toMatchObject({ calendarUrl: byHand.url, calendarCreated: false });
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['WEB tasks']);
    expect(store.writes.filter((w) => w.op === 'mark')).toHaveLength(1); // marked once
  });

  it('a server that keeps no mark: the calendar is still adopted and synced; a warning, not a failure', async () => {
    const refusing = new MemoryCalendarStore('memory://home/', { deadProperties: false });
    const web = project({ identifier: 'WEB', name: 'Web' });
    plane.projects.push(web);
    plane.issues.push(issue(web.id));
    const byHand = await refusing.createCalendar('memory://home/made-by-hand/', 'Plane: Web');
    const warnings: string[] = [];

    const report = await sync({ onWarning: (m) => warnings.push(m) }, refusing);
    expect(report.projects[0]).toMatchObject({ calendarUrl: byHand.url, created: 1, failed: 0, errors: [] });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^WEB: the CalDAV server did not keep calplanebot's mark on the adopted calendar "Plane: Web"/,
      ),
    ]);
  });

  it('a dry run reports a pending rename without writing it', async () => {
    const web = project({ identifier: 'WEB', name: 'Web' });
    plane.projects.push(web);
    await sync();
    web.name = 'Web v2';
    const writes = store.writes.length;
    const report = await sync({ dryRun: true });
    expect(report.projects[0]).toMatchObject({
      calendarCreated: false,
      calendarRenamed: { from: 'Plane: Web', to: 'Plane: Web v2' },
    });
    expect(store.writes.length).toBe(writes);
    expect((await store.listCalendars())[0]?.displayName).toBe('Plane: Web');
  });

  it('a dry run of a project without dated issues still reports the calendar it would create', async () => {
    const empty = project({ identifier: 'EMPTY', name: 'Empty' });
    plane.projects.push(empty);
    const report = await sync({ dryRun: true });
    expect(report.projects[0]).toMatchObject({ calendarCreated: true, created: 0 });
    expect(store.writes).toEqual([]);
  });
});

describe('a transform error', () => {
  it('names the event UID as well as the issue', async () => {
    const web = project({ identifier: 'WEB', name: 'Web' });
    plane.projects.push(web);
    const broken = issue(web.id, { target_date: '2026-02-30' });
    plane.issues.push(broken);
    const report = await sync();
    expect(report.projects[0]!.errors).toEqual([
      expect.objectContaining({ operation: 'transform', issueId: broken.id, uid: uidForIssue(broken.id) }),
    ]);
  });
});

/** Counts what a sync asks Plane: issue-list pages and single-issue GETs. */
function counting(source: MemoryPlane) {
  const counts = { pages: 0, gets: 0 };
  const listIssues = source.listIssues.bind(source);
  const getIssue = source.getIssue.bind(source);
  source.listIssues = async function* (projectId: string) {
    for await (const page of listIssues(projectId)) {
      counts.pages += 1;
      yield page;
    }
  };
  source.getIssue = (projectId: string, issueId: string) => {
    counts.gets += 1;
    return getIssue(projectId, issueId);
  };
  return counts;
}

describe('confirming the issues a multi-page listing did not show', () => {
  const web = project({ identifier: 'WEB', name: 'Web' });
  let issues: PlaneIssue[];

  beforeEach(async () => {
    plane.pageSize = 2;
    plane.projects.push(web);
    issues = Array.from({ length: 10 }, () => issue(web.id));
    plane.issues.push(...issues);
    expect((await sync()).totals.created).toBe(10);
  });

  it('no more gone issues than pages: one GET each, and the listing is not read again', async () => {
    for (const gone of issues.slice(0, 2)) plane.remove(gone.id); // 8 left: 4 pages
    const counts = counting(plane);
    const report = await sync();
    expect(report.totals).toMatchObject({ deleted: 2, unchanged: 8, failed: 0 });
    expect(counts).toEqual({ pages: 4, gets: 2 });
  });

  it('more gone issues than pages: the listing is read once more instead, with no per-issue GET', async () => {
    for (const gone of issues.slice(0, 4)) plane.remove(gone.id); // 6 left: 3 pages
    const counts = counting(plane);
    const report = await sync();
    expect(report.totals).toMatchObject({ deleted: 4, unchanged: 6, failed: 0 });
    expect(counts).toEqual({ pages: 6, gets: 0 });
  });

  it('an issue the first listing skipped but the second one shows keeps its event', async () => {
    // 9 issues left (5 pages); the first listing misses 6 of them: more than pages, so a second listing decides.
    const hidden = new Set(issues.slice(0, 6).map((i) => i.id));
    const listIssues = plane.listIssues.bind(plane);
    let reads = 0;
    plane.listIssues = async function* (projectId: string) {
      reads += 1;
      for await (const page of listIssues(projectId))
        yield reads === 1 ? memoryPage(page.issues.filter((i) => !hidden.has(i.id))) : page;
    };
    plane.remove(issues[0]!.id); // really gone: its event goes; the five merely skipped stay
    const counts = counting(plane);
    const report = await sync();
    expect(reads).toBe(2);
    expect(counts).toEqual({ pages: 10, gets: 0 });
    expect(report.totals).toMatchObject({ deleted: 1, failed: 0 });
    expect(report.projects[0]!.changes.map((c) => c.issueId)).toEqual([issues[0]!.id]);
    expect(await eventsIn(await store.calendarUrlFor(`plane-${web.id}`))).toHaveLength(9);
  });

  it('a second listing that fails withholds every deletion', async () => {
    for (const gone of issues.slice(0, 4)) plane.remove(gone.id);
    const listIssues = plane.listIssues.bind(plane);
    let reads = 0;
    plane.listIssues = async function* (projectId: string) {
      reads += 1;
      if (reads === 2) throw new Error('HTTP 502 on the second listing');
      yield* listIssues(projectId);
    };
    const report = await sync();
    expect(report.totals.deleted).toBe(0);
    expect(report.projects[0]).toMatchObject({ withheldDeletes: { reason: 'listing-incomplete', count: 4 } });
    expect(report.projects[0]!.errors.map((e) => e.operation)).toEqual(['list-issues', 'delete-guard']);
  });
});
