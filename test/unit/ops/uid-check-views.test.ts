/**
 * `uid-check` over the calendars of every `calendars` entry: each calendar is judged by its own
 * entry's UID rule, so one work item's copies in several entries are no duplicates, and another
 * entry's UID inside a calendar is reported, never repaired.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { CalendarEntry } from '../../../src/config/types.js';
import { objectNameForUid, uidForIssue, uidScheme } from '../../../src/event/uid.js';
import { findUidProblems, type UidProblem } from '../../../src/ops/uid-check.js';
import { scanManagedCalendars } from '../../../src/ops/uid-scan.js';
import { calendarSlug } from '../../../src/sync/calendars.js';
import { calendarSlugFor } from '../../../src/views/targets.js';
import { issue, MemoryPlane, project } from '../../support/builders.js';

const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });
const ENTRIES: CalendarEntry[] = [
  { id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} },
  { id: 'mine', name: 'Mine', perProject: false, filter: {} },
  { id: 'hot', name: 'Hot {identifier}', perProject: true, filter: {} },
];
const mine = uidScheme('mine');
const hot = uidScheme('hot');

function ics(uid: string, projectId?: string): string {
  const mark = projectId ? [`X-CALPLANEBOT-PROJECT-ID:${projectId}`] : [];
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20251201T000000Z',
    'DTSTART;VALUE=DATE:20251227',
    'SUMMARY:x',
    ...mark,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

let plane: MemoryPlane;
let store: MemoryCalendarStore;
const urls: Record<string, string> = {};

beforeEach(async () => {
  plane = new MemoryPlane();
  plane.projects.push(web, api);
  store = new MemoryCalendarStore('memory://home/');
  const calendars: Array<[string, string]> = [
    ['web', calendarSlug(web.id)],
    ['api', calendarSlug(api.id)],
    ['mine', calendarSlugFor('mine', undefined)],
    ['hot-web', calendarSlugFor('hot', web.id)],
    ['hot-api', calendarSlugFor('hot', api.id)],
  ];
  for (const [name, slug] of calendars) {
    urls[name] = await store.calendarUrlFor(slug);
    await store.createCalendar(urls[name]!, name);
  }
});

const put = (calendar: string, uid: string, projectId?: string, name = objectNameForUid(uid)) =>
  store.putDirect(`${urls[calendar]}${name}`, ics(uid, projectId));
const check = async (projects: string[] = []): Promise<UidProblem[]> =>
  findUidProblems(
    await scanManagedCalendars(
      { plane, store },
      { projects, calendarNameTemplate: 'Plane: {project}', entries: ENTRIES },
    ),
  );
const brief = (problems: UidProblem[]) =>
  problems.map((p) => ({ kind: p.kind, reason: p.reason, calendar: p.calendar, fixes: p.fixes.map((f) => f.op) }));

describe('uid-check with calendars entries', () => {
  it('one item in the default, a combined and a per-project calendar, each under its own UID, is no problem', async () => {
    const a = issue(web.id);
    plane.issues.push(a);
    put('web', uidForIssue(a.id), web.id);
    put('mine', mine.uidFor(a.id), web.id);
    put('hot-web', hot.uidFor(a.id), web.id);
    expect(await check()).toEqual([]);
  });

  it("judges each entry by its own rule: duplicates, a renamed href, the wrong project, a gone issue, another entry's UID", async () => {
    const a = issue(web.id);
    const b = issue(api.id);
    const c = issue(web.id);
    plane.issues.push(a, b, c);
    const gone = '0e0e0e0e-0000-4000-8000-00000000000a';
    put('mine', mine.uidFor(a.id), web.id);
    put('mine', mine.uidFor(a.id), web.id, 'copy.ics'); // duplicate within the combined calendar
    put('mine', mine.uidFor(b.id), api.id, 'renamed.ics'); // only copy, at the wrong href
    put('hot-web', hot.uidFor(b.id), api.id); // API's item in WEB's calendar of "hot", and none in API's
    put('hot-api', hot.uidFor(gone), api.id); // the issue is gone
    put('hot-web', uidForIssue(c.id), web.id); // the default entry's UID in another entry's calendar
    const problems = brief(await check());
    expect(problems).toEqual(
      expect.arrayContaining([
        { kind: 'duplicate', reason: null, calendar: urls.mine, fixes: ['delete'] },
        { kind: 'href-mismatch', reason: null, calendar: urls.mine, fixes: ['move'] },
        { kind: 'orphan', reason: 'wrong-project', calendar: urls['hot-web'], fixes: ['move'] },
        { kind: 'orphan', reason: 'issue-gone', calendar: urls['hot-api'], fixes: ['delete'] },
        { kind: 'malformed-uid', reason: null, calendar: urls['hot-web'], fixes: [] },
      ]),
    );
    expect(problems).toHaveLength(5);
    // The move of API's item goes to API's calendar of the same entry, never to a default calendar.
    const moved = (await check()).find((p) => p.reason === 'wrong-project')?.fixes[0];
    expect(moved).toMatchObject({ op: 'move', to: `${urls['hot-api']}${objectNameForUid(hot.uidFor(b.id))}` });
  });

  it('without the default entry, its calendars are not checked (they belong to no entry)', async () => {
    const a = issue(web.id);
    plane.issues.push(a);
    put('web', uidForIssue('0e0e0e0e-0000-4000-8000-00000000000b'), web.id);
    const input = await scanManagedCalendars(
      { plane, store },
      { projects: [], calendarNameTemplate: 'x {project}', entries: ENTRIES.slice(1) },
    );
    expect(input.calendars.map((c) => c.url)).not.toContain(urls.web);
    expect(findUidProblems(input)).toEqual([]);
  });
});
