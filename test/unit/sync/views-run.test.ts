/** runSync with several `calendars` entries over the same projects: one Plane read per project, per-calendar reports, convergence. */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { type CalendarEntry, DEFAULT_VIEW_ID } from '../../../src/config/types.js';
import { parseCalendarObject } from '../../../src/event/parse.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { PlaneIssue, PlaneLabel, PlaneUser } from '../../../src/plane/types.js';
import { type CalendarReport, hasFailures, type RunReport, sumTotals } from '../../../src/sync/report.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';

const HOME = 'memory://home/';
const TODAY = '2026-03-10';
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });
const BOB: PlaneUser = { id: 'bbbbbbbb-0000-4000-8000-0000000000bb', display_name: 'Bob', email: 'bob@example.com' };
const label = (name: string): PlaneLabel => ({ id: `label-${name}`, name, color: '#000' });

const DEFAULT: CalendarEntry = { id: DEFAULT_VIEW_ID, name: 'Plane: {project}', perProject: true, filter: {} };
const MINE: CalendarEntry = { id: 'mine', name: 'My work', perProject: false, filter: { assignees: ['me'] } };
const RELEASE: CalendarEntry = { id: 'release', name: 'Releases', perProject: false, filter: { labels: ['release'] } };
const ENTRIES = [DEFAULT, MINE, RELEASE];

let plane: MemoryPlane;
let store: MemoryCalendarStore;
let listings: string[];
let projectListings: number;
let items: Record<'webMine' | 'webBob' | 'webUndated' | 'apiMine' | 'apiNobody', PlaneIssue>;

beforeEach(() => {
  plane = new MemoryPlane();
  store = new MemoryCalendarStore(HOME);
  plane.projects.push(web, api);
  const me = plane.me;
  items = {
    webMine: issue(web.id, { assignees: [me], labels: [label('release')], target_date: '2026-03-12' }),
    webBob: issue(web.id, { assignees: [BOB], target_date: '2026-03-20' }),
    webUndated: issue(web.id, { assignees: [me], target_date: null }),
    // "me" is matched by id whatever its case; labels by name whatever theirs.
    apiMine: issue(api.id, {
      assignees: [{ ...me, id: me.id.toUpperCase() }],
      labels: [label('Release')],
      priority: 'high',
      target_date: '2026-04-01',
    }),
    apiNobody: issue(api.id, { target_date: '2026-02-01' }),
  };
  plane.issues.push(...Object.values(items));
  listings = [];
  const listIssues = plane.listIssues.bind(plane);
  plane.listIssues = (projectId: string) => {
    listings.push(projectId);
    return listIssues(projectId);
  };
  projectListings = 0;
  const listProjects = plane.listProjects.bind(plane);
  plane.listProjects = () => {
    projectListings += 1;
    return listProjects();
  };
});

function run(overrides: Partial<SyncSettings> = {}): Promise<RunReport> {
  return runSync(
    { plane, store, stats: { plane: new RequestStats(), caldav: new RequestStats() } },
    syncSettings({ entries: ENTRIES, today: TODAY, ...overrides }),
  );
}

const byKey = (report: RunReport) =>
  Object.fromEntries(report.calendars.map((c) => [c.projectId ? `${c.id}/${c.project}` : c.id, c]));

async function uidsIn(slug: string): Promise<string[]> {
  const calendar = (await store.listCalendars()).find((c) => c.url === `${HOME}${slug}/`);
  if (!calendar) return [];
  return (await store.list(calendar)).map((o) => parseCalendarObject(o.data).uid ?? '').sort();
}

