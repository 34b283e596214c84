import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { InternalError } from '../../../src/errors.js';
import { objectNameForUid, uidForIssue } from '../../../src/event/uid.js';
import { findUidProblems, type UidProblem } from '../../../src/ops/uid-check.js';
import { applyFixes } from '../../../src/ops/uid-fix.js';
import { scanManagedCalendars } from '../../../src/ops/uid-scan.js';
import { calendarSlug } from '../../../src/sync/calendars.js';
import { issue, MemoryPlane, project } from '../../support/builders.js';

function ics(uid: string, summary = 'x'): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20251201T000000Z', 'DTSTART;VALUE=DATE:20251227', `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
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
  problems.map((p) => ({ kind: p.kind, reason: p.reason, uid: p.uid, calendar: p.calendar, fixes: p.fixes.map((f) => (f.op === 'delete' ? `delete ${f.href}` : `move ${f.from} -> ${f.to}`)) }));

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
        { kind: 'href-mismatch', reason: null, uid: u(misplaced.id), calendar: webUrl, fixes: [`move ${webUrl}renamed-by-an-app.ics -> ${at(webUrl, u(misplaced.id))}`] },
        { kind: 'duplicate', reason: 'other-calendar', uid: u(copied.id), calendar: apiUrl, fixes: [`delete ${at(apiUrl, u(copied.id))}`] },
        { kind: 'orphan', reason: 'wrong-project', uid: u(elsewhere.id), calendar: webUrl, fixes: [`move ${at(webUrl, u(elsewhere.id))} -> ${at(apiUrl, u(elsewhere.id))}`] },
        { kind: 'orphan', reason: 'issue-gone', uid: u(gone), calendar: webUrl, fixes: [`delete ${at(webUrl, u(gone))}`] },
        { kind: 'orphan', reason: 'no-target-date', uid: u(undated.id), calendar: webUrl, fixes: [`delete ${at(webUrl, u(undated.id))}`] },
        { kind: 'duplicate', reason: null, uid: u(doubled.id), calendar: webUrl, fixes: [`delete ${webUrl}copy-of-doubled.ics`] },
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
    store.putDirect(at(webUrl, uidForIssue(elsewhere.id)), ics(uidForIssue(elsewhere.id), 'with an alarm an app added'));
    store.putDirect(`${webUrl}odd-name.ics`, ics(uidForIssue(misplaced.id)));
    store.putDirect(at(webUrl, gone), ics(gone));
    const brokenEtag = store.putDirect(`${webUrl}broken.ics`, ics('plane-issue-not-a-uuid@calplanebot'));
    const foreignEtag = store.putDirect(`${webUrl}meeting.ics`, ics('meeting-1@example.com'));

    const outcomes = await applyFixes(store, (await check()).flatMap((p) => p.fixes));
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
      for await (const page of listIssues(projectId)) yield page.filter((i) => i.id !== hidden.id);
    };
    expect(await check()).toEqual([]);
  });
});
