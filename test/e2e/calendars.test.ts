/**
 * The `calendars` key end to end: the built CLI as a child process, a real Radicale behind a
 * recording proxy, and the fake Plane. Each scenario builds its own "world" (two projects, its own
 * entry ids, so its calendars are its own) and reads the result straight from Radicale: which UIDs
 * sit in which calendar, at which href, tagged with which project.
 *
 * Filter windows count from "today" in `sync.timeZone`. The zone is picked so that it is daytime
 * there (no midnight during the run) and its date differs from the machine's (TZ): items sit on the
 * window's first and last days and one day outside, so a run that counted in the machine's zone,
 * or got the inclusive ends wrong, fails.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RemoteObject } from '../../src/caldav/store.js';
import type { CalendarReport, RunReport } from '../../src/sync/report.js';
import type { WebhookReport } from '../../src/webhook/handle.js';
import { type CliResult, runCli, runJson, writeConfig } from '../support/cli.js';
import {
  type FakeIssue,
  type FakePlane,
  type FakeProject,
  type FakeUser,
  startFakePlane,
  type WebhookDelivery,
} from '../support/fake-plane.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy, WRITE_METHODS } from '../support/recording-proxy.js';
import { daysFrom } from '../support/sample-workspace.js';

const SECRET = 'plane_wh_9c1e2d3f4a5b69788796a5b4c3d2e1f0';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let reader: DavCalendarStore;
let homeUrl: string;
let bob: FakeUser;
const configDirs: string[] = [];

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 23 });
  dav = await startRecordingProxy(radicale.url);
  // Reads the calendars straight from Radicale, not through the proxy, so it never counts.
  reader = directStore(radicale);
  homeUrl = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
  bob = plane.addMember({ first_name: 'Bob', last_name: 'Builder', display_name: 'bob', email: 'bob@example.com' });
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
  for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
});

// ── "today" in the configured zone ────────────────────────────────────────

function wallClock(timeZone: string | undefined, at: Date): { date: string; hours: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    hours: Number(part('hour')) + Number(part('minute')) / 60,
  };
}

/** A fixed-offset IANA zone (Etc/GMT±N) where it is nearest noon now, among those whose date is not the machine's. */
function pickWindowZone(): { zone: string; today: string } {
  const now = new Date();
  const machine = wallClock(undefined, now).date;
  const zones: Array<{ zone: string; date: string; distance: number }> = [];
  for (let offset = -12; offset <= 14; offset += 1) {
    // The Etc names count the other way round: Etc/GMT+10 is UTC−10.
    const zone = offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const clock = wallClock(zone, now);
    zones.push({ zone, date: clock.date, distance: Math.abs(clock.hours - 12) });
  }
  const differing = zones.filter((z) => z.date !== machine);
  const best = (differing.length > 0 ? differing : zones).sort((a, b) => a.distance - b.distance)[0]!;
  return { zone: best.zone, today: best.date };
}

const { zone: ZONE, today: TODAY } = pickWindowZone();
const on = (days: number): string => daysFrom(TODAY, days);
/** The "my work" window: target dates from 7 days ago to 30 days ahead, both ends included. */
const WINDOW = { pastDays: 7, futureDays: 30 };

// ── the CLI ───────────────────────────────────────────────────────────────

function planeSection(projects: string[]): Record<string, unknown> {
  return {
    baseUrl: plane.url,
    webUrl: 'https://plane.example.test',
    workspaceSlug: plane.workspaceSlug,
    apiKey: plane.apiKey,
    projects,
  };
}

/** A config file (through the recording proxy), removed after the file's tests. */
function configWith(extra: Record<string, unknown>): string {
  const user = radicale.users[0]!;
  const file = writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: dav.url,
    username: user.username,
    password: user.password,
    extra,
  });
  configDirs.push(dirname(file));
  return file;
}

function cli(config: string, ...args: string[]): Promise<CliResult & { report: RunReport }> {
  return runJson(config, ...args);
}

