/**
 * How a calendar's items look (`summary`, `dates`, `completed`) end to end: the built CLI as a child
 * process, a real Radicale behind a recording proxy, and the fake Plane. One project, four dated
 * items, two calendars: the default per-project one and a planning calendar
 * (`{ "id": "plan", "summary": "{identifier}-{sequence} {name}", "dates": "span", "completed": "hide" }`).
 *
 * The planning calendar is then read the way a user reads it: `vdirsyncer` pulls it from Radicale
 * (a `caldav` storage of `plane-plan/` into a `filesystem` one) and `khal`, configured on that
 * folder, lists each day. A span must be on every day from its start date to its target date and
 * not on the day after (DTEND is exclusive; an off-by-one there is the classic bug).
 *
 * The tests of this file share one world (one Radicale user, and `plane-plan/` is a fixed URL) and
 * run in order: the last one changes Plane and the config.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RemoteObject } from '../../src/caldav/store.js';
import type { RunReport } from '../../src/sync/report.js';
import { type CliResult, runJson } from '../support/cli.js';
import { clientRunner, requireProgram, writeKhalConfig } from '../support/clients.js';
import { type FakeIssue, type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { basic, componentsOf, lines, property, unfold } from '../support/ical-text.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { daysFrom } from '../support/sample-workspace.js';
import { calendarOf, changed, ids, writesThrough } from '../support/sync-report.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let reader: DavCalendarStore;
let homeUrl: string;
/** Everything this file writes (configs, client configs, storages, the clients' homes) lives under here. */
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'calplanebot-spans-'));
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 61 });
  dav = await startRecordingProxy(radicale.url);
  // Reads Radicale directly, not through the proxy, so it never counts as the CLI's traffic.
  reader = directStore(radicale);
  homeUrl = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ── the world ───────────────────────────────────────────────────────────────

const PLAN_ENTRY = {
  id: 'plan',
  name: 'Plane: plan',
  summary: '{identifier}-{sequence} {name}',
  dates: 'span',
  completed: 'hide',
} as const;

interface World {
  project: FakeProject;
  /** The fixed reference every date counts from (the fake Plane's today, read once). */
  ref: string;
  /** The 4-day span: start ref+10, target ref+13. */
  span: FakeIssue;
  /** Only a target date: ref+11. */
  single: FakeIssue;
  /** Start ref+15 after its target ref+12: shown on the target day. */
  backwards: FakeIssue;
  /** Done, with a start date (ref+9) and a target date (ref+12). */
  done: FakeIssue;
  config: string;
  slugs: { projects: string; plan: string };
}

let dirCounter = 0;
function newDir(label: string): string {
  dirCounter += 1;
  const dir = join(work, `${label}-${dirCounter}`);
  mkdirSync(dir);
  return dir;
}

/** A config with the default entry and the `plan` entry (`plan` overrides some of its keys), through the recording proxy. */
function configFor(project: FakeProject, plan: Record<string, unknown> = {}): string {
  const user = radicale.users[0]!;
  const file = join(newDir('config'), 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: plane.url,
      webUrl: 'https://plane.example.test',
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
      projects: [project.identifier],
    },
    caldav: { serverUrl: dav.url, username: user.username, password: user.password },
    http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 10000 },
    calendars: [{ id: 'projects' }, { ...PLAN_ENTRY, ...plan }],
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

/**
 * Plane's API refuses a start date after the target date ("Start date cannot exceed target date"),
 * and so does the fake. Items like that exist anyway (data from before the check, imports, direct
 * database edits), and `dates: "span"` must not turn them into an inverted block. So the date is
 * set underneath the fake's validation, on its stored record, before anything lists the project.
 * (No later updateIssue may touch this item: the fake would throw on its dates.)
 */
function forceStartDate(issue: FakeIssue, startDate: string): FakeIssue {
  const store = plane as unknown as { requireIssue(id: string): FakeIssue };
  store.requireIssue(issue.id).start_date = startDate;
  return plane.issue(issue.id)!;
}