describe('runSync with three entries over the same projects', () => {
  it("reads each project's work items once and the key owner once, however many calendars show them", async () => {
    const report = await run();
    expect(hasFailures(report)).toBe(false);
    expect([...listings].sort()).toEqual([web.id, api.id].sort());
    expect(projectListings).toBe(1);
    expect(plane.meLookups).toBe(1);
  });

  it('looks the key owner up once even when several entries say "me"', async () => {
    const myReleases: CalendarEntry = {
      id: 'my-releases',
      name: 'My releases',
      perProject: false,
      filter: { assignees: ['ME'], labels: ['release'] },
    };
    await run({ entries: [...ENTRIES, myReleases] });
    expect(plane.meLookups).toBe(1);
    expect(listings).toHaveLength(2);
  });

  it('never looks the key owner up when no filter says "me"', async () => {
    const bobs: CalendarEntry = {
      id: 'bob',
      name: 'Bob',
      perProject: false,
      filter: { assignees: ['bob@example.com'] },
    };
    const report = await run({ entries: [DEFAULT, RELEASE, bobs] });
    expect(plane.meLookups).toBe(0);
    expect(listings).toHaveLength(2);
    expect(byKey(report).bob?.created).toBe(1);
  });

  it('reports every calendar, in config order, and totals that are their sum', async () => {
    const report = await run();
    expect(report.calendars.map((c) => [c.id, c.project, c.name])).toEqual([
      ['projects', 'WEB', 'Plane: Web'],
      ['projects', 'API', 'Plane: Api'],
      ['mine', null, 'My work'],
      ['release', null, 'Releases'],
    ]);
    const calendars = byKey(report);
    expect(calendars['projects/WEB']).toMatchObject({
      projectId: web.id,
      created: 2,
      skipped: 1,
      calendarCreated: true,
      calendarUrl: `${HOME}plane-${web.id}/`,
    });
    expect(calendars['projects/API']).toMatchObject({
      projectId: api.id,
      created: 2,
      skipped: 0,
      calendarUrl: `${HOME}plane-${api.id}/`,
    });
    // The undated item is mine: skipped there too; the others' items are simply not selected.
    expect(calendars.mine).toMatchObject({
      projectId: null,
      project: null,
      created: 2,
      skipped: 1,
      calendarCreated: true,
      calendarUrl: `${HOME}plane-mine/`,
    });
    expect(calendars.release).toMatchObject({
      projectId: null,
      created: 2,
      skipped: 0,
      calendarUrl: `${HOME}plane-release/`,
    });
    expect(report.totals).toEqual(sumTotals(report.calendars));
    expect(report.totals).toMatchObject({ created: 8, skipped: 2, failed: 0 });
    // projects[] is today's report: the default entry's calendars.
    expect(report.projects.map((p) => [p.identifier, p.created])).toEqual([
      ['WEB', 2],
      ['API', 2],
    ]);
    expect(report.strayCalendars).toBeUndefined();
  });

  it("writes each calendar's own UIDs: today's in the default calendars, @{id}.calplanebot in the others", async () => {
    await run();
    expect(await uidsIn(`plane-${web.id}`)).toEqual(
      [`plane-issue-${items.webBob.id}@calplanebot`, `plane-issue-${items.webMine.id}@calplanebot`].sort(),
    );
    expect(await uidsIn('plane-mine')).toEqual(
      [`plane-issue-${items.apiMine.id}@mine.calplanebot`, `plane-issue-${items.webMine.id}@mine.calplanebot`].sort(),
    );
    expect(await uidsIn('plane-release')).toEqual(
      [
        `plane-issue-${items.apiMine.id}@release.calplanebot`,
        `plane-issue-${items.webMine.id}@release.calplanebot`,
      ].sort(),
    );
  });

  it('a second run plans nothing and writes nothing, still reading each project once', async () => {
    await run();
    const writes = store.writes.length;
    listings = [];
    const second = await run();
    expect(second.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 8, failed: 0 });
    expect(second.totals).toEqual(sumTotals(second.calendars));
    expect(
      second.calendars.every((c) => c.changes.length === 0 && !c.calendarCreated && c.calendarRenamed === null),
    ).toBe(true);
    expect(store.writes.length).toBe(writes);
    expect(listings).toHaveLength(2);
  });

  it('an item that stops matching loses its event in that calendar only', async () => {
    await run();
    plane.update(items.apiMine.id, { assignees: [BOB] });
    const report = await run();
    const calendars = byKey(report);
    expect(calendars.mine).toMatchObject({ deleted: 1, created: 0, updated: 0 });
    expect(calendars.mine?.changes).toEqual([
      expect.objectContaining({ op: 'delete', issueId: items.apiMine.id, applied: true }),
    ]);
    // Still shown elsewhere; its description (assignees) changed there.
    expect(calendars['projects/API']).toMatchObject({ deleted: 0, updated: 1 });
    expect(calendars.release).toMatchObject({ deleted: 0, updated: 1 });
    expect(await uidsIn('plane-mine')).toEqual([`plane-issue-${items.webMine.id}@mine.calplanebot`]);
    expect(report.totals).toEqual(sumTotals(report.calendars));
  });

  it('a window counts from `today`', async () => {
    const soon: CalendarEntry = {
      id: 'soon',
      name: 'Next two weeks',
      perProject: false,
      filter: { window: { pastDays: 0, futureDays: 14 } },
    };
    const report = await run({ entries: [soon] });
    expect(byKey(report).soon?.created).toBe(2); // 03-12 and 03-20; not 02-01, not 04-01, not undated
    const later = await run({ entries: [soon], today: '2026-03-19' });
    expect(byKey(later).soon).toMatchObject({ created: 1, deleted: 1 }); // 04-01 in, 03-12 out
    expect(later.calendars[0]?.changes.find((c) => c.op === 'delete')?.issueId).toBe(items.webMine.id);
  });
});