/** Pipes a signed delivery to `handle-webhook --json`, the headers as options, like the receiver does. */
async function deliver(config: string, delivery: WebhookDelivery): Promise<CliResult & { report: WebhookReport }> {
  const headers = delivery.headers;
  const args = [
    '--json',
    '--config',
    config,
    'handle-webhook',
    `--signature=${headers['X-Plane-Signature'] ?? ''}`,
    `--event=${headers['X-Plane-Event'] ?? ''}`,
    `--delivery=${headers['X-Plane-Delivery'] ?? ''}`,
  ];
  dav.reset();
  const result = await runCli(args, { stdin: Buffer.from(delivery.body, 'utf8') });
  try {
    return { ...result, report: JSON.parse(result.stdout) as WebhookReport };
  } catch {
    throw new Error(`no JSON on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

function issueDelivery(action: 'created' | 'updated' | 'deleted', issue: FakeIssue, field?: string): WebhookDelivery {
  return plane.webhookDelivery('issue', action, issue.id, {
    secret: SECRET,
    deliveryId: randomUUID(),
    activity: field ? { field } : {},
  });
}

function writes(): string[] {
  return dav.requests
    .filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
}

// ── reading Radicale ──────────────────────────────────────────────────────

interface Stored {
  href: string;
  etag: string | null;
  uid: string | undefined;
  projectId: string | undefined;
  /** Unfolded. */
  data: string;
}

function property(data: string, name: string): string | undefined {
  return new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*?)\\r?$`, 'm').exec(data)?.[1];
}

/** The objects of the calendar at `{home}{slug}/`; undefined when there is no such calendar. */
async function contents(slug: string): Promise<Stored[] | undefined> {
  const calendar = (await reader.listCalendars()).find((c) => c.url === `${homeUrl}${slug}/`);
  if (!calendar) return undefined;
  return (await reader.list(calendar)).map((object: RemoteObject) => {
    const data = object.data.replace(/\r?\n[ \t]/g, '');
    return {
      href: object.href,
      etag: object.etag,
      uid: property(data, 'UID'),
      projectId: property(data, 'X-CALPLANEBOT-PROJECT-ID'),
      data,
    };
  });
}

async function calendarsByUrl(): Promise<Map<string, { displayName: string; ctag: string | undefined }>> {
  return new Map((await reader.listCalendars()).map((c) => [c.url, { displayName: c.displayName, ctag: c.ctag }]));
}

/** The default calendars' UIDs (unchanged since before `calendars` existed). */
const defaultUid = (issue: FakeIssue): string => `plane-issue-${issue.id}@calplanebot`;
/** Any other entry's UIDs carry the entry id. */
const entryUid =
  (entryId: string) =>
  (issue: FakeIssue): string =>
    `plane-issue-${issue.id}@${entryId}.calplanebot`;

/**
 * The calendar at `{home}{slug}/` holds exactly `issues` (by UID), each at
 * `{calendar url}{encodeURIComponent(uid)}.ics` and tagged with its own project.
 */
async function expectCalendar(
  slug: string,
  uidOf: (issue: FakeIssue) => string,
  issues: FakeIssue[],
): Promise<Stored[]> {
  const stored = await contents(slug);
  expect(stored, `no calendar at ${homeUrl}${slug}/`).toBeDefined();
  const objects = stored ?? [];
  const label = `${slug}: ${issues.map((i) => i.name).join(' | ')}`;
  expect(objects.map((o) => o.uid).sort(), label).toEqual(issues.map(uidOf).sort());
  for (const issue of issues) {
    const uid = uidOf(issue);
    const object = objects.find((o) => o.uid === uid);
    expect(decodeURIComponent(new URL(object?.href ?? '', homeUrl).pathname), `${slug}: href of ${issue.name}`).toBe(
      decodeURIComponent(new URL(`${homeUrl}${slug}/${encodeURIComponent(uid)}.ics`).pathname),
    );
    expect(object?.projectId?.toLowerCase(), `${slug}: X-CALPLANEBOT-PROJECT-ID of ${issue.name}`).toBe(issue.project);
  }
  return objects;
}

/** Sorted issue ids of a report's changes with this op. */
function changed(report: CalendarReport | undefined, op: 'create' | 'update' | 'delete'): string[] {
  return (report?.changes ?? [])
    .filter((c) => c.op === op)
    .map((c) => c.issueId)
    .sort();
}

const ids = (...issues: FakeIssue[]): string[] => issues.map((i) => i.id).sort();

// ── a world: two projects, three entries ───────────────────────────────────

interface World {
  n: number;
  a: FakeProject;
  b: FakeProject;
  /** `calendars` with the default entry, a combined "my work" calendar and per-project release calendars. */
  config: string;
  /** The same projects without a `calendars` key. */
  legacyConfig: string;
  mine: string;
  releases: string;
  slugs: { pa: string; pb: string; mine: string; relA: string; relB: string };
  i: Record<
    'a1' | 'a2' | 'a3' | 'a4' | 'a5' | 'a6' | 'a7' | 'a8' | 'a9' | 'a10' | 'a11' | 'b1' | 'b2' | 'b3' | 'b4',
    FakeIssue
  >;
  calendar(report: { calendars: CalendarReport[] }, which: keyof World['slugs']): CalendarReport | undefined;
  /** Radicale holds exactly these issues in each of the five calendars. */
  expectLayout(layout: Record<keyof World['slugs'], FakeIssue[]>): Promise<void>;
}

let worlds = 0;

function makeWorld(): World {
  worlds += 1;
  const n = worlds;
  const a = plane.addProject({ name: `Alpha ${n}`, identifier: `W${n}A` });
  const b = plane.addProject({ name: `Beta ${n}`, identifier: `W${n}B` });
  const me = plane.me.id;
  const mine = `mywork-${n}`;
  const releases = `releases-${n}`;
  const i = {
    a1: plane.addIssue(a.id, { name: 'Mine, to do', state: 'Todo', assignees: [me], target_date: on(3) }),
    a2: plane.addIssue(a.id, {
      name: 'Mine, in progress, a release',
      state: 'In Progress',
      assignees: [me],
      labels: ['Release'],
      target_date: on(-2),
    }),
    a3: plane.addIssue(a.id, { name: 'Mine, done', state: 'Done', assignees: [me], target_date: on(1) }),
    a4: plane.addIssue(a.id, {
      name: 'Mine, the day after the window',
      state: 'Todo',
      assignees: [me],
      target_date: on(WINDOW.futureDays + 1),
    }),
    a5: plane.addIssue(a.id, {
      name: "Bob's release",
      state: 'Todo',
      assignees: [bob.id],
      labels: ['release'],
      target_date: on(2),
    }),
    a6: plane.addIssue(a.id, { name: 'Mine, undated', state: 'Todo', assignees: [me], target_date: null }),
    a7: plane.addIssue(a.id, { name: 'Mine, backlog', state: 'Backlog', assignees: [me], target_date: on(2) }),
    a8: plane.addIssue(a.id, {
      name: "Mine, the window's last day",
      state: 'Todo',
      assignees: [me],
      target_date: on(WINDOW.futureDays),
    }),
    a9: plane.addIssue(a.id, {
      name: "Mine, the window's first day",
      state: 'In Progress',
      assignees: [me],
      target_date: on(-WINDOW.pastDays),
    }),
    a10: plane.addIssue(a.id, {
      name: 'Mine, the day before the window',
      state: 'Todo',
      assignees: [me],
      target_date: on(-WINDOW.pastDays - 1),
    }),
    a11: plane.addIssue(a.id, {
      name: 'A cancelled release',
      state: 'Cancelled',
      assignees: [bob.id],
      labels: ['RELEASE'],
      target_date: on(0),
    }),
    b1: plane.addIssue(b.id, {
      name: 'Shared with Bob',
      state: 'In Progress',
      assignees: [bob.id, me],
      target_date: on(0),
    }),
    b2: plane.addIssue(b.id, {
      name: "Bob's release in Beta",
      state: 'Todo',
      assignees: [bob.id],
      labels: ['release', 'docs'],
      target_date: on(5),
    }),
    b3: plane.addIssue(b.id, {
      name: 'Mine, long ago',
      state: 'Todo',
      assignees: [me],
      labels: ['docs'],
      target_date: on(-30),
    }),
    b4: plane.addIssue(b.id, { name: 'Nobody', state: 'Todo', target_date: on(1) }),
  };
  const common = {
    plane: planeSection([a.identifier, b.identifier]),
    sync: { timeZone: ZONE },
    webhook: { secret: SECRET },
  };
  const config = configWith({
    ...common,
    calendars: [
      { id: 'projects' },
      {
        id: mine,
        name: `My work ${n}`,
        filter: { assignees: ['me'], stateGroups: ['unstarted', 'started'], window: WINDOW },
      },
      { id: releases, name: 'Releases: {identifier}', perProject: true, filter: { labels: ['release'] } },
    ],
  });
  const legacyConfig = configWith(common);
  const slugs = {
    pa: `plane-${a.id}`,
    pb: `plane-${b.id}`,
    mine: `plane-${mine}`,
    relA: `plane-${releases}-${a.id}`,
    relB: `plane-${releases}-${b.id}`,
  };
  const uidFor: Record<keyof typeof slugs, (issue: FakeIssue) => string> = {
    pa: defaultUid,
    pb: defaultUid,
    mine: entryUid(mine),
    relA: entryUid(releases),
    relB: entryUid(releases),
  };
  return {
    n,
    a,
    b,
    config,
    legacyConfig,
    mine,
    releases,
    slugs,
    i,
    calendar(report, which) {
      const wanted = {
        pa: { id: 'projects', projectId: a.id },
        pb: { id: 'projects', projectId: b.id },
        mine: { id: mine, projectId: null },
        relA: { id: releases, projectId: a.id },
        relB: { id: releases, projectId: b.id },
      }[which];
      const found = report.calendars.filter((c) => c.id === wanted.id && c.projectId === wanted.projectId);
      expect(found.length, `calendars[] entries for ${which}`).toBeLessThanOrEqual(1);
      return found[0];
    },
    async expectLayout(layout) {
      for (const which of Object.keys(slugs) as Array<keyof typeof slugs>) {
        await expectCalendar(slugs[which], uidFor[which], layout[which]);
      }
    },
  };
}

/** What a first sync of a world puts where (see the issues' names). */
function initialLayout(w: World): Record<keyof World['slugs'], FakeIssue[]> {
  const { a1, a2, a3, a4, a5, a7, a8, a9, a10, a11, b1, b2, b3, b4 } = w.i;
  return {
    pa: [a1, a2, a3, a4, a5, a7, a8, a9, a10, a11], // every dated item (a6 has no date)
    pb: [b1, b2, b3, b4],
    mine: [a1, a2, a8, a9, b1], // mine, unstarted or started, in the window, from both projects
    relA: [a2, a5, a11], // labelled release, any case, any state
    relB: [b2],
  };
}

async function syncedWorld(): Promise<World> {
  const w = makeWorld();
  const first = await cli(w.config, 'sync');
  expect(first.code, first.stderr).toBe(0);
  expect(first.report.totals).toMatchObject({ created: 23, failed: 0 });
  return w;
}

// ── the scenarios ─────────────────────────────────────────────────────────

describe('calendars: one Plane read, several filtered calendars', () => {
  it('a first sync puts each item in exactly the calendars its filters match; the default calendars keep their URLs, UIDs and objects', async () => {
    const w = makeWorld();
    const { a6 } = w.i;
    const layout = initialLayout(w);

    // Before `calendars` existed: one calendar per project.
    const legacy = await cli(w.legacyConfig, 'sync');
    expect(legacy.code, legacy.stderr).toBe(0);
    expect(legacy.report.totals).toMatchObject({ created: 14, failed: 0 });
    const before = {
      pa: await expectCalendar(w.slugs.pa, defaultUid, layout.pa),
      pb: await expectCalendar(w.slugs.pb, defaultUid, layout.pb),
    };

    dav.reset();
    plane.resetRequests();
    const run = await cli(w.config, 'sync');
    expect(run.code, run.stderr).toBe(0);
    await w.expectLayout(layout);

    // The default calendars are the same calendars with the same objects: nothing rewritten.
    for (const which of ['pa', 'pb'] as const) {
      const after = await contents(w.slugs[which]);
      expect(after?.map((o) => [o.href, o.etag]).sort(), which).toEqual(
        before[which].map((o) => [o.href, o.etag]).sort(),
      );
      expect(w.calendar(run.report, which)).toMatchObject({
        calendarCreated: false,
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: layout[which].length,
      });
    }
    expect(
      writes().every((w2) => !w2.includes(`/${w.slugs.pa}/`) && !w2.includes(`/${w.slugs.pb}/`)),
      writes().join('\n'),
    ).toBe(true);

    // calendars[]: one per calendar, combined ones with projectId and project null.
    expect(run.report.calendars).toHaveLength(5);
    expect(w.calendar(run.report, 'mine')).toMatchObject({
      id: w.mine,
      name: `My work ${w.n}`,
      projectId: null,
      project: null,
      calendarCreated: true,
      created: 5,
      deleted: 0,
      failed: 0,
    });
    expect(w.calendar(run.report, 'relA')).toMatchObject({
      id: w.releases,
      name: `Releases: ${w.a.identifier}`,
      projectId: w.a.id,
      project: w.a.identifier,
      calendarCreated: true,
      created: 3,
    });
    expect(w.calendar(run.report, 'relB')).toMatchObject({
      id: w.releases,
      name: `Releases: ${w.b.identifier}`,
      projectId: w.b.id,
      project: w.b.identifier,
      calendarCreated: true,
      created: 1,
    });
    expect(changed(w.calendar(run.report, 'mine'), 'create')).toEqual(ids(...layout.mine));
    for (const which of Object.keys(w.slugs) as Array<keyof World['slugs']>) {
      expect(new URL(w.calendar(run.report, which)?.calendarUrl ?? 'http://none/').pathname, which).toBe(
        new URL(`${homeUrl}${w.slugs[which]}/`).pathname,
      );
    }
    expect(run.report.totals).toMatchObject({ created: 9, updated: 0, deleted: 0, unchanged: 14, failed: 0 });
    // projects[] as before: each project's default calendar.
    expect(run.report.projects.map((p) => [p.identifier, p.created, p.unchanged, p.skipped])).toEqual([
      [w.a.identifier, 0, 10, 1],
      [w.b.identifier, 0, 4, 0],
    ]);
    expect(JSON.stringify(run.report.calendars)).not.toContain(a6.id); // undated: in no calendar

    // Display names; "me" was asked of Plane once, and each project's items were listed once.
    const names = await calendarsByUrl();
    expect(names.get(`${homeUrl}${w.slugs.mine}/`)?.displayName).toBe(`My work ${w.n}`);
    expect(names.get(`${homeUrl}${w.slugs.relA}/`)?.displayName).toBe(`Releases: ${w.a.identifier}`);
    expect(names.get(`${homeUrl}${w.slugs.pa}/`)?.displayName).toBe(`Plane: Alpha ${w.n}`);
    const paths = plane.requests.map((r) => r.path.replace(/[0-9a-f-]{36}/g, ':id'));
    expect(paths.filter((p) => p === '/api/v1/users/me/')).toHaveLength(1);
    expect(paths.filter((p) => /\/projects\/:id\/(work-items|issues)\/$/.test(p))).toHaveLength(2);
    // Five calendars over two projects cost what one calendar does: the projects page, a page per
    // project, and "me" because a filter says it. Nothing else.
    expect(paths.filter((p) => p.endsWith('/projects/'))).toHaveLength(1);
    expect(paths).toHaveLength(4);
  });

  it("a second sync writes nothing: no PUT, DELETE or MKCALENDAR, every calendar's ctag as it was", async () => {
    const w = await syncedWorld();
    await w.expectLayout(initialLayout(w));
    const urls = Object.values(w.slugs).map((slug) => `${homeUrl}${slug}/`);
    const before = await calendarsByUrl();

    dav.reset();
    const again = await cli(w.config, 'sync');
    expect(again.code, again.stderr).toBe(0);
    expect(again.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 23, failed: 0 });
    expect(
      again.report.calendars.every((c) => c.changes.length === 0 && !c.calendarCreated && c.calendarRenamed === null),
    ).toBe(true);
    expect(writes()).toEqual([]);
    const after = await calendarsByUrl();
    for (const url of urls) {
      expect(before.get(url)?.ctag, url).toBeDefined();
      expect(after.get(url)?.ctag, url).toBe(before.get(url)?.ctag);
    }

    const diff = await cli(w.config, 'diff', '--exit-code');
    expect(diff.code, diff.stderr).toBe(0);
  });

  it('reassigning, relabelling, restating and completing move items between calendars on the next sync', async () => {
    const w = await syncedWorld();
    const { a1, a2, a3, a4, a5, a7, a8, a9, a10, a11, b1, b2, b3, b4 } = w.i;

    plane.updateIssue(a1.id, { assignees: [bob.id] }); // reassigned away from the key owner: leaves my work
    plane.updateIssue(a5.id, { assignees: [plane.me.id] }); // reassigned to the key owner: joins my work
    plane.updateIssue(a2.id, { labels: [] }); // relabelled: leaves Alpha's releases
    plane.updateIssue(b3.id, { labels: ['docs', 'Release'] }); // relabelled: joins Beta's releases
    plane.updateIssue(b1.id, { state: 'Done' }); // completed: leaves my work
    plane.updateIssue(a7.id, { state: 'In Progress' }); // backlog → started: joins my work

    const run = await cli(w.config, 'sync');
    expect(run.code, run.stderr).toBe(0);
    await w.expectLayout({
      pa: [a1, a2, a3, a4, a5, a7, a8, a9, a10, a11],
      pb: [b1, b2, b3, b4],
      mine: [a2, a5, a7, a8, a9],
      relA: [a5, a11],
      relB: [b2, b3],
    });
    const mine = w.calendar(run.report, 'mine');
    expect(changed(mine, 'create')).toEqual(ids(a5, a7));
    expect(changed(mine, 'delete')).toEqual(ids(a1, b1));
    expect(changed(w.calendar(run.report, 'relA'), 'delete')).toEqual(ids(a2));
    expect(changed(w.calendar(run.report, 'relA'), 'create')).toEqual([]);
    expect(changed(w.calendar(run.report, 'relB'), 'create')).toEqual(ids(b3));
    expect(changed(w.calendar(run.report, 'relB'), 'delete')).toEqual([]);
    for (const which of ['pa', 'pb'] as const) {
      expect(changed(w.calendar(run.report, which), 'create'), which).toEqual([]);
      expect(changed(w.calendar(run.report, which), 'delete'), which).toEqual([]);
    }
    expect(run.report.totals).toMatchObject({ created: 3, deleted: 3, failed: 0 });
    expect(run.report.calendars.flatMap((c) => c.changes).every((c) => c.applied)).toBe(true);
    // The completed item stays in its project's calendar, struck through.
    expect((await contents(w.slugs.pb))?.find((o) => o.uid === defaultUid(b1))?.data).toContain('STATUS:CANCELLED');

    dav.reset();
    const again = await cli(w.config, 'sync');
    expect(again.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(writes()).toEqual([]);
  });

  it('handle-webhook moves one issue in and out of every calendar of its project, and sync then agrees', async () => {
    const w = await syncedWorld();
    const { a2, a5 } = w.i;
    const inMine = (issue: FakeIssue) => `${homeUrl}${w.slugs.mine}/${encodeURIComponent(entryUid(w.mine)(issue))}.ics`;
    const inRelA = (issue: FakeIssue) =>
      `${homeUrl}${w.slugs.relA}/${encodeURIComponent(entryUid(w.releases)(issue))}.ics`;
    const inRelB = (issue: FakeIssue) =>
      `${homeUrl}${w.slugs.relB}/${encodeURIComponent(entryUid(w.releases)(issue))}.ics`;
    const inPa = (issue: FakeIssue) => `${homeUrl}${w.slugs.pa}/${encodeURIComponent(defaultUid(issue))}.ics`;
    const mineOthersBefore = (await contents(w.slugs.mine))
      ?.filter((o) => o.uid !== entryUid(w.mine)(a5))
      .map((o) => [o.href, o.etag])
      .sort();

    // 1. Reassigned to the key owner: joins my work; still in Alpha's releases and Alpha's calendar.
    plane.updateIssue(a5.id, { assignees: [plane.me.id] });
    const joined = await deliver(w.config, issueDelivery('updated', a5, 'assignees'));
    expect(joined.code, joined.stderr).toBe(0);
    expect(changed(w.calendar(joined.report, 'mine'), 'create')).toEqual(ids(a5));
    expect(
      joined.report.calendars.flatMap((c) => c.changes.filter((x) => x.op !== 'update')).map((x) => [x.op, x.uid]),
    ).toEqual([['create', entryUid(w.mine)(a5)]]);
    expect(joined.report.totals).toMatchObject({ created: 1, deleted: 0, failed: 0 });
    const created = await reader.get(inMine(a5));
    expect(created?.data.replace(/\r?\n[ \t]/g, '')).toContain(`X-CALPLANEBOT-PROJECT-ID:${w.a.id}`);
    expect(await reader.get(inRelA(a5))).not.toBeNull();
    expect(await reader.get(inPa(a5))).not.toBeNull();

    // 2. Relabelled and reassigned back to Bob: leaves my work and Alpha's releases.
    plane.updateIssue(a5.id, { assignees: [bob.id], labels: [] });
    const left = await deliver(w.config, issueDelivery('updated', a5, 'labels'));
    expect(left.code, left.stderr).toBe(0);
    expect(changed(w.calendar(left.report, 'mine'), 'delete')).toEqual(ids(a5));
    expect(changed(w.calendar(left.report, 'relA'), 'delete')).toEqual(ids(a5));
    expect(left.report.totals).toMatchObject({ created: 0, deleted: 2, failed: 0 });
    expect(await reader.get(inMine(a5))).toBeNull();
    expect(await reader.get(inRelA(a5))).toBeNull();
    expect(await reader.get(inPa(a5))).not.toBeNull();

    // 3. Back to the owner, labelled again, then completed: in releases, never in my work.
    plane.updateIssue(a5.id, { assignees: [plane.me.id], labels: ['release'], state: 'Done' });
    const completed = await deliver(w.config, issueDelivery('updated', a5, 'state'));
    expect(completed.code, completed.stderr).toBe(0);
    expect(
      completed.report.calendars.flatMap((c) => c.changes.filter((x) => x.op !== 'update')).map((x) => [x.op, x.uid]),
    ).toEqual([['create', entryUid(w.releases)(a5)]]);
    expect(await reader.get(inMine(a5))).toBeNull();
    expect(await reader.get(inRelA(a5))).not.toBeNull();
    expect((await reader.get(inPa(a5)))?.data).toContain('STATUS:CANCELLED');

    // 4. A new issue in Beta that every filter takes: created in Beta's calendar, my work and Beta's releases.
    const fresh = plane.addIssue(w.b.id, {
      name: 'Fresh from a webhook',
      state: 'Todo',
      assignees: [plane.me.id],
      labels: ['release'],
      target_date: on(4),
    });
    const born = await deliver(w.config, issueDelivery('created', fresh));
    expect(born.code, born.stderr).toBe(0);
    expect(born.report.calendars.map((c) => [c.id, c.projectId, changed(c, 'create')]).sort()).toEqual(
      [
        ['projects', w.b.id, ids(fresh)],
        [w.mine, null, ids(fresh)],
        [w.releases, w.b.id, ids(fresh)],
      ].sort(),
    );
    expect((await reader.get(inMine(fresh)))?.data.replace(/\r?\n[ \t]/g, '')).toContain(
      `X-CALPLANEBOT-PROJECT-ID:${w.b.id}`,
    );
    expect(await reader.get(inRelB(fresh))).not.toBeNull();

    // 5. A deleted body names only the issue: its events go from every calendar that held one
    //    (Alpha's, my work and Alpha's releases; Beta's releases never had it).
    const gone = issueDelivery('deleted', a2);
    plane.deleteIssue(a2.id);
    const deleted = await deliver(w.config, gone);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.report.calendars.map((c) => [c.id, changed(c, 'delete')]).sort()).toEqual(
      [
        ['projects', ids(a2)],
        [w.mine, ids(a2)],
        [w.releases, ids(a2)],
      ].sort(),
    );
    expect(await reader.get(inMine(a2))).toBeNull();
    expect(await reader.get(inRelA(a2))).toBeNull();
    expect(await reader.get(inPa(a2))).toBeNull();

    // The other items of my work were never touched by the deliveries.
    const mineOthersAfter = (await contents(w.slugs.mine))
      ?.filter((o) => o.uid !== entryUid(w.mine)(a5) && o.uid !== entryUid(w.mine)(fresh))
      .map((o) => [o.href, o.etag])
      .sort();
    expect(mineOthersAfter).toEqual(
      mineOthersBefore?.filter(([href]) => !decodeURIComponent(href ?? '').includes(a2.id)),
    );

    // The webhooks left every calendar where a full sync would.
    const { a1, a3, a4, a7, a8, a9, a10, a11, b1, b2, b3, b4 } = w.i;
    await w.expectLayout({
      pa: [a1, a3, a4, a5, a7, a8, a9, a10, a11],
      pb: [b1, b2, b3, b4, fresh],
      mine: [a1, a8, a9, b1, fresh],
      relA: [a5, a11],
      relB: [b2, fresh],
    });
    dav.reset();
    const sync = await cli(w.config, 'sync');
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(writes()).toEqual([]);
  });
});