let first: Promise<{ world: World; run: CliResult & { report: RunReport } }> | undefined;

/** The world after its first sync (made once; every test of the file starts from it). */
function syncedWorld(): Promise<{ world: World; run: CliResult & { report: RunReport } }> {
  first ??= (async () => {
    const ref = plane.today();
    const on = (days: number) => daysFrom(ref, days);
    const project = plane.addProject({ name: 'Planning', identifier: 'PLN' });
    const backwards = forceStartDate(
      plane.addIssue(project.id, {
        name: 'Starts after its target',
        state: 'Todo',
        priority: 'low',
        target_date: on(12),
      }),
      on(15),
    );
    // Every later addIssue bumps the fake's data version, so nothing cached predates the forced date.
    const span = plane.addIssue(project.id, {
      name: 'Four-day span',
      state: 'In Progress',
      priority: 'high',
      start_date: on(10),
      target_date: on(13),
    });
    const single = plane.addIssue(project.id, {
      name: 'Only a target date',
      state: 'Todo',
      priority: 'medium',
      target_date: on(11),
    });
    const done = plane.addIssue(project.id, {
      name: 'Already done',
      state: 'Done',
      priority: 'urgent',
      start_date: on(9),
      target_date: on(12),
    });
    expect(plane.issue(backwards.id)).toMatchObject({ start_date: on(15), target_date: on(12) });
    const world: World = {
      project,
      ref,
      span,
      single,
      backwards,
      done,
      config: configFor(project),
      slugs: { projects: `plane-${project.id}`, plan: 'plane-plan' },
    };
    dav.reset();
    const run = await runJson(world.config, 'sync');
    return { world, run };
  })();
  return first;
}

const on = (world: World, days: number): string => daysFrom(world.ref, days);
const defaultUid = (issue: FakeIssue): string => `plane-issue-${issue.id}@calplanebot`;
const planUid = (issue: FakeIssue): string => `plane-issue-${issue.id}@plan.calplanebot`;
const current = (issue: FakeIssue): FakeIssue => plane.issue(issue.id)!;
const defaultSummary = (issue: FakeIssue): string => `[${issue.sequence_id}] ${issue.name}`;
const planSummary = (world: World, issue: FakeIssue): string =>
  `${world.project.identifier}-${issue.sequence_id} ${issue.name}`;

// ── reading iCalendar and Radicale ────────────────────────────────────────────

/** The VEVENT components of `text`, each exactly as it stands. */
const veventsOf = (text: string): string[] => componentsOf(text, 'VEVENT');

/** A component's unfolded content lines, sorted: equal for the same event however a tool reorders them. */
function contentLines(component: string): string[] {
  return unfold(component)
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .sort();
}

interface Stored {
  href: string;
  etag: string | null;
  uid: string | undefined;
  data: string;
}

/** The objects of the calendar at `{home}{slug}/`; undefined when there is no such calendar. */
async function contents(slug: string): Promise<Stored[] | undefined> {
  const calendar = (await reader.listCalendars()).find((c) => c.url === `${homeUrl}${slug}/`);
  if (!calendar) return undefined;
  return (await reader.list(calendar)).map((object: RemoteObject) => ({
    href: object.href,
    etag: object.etag,
    uid: property(object.data, 'UID'),
    data: object.data,
  }));
}

interface Expected {
  issue: FakeIssue;
  summary: string;
  /** The first day, YYYY-MM-DD. */
  start: string;
  /** The day after the last day (DTEND, exclusive), YYYY-MM-DD. */
  end: string;
  status: 'CONFIRMED' | 'CANCELLED';
}