describe('the default entry next to other entries', () => {
  it("a filter on the `projects` entry filters today's calendars in place: same URLs, same UIDs, `not-selected` items removed", async () => {
    await run({ entries: undefined });
    const before = (await store.listCalendars()).map((c) => c.url).sort();
    const open: CalendarEntry = { ...DEFAULT, filter: { stateGroups: ['backlog', 'unstarted', 'started'] } };
    plane.update(items.webBob.id, { state: { id: 's-done', name: 'Done', color: '#0f0', group: 'completed' } });
    const report = await run({ entries: [open] });
    expect((await store.listCalendars()).map((c) => c.url).sort()).toEqual(before);
    expect(byKey(report)['projects/WEB']).toMatchObject({ deleted: 1, created: 0, calendarCreated: false });
    expect(await uidsIn(`plane-${web.id}`)).toEqual([`plane-issue-${items.webMine.id}@calplanebot`]);
  });

  // Finding: the default entry adopted the calendar of another entry by display name (it holds no
  // project mark and is not at a plane-{uuid} URL), marked it, and wrote its own copy of every item
  // into it: one calendar, each item twice under two UIDs, and no plane-{project id} calendar.
  it.each([
    [
      'a per-project entry with the same name template',
      { id: 'team', name: 'Plane: {project}', perProject: true, filter: {} },
      'plane-team-',
    ],
    [
      'a combined entry named like a project calendar',
      { id: 'web-all', name: 'Plane: Web', perProject: false, filter: { projects: ['WEB'] } },
      'plane-web-all',
    ],
  ] as const)(
    'never adopts the calendar of %s (the `projects` entry added after it)',
    async (_what, other, slugPrefix) => {
      await run({ entries: [other as CalendarEntry] });
      const report = await run({ entries: [other as CalendarEntry, DEFAULT] });
      const own = report.calendars.find((c) => c.id === DEFAULT_VIEW_ID && c.project === 'WEB');
      const theirs = report.calendars.find((c) => c.id === other.id && (c.project === 'WEB' || c.project === null));
      expect(theirs?.calendarUrl).toContain(slugPrefix);
      expect(own?.calendarUrl).toBe(`${HOME}plane-${web.id}/`);
      expect(own?.calendarCreated).toBe(true);
      const urls = (await store.listCalendars()).map((c) => c.url);
      expect(urls).toContain(`${HOME}plane-${web.id}/`);
      // No calendar holds the same item twice.
      for (const calendar of await store.listCalendars()) {
        const issueIds = (await store.list(calendar)).map((o) =>
          parseCalendarObject(o.data).uid?.replace(/^plane-issue-([0-9a-f-]{36})@.*$/i, '$1'),
        );
        expect(new Set(issueIds).size, calendar.url).toBe(issueIds.length);
      }
    },
  );
});