describe('a calendar spanning projects, synced one project at a time (--project shards)', () => {
  it("each shard reconciles only its project's share; both end up together; repeats write nothing; a shard never touches the other project's events", async () => {
    const sa = plane.addProject({ name: 'Shard A', identifier: 'SHA' });
    const sb = plane.addProject({ name: 'Shard B', identifier: 'SHB' });
    const s1 = plane.addIssue(sa.id, { name: 'A urgent', priority: 'urgent', target_date: on(1) });
    const s2 = plane.addIssue(sa.id, { name: 'A high', priority: 'high', target_date: on(2) });
    const s3 = plane.addIssue(sa.id, { name: 'A low', priority: 'low', target_date: on(3) });
    const t1 = plane.addIssue(sb.id, { name: 'B high', priority: 'high', target_date: on(4) });
    const t2 = plane.addIssue(sb.id, { name: 'B none', priority: 'none', target_date: on(5) });
    const t3 = plane.addIssue(sb.id, { name: 'B urgent', priority: 'urgent', target_date: on(6) });
    const config = configWith({
      plane: planeSection([sa.identifier, sb.identifier]),
      sync: { timeZone: ZONE },
      calendars: [{ id: 'shared', name: 'Hot deadlines', filter: { priorities: ['urgent', 'high'] } }],
    });
    const slug = 'plane-shared';
    const uid = entryUid('shared');
    const etags = async (issues: FakeIssue[]) => {
      const stored = (await contents(slug)) ?? [];
      return issues.map((issue) => [issue.name, stored.find((o) => o.uid === uid(issue))?.etag ?? null]);
    };
    const shard = async (identifier: string) => {
      dav.reset();
      const run = await cli(config, 'sync', '--project', identifier);
      expect(run.code, run.stderr).toBe(0);
      expect(run.report.calendars.map((c) => [c.id, c.projectId, c.project])).toEqual([['shared', null, null]]);
      return { run, report: run.report.calendars[0]!, writes: writes() };
    };

    const a1 = await shard(sa.identifier);
    expect(a1.report).toMatchObject({ calendarCreated: true, created: 2, deleted: 0 });
    await expectCalendar(slug, uid, [s1, s2]);
    // No `projects` entry in the config: no per-project calendar.
    expect(await contents(`plane-${sa.id}`)).toBeUndefined();

    const a2 = await shard(sa.identifier);
    expect(a2.run.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(a2.writes).toEqual([]);

    const afterA = await etags([s1, s2]);
    const b1 = await shard(sb.identifier);
    expect(b1.report).toMatchObject({ calendarCreated: false, created: 2, updated: 0, deleted: 0, outOfScope: 2 });
    await expectCalendar(slug, uid, [s1, s2, t1, t3]);
    expect(await etags([s1, s2])).toEqual(afterA);

    const b2 = await shard(sb.identifier);
    expect(b2.run.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(b2.writes).toEqual([]);
    const a3 = await shard(sa.identifier);
    expect(a3.run.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(a3.writes).toEqual([]);

    // Project A changes; B's shard neither applies them nor deletes A's events.
    plane.deleteIssue(s1.id);
    plane.updateIssue(s2.id, { priority: 'low' });
    plane.updateIssue(s3.id, { priority: 'urgent' });
    const s4 = plane.addIssue(sa.id, { name: 'A new high', priority: 'high', target_date: on(7) });
    const beforeShards = await etags([s1, s2, t1, t3]);
    const b3 = await shard(sb.identifier);
    expect(b3.run.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(b3.writes).toEqual([]);
    expect(await etags([s1, s2, t1, t3])).toEqual(beforeShards);
    await expectCalendar(slug, uid, [s1, s2, t1, t3]);

    // A's shard applies A's changes and leaves B's events as they are.
    const a4 = await shard(sa.identifier);
    expect(changed(a4.report, 'delete')).toEqual(ids(s1, s2));
    expect(changed(a4.report, 'create')).toEqual(ids(s3, s4));
    expect(a4.report).toMatchObject({ outOfScope: 2, failed: 0 });
    expect(
      a4.writes.every((line) => !line.includes(t1.id) && !line.includes(t3.id)),
      a4.writes.join('\n'),
    ).toBe(true);
    expect(await etags([t1, t3])).toEqual(beforeShards.slice(2));
    await expectCalendar(slug, uid, [s3, s4, t1, t3]);
    expect(JSON.stringify((await contents(slug))?.map((o) => o.uid))).not.toContain(t2.id);

    // A full run over both projects agrees, and writes nothing.
    dav.reset();
    const full = await cli(config, 'sync');
    expect(full.code, full.stderr).toBe(0);
    expect(full.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 4 });
    expect(writes()).toEqual([]);
  });
});

describe('diff --json and config errors', () => {
  it('diff --json reports calendars[] and writes nothing; calendars of an entry that is gone are named as strays', async () => {
    const w = await syncedWorld();
    const { a8 } = w.i;
    plane.updateIssue(a8.id, { labels: ['release'] }); // joins Alpha's releases; its other events get the label

    dav.reset();
    const diff = await cli(w.config, 'diff', '--exit-code');
    expect(diff.code, diff.stderr).toBe(5);
    expect(diff.report.dryRun).toBe(true);
    expect(writes()).toEqual([]);
    expect(diff.report.calendars.map((c) => [c.id, c.projectId, c.project]).sort()).toEqual(
      [
        ['projects', w.a.id, w.a.identifier],
        ['projects', w.b.id, w.b.identifier],
        [w.mine, null, null],
        [w.releases, w.a.id, w.a.identifier],
        [w.releases, w.b.id, w.b.identifier],
      ].sort(),
    );
    const relA = w.calendar(diff.report, 'relA');
    expect(relA).toMatchObject({ name: `Releases: ${w.a.identifier}`, created: 1, deleted: 0, calendarCreated: false });
    expect(new URL(relA?.calendarUrl ?? 'http://none/').pathname).toBe(new URL(`${homeUrl}${w.slugs.relA}/`).pathname);
    expect(relA?.changes).toEqual([
      expect.objectContaining({ op: 'create', issueId: a8.id, uid: entryUid(w.releases)(a8), applied: false }),
    ]);
    expect(changed(w.calendar(diff.report, 'pa'), 'update')).toEqual(ids(a8));
    expect(changed(w.calendar(diff.report, 'mine'), 'update')).toEqual(ids(a8));
    expect(diff.report.totals).toEqual({
      created: diff.report.calendars.reduce((n, c) => n + c.created, 0),
      updated: diff.report.calendars.reduce((n, c) => n + c.updated, 0),
      deleted: diff.report.calendars.reduce((n, c) => n + c.deleted, 0),
      unchanged: diff.report.calendars.reduce((n, c) => n + c.unchanged, 0),
      skipped: diff.report.calendars.reduce((n, c) => n + c.skipped, 0),
      failed: diff.report.calendars.reduce((n, c) => n + c.failed, 0),
    });
    expect(diff.report.totals).toMatchObject({ created: 1, updated: 2, deleted: 0 });
    await w.expectLayout(initialLayout(w));

    // The same world without its releases entry: those calendars are strays, left alone.
    const withoutReleases = configWith({
      plane: planeSection([w.a.identifier, w.b.identifier]),
      sync: { timeZone: ZONE },
      calendars: [
        { id: 'projects' },
        {
          id: w.mine,
          name: `My work ${w.n}`,
          filter: { assignees: ['me'], stateGroups: ['unstarted', 'started'], window: WINDOW },
        },
      ],
    });
    dav.reset();
    const strays = await cli(withoutReleases, 'diff');
    expect(strays.code, strays.stderr).toBe(0);
    expect(writes()).toEqual([]);
    const strayPaths = (strays.report.strayCalendars ?? []).map((c) => new URL(c.url).pathname);
    const path = (slug: string) => new URL(`${homeUrl}${slug}/`).pathname;
    expect(strayPaths).toEqual(expect.arrayContaining([path(w.slugs.relA), path(w.slugs.relB)]));
    for (const kept of [w.slugs.pa, w.slugs.pb, w.slugs.mine]) expect(strayPaths).not.toContain(path(kept));
    expect(strays.report.calendars.some((c) => c.id === w.releases)).toBe(false);
    expect(strays.report.warnings?.join('\n')).toContain(`Releases: ${w.a.identifier}`);
  });

  it('an unknown filter key or a bad state group exits 2, naming the key and the file', async () => {
    const colour = configWith({
      plane: planeSection([]),
      calendars: [{ id: 'mine', filter: { assignees: ['me'], colour: 'red' } }],
    });
    const run = await runCli(['--config', colour, 'sync']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('calendars[0].filter');
    expect(run.stderr).toContain('colour');
    expect(run.stderr).toContain(colour);

    const group = configWith({
      plane: planeSection([]),
      calendars: [{ id: 'projects' }, { id: 'doing', filter: { stateGroups: ['started', 'doing'] } }],
    });
    const diff = await runCli(['--json', '--config', group, 'diff']);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain('calendars[1].filter.stateGroups');
    expect(diff.stderr).toContain('"doing"');
    expect(diff.stderr).toContain(group);
    expect(JSON.parse(diff.stdout)).toMatchObject({ schemaVersion: 1, error: { exitCode: 2 } });
  });
});