/** The calendar at `{home}{slug}/` holds exactly these events: one VEVENT each, all-day dates, the given title and status. */
async function expectCalendar(
  slug: string,
  uidOf: (issue: FakeIssue) => string,
  expected: Expected[],
): Promise<Stored[]> {
  const stored = await contents(slug);
  expect(stored, `no calendar at ${homeUrl}${slug}/`).toBeDefined();
  const objects = stored ?? [];
  expect(objects.map((o) => o.uid).sort(), `${slug}: the UIDs`).toEqual(expected.map((e) => uidOf(e.issue)).sort());
  for (const { issue, summary, start, end, status } of expected) {
    const object = objects.find((o) => o.uid === uidOf(issue))!;
    const label = `${slug}: ${issue.name}`;
    expect(veventsOf(object.data), `${label}: one VEVENT`).toHaveLength(1);
    expect(property(object.data, 'SUMMARY'), `${label}: SUMMARY`).toBe(summary);
    expect(lines(object.data, 'DTSTART'), `${label}: DTSTART`).toEqual([`DTSTART;VALUE=DATE:${basic(start)}`]);
    expect(lines(object.data, 'DTEND'), `${label}: DTEND`).toEqual([`DTEND;VALUE=DATE:${basic(end)}`]);
    expect(property(object.data, 'STATUS'), `${label}: STATUS`).toBe(status);
    expect(property(object.data, 'X-CALPLANEBOT-ISSUE-ID'), `${label}: X-CALPLANEBOT-ISSUE-ID`).toBe(issue.id);
  }
  return objects;
}

/** In a completed or cancelled state. */
function isFinished(issue: FakeIssue): boolean {
  const group = issue.state === null ? undefined : plane.state(issue.state)?.group;
  return group === 'completed' || group === 'cancelled';
}

/** What the default calendar shows: every dated item on its target day, "[seq] name", completed ones struck through. */
function defaultLayout(world: World): Expected[] {
  return [world.span, world.single, world.backwards, world.done].map(current).map((issue) => ({
    issue,
    summary: defaultSummary(issue),
    start: issue.target_date!,
    end: daysFrom(issue.target_date!, 1),
    status: isFinished(issue) ? 'CANCELLED' : 'CONFIRMED',
  }));
}

/** What the planning calendar shows with `dates: "span"` and `completed: "hide"`. */
function planLayout(
  world: World,
  summary: (issue: FakeIssue) => string = (issue) => planSummary(world, issue),
): Expected[] {
  return [
    { issue: current(world.span), start: on(world, 10), end: on(world, 14) },
    { issue: current(world.single), start: on(world, 11), end: on(world, 12) },
    { issue: current(world.backwards), start: on(world, 12), end: on(world, 13) },
  ].map((e) => ({ ...e, summary: summary(e.issue), status: 'CONFIRMED' as const }));
}

const writes = (): string[] => writesThrough(dav);

async function etags(slug: string): Promise<Array<[string, string | null]>> {
  return ((await contents(slug)) ?? []).map((o): [string, string | null] => [o.href, o.etag]).sort();
}

async function sync(config: string): Promise<CliResult & { report: RunReport }> {
  dav.reset();
  const run = await runJson(config, 'sync');
  expect(run.code, run.stderr).toBe(0);
  return run;
}

// ── the clients: vdirsyncer and khal ─────────────────────────────────────────

const clients = clientRunner(() => work);
const tool = clients.ok;

/** A vdirsyncer config with one pair: the calendar at `calendarUrl` (caldav, read only) pulled into a folder of `.ics` files. */
function vdirsyncerConfig(calendarUrl: string): { config: string; folder: string } {
  const dir = newDir('vdirsyncer');
  const status = join(dir, 'status');
  mkdirSync(status);
  const folder = join(dir, 'plan');
  mkdirSync(folder);
  const user = radicale.users[0]!;
  const q = (s: string) => JSON.stringify(s);
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      '[general]',
      `status_path = ${q(`${status}/`)}`,
      '',
      '[pair plan]',
      'a = "plan_remote"',
      'b = "plan_local"',
      'collections = null',
      'conflict_resolution = "a wins"',
      '',
      '[storage plan_remote]',
      'type = "caldav"',
      `url = ${q(calendarUrl)}`,
      `username = ${q(user.username)}`,
      `password = ${q(user.password)}`,
      'read_only = true',
      '',
      '[storage plan_local]',
      'type = "filesystem"',
      `path = ${q(`${folder}/`)}`,
      'fileext = ".ics"',
      '',
    ].join('\n'),
  );
  return { config, folder };
}

