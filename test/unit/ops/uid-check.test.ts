import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { InternalError } from '../../../src/errors.js';
import { objectNameForUid, uidForIssue } from '../../../src/event/uid.js';
import { findUidProblems, type UidProblem } from '../../../src/ops/uid-check.js';
import { applyFixes } from '../../../src/ops/uid-fix.js';
import { scanManagedCalendars } from '../../../src/ops/uid-scan.js';
import { calendarSlug } from '../../../src/sync/calendars.js';
import { issue, MemoryPlane, memoryPage, project } from '../../support/builders.js';

function ics(uid: string, summary = 'x'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20251201T000000Z',
    'DTSTART;VALUE=DATE:20251227',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const TEMPLATE = 'Plane: {project}';
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });
let plane: MemoryPlane;
let store: MemoryCalendarStore;
let webUrl: string;
let apiUrl: string;

const at = (calendarUrl: string, uid: string) => `${calendarUrl}${objectNameForUid(uid)}`;

beforeEach(async () => {
  plane = new MemoryPlane();
  plane.projects.push(web, api);
  store = new MemoryCalendarStore('memory://home/');
  webUrl = await store.calendarUrlFor(calendarSlug(web.id));
  apiUrl = await store.calendarUrlFor(calendarSlug(api.id));
  await store.createCalendar(webUrl, 'Plane: Web');
  await store.createCalendar(apiUrl, 'Plane: Api');
});

async function check(projects: string[] = []): Promise<UidProblem[]> {
  return findUidProblems(await scanManagedCalendars({ plane, store }, { projects, calendarNameTemplate: TEMPLATE }));
}

const summary = (problems: UidProblem[]) =>
  problems.map((p) => ({
    kind: p.kind,
    reason: p.reason,
    uid: p.uid,
    calendar: p.calendar,
    fixes: p.fixes.map((f) => (f.op === 'delete' ? `delete ${f.href}` : `move ${f.from} -> ${f.to}`)),
  }));