describe('a --project shard of a calendar spanning projects', () => {
  it("reconciles only the share of the projects it read, and leaves the others' events alone", async () => {
    await run();
    plane.remove(items.apiMine.id);
    plane.update(items.webMine.id, { name: 'Renamed' });
    const shard = await run({ projects: ['WEB'], configuredProjects: [] });
    expect([...listings].filter((id) => id === api.id)).toHaveLength(1); // only the first run's
    const calendars = byKey(shard);
    expect(Object.keys(calendars).sort()).toEqual(['mine', 'projects/WEB', 'release']);
    expect(calendars.mine).toMatchObject({ updated: 1, deleted: 0, outOfScope: 1 });
    expect(calendars.release).toMatchObject({ updated: 1, deleted: 0, outOfScope: 1 });
    expect(await uidsIn('plane-mine')).toContain(`plane-issue-${items.apiMine.id}@mine.calplanebot`);
    // A full run then removes it.
    const full = await run();
    expect(byKey(full).mine).toMatchObject({ deleted: 1 });
    expect(byKey(full).mine?.outOfScope).toBeUndefined();
  });

  it('a shard that covers every project an entry names reconciles that calendar whole', async () => {
    const webReleases: CalendarEntry = {
      id: 'web-releases',
      name: 'Web releases',
      perProject: false,
      filter: { projects: ['web'], labels: ['release'] },
    };
    await run({ entries: [webReleases] });
    plane.remove(items.webMine.id);
    const shard = await run({ entries: [webReleases], projects: ['WEB'], configuredProjects: [] });
    expect(byKey(shard)['web-releases']).toMatchObject({ deleted: 1 });
    expect(byKey(shard)['web-releases']?.outOfScope).toBeUndefined();
  });
});

describe('an entry removed from the config', () => {
  it('leaves its calendar and events as they are and warns once, naming it (strayCalendars)', async () => {
    await run();
    const before = await uidsIn('plane-mine');
    const writes = store.writes.length;
    const report = await run({ entries: [DEFAULT, RELEASE] });
    expect(report.strayCalendars).toEqual([{ url: `${HOME}plane-mine/`, displayName: 'My work' }]);
    const strayWarnings = (report.warnings ?? []).filter((w) => w.includes('plane-mine'));
    expect(strayWarnings).toHaveLength(1);
    expect(strayWarnings[0]).toContain('My work');
    expect(await uidsIn('plane-mine')).toEqual(before);
    expect(store.writes.slice(writes)).toEqual([]);
    expect(report.calendars.map((c) => c.id)).not.toContain('mine');
  });
});

describe('warnings about filters that match nothing', () => {
  it('names a filter.projects value naming no project, and assignees and labels no item carries', async () => {
    const typos: CalendarEntry = {
      id: 'typos',
      name: 'Typos',
      perProject: false,
      filter: { projects: ['WEB', 'WBE'], assignees: ['Dave', 'bob'], labels: ['relase'] },
    };
    const report = await run({ entries: [DEFAULT, typos] });
    const warnings = report.warnings ?? [];
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^calendars\[1\]\.filter\.projects: .*"WBE"/),
        expect.stringMatching(/^calendars\[1\]\.filter\.assignees: .*"Dave"/),
        expect.stringMatching(/^calendars\[1\]\.filter\.labels: .*"relase"/),
      ]),
    );
    expect(warnings.some((w) => w.includes('"bob"'))).toBe(false);
    expect(hasFailures(report)).toBe(false); // warnings, not errors
  });

  it('stays quiet when every value matches', async () => {
    const report = await run();
    expect(report.warnings ?? []).toEqual([]);
  });
});

describe('request budget with and without entries', () => {
  it('the default config reads the same as before entries existed: projects, then each project once, no users/me', async () => {
    const report = await run({ entries: undefined });
    expect(projectListings).toBe(1);
    expect(listings).toHaveLength(2);
    expect(plane.meLookups).toBe(0);
    expect(report.calendars.map((c: CalendarReport) => c.id)).toEqual(['projects', 'projects']);
  });
});