/** A khal config with one calendar, the vdir at `folder`, its database in the temp dir. */
function khalConfig(folder: string): string {
  return writeKhalConfig(newDir('khal'), 'plan', folder);
}

const nonBlank = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

// ── the tests ─────────────────────────────────────────────────────────────────

describe('a planning calendar: summary template, spans, completed items hidden', () => {
  it('sync puts the three open items into plane-plan/ as templated all-day blocks, and all four into the project calendar as before', async () => {
    const { world, run } = await syncedWorld();
    expect(run.code, run.stderr).toBe(0);
    const { span, single, backwards, done } = world;

    expect(run.report.calendars.map((c) => [c.id, c.projectId])).toEqual([
      ['projects', world.project.id],
      ['plan', null],
    ]);
    const plan = calendarOf(run.report, 'plan');
    expect(plan).toMatchObject({
      name: 'Plane: plan',
      calendarCreated: true,
      created: 3,
      updated: 0,
      deleted: 0,
      failed: 0,
      errors: [],
    });
    expect(new URL(plan.calendarUrl ?? 'http://none/').pathname).toBe(
      new URL(`${homeUrl}${world.slugs.plan}/`).pathname,
    );
    expect(changed(plan, 'create')).toEqual(ids(span, single, backwards));
    expect(plan.changes.find((c) => c.issueId === span.id)?.summary).toBe(planSummary(world, span));
    const projects = calendarOf(run.report, 'projects');
    expect(projects).toMatchObject({ calendarCreated: true, created: 4, failed: 0, errors: [] });
    expect(changed(projects, 'create')).toEqual(ids(span, single, backwards, done));
    expect(run.report.totals).toMatchObject({ created: 7, updated: 0, deleted: 0, failed: 0 });

    // The planning calendar: its display name, the key as title, blocks from start to target.
    const calendars = await reader.listCalendars();
    expect(calendars.find((c) => c.url === `${homeUrl}${world.slugs.plan}/`)?.displayName).toBe('Plane: plan');
    await expectCalendar(world.slugs.plan, planUid, planLayout(world));
    expect(planSummary(world, span)).toBe(`PLN-${span.sequence_id} Four-day span`);

    // The project calendar is what it always was: each item on its target day, the done one struck through.
    await expectCalendar(world.slugs.projects, defaultUid, defaultLayout(world));
    expect(
      defaultLayout(world)
        .filter((e) => e.status === 'CANCELLED')
        .map((e) => e.issue.id),
    ).toEqual([done.id]);

    // Only the two calendars were made, and the writes were the two MKCALENDARs and seven PUTs.
    const counts = dav.countByMethod();
    expect([counts.PUT, counts.MKCALENDAR ?? counts.MKCOL, counts.DELETE ?? 0]).toEqual([7, 2, 0]);
    expect(writes().filter((line) => line.startsWith('PUT ') && line.includes(`/${world.slugs.plan}/`))).toHaveLength(
      3,
    );
  });

  it('vdirsyncer pulls plane-plan/ over CalDAV, and khal lists the span on each of its four days, never the day after', async () => {
    requireProgram('vdirsyncer', 'the planning calendar');
    requireProgram('khal', 'the planning calendar');
    const { world, run } = await syncedWorld();
    expect(run.code, run.stderr).toBe(0);
    const day = (n: number) => on(world, n);

    const pull = vdirsyncerConfig(`${homeUrl}${world.slugs.plan}/`);
    // discover asks nothing with `collections = null`; stdin is there in case a version does.
    await tool('vdirsyncer', ['-c', pull.config, 'discover'], { stdin: 'y\n'.repeat(10) });
    await tool('vdirsyncer', ['-c', pull.config, 'sync']);

    // Exactly the three events, each as Radicale holds it (a caldav storage keeps the UIDs).
    const files = readdirSync(pull.folder).filter((name) => name.endsWith('.ics'));
    expect(files, 'one file per event').toHaveLength(3);
    const pulled = files.map((name) => readFileSync(join(pull.folder, name), 'utf8'));
    const stored = (await contents(world.slugs.plan)) ?? [];
    expect(pulled.map((text) => property(text, 'UID')).sort()).toEqual(
      planLayout(world)
        .map((e) => planUid(e.issue))
        .sort(),
    );
    for (const text of pulled) {
      const events = veventsOf(text);
      expect(events, 'one VEVENT per file').toHaveLength(1);
      const original = stored.find((o) => o.uid === property(text, 'UID'))!;
      expect(contentLines(events[0]!), `${property(text, 'SUMMARY')} as vdirsyncer stored it`).toEqual(
        contentLines(veventsOf(original.data)[0]!),
      );
    }

    // khal, one day at a time: the day before the span, its four days, the day after, and the
    // backwards item's start date (where it must not be).
    const khal = khalConfig(pull.folder);
    const titles = (issue: FakeIssue) => planSummary(world, current(issue));
    const expectedByDay: Array<[number, string[]]> = [
      [9, []],
      [10, [titles(world.span)]],
      [11, [titles(world.span), titles(world.single)]],
      [12, [titles(world.span), titles(world.backwards)]],
      [13, [titles(world.span)]],
      [14, []],
      [15, []],
    ];
    for (const [n, expected] of expectedByDay) {
      const listed = await tool('khal', [
        '-c',
        khal,
        'list',
        '--format',
        '{title}',
        '--day-format',
        '',
        day(n),
        day(n),
      ]);
      expect(nonBlank(listed.stdout).sort(), `khal list ${day(n)} (ref+${n})`).toEqual([...expected].sort());
    }

    // One list over the whole range, with a day header: the same picture, and khal reads the span's
    // last day (its DTEND is exclusive) as target date.
    const range = await tool('khal', [
      '-c',
      khal,
      'list',
      '--format',
      '{start-date}|{end-date}|{title}',
      '--day-format',
      'DAY {date}',
      day(8),
      day(16),
    ]);
    const byDay: Record<string, string[]> = {};
    let header = '';
    for (const line of nonBlank(range.stdout)) {
      if (line.startsWith('DAY ')) {
        header = line.slice(4).trim();
        byDay[header] = [];
      } else {
        expect(header, `an event line before any day header: ${line}`).not.toBe('');
        byDay[header]!.push(line);
      }
    }
    for (const events of Object.values(byDay)) events.sort();
    const spanLine = `${day(10)}|${day(13)}|${titles(world.span)}`;
    expect(byDay).toEqual({
      [day(10)]: [spanLine],
      [day(11)]: [spanLine, `${day(11)}|${day(11)}|${titles(world.single)}`].sort(),
      [day(12)]: [spanLine, `${day(12)}|${day(12)}|${titles(world.backwards)}`].sort(),
      [day(13)]: [spanLine],
    });
  });

  it('a second sync writes nothing; a new summary rewrites each plan event once and nothing else; a completed item leaves plan and is struck through in its project calendar', async () => {
    const { world, run } = await syncedWorld();
    expect(run.code, run.stderr).toBe(0);
    const { span, single, backwards } = world;

    // 1. Nothing changed: nothing written.
    const again = await sync(world.config);
    expect(again.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0, unchanged: 7 });
    expect(writes()).toEqual([]);

    // 2. A new summary template for `plan`: its three events are rewritten once each, with only
    //    the summary changed; the project calendar is not touched.
    const projectEtags = await etags(world.slugs.projects);
    const planBefore = (await contents(world.slugs.plan)) ?? [];
    const retitled = configFor(world.project, { summary: '{name} ({priority})' });
    const rename = await sync(retitled);
    expect(rename.report.totals).toMatchObject({ created: 0, updated: 3, deleted: 0, failed: 0 });
    const plan = calendarOf(rename.report, 'plan');
    expect(plan).toMatchObject({
      created: 0,
      updated: 3,
      deleted: 0,
      unchanged: 0,
      calendarCreated: false,
      calendarRenamed: null,
    });
    expect(changed(plan, 'update')).toEqual(ids(span, single, backwards));
    for (const change of plan.changes) {
      const issue = current([span, single, backwards].find((i) => i.id === change.issueId)!);
      expect(change.fields, `${issue.name}: the fields that changed`).toEqual([
        { field: 'summary', from: planSummary(world, issue), to: `${issue.name} (${issue.priority})` },
      ]);
      expect(change.applied).toBe(true);
    }
    expect(calendarOf(rename.report, 'projects')).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 4,
      changes: [],
    });
    const puts = writes();
    expect(
      puts.every((line) => line.startsWith('PUT ')),
      puts.join('\n'),
    ).toBe(true);
    expect(puts.map((line) => line.slice(4)).sort(), 'one PUT per plan event, at its href').toEqual(
      planBefore.map((o) => decodeURIComponent(new URL(o.href, homeUrl).pathname)).sort(),
    );
    expect(await etags(world.slugs.projects), 'the project calendar untouched').toEqual(projectEtags);
    const retitledLayout = planLayout(world, (issue) => `${issue.name} (${issue.priority})`);
    expect(retitledLayout.map((e) => e.summary).sort()).toEqual([
      'Four-day span (high)',
      'Only a target date (medium)',
      'Starts after its target (low)',
    ]);
    await expectCalendar(world.slugs.plan, planUid, retitledLayout);
    await expectCalendar(world.slugs.projects, defaultUid, defaultLayout(world));

    const steady = await sync(retitled);
    expect(steady.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0, unchanged: 7 });
    expect(writes()).toEqual([]);

    // 3. The span is completed in Plane: it leaves plan (deleted), and its project calendar keeps
    //    it, now struck through.
    plane.updateIssue(span.id, { state: 'Done' });
    const completed = await sync(retitled);
    expect(completed.report.totals).toMatchObject({ created: 0, updated: 1, deleted: 1, failed: 0 });
    const planAfter = calendarOf(completed.report, 'plan');
    expect(planAfter).toMatchObject({ created: 0, updated: 0, deleted: 1, failed: 0 });
    expect(planAfter.changes.map((c) => [c.op, c.uid])).toEqual([['delete', planUid(span)]]);
    const projectsAfter = calendarOf(completed.report, 'projects');
    expect(projectsAfter).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    expect(projectsAfter.changes.map((c) => [c.op, c.issueId, c.fields.map((f) => f.field)])).toEqual([
      ['update', span.id, expect.arrayContaining(['status'])],
    ]);
    expect(
      writes()
        .filter((line) => line.startsWith('DELETE '))
        .map((line) => line.slice(7)),
    ).toEqual([
      decodeURIComponent(new URL(`${homeUrl}${world.slugs.plan}/${encodeURIComponent(planUid(span))}.ics`).pathname),
    ]);
    await expectCalendar(
      world.slugs.plan,
      planUid,
      retitledLayout.filter((e) => e.issue.id !== span.id),
    );
    const projectObjects = await expectCalendar(world.slugs.projects, defaultUid, defaultLayout(world));
    expect(property(projectObjects.find((o) => o.uid === defaultUid(span))!.data, 'STATUS'), 'the completed span').toBe(
      'CANCELLED',
    );

    const settled = await sync(retitled);
    expect(settled.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0, unchanged: 6 });
    expect(writes()).toEqual([]);
  });
});