describe('uid-check', () => {
  it('finds nothing in calendars that hold exactly what sync would write, plus foreign events', async () => {
    const a = issue(web.id);
    plane.issues.push(a);
    store.putDirect(at(webUrl, uidForIssue(a.id)), ics(uidForIssue(a.id)));
    store.putDirect(`${webUrl}meeting.ics`, ics('meeting-1@example.com'));
    store.putDirect(`${webUrl}garbage.ics`, 'not iCalendar at all');
    expect(await check()).toEqual([]);
  });

  it('reports every kind of problem and plans repairs for owned objects only', async () => {
    const misplaced = issue(web.id);
    const copied = issue(web.id);
    const elsewhere = issue(api.id);
    const undated = issue(web.id, { target_date: null });
    const doubled = issue(web.id);
    plane.issues.push(misplaced, copied, elsewhere, undated, doubled);
    const gone = '0e0e0e0e-0000-4000-8000-000000000009';
    const u = (id: string) => uidForIssue(id);
    store.putDirect(`${webUrl}renamed-by-an-app.ics`, ics(u(misplaced.id)));
    store.putDirect(at(webUrl, u(copied.id)), ics(u(copied.id)));
    store.putDirect(at(apiUrl, u(copied.id)), ics(u(copied.id)));
    store.putDirect(at(webUrl, u(elsewhere.id)), ics(u(elsewhere.id), 'alarm kept'));
    store.putDirect(at(webUrl, u(gone)), ics(u(gone)));
    store.putDirect(at(webUrl, u(undated.id)), ics(u(undated.id)));
    store.putDirect(at(webUrl, u(doubled.id)), ics(u(doubled.id)));
    store.putDirect(`${webUrl}copy-of-doubled.ics`, ics(u(doubled.id)));
    store.putDirect(`${webUrl}broken.ics`, ics('plane-issue-not-a-uuid@calplanebot'));
    store.putDirect(`${webUrl}meeting.ics`, ics('meeting-1@example.com'));

    const problems = summary(await check());
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        { kind: 'malformed-uid', reason: null, uid: 'plane-issue-not-a-uuid@calplanebot', calendar: webUrl, fixes: [] },
        {
          kind: 'href-mismatch',
          reason: null,
          uid: u(misplaced.id),
          calendar: webUrl,
          fixes: [`move ${webUrl}renamed-by-an-app.ics -> ${at(webUrl, u(misplaced.id))}`],
        },
        {
          kind: 'duplicate',
          reason: 'other-calendar',
          uid: u(copied.id),
          calendar: apiUrl,
          fixes: [`delete ${at(apiUrl, u(copied.id))}`],
        },
        {
          kind: 'orphan',
          reason: 'wrong-project',
          uid: u(elsewhere.id),
          calendar: webUrl,
          fixes: [`move ${at(webUrl, u(elsewhere.id))} -> ${at(apiUrl, u(elsewhere.id))}`],
        },
        {
          kind: 'orphan',
          reason: 'issue-gone',
          uid: u(gone),
          calendar: webUrl,
          fixes: [`delete ${at(webUrl, u(gone))}`],
        },
        {
          kind: 'orphan',
          reason: 'no-target-date',
          uid: u(undated.id),
          calendar: webUrl,
          fixes: [`delete ${at(webUrl, u(undated.id))}`],
        },
        {
          kind: 'duplicate',
          reason: null,
          uid: u(doubled.id),
          calendar: webUrl,
          fixes: [`delete ${webUrl}copy-of-doubled.ics`],
        },
      ]),
    );
    const everyFix = (await check()).flatMap((p) => p.fixes);
    expect(everyFix.map((f) => (f.op === 'delete' ? f.href : f.from))).not.toContain(`${webUrl}meeting.ics`);
    expect(everyFix.map((f) => (f.op === 'delete' ? f.href : f.from))).not.toContain(`${webUrl}broken.ics`);
  });

  it('repairs through the store; afterwards only the malformed (foreign) object is left, untouched', async () => {
    const elsewhere = issue(api.id);
    const misplaced = issue(web.id);
    plane.issues.push(elsewhere, misplaced);
    const gone = uidForIssue('0e0e0e0e-0000-4000-8000-00000000000a');
    store.putDirect(
      at(webUrl, uidForIssue(elsewhere.id)),
      ics(uidForIssue(elsewhere.id), 'with an alarm an app added'),
    );
    store.putDirect(`${webUrl}odd-name.ics`, ics(uidForIssue(misplaced.id)));
    store.putDirect(at(webUrl, gone), ics(gone));
    const brokenEtag = store.putDirect(`${webUrl}broken.ics`, ics('plane-issue-not-a-uuid@calplanebot'));
    const foreignEtag = store.putDirect(`${webUrl}meeting.ics`, ics('meeting-1@example.com'));

    const outcomes = await applyFixes(
      store,
      (await check()).flatMap((p) => p.fixes),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(summary(await check()).map((p) => p.kind)).toEqual(['malformed-uid']);
    // Moved whole, what the app added included.
    expect((await store.get(at(apiUrl, uidForIssue(elsewhere.id))))?.data).toContain('with an alarm an app added');
    expect(await store.get(at(webUrl, uidForIssue(elsewhere.id)))).toBeNull();
    expect(await store.get(at(webUrl, uidForIssue(misplaced.id)))).not.toBeNull();
    expect((await store.get(`${webUrl}broken.ics`))?.etag).toBe(brokenEtag);
    expect((await store.get(`${webUrl}meeting.ics`))?.etag).toBe(foreignEtag);
    expect(store.writes.map((w) => w.url)).not.toContain(`${webUrl}meeting.ics`);
    expect(store.writes.map((w) => w.url)).not.toContain(`${webUrl}broken.ics`);
  });

  it('a repair of an object that changed since the scan fails (If-Match) and leaves it', async () => {
    const gone = uidForIssue('0e0e0e0e-0000-4000-8000-00000000000b');
    store.putDirect(at(webUrl, gone), ics(gone));
    const fixes = (await check()).flatMap((p) => p.fixes);
    store.putDirect(at(webUrl, gone), ics(gone, 'edited meanwhile'));
    const [outcome] = await applyFixes(store, fixes);
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('changed') });
    expect((await store.get(at(webUrl, gone)))?.data).toContain('edited meanwhile');
  });

  describe('on a server that lists no ETags', () => {
    beforeEach(() => {
      const list = store.list.bind(store);
      store.list = async (calendar) => (await list(calendar)).map((object) => ({ ...object, etag: null }));
    });

    it('reads the object again and repairs it with the ETag just read when it still carries the UID', async () => {
      const gone = uidForIssue('0e0e0e0e-0000-4000-8000-00000000000d');
      store.putDirect(at(webUrl, gone), ics(gone));
      const fixes = (await check()).flatMap((p) => p.fixes);
      expect(fixes).toMatchObject([{ op: 'delete', etag: null }]);
      const [outcome] = await applyFixes(store, fixes);
      expect(outcome).toMatchObject({ ok: true });
      expect(await store.get(at(webUrl, gone))).toBeNull();
    });

    it('skips, and says so, an object that no longer carries the UID the scan found', async () => {
      const gone = uidForIssue('0e0e0e0e-0000-4000-8000-00000000000e');
      const href = `${webUrl}odd-name.ics`;
      store.putDirect(href, ics(gone));
      const fixes = (await check()).flatMap((p) => p.fixes);
      expect(fixes).toMatchObject([{ op: 'delete', href }]);
      // Meanwhile someone put their own event at that href.
      const theirs = store.putDirect(href, ics('meeting-2@example.com'));
      const writes = store.writes.length;
      const [outcome] = await applyFixes(store, fixes);
      expect(outcome).toMatchObject({
        ok: false,
        skipped: true,
        error: expect.stringContaining('now holds UID meeting-2@example.com'),
      });
      expect((await store.get(href))?.etag).toBe(theirs);
      expect(store.writes.length).toBe(writes);
    });

    it('a move carries the data read just now, not the data of the scan', async () => {
      const elsewhere = issue(api.id);
      plane.issues.push(elsewhere);
      const uid = uidForIssue(elsewhere.id);
      store.putDirect(at(webUrl, uid), ics(uid, 'as scanned'));
      const fixes = (await check()).flatMap((p) => p.fixes);
      store.putDirect(at(webUrl, uid), ics(uid, 'an alarm added after the scan'));
      expect((await applyFixes(store, fixes)).every((o) => o.ok)).toBe(true);
      expect((await store.get(at(apiUrl, uid)))?.data).toContain('an alarm added after the scan');
      expect(await store.get(at(webUrl, uid))).toBeNull();
    });
  });

  it('--project: an event of an unselected project is moved to its own calendar, not deleted', async () => {
    const strayed = issue(web.id);
    const copied = issue(web.id);
    const brokenInWeb = 'plane-issue-not-a-uuid@calplanebot';
    plane.issues.push(strayed, copied);
    store.putDirect(at(apiUrl, uidForIssue(strayed.id)), ics(uidForIssue(strayed.id), 'with an alarm an app added'));
    store.putDirect(at(apiUrl, uidForIssue(copied.id)), ics(uidForIssue(copied.id)));
    store.putDirect(`${webUrl}renamed.ics`, ics(uidForIssue(copied.id))); // WEB's own copy, at an odd name
    store.putDirect(`${webUrl}broken.ics`, ics(brokenInWeb));

    const problems = summary(await check(['API']));
    expect(problems).toEqual([
      {
        kind: 'orphan',
        reason: 'wrong-project',
        uid: uidForIssue(strayed.id),
        calendar: apiUrl,
        fixes: [`move ${at(apiUrl, uidForIssue(strayed.id))} -> ${at(webUrl, uidForIssue(strayed.id))}`],
      },
      // WEB has its own copy: API's goes. WEB's odd name and look-alike are WEB's business (not selected).
      {
        kind: 'duplicate',
        reason: 'other-calendar',
        uid: uidForIssue(copied.id),
        calendar: apiUrl,
        fixes: [`delete ${at(apiUrl, uidForIssue(copied.id))}`],
      },
    ]);
    expect(
      (
        await applyFixes(
          store,
          (await check(['API'])).flatMap((p) => p.fixes),
        )
      ).every((o) => o.ok),
    ).toBe(true);
    expect((await store.get(at(webUrl, uidForIssue(strayed.id))))?.data).toContain('with an alarm an app added');
    expect(await check(['API'])).toEqual([]);
  });

  it('--project naming an archived project: not checked, and said so', async () => {
    const old = project({ identifier: 'OLD', name: 'Old', archived_at: '2025-11-01T00:00:00Z' });
    plane.projects.push(old);
    const warnings: string[] = [];
    const input = await scanManagedCalendars(
      { plane, store },
      { projects: ['WEB', 'OLD'], calendarNameTemplate: TEMPLATE, onWarning: (m) => warnings.push(m) },
    );
    expect(input.calendars.map((c) => c.projectId)).toEqual([web.id]);
    expect(warnings).toEqual([expect.stringMatching(/^project OLD is archived/)]);
  });

  it('refuses, before any request, to act on a UID it does not own', async () => {
    const foreign = { op: 'delete' as const, uid: 'meeting-1@example.com', href: `${webUrl}meeting.ics`, etag: null };
    store.putDirect(`${webUrl}meeting.ics`, ics('meeting-1@example.com'));
    const before = store.writes.length;
    await expect(applyFixes(store, [foreign])).rejects.toThrow(InternalError);
    expect(store.writes.length).toBe(before);
  });

  it('when another project cannot be listed, a seemingly gone issue is reported but not deleted', async () => {
    const gone = uidForIssue('0e0e0e0e-0000-4000-8000-00000000000c');
    store.putDirect(at(webUrl, gone), ics(gone));
    plane.failListing.add(api.id);
    const problems = await check(['WEB']);
    expect(problems).toMatchObject([{ kind: 'orphan', reason: 'issue-gone', fixes: [] }]);
  });

  it('asks Plane for an issue the listing did not show before calling it gone', async () => {
    const hidden = issue(web.id);
    plane.issues.push(hidden);
    store.putDirect(at(webUrl, uidForIssue(hidden.id)), ics(uidForIssue(hidden.id)));
    // The listing skips it (as a page shift would); getIssue still finds it.
    const listIssues = plane.listIssues.bind(plane);
    plane.listIssues = async function* (projectId: string) {
      for await (const page of listIssues(projectId)) yield memoryPage(page.issues.filter((i) => i.id !== hidden.id));
    };
    expect(await check()).toEqual([]);
  });
});