describe('how items look (summary, dates, completed) through a run', () => {
  const SHAPED: CalendarEntry = {
    id: 'plan',
    name: 'Plan',
    perProject: false,
    filter: {},
    summary: '{identifier}-{sequence} {name}',
    dates: 'span',
    completed: 'hide',
  };
  const objectsOf = async (url: string) =>
    (await store.list({ url, displayName: '' })).map((o) => parseCalendarObject(o.data));

  it('renders the template and the span, hides completed items, and a changed template rewrites each object once', async () => {
    plane.update(items.webBob.id, { start_date: '2026-03-16' });
    plane.update(items.apiNobody.id, { state: { id: 'done', name: 'Done', color: '#0f0', group: 'completed' } });
    const first = await run({ entries: [DEFAULT, SHAPED] });
    const plan = first.calendars.find((c) => c.id === 'plan')!;
    expect(plan.created).toBe(3); // webMine, webBob, apiMine; apiNobody is completed, webUndated has no date
    const parsed = await objectsOf(plan.calendarUrl!);
    const bob = parsed.find((o) => o.uid?.startsWith(`plane-issue-${items.webBob.id}`))!;
    expect(bob.fields).toMatchObject({
      summary: `WEB-${items.webBob.sequence_id} ${items.webBob.name}`,
      start: '2026-03-16',
      end: '2026-03-21',
    });
    // The default calendar is as it always was: completed items shown, today's summary.
    const defaults = first.calendars.filter((c) => c.id === DEFAULT_VIEW_ID);
    expect(defaults.reduce((n, c) => n + c.created, 0)).toBe(4);

    expect((await run({ entries: [DEFAULT, SHAPED] })).totals).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    const renamed = await run({ entries: [DEFAULT, { ...SHAPED, summary: '{name} ({priority})' }] });
    expect(renamed.calendars.find((c) => c.id === 'plan')).toMatchObject({ created: 0, updated: 3, deleted: 0 });
    expect(renamed.calendars.filter((c) => c.id === DEFAULT_VIEW_ID).every((c) => c.updated === 0)).toBe(true);
    const shown = await run({ entries: [DEFAULT, { ...SHAPED, summary: '{name} ({priority})', completed: 'show' }] });
    expect(shown.calendars.find((c) => c.id === 'plan')).toMatchObject({ created: 1, updated: 0, deleted: 0 });
  });
});

describe('alarms through a run', () => {
  const ALARMED: CalendarEntry = {
    id: 'remind',
    name: 'Reminders',
    perProject: false,
    filter: {},
    alarms: ['-PT15H', '-P1D'],
  };

  it('adds the configured alarms, and one alarm fewer rewrites each object once, keeping an alarm a person added', async () => {
    const first = await run({ entries: [ALARMED] });
    const remind = first.calendars[0]!;
    expect(remind.created).toBe(4);
    const objects = await store.list({ url: remind.calendarUrl!, displayName: '' });
    expect(objects.every((o) => parseCalendarObject(o.data).fields?.alarms?.length === 2)).toBe(true);
    // A person adds an alarm of their own to one event in their app.
    const [edited] = objects as [(typeof objects)[number]];
    await store.update(
      edited.href,
      edited.data.replace('END:VEVENT', 'BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT'),
      edited.etag,
    );

    expect((await run({ entries: [ALARMED] })).totals).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    const fewer = await run({ entries: [{ ...ALARMED, alarms: ['-PT15H'] }] });
    expect(fewer.totals).toMatchObject({ created: 0, updated: 4, deleted: 0 });
    expect(fewer.calendars[0]?.changes.every((c) => c.fields.map((f) => f.field).join() === 'alarms')).toBe(true);
    const after = (await store.get(edited.href))!.data;
    expect(after).toContain('TRIGGER:-PT5M');
    expect(parseCalendarObject(after).fields?.alarms).toEqual(['-PT15H']);
    expect((await run({ entries: [{ ...ALARMED, alarms: ['-PT15H'] }] })).totals).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
    });
  });
});
