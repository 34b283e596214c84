/**
 * How items look (issue 11) end to end: the built CLI as a child process, a real Radicale behind a
 * recording proxy, the fake Plane (work items, cycles, modules, project time zones), and the real
 * clients a user reads the result with (vdirsyncer pulling over CalDAV, todoman, khal).
 *
 * One Radicale and one fake Plane for the file. Two projects and two calendar entries make the
 * main world:
 *  - TSK, a task list per project: `as: "tasks"`, `undated: "include"`, a summary template and an
 *    alarm (`-PT15H`, counted from DUE), over items in every state group and priority, with and
 *    without start and target dates;
 *  - PLN (project time zone Asia/Tokyo), a planning calendar: `dates: "span"`, `cycles`, `modules`
 *    and an alarm (`-P1D`), with cycles stored as datetimes the way Plane stores them.
 * Then: a config change (another template, one alarm fewer) over objects where someone added their
 * own VALARM, a VEVENT-only calendar squatting a task entry's URL, the clients, and a third project
 * (America/New_York) with times on its items (`times: "timed"`, and the default entry).
 *
 * The tests share the world and run in order (the later ones change Plane and the config); each
 * computes what it expects from the fake Plane's current state, so any one of them also runs alone.
 * Every calendar is read straight from Radicale (never through the proxy, which counts the CLI's
 * writes).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RunReport } from '../../src/sync/report.js';
import { type CliResult, runJson, scratchDir } from '../support/cli.js';
import { clientRunner, requireProgram, writeKhalConfig, writeTodomanConfig } from '../support/clients.js';
import {
  type FakeCycle,
  type FakeIssue,
  type FakeModule,
  type FakePlane,
  type FakeProject,
  startFakePlane,
} from '../support/fake-plane.js';
import { basic, componentsOf, lines, property } from '../support/ical-text.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { daysFrom } from '../support/sample-workspace.js';
import { calendarOf, changed, ids, writesThrough } from '../support/sync-report.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let reader: DavCalendarStore;
let homeUrl: string;
/** Everything this file writes (configs, client configs, vdirs, the clients' homes); removed after the file. */
let work: string;

beforeAll(async () => {
  work = scratchDir('calplanebot-shapes-');
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 111 });
  dav = await startRecordingProxy(radicale.url);
  reader = directStore(radicale);
  homeUrl = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

const WEB_URL = 'https://plane.example.test';

let dirCounter = 0;
function newDir(label: string): string {
  dirCounter += 1;
  const dir = join(work, `${label}-${dirCounter}`);
  mkdirSync(dir);
  return dir;
}

// ── iCalendar text ────────────────────────────────────────────────────────────

/** The item's own lines (the VALARMs cut out), so a property of an alarm never reads as the item's. */
function withoutAlarms(component: string): string {
  return component.replace(/BEGIN:VALARM\r?\n[\s\S]*?END:VALARM\r?\n/g, '');
}

function unescapeText(value: string | undefined): string | undefined {
  return value?.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** A Plane timestamp (epoch microseconds) as iCalendar UTC, seconds truncated. */
function utcStamp(micros: number): string {
  return new Date(Math.floor(micros / 1_000_000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

// ── Radicale ──────────────────────────────────────────────────────────────────

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
  return (await reader.list(calendar)).map((object) => {
    const item = [...componentsOf(object.data, 'VTODO'), ...componentsOf(object.data, 'VEVENT')][0] ?? object.data;
    return { href: object.href, etag: object.etag, uid: property(withoutAlarms(item), 'UID'), data: object.data };
  });
}

async function objectsOf(slug: string): Promise<Stored[]> {
  const stored = await contents(slug);
  expect(stored, `no calendar at ${homeUrl}${slug}/`).toBeDefined();
  return stored ?? [];
}

async function etags(slug: string): Promise<Array<[string, string | null]>> {
  return (await objectsOf(slug)).map((o): [string, string | null] => [o.href, o.etag]).sort();
}

function basicAuth(): string {
  const user = radicale.users[0]!;
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** A raw WebDAV request straight to Radicale, as an app (or a person with curl) would make it. */
async function davRequest(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; etag: string | null }> {
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: basicAuth(),
      ...(body === undefined ? {} : { 'Content-Type': 'application/xml; charset=utf-8' }),
      ...headers,
    },
    body,
  });
  return { status: response.status, body: await response.text(), etag: response.headers.get('etag') };
}

/** supported-calendar-component-set of the calendar at `url`, as Radicale answers a Depth-0 PROPFIND. */
async function componentSet(url: string): Promise<string[]> {
  const answer = await davRequest(
    'PROPFIND',
    url,
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:supported-calendar-component-set/></d:prop></d:propfind>',
    { Depth: '0' },
  );
  expect(answer.status, answer.body).toBe(207);
  return [...answer.body.matchAll(/<[\w-]*:?comp\b[^>]*\bname="([A-Z]+)"/g)].map((m) => m[1]!).sort();
}

// ── the CLI ───────────────────────────────────────────────────────────────────

interface Run extends CliResult {
  report: RunReport;
}

/** A config through the recording proxy: the projects by identifier, the entries, any `sync` settings. */
function writeConfigFile(projects: FakeProject[], calendars: unknown[], sync: Record<string, unknown> = {}): string {
  const user = radicale.users[0]!;
  const file = join(newDir('config'), 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: plane.url,
      webUrl: WEB_URL,
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
      projects: projects.map((p) => p.identifier),
    },
    caldav: { serverUrl: dav.url, username: user.username, password: user.password },
    http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 10000 },
    ...(Object.keys(sync).length > 0 ? { sync } : {}),
    calendars,
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

/** `sync --json`, the proxy's record reset first: afterwards dav.requests are this run's. */
async function sync(config: string, expectedCode = 0): Promise<Run> {
  dav.reset();
  const run = await runJson(config, 'sync');
  expect(run.code, `${run.stderr}\n${JSON.stringify(run.report.calendars.flatMap((c) => c.errors))}`).toBe(
    expectedCode,
  );
  return run;
}

/** This run's writes, "METHOD /decoded/path". */
const writes = (): string[] => writesThrough(dav);

const pathOf = (url: string): string => decodeURIComponent(new URL(url, homeUrl).pathname);

/** Nothing written, nothing changed, nothing failed. */
function expectQuiet(run: Run, unchanged: number): void {
  expect(run.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0, unchanged });
  expect(
    run.report.calendars.every(
      (c) => c.changes.length === 0 && !c.calendarCreated && c.calendarRenamed === null && c.errors.length === 0,
    ),
  ).toBe(true);
  expect(writes()).toEqual([]);
}

/**
 * Plane refuses a time on a work item's date through the fake's validation (it only knows plain
 * dates), but newer Plane builds send `YYYY-MM-DDTHH:MM`. So the value goes onto the stored record,
 * underneath the validation, before anything lists the project; no later updateIssue may touch
 * the item (the fake would throw on its dates).
 */
function forceDates(issue: FakeIssue, dates: { start_date?: string; target_date?: string }): FakeIssue {
  const store = plane as unknown as { requireIssue(id: string): FakeIssue };
  Object.assign(store.requireIssue(issue.id), dates);
  return plane.issue(issue.id)!;
}

// ── the main world ────────────────────────────────────────────────────────────

const TASK_SUMMARY = '{identifier}-{sequence} {name}';
const TASK_ALARM = '-PT15H';
const PLAN_ALARM = '-P1D';

interface Shapes {
  taskSummary: string;
  taskAlarms: string[];
  planSummary: string | undefined;
  planAlarms: string[];
}

const INITIAL: Shapes = {
  taskSummary: TASK_SUMMARY,
  taskAlarms: [TASK_ALARM],
  planSummary: undefined,
  planAlarms: [PLAN_ALARM],
};

interface World {
  ref: string;
  tsk: FakeProject;
  pln: FakeProject;
  t: Record<'backlog' | 'todoLow' | 'started' | 'done' | 'cancelled' | 'startOnly' | 'oneDay', FakeIssue>;
  p: Record<'span' | 'single' | 'undated', FakeIssue>;
  cycles: Record<'dates' | 'instants' | 'draft', FakeCycle>;
  modules: Record<'checkout' | 'someday', FakeModule>;
  slugs: { tasks: string; plan: string };
  /** The config with the task list and the planning calendar, shaped by `shapes` (default: as at first). */
  config(shapes?: Partial<Shapes>, more?: unknown[]): string;
}

let first: Promise<{ world: World; run: Run }> | undefined;

/** The main world after its first sync (made once; every test starts from it). */
function syncedWorld(): Promise<{ world: World; run: Run }> {
  first ??= (async () => {
    const ref = plane.today();
    const on = (days: number) => daysFrom(ref, days);
    const tsk = plane.addProject({ name: 'Tasks', identifier: 'TSK' });
    const pln = plane.addProject({ name: 'Planning', identifier: 'PLN', timezone: 'Asia/Tokyo' });
    const t = {
      backlog: plane.addIssue(tsk.id, {
        name: 'Backlog, no dates',
        state: 'Backlog',
        priority: 'none',
        description_html: '<p>Someday, maybe.</p>',
      }),
      todoLow: plane.addIssue(tsk.id, {
        name: 'To do, low, due',
        state: 'Todo',
        priority: 'low',
        target_date: on(5),
        labels: ['docs'],
      }),
      started: plane.addIssue(tsk.id, {
        name: 'Started, high, start and due',
        state: 'In Progress',
        priority: 'high',
        start_date: on(2),
        target_date: on(6),
      }),
      done: plane.addIssue(tsk.id, {
        name: 'Done, urgent',
        state: 'Done',
        priority: 'urgent',
        start_date: on(-4),
        target_date: on(-1),
      }),
      cancelled: plane.addIssue(tsk.id, {
        name: 'Cancelled, medium',
        state: 'Cancelled',
        priority: 'medium',
        target_date: on(4),
      }),
      startOnly: plane.addIssue(tsk.id, {
        name: 'To do, medium, a start date only',
        state: 'Todo',
        priority: 'medium',
        start_date: on(3),
      }),
      oneDay: plane.addIssue(tsk.id, {
        name: 'Started, no priority, one day',
        state: 'In Progress',
        priority: 'none',
        start_date: on(7),
        target_date: on(7),
      }),
    };
    const p = {
      span: plane.addIssue(pln.id, {
        name: 'Three-day span',
        state: 'Todo',
        priority: 'high',
        start_date: on(2),
        target_date: on(4),
      }),
      single: plane.addIssue(pln.id, {
        name: 'Only a target date',
        state: 'In Progress',
        priority: 'low',
        target_date: on(6),
      }),
      undated: plane.addIssue(pln.id, { name: 'No dates at all', state: 'Todo' }),
    };
    const cycles = {
      // Dates as Plane's API takes them: stored as 00:00:01 and 23:59 of those days in Tokyo.
      dates: plane.addCycle(pln.id, {
        name: 'Sprint 1',
        description: 'Ship the planning view.',
        start_date: on(3),
        end_date: on(9),
      }),
      // Instants as the web app may send them: 01:30 and 23:59 in Tokyo, still the day before in UTC at the start.
      instants: plane.addCycle(pln.id, {
        name: 'Sprint 2',
        start_date: `${on(10)}T16:30:00Z`,
        end_date: `${on(16)}T14:59:00Z`,
      }),
      draft: plane.addCycle(pln.id, { name: 'Draft cycle' }),
    };
    const modules = {
      checkout: plane.addModule(pln.id, {
        name: 'Checkout',
        description: 'The new checkout flow.',
        start_date: on(5),
        target_date: on(12),
        status: 'in-progress',
      }),
      someday: plane.addModule(pln.id, { name: 'Someday', target_date: on(20) }),
    };
    const slugs = { tasks: `plane-tasks-${tsk.id}`, plan: 'plane-plan' };
    const config = (shapes: Partial<Shapes> = {}, more: unknown[] = []) => {
      const s = { ...INITIAL, ...shapes };
      return writeConfigFile(
        [tsk, pln],
        [
          {
            id: 'tasks',
            name: 'Plane: {identifier} tasks',
            perProject: true,
            as: 'tasks',
            undated: 'include',
            summary: s.taskSummary,
            alarms: s.taskAlarms,
            filter: { projects: [tsk.identifier] },
          },
          {
            id: 'plan',
            name: 'Plane: plan',
            dates: 'span',
            cycles: true,
            modules: true,
            alarms: s.planAlarms,
            ...(s.planSummary === undefined ? {} : { summary: s.planSummary }),
            filter: { projects: [pln.identifier] },
          },
          ...more,
        ],
      );
    };
    const world: World = { ref, tsk, pln, t, p, cycles, modules, slugs, config };
    const run = await sync(config());
    return { world, run };
  })();
  return first;
}

const current = (issue: FakeIssue): FakeIssue => plane.issue(issue.id)!;
const taskUid = (issue: { id: string }): string => `plane-issue-${issue.id}@tasks.calplanebot`;
const planUid = (issue: { id: string }): string => `plane-issue-${issue.id}@plan.calplanebot`;
const cycleUid = (cycle: { id: string }): string => `plane-cycle-${cycle.id}@plan.calplanebot`;
const moduleUid = (module: { id: string }): string => `plane-module-${module.id}@plan.calplanebot`;
const issueUrl = (issue: FakeIssue): string =>
  `${WEB_URL}/${plane.workspaceSlug}/projects/${issue.project}/issues/${issue.id}`;

function groupOf(issue: FakeIssue): string | undefined {
  return issue.state === null ? undefined : plane.state(issue.state)?.group;
}

function fill(template: string, project: FakeProject, issue: FakeIssue): string {
  const values: Record<string, string> = {
    identifier: project.identifier,
    sequence: String(issue.sequence_id),
    name: issue.name,
    project: project.name,
    state: issue.state === null ? '' : (plane.state(issue.state)?.name ?? ''),
    priority: issue.priority,
  };
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `{${key}}`);
}

const TASK_STATUS: Record<string, string> = {
  backlog: 'NEEDS-ACTION',
  unstarted: 'NEEDS-ACTION',
  started: 'IN-PROCESS',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
};
const TASK_PRIORITY: Record<string, number | undefined> = { urgent: 1, high: 3, medium: 5, low: 7, none: undefined };
const COLORS: Record<string, string | undefined> = {
  urgent: 'red',
  high: 'darkorange',
  medium: 'gold',
  low: 'green',
  none: undefined,
};

/** What the task list holds for an item: every one of its properties as the issue defines them. */
interface ExpectedTask {
  issue: FakeIssue;
  summary: string;
  due: string | undefined;
  start: string | undefined;
  status: string;
  completed: string | undefined;
  percent: string | undefined;
  priority: number | undefined;
  alarms: string[];
}

function expectedTasks(world: World, shapes: Shapes): ExpectedTask[] {
  return Object.values(world.t).map((snapshot) => {
    const issue = current(snapshot);
    const group = groupOf(issue)!;
    const due = issue.target_date ?? undefined;
    // RFC 5545 §3.8.2.3: DUE must be later than DTSTART, so a task that starts on its due day has no DTSTART.
    const start =
      issue.start_date !== null && (due === undefined || issue.start_date < due) ? issue.start_date : undefined;
    return {
      issue,
      summary: fill(shapes.taskSummary, world.tsk, issue),
      due,
      start,
      status: TASK_STATUS[group]!,
      completed: group === 'completed' ? utcStamp(issue.completed_at!) : undefined,
      percent: group === 'completed' ? '100' : undefined,
      priority: TASK_PRIORITY[issue.priority],
      // A task's reminders count from DUE: an undated task has none.
      alarms: due === undefined ? [] : shapes.taskAlarms,
    };
  });
}

/** The task list holds exactly these VTODOs (and nothing else), each with its properties. */
async function expectTaskList(world: World, shapes: Shapes): Promise<Stored[]> {
  const objects = await objectsOf(world.slugs.tasks);
  const expected = expectedTasks(world, shapes);
  expect(objects.map((o) => o.uid).sort(), 'the task list: one object per item, undated ones included').toEqual(
    expected.map((e) => taskUid(e.issue)).sort(),
  );
  for (const e of expected) {
    const object = objects.find((o) => o.uid === taskUid(e.issue))!;
    const label = `task ${e.issue.name}`;
    expect(decodeURIComponent(new URL(object.href, homeUrl).pathname), `${label}: href`).toBe(
      pathOf(`${homeUrl}${world.slugs.tasks}/${encodeURIComponent(taskUid(e.issue))}.ics`),
    );
    expect(componentsOf(object.data, 'VEVENT'), `${label}: no VEVENT`).toEqual([]);
    const todos = componentsOf(object.data, 'VTODO');
    expect(todos, `${label}: one VTODO`).toHaveLength(1);
    const own = withoutAlarms(todos[0]!);
    expect(unescapeText(property(own, 'SUMMARY')), `${label}: SUMMARY`).toBe(e.summary);
    expect(lines(own, 'DUE'), `${label}: DUE`).toEqual(e.due === undefined ? [] : [`DUE;VALUE=DATE:${basic(e.due)}`]);
    expect(lines(own, 'DTSTART'), `${label}: DTSTART`).toEqual(
      e.start === undefined ? [] : [`DTSTART;VALUE=DATE:${basic(e.start)}`],
    );
    expect(lines(own, 'DTEND'), `${label}: no DTEND in a task`).toEqual([]);
    expect(lines(own, 'TRANSP'), `${label}: no TRANSP in a task`).toEqual([]);
    expect(property(own, 'STATUS'), `${label}: STATUS`).toBe(e.status);
    expect(lines(own, 'COMPLETED'), `${label}: COMPLETED`).toEqual(
      e.completed === undefined ? [] : [`COMPLETED:${e.completed}`],
    );
    expect(property(own, 'PERCENT-COMPLETE'), `${label}: PERCENT-COMPLETE`).toBe(e.percent);
    expect(lines(own, 'PRIORITY'), `${label}: PRIORITY`).toEqual(
      e.priority === undefined ? [] : [`PRIORITY:${e.priority}`],
    );
    expect(property(own, 'URL'), `${label}: URL`).toBe(issueUrl(e.issue));
    expect(property(own, 'COLOR'), `${label}: COLOR`).toBe(COLORS[e.issue.priority]);
    expect(property(own, 'X-CALPLANEBOT-ISSUE-ID'), `${label}: X-CALPLANEBOT-ISSUE-ID`).toBe(e.issue.id);
    expect(property(own, 'X-CALPLANEBOT-PROJECT-ID'), `${label}: X-CALPLANEBOT-PROJECT-ID`).toBe(e.issue.project);
    const description = unescapeText(property(own, 'DESCRIPTION')) ?? '';
    expect(description, `${label}: DESCRIPTION`).toContain(`Priority: ${e.issue.priority}`);
    expect(description, `${label}: DESCRIPTION`).toContain(`Project: ${world.tsk.name}`);
    const managed = componentsOf(todos[0]!, 'VALARM').filter(
      (alarm) => property(alarm, 'X-CALPLANEBOT-ALARM') !== undefined,
    );
    expect(
      managed.map((alarm) => lines(alarm, 'TRIGGER')[0]),
      `${label}: the managed alarms, from DUE`,
    ).toEqual(e.alarms.map((trigger) => `TRIGGER;RELATED=END:${trigger}`));
    // It is a task ical.js reads as one, with the same dates and status.
    const parsed = new ICAL.Component(ICAL.parse(object.data) as unknown[]);
    const vtodo = parsed.getFirstSubcomponent('vtodo')!;
    expect(vtodo.getFirstPropertyValue('status'), `${label}: ical.js STATUS`).toBe(e.status);
    expect(String(vtodo.getFirstPropertyValue('due') ?? ''), `${label}: ical.js DUE`).toBe(e.due ?? '');
  }
  return objects;
}

interface ExpectedBlock {
  uid: string;
  summary: string;
  /** First day, and the day after the last (DTEND, exclusive). */
  start: string;
  end: string;
  sourceProperty: string;
  sourceId: string;
  /** Managed alarm triggers. */
  alarms: string[];
  /** A work item, or a cycle / module. */
  kind: 'issue' | 'cycle' | 'module';
  url: string;
  /** A cycle's or module's own description, which its DESCRIPTION starts with. */
  description?: string;
}

/** What the planning calendar shows, from the fake Plane's current cycles, modules and items. */
function expectedPlan(world: World, shapes: Shapes): ExpectedBlock[] {
  const on = (n: number) => daysFrom(world.ref, n);
  const blocks: ExpectedBlock[] = [];
  for (const snapshot of [world.p.span, world.p.single, world.p.undated]) {
    const issue = current(snapshot);
    if (issue.target_date === null) continue;
    const start =
      issue.start_date !== null && issue.start_date <= issue.target_date ? issue.start_date : issue.target_date;
    const summary =
      shapes.planSummary === undefined
        ? `[${issue.sequence_id}] ${issue.name}`
        : fill(shapes.planSummary, world.pln, issue);
    blocks.push({
      uid: planUid(issue),
      summary,
      start,
      end: daysFrom(issue.target_date, 1),
      sourceProperty: 'X-CALPLANEBOT-ISSUE-ID',
      sourceId: issue.id,
      alarms: shapes.planAlarms,
      kind: 'issue',
      url: issueUrl(issue),
    });
  }
  // Cycle days in the project's zone (Asia/Tokyo), whatever instant Plane stored.
  const cycleDays: Record<string, [string, string]> = {
    [world.cycles.dates.id]: [on(3), on(9)],
    [world.cycles.instants.id]: [on(11), on(16)],
  };
  for (const cycle of plane.cycles(world.pln.id)) {
    if (cycle.deleted_at !== null || cycle.archived_at !== null || cycle.start_date === null) continue;
    const [first, last] = cycleDays[cycle.id]!;
    blocks.push({
      uid: cycleUid(cycle),
      summary: `Cycle: ${cycle.name}`,
      start: first,
      end: daysFrom(last, 1),
      sourceProperty: 'X-CALPLANEBOT-CYCLE-ID',
      sourceId: cycle.id,
      alarms: [],
      kind: 'cycle',
      description: cycle.description,
      url: `${WEB_URL}/${plane.workspaceSlug}/projects/${world.pln.id}/cycles/${cycle.id}`,
    });
  }
  for (const module of plane.modules(world.pln.id)) {
    if (
      module.deleted_at !== null ||
      module.archived_at !== null ||
      module.start_date === null ||
      module.target_date === null
    )
      continue;
    blocks.push({
      uid: moduleUid(module),
      summary: `Module: ${module.name}`,
      start: module.start_date,
      end: daysFrom(module.target_date, 1),
      sourceProperty: 'X-CALPLANEBOT-MODULE-ID',
      sourceId: module.id,
      alarms: [],
      kind: 'module',
      description: module.description,
      url: `${WEB_URL}/${plane.workspaceSlug}/projects/${world.pln.id}/modules/${module.id}`,
    });
  }
  return blocks;
}

/** The planning calendar holds exactly these all-day VEVENTs. */
async function expectPlan(world: World, shapes: Shapes): Promise<Stored[]> {
  const objects = await objectsOf(world.slugs.plan);
  const expected = expectedPlan(world, shapes);
  expect(
    objects.map((o) => o.uid).sort(),
    'the planning calendar: its items, cycles and modules with both dates',
  ).toEqual(expected.map((e) => e.uid).sort());
  for (const e of expected) {
    const object = objects.find((o) => o.uid === e.uid)!;
    const label = `plan ${e.summary}`;
    const events = componentsOf(object.data, 'VEVENT');
    expect(events, `${label}: one VEVENT`).toHaveLength(1);
    const own = withoutAlarms(events[0]!);
    expect(unescapeText(property(own, 'SUMMARY')), `${label}: SUMMARY`).toBe(e.summary);
    expect(lines(own, 'DTSTART'), `${label}: DTSTART`).toEqual([`DTSTART;VALUE=DATE:${basic(e.start)}`]);
    expect(lines(own, 'DTEND'), `${label}: DTEND`).toEqual([`DTEND;VALUE=DATE:${basic(e.end)}`]);
    expect(property(own, e.sourceProperty), `${label}: ${e.sourceProperty}`).toBe(e.sourceId);
    expect(property(own, 'X-CALPLANEBOT-PROJECT-ID'), `${label}: X-CALPLANEBOT-PROJECT-ID`).toBe(world.pln.id);
    expect(property(own, 'URL'), `${label}: URL`).toBe(e.url);
    if (e.kind !== 'issue') {
      const description = unescapeText(property(own, 'DESCRIPTION')) ?? '';
      expect(description, `${label}: DESCRIPTION links to it in Plane`).toContain(e.url);
      expect(
        description.startsWith(e.description ?? ''),
        `${label}: DESCRIPTION starts with its description: ${description}`,
      ).toBe(true);
    }
    const managed = componentsOf(events[0]!, 'VALARM').filter(
      (alarm) => property(alarm, 'X-CALPLANEBOT-ALARM') !== undefined,
    );
    expect(
      managed.map((alarm) => lines(alarm, 'TRIGGER')[0]),
      `${label}: the managed alarms`,
    ).toEqual(e.alarms.map((trigger) => `TRIGGER:${trigger}`));
  }
  return objects;
}

// ── 1. a task list ──────────────────────────────────────────────────────────────

describe('a task list (as: "tasks", undated: "include")', () => {
  it('the first sync makes a VTODO calendar holding one task per item, with DUE, DTSTART, STATUS, COMPLETED, PERCENT-COMPLETE, PRIORITY and alarms from DUE; the second writes nothing', async () => {
    const { world, run } = await syncedWorld();
    const { t } = world;

    const tasks = calendarOf(run.report, 'tasks', world.tsk.id);
    expect(tasks).toMatchObject({
      name: 'Plane: TSK tasks',
      calendarCreated: true,
      created: 7,
      updated: 0,
      deleted: 0,
      failed: 0,
      errors: [],
    });
    expect(new URL(tasks.calendarUrl ?? 'http://none/').pathname).toBe(
      new URL(`${homeUrl}${world.slugs.tasks}/`).pathname,
    );
    expect(changed(tasks, 'create'), 'every item of TSK, the undated ones too').toEqual(ids(...Object.values(t)));
    expect(run.report.totals).toMatchObject({ failed: 0 });

    // The calendar is made for tasks: Radicale says so, and so does calplanebot's own listing.
    expect(await componentSet(`${homeUrl}${world.slugs.tasks}/`)).toEqual(['VTODO']);
    expect((await reader.listCalendars()).find((c) => c.url === `${homeUrl}${world.slugs.tasks}/`)?.components).toEqual(
      ['VTODO'],
    );
    expect(
      writes()
        .filter((w) => w.startsWith('MKCALENDAR '))
        .map((w) => w.slice(11)),
    ).toContain(pathOf(`${homeUrl}${world.slugs.tasks}/`));

    await expectTaskList(world, INITIAL);
    // The item table of the issue, spelled out once for the readers of this test.
    const byName = Object.fromEntries(
      expectedTasks(world, INITIAL).map((e) => [
        e.issue.name,
        [e.status, e.priority ?? null, e.due ?? null, e.start ?? null, e.completed !== undefined],
      ]),
    );
    const on = (n: number) => daysFrom(world.ref, n);
    expect(byName).toEqual({
      'Backlog, no dates': ['NEEDS-ACTION', null, null, null, false],
      'To do, low, due': ['NEEDS-ACTION', 7, on(5), null, false],
      'Started, high, start and due': ['IN-PROCESS', 3, on(6), on(2), false],
      'Done, urgent': ['COMPLETED', 1, on(-1), on(-4), true],
      'Cancelled, medium': ['CANCELLED', 5, on(4), null, false],
      'To do, medium, a start date only': ['NEEDS-ACTION', 5, null, on(3), false],
      // Starts on its due day: no DTSTART (DUE must be later than DTSTART).
      'Started, no priority, one day': ['IN-PROCESS', null, on(7), null, false],
    });
    expect(current(t.done).completed_at, 'the fake Plane set completed_at').not.toBeNull();

    const again = await sync(world.config());
    expectQuiet(again, 7 + 5);
  });
});

// ── 2. a planning calendar with cycles, modules and alarms ──────────────────────

describe('a planning calendar (dates: "span", cycles, modules, alarms)', () => {
  it('items become spans, cycles (datetimes, read in the project zone) and modules with both dates become blocks; the second sync writes nothing', async () => {
    const { world, run } = await syncedWorld();
    const plan = calendarOf(run.report, 'plan');
    expect(plan).toMatchObject({
      name: 'Plane: plan',
      calendarCreated: true,
      created: 5,
      updated: 0,
      deleted: 0,
      failed: 0,
      errors: [],
    });
    expect(changed(plan, 'create')).toEqual(
      ids(world.p.span, world.p.single, world.cycles.dates, world.cycles.instants, world.modules.checkout),
    );
    expect(await componentSet(`${homeUrl}${world.slugs.plan}/`)).toEqual(['VEVENT']);
    await expectPlan(world, INITIAL);
    // One request per project and kind, only for the project whose calendar shows them.
    const paths = plane.requests.map((r) => r.path);
    expect(
      paths.filter(
        (p) => p.includes(`/projects/${world.tsk.id}/cycles/`) || p.includes(`/projects/${world.tsk.id}/modules/`),
      ),
      'TSK: no calendar shows its cycles or modules',
    ).toEqual([]);

    plane.resetRequests();
    const again = await sync(world.config());
    expectQuiet(again, 7 + 5);
    const listed = plane.requests.map((r) => r.path);
    expect(listed.filter((p) => p.endsWith(`/projects/${world.pln.id}/cycles/`))).toHaveLength(1);
    expect(listed.filter((p) => p.endsWith(`/projects/${world.pln.id}/modules/`))).toHaveLength(1);
  });

  it('a cycle deleted in Plane loses its block (cycle-gone); a module whose dates change is updated in place', async () => {
    const { world } = await syncedWorld();
    const on = (n: number) => daysFrom(world.ref, n);
    const config = world.config();
    const before = await objectsOf(world.slugs.plan);

    plane.deleteCycle(world.cycles.dates.id);
    plane.updateModule(world.modules.checkout.id, { start_date: on(6), target_date: on(14) });
    const run = await sync(config);
    const plan = calendarOf(run.report, 'plan');
    expect(plan).toMatchObject({ created: 0, updated: 1, deleted: 1, failed: 0, errors: [] });
    const deleted = plan.changes.find((c) => c.op === 'delete')!;
    expect(deleted).toMatchObject({ uid: cycleUid(world.cycles.dates), issueId: world.cycles.dates.id, applied: true });
    expect(deleted.reason, 'the reason in --json').toBe('cycle-gone');
    const updated = plan.changes.find((c) => c.op === 'update')!;
    expect(updated).toMatchObject({ uid: moduleUid(world.modules.checkout), applied: true });
    expect(updated.fields.map((f) => f.field).sort()).toEqual(['dtend', 'target_date']);
    expect(run.report.totals).toMatchObject({ created: 0, updated: 1, deleted: 1, failed: 0 });
    // One DELETE at the cycle's href, one PUT at the module's: nothing else.
    const hrefOf = (uid: string) => pathOf(before.find((o) => o.uid === uid)!.href);
    expect(writes().sort()).toEqual(
      [`DELETE ${hrefOf(cycleUid(world.cycles.dates))}`, `PUT ${hrefOf(moduleUid(world.modules.checkout))}`].sort(),
    );
    const objects = await expectPlan(world, INITIAL);
    expect(lines(objects.find((o) => o.uid === moduleUid(world.modules.checkout))!.data, 'DTSTART')).toEqual([
      `DTSTART;VALUE=DATE:${basic(on(6))}`,
    ]);

    const steady = await sync(config);
    expectQuiet(steady, 7 + 4);
  });
});

// ── 3. a config change ──────────────────────────────────────────────────────────

/** A VALARM as a calendar app adds one: its own UID, no X-CALPLANEBOT-ALARM. */
function personalAlarm(uid: string): string {
  return [
    'BEGIN:VALARM',
    `UID:${uid}`,
    'ACTION:DISPLAY',
    'DESCRIPTION:My own reminder',
    'TRIGGER:-PT30M',
    'END:VALARM',
    '',
  ].join('\r\n');
}

/** Adds a personal VALARM to a stored object the way an app does: the whole object PUT back with If-Match. */
async function addPersonalAlarm(object: Stored, kind: 'VTODO' | 'VEVENT', alarmUid: string): Promise<void> {
  const end = object.data.lastIndexOf(`END:${kind}`);
  expect(end, `${object.uid}: END:${kind}`).toBeGreaterThan(0);
  const data = `${object.data.slice(0, end)}${personalAlarm(alarmUid)}${object.data.slice(end)}`;
  const put = await davRequest('PUT', new URL(object.href, homeUrl).href, data, {
    'Content-Type': 'text/calendar; charset=utf-8',
    'If-Match': object.etag ?? '*',
  });
  expect(put.status, put.body).toBeLessThan(300);
}

function personalAlarmsIn(data: string, alarmUid: string): string[] {
  return componentsOf(data, 'VALARM').filter((alarm) => property(alarm, 'UID') === alarmUid);
}

describe('changing how items look', () => {
  it('another summary template and one alarm fewer rewrite each object once, keep the alarm a person added, and then nothing', async () => {
    const { world } = await syncedWorld();
    await sync(world.config()); // whatever ran before, the calendars are as the first config has them

    // Two alarms each, to drop one of them later. Only objects that carry alarms change: the
    // tasks with a due date and the work items of the plan (cycles and modules have none).
    const two: Partial<Shapes> = { taskAlarms: [TASK_ALARM, '-P2D'], planAlarms: [PLAN_ALARM, 'PT9H'] };
    const dated = expectedTasks(world, INITIAL)
      .filter((e) => e.due !== undefined)
      .map((e) => e.issue);
    const planItems = expectedPlan(world, INITIAL).filter((e) => e.kind === 'issue');
    const planBlocks = expectedPlan(world, INITIAL).filter((e) => e.kind !== 'issue');
    const added = await sync(world.config(two));
    expect(changed(calendarOf(added.report, 'tasks', world.tsk.id), 'update')).toEqual(ids(...dated));
    expect(changed(calendarOf(added.report, 'plan'), 'update')).toEqual(planItems.map((e) => e.sourceId).sort());
    expect(added.report.totals).toMatchObject({
      created: 0,
      updated: dated.length + planItems.length,
      deleted: 0,
      failed: 0,
    });
    await expectTaskList(world, { ...INITIAL, ...two } as Shapes);
    await expectPlan(world, { ...INITIAL, ...two } as Shapes);

    // A person adds their own reminder to a task and to a plan event, in their app.
    const taskObject = (await objectsOf(world.slugs.tasks)).find((o) => o.uid === taskUid(world.t.started))!;
    const planObject = (await objectsOf(world.slugs.plan)).find((o) => o.uid === planUid(world.p.span))!;
    await addPersonalAlarm(taskObject, 'VTODO', 'my-task-reminder-1');
    await addPersonalAlarm(planObject, 'VEVENT', 'my-event-reminder-1');
    const objectCount = (await objectsOf(world.slugs.tasks)).length + (await objectsOf(world.slugs.plan)).length;
    // An alarm of one's own is no change calplanebot has to undo.
    expectQuiet(await sync(world.config(two)), objectCount);

    // The change: another template for both, one alarm fewer for both.
    const changedShapes: Shapes = {
      taskSummary: '{name} ({priority}, {state})',
      taskAlarms: ['-P2D'],
      planSummary: '{identifier}-{sequence} {name}',
      planAlarms: ['PT9H'],
    };
    const tasksBefore = await objectsOf(world.slugs.tasks);
    const planBefore = await objectsOf(world.slugs.plan);
    const blockEtags = planBefore
      .filter((o) => planBlocks.some((b) => b.uid === o.uid))
      .map((o) => [o.href, o.etag])
      .sort();
    const config = world.config(changedShapes);
    const run = await sync(config);
    const tasks = calendarOf(run.report, 'tasks', world.tsk.id);
    expect(tasks, 'every task: its summary changed').toMatchObject({
      created: 0,
      updated: tasksBefore.length,
      deleted: 0,
      unchanged: 0,
      failed: 0,
    });
    const plan = calendarOf(run.report, 'plan');
    expect(plan, 'every work item of the plan; its cycles and modules keep their titles').toMatchObject({
      created: 0,
      updated: planItems.length,
      deleted: 0,
      unchanged: planBlocks.length,
      failed: 0,
    });
    expect(run.report.totals).toMatchObject({
      created: 0,
      updated: tasksBefore.length + planItems.length,
      deleted: 0,
      failed: 0,
    });
    for (const change of [...tasks.changes, ...plan.changes]) {
      expect(
        change.fields.map((f) => f.field),
        `${change.summary}: what changed`,
      ).toContain('summary');
      expect(change.applied).toBe(true);
    }
    // Exactly one PUT per rewritten object, at its own href.
    const puts = writes();
    expect(
      puts.every((w) => w.startsWith('PUT ')),
      puts.join('\n'),
    ).toBe(true);
    const rewritten = [...tasksBefore, ...planBefore.filter((o) => planItems.some((e) => e.uid === o.uid))]
      .map((o) => pathOf(o.href))
      .sort();
    expect(puts.map((w) => w.slice(4)).sort(), 'one PUT per object').toEqual(rewritten);

    const tasksAfter = await expectTaskList(world, changedShapes);
    const planAfter = await expectPlan(world, changedShapes);
    expect(
      planAfter
        .filter((o) => planBlocks.some((b) => b.uid === o.uid))
        .map((o) => [o.href, o.etag])
        .sort(),
      'cycles and modules untouched',
    ).toEqual(blockEtags);
    // The person's alarms are still there, once each, as they wrote them.
    const keptTask = tasksAfter.find((o) => o.uid === taskUid(world.t.started))!;
    const keptEvent = planAfter.find((o) => o.uid === planUid(world.p.span))!;
    for (const [object, alarmUid] of [
      [keptTask, 'my-task-reminder-1'],
      [keptEvent, 'my-event-reminder-1'],
    ] as const) {
      const mine = personalAlarmsIn(object.data, alarmUid);
      expect(mine, `${object.uid}: the personal alarm`).toHaveLength(1);
      expect(lines(mine[0]!, 'TRIGGER')).toEqual(['TRIGGER:-PT30M']);
      expect(property(mine[0]!, 'X-CALPLANEBOT-ALARM')).toBeUndefined();
      expect(
        componentsOf(object.data, 'VALARM'),
        `${object.uid}: the personal alarm and the one managed alarm left`,
      ).toHaveLength(2);
    }

    expectQuiet(await sync(config), tasksBefore.length + planBefore.length);
  });
});

// ── 4. an events calendar where a task list belongs ─────────────────────────────

describe("a VEVENT-only calendar at a task entry's URL", () => {
  it('fails that calendar with a clear error naming it (exit 3), writes nothing into it, and leaves the other calendars alone', async () => {
    const { world } = await syncedWorld();
    await sync(world.config());
    // A combined task list `inbox` would live at {home}plane-inbox/: someone made an events calendar there.
    const url = `${homeUrl}plane-inbox/`;
    const made = await davRequest(
      'MKCALENDAR',
      url,
      '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>My events</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    );
    expect(made.status, made.body).toBe(201);
    expect(await componentSet(url)).toEqual(['VEVENT']);
    const mine = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//someone//EN',
      'BEGIN:VEVENT',
      'UID:my-own-event-1',
      'DTSTAMP:20260101T000000Z',
      'DTSTART;VALUE=DATE:20260115',
      'SUMMARY:Mine',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const put = await davRequest('PUT', `${url}my-own-event-1.ics`, mine, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'If-None-Match': '*',
    });
    expect(put.status, put.body).toBe(201);
    const othersBefore = [await etags(world.slugs.tasks), await etags(world.slugs.plan)];

    const config = world.config({}, [
      {
        id: 'inbox',
        name: 'Plane: inbox',
        as: 'tasks',
        undated: 'include',
        filter: { projects: [world.tsk.identifier] },
      },
    ]);
    const run = await sync(config, 3);
    const inbox = calendarOf(run.report, 'inbox');
    expect(inbox).toMatchObject({ created: 0, updated: 0, deleted: 0, calendarCreated: false });
    expect(inbox.errors, JSON.stringify(inbox.errors)).toHaveLength(1);
    const [error] = inbox.errors;
    expect(error!.message).toContain('My events');
    // The URL the CLI knows it by (through the proxy here), whole.
    expect(error!.message).toContain(new URL(pathOf(url), dav.url).href);
    expect(error!.message).toMatch(/takes only VEVENT\b/);
    expect(error!.message).toContain('VTODO');
    expect(inbox.changes.filter((c) => c.applied)).toEqual([]);
    // The other calendars synced as usual: nothing to do.
    for (const other of run.report.calendars.filter((c) => c.id !== 'inbox')) {
      expect(other, `${other.id}`).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0, errors: [] });
    }
    expect(run.stderr).toContain('My events');
    // No write at all: no PUT into the events calendar, no MKCALENDAR, no PROPPATCH.
    expect(writes(), 'no request that writes').toEqual([]);
    expect(dav.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(await objectsOf('plane-inbox').then((objects) => objects.map((o) => o.uid))).toEqual(['my-own-event-1']);
    expect([await etags(world.slugs.tasks), await etags(world.slugs.plan)]).toEqual(othersBefore);
  });
});

// ── 5. the real clients ─────────────────────────────────────────────────────────

const clients = clientRunner(() => work);
const tool = clients.ok;
const nonBlank = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

/** A vdirsyncer config pulling each calendar URL (read only) into `{parent}/{name}/` as .ics files. */
function vdirsyncerConfig(pairs: Record<string, string>): {
  config: string;
  parent: string;
  folder(name: string): string;
} {
  const dir = newDir('vdirsyncer');
  const status = join(dir, 'status');
  const parent = join(dir, 'vdirs');
  mkdirSync(status);
  mkdirSync(parent);
  const user = radicale.users[0]!;
  const q = (s: string) => JSON.stringify(s);
  const text = ['[general]', `status_path = ${q(`${status}/`)}`, ''];
  for (const [name, url] of Object.entries(pairs)) {
    mkdirSync(join(parent, name));
    text.push(
      `[pair ${name}]`,
      `a = "${name}_remote"`,
      `b = "${name}_local"`,
      'collections = null',
      'conflict_resolution = "a wins"',
      '',
      `[storage ${name}_remote]`,
      'type = "caldav"',
      `url = ${q(url)}`,
      `username = ${q(user.username)}`,
      `password = ${q(user.password)}`,
      'read_only = true',
      '',
      `[storage ${name}_local]`,
      'type = "filesystem"',
      `path = ${q(`${join(parent, name)}/`)}`,
      'fileext = ".ics"',
      '',
    );
  }
  const config = join(dir, 'config');
  writeFileSync(config, text.join('\n'));
  return { config, parent, folder: (name) => join(parent, name) };
}

async function pull(pairs: Record<string, string>): Promise<ReturnType<typeof vdirsyncerConfig>> {
  const setup = vdirsyncerConfig(pairs);
  await tool('vdirsyncer', ['-c', setup.config, 'discover'], { stdin: 'y\n'.repeat(10) });
  await tool('vdirsyncer', ['-c', setup.config, 'sync']);
  return setup;
}

interface PorcelainTodo {
  summary: string;
  due: number | null;
  priority: number | null;
  completed: boolean;
  completed_at: number | null;
  percent: number | null;
  list: string;
}

/** Epoch seconds of a date's midnight in UTC (todoman, run with TZ=UTC, counts a date-only DUE from local midnight). */
const midnightUtc = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;
const stampSeconds = (stamp: string): number =>
  Date.parse(stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) / 1000;

describe('read by real clients', () => {
  it('vdirsyncer pulls the task list and todoman lists every task with its due date, priority and completion as Plane has them', async () => {
    requireProgram('vdirsyncer', 'the task list');
    requireProgram('todoman', 'the task list');
    const { world } = await syncedWorld();
    await sync(world.config());
    const setup = await pull({ tasks: `${homeUrl}${world.slugs.tasks}/` });
    const expected = expectedTasks(world, INITIAL);
    const files = readdirSync(setup.folder('tasks')).filter((name) => name.endsWith('.ics'));
    expect(files, 'one file per task').toHaveLength(expected.length);

    const todoman = writeTodomanConfig(newDir('todoman'), setup.parent);
    const list = async (status: string): Promise<PorcelainTodo[]> => {
      const out = await tool('todoman', ['--config', todoman, '--porcelain', 'list', '--status', status], {
        env: { TZ: 'UTC' },
      });
      return JSON.parse(out.stdout) as PorcelainTodo[];
    };
    const all = await list('ANY');
    expect(all.map((todo) => todo.summary).sort(), 'every task, undated ones too').toEqual(
      expected.map((e) => e.summary).sort(),
    );
    for (const e of expected) {
      const todo = all.find((candidate) => candidate.summary === e.summary)!;
      const done = e.status === 'COMPLETED';
      expect(todo, `todoman: ${e.summary}`).toMatchObject({
        list: 'tasks',
        due: e.due === undefined ? null : midnightUtc(e.due),
        // todoman shows "no priority" as 0.
        priority: e.priority ?? 0,
        // todoman counts cancelled tasks as completed too (is_completed), without a completion time.
        completed: done || e.status === 'CANCELLED',
        completed_at: done ? stampSeconds(e.completed!) : null,
        percent: done ? 100 : 0,
      });
    }
    // Each status as todoman filters it: open, started, done, cancelled.
    const summariesWith = async (status: string) => (await list(status)).map((todo) => todo.summary).sort();
    const withStatus = (status: string) =>
      expected
        .filter((e) => e.status === status)
        .map((e) => e.summary)
        .sort();
    for (const status of ['NEEDS-ACTION', 'IN-PROCESS', 'COMPLETED', 'CANCELLED']) {
      expect(await summariesWith(status), `todoman list --status ${status}`).toEqual(withStatus(status));
    }
  });

  it('vdirsyncer pulls the planning calendar and khal shows every span, cycle and module on each of its days, never the day after', async () => {
    requireProgram('vdirsyncer', 'the planning calendar');
    requireProgram('khal', 'the planning calendar');
    const { world } = await syncedWorld();
    await sync(world.config());
    const expected = expectedPlan(world, INITIAL);
    const setup = await pull({ plan: `${homeUrl}${world.slugs.plan}/` });
    expect(
      readdirSync(setup.folder('plan')).filter((name) => name.endsWith('.ics')),
      'one file per event',
    ).toHaveLength(expected.length);

    const khal = writeKhalConfig(newDir('khal'), 'plan', setup.folder('plan'));
    const from = expected.map((e) => e.start).sort()[0]!;
    const until = expected
      .map((e) => e.end)
      .sort()
      .at(-1)!;
    const range = await tool('khal', [
      '-c',
      khal,
      'list',
      '--format',
      '{title}',
      '--day-format',
      'DAY {date}',
      daysFrom(from, -1),
      until,
    ]);
    const byDay: Record<string, string[]> = {};
    let header = '';
    for (const line of nonBlank(range.stdout)) {
      if (line.startsWith('DAY ')) {
        header = line.slice(4).trim();
        byDay[header] = [];
      } else {
        expect(header, `an event line before any day header: ${line}`).not.toBe('');
        byDay[header]!.push(line.trim());
      }
    }
    const wanted: Record<string, string[]> = {};
    for (let day = from; day < until; day = daysFrom(day, 1)) {
      const titles = expected.filter((e) => e.start <= day && day < e.end).map((e) => e.summary);
      if (titles.length > 0) wanted[day] = titles.sort();
    }
    for (const titles of Object.values(byDay)) titles.sort();
    expect(byDay, 'khal, day by day').toEqual(wanted);
  });
});

// ── 6. items with a time ────────────────────────────────────────────────────────

describe('items with a time (newer Plane), project zone America/New_York', () => {
  it('times: "timed" makes timed events and tasks in the project zone (khal shows them at their hours, in New York and in UTC); the default entry shows them all-day; a second sync writes nothing', async () => {
    const nyc = plane.addProject({ name: 'New York', identifier: 'NYC', timezone: 'America/New_York' });
    const call = forceDates(
      plane.addIssue(nyc.id, { name: 'Call at half past two', state: 'Todo', priority: 'high' }),
      { target_date: '2026-03-02T14:30' },
    );
    const morning = forceDates(plane.addIssue(nyc.id, { name: 'Morning block', state: 'In Progress' }), {
      start_date: '2026-03-02T09:00',
      target_date: '2026-03-02T11:15',
    });
    // Across the start of daylight saving time in New York (2026-03-08 02:00 EST → 03:00 EDT).
    const dst = forceDates(plane.addIssue(nyc.id, { name: 'Over the clock change', state: 'Todo' }), {
      start_date: '2026-03-07T22:00',
      target_date: '2026-03-09T08:00',
    });
    const dateOnly = plane.addIssue(nyc.id, { name: 'A plain date', state: 'Todo', target_date: '2026-03-03' });
    expect(plane.issue(call.id)?.target_date).toBe('2026-03-02T14:30');

    const config = writeConfigFile(
      [nyc],
      [
        { id: 'projects' },
        { id: 'timed', name: 'Plane: timed', times: 'timed' },
        { id: 'timedspan', name: 'Plane: timed spans', times: 'timed', dates: 'span' },
        { id: 'timedtasks', name: 'Plane: timed tasks', as: 'tasks', times: 'timed' },
      ],
      { defaultDuration: 'PT45M' },
    );
    const run = await sync(config);
    expect(run.report.totals).toMatchObject({ created: 16, updated: 0, deleted: 0, failed: 0 });
    expect(run.report.calendars.flatMap((c) => c.errors)).toEqual([]);
    const slug = {
      projects: `plane-${nyc.id}`,
      timed: 'plane-timed',
      timedspan: 'plane-timedspan',
      timedtasks: 'plane-timedtasks',
    };
    /** The whole object, and its VEVENT or VTODO alone (the VTIMEZONE has DTSTARTs of its own). */
    const item = async (calendar: keyof typeof slug, issue: FakeIssue, uid: string) => {
      const object = (await objectsOf(slug[calendar])).find((o) => o.uid === uid);
      expect(object, `${calendar}: ${issue.name}`).toBeDefined();
      const data = object!.data;
      const own = withoutAlarms([...componentsOf(data, 'VEVENT'), ...componentsOf(data, 'VTODO')][0] ?? '');
      return { data, own };
    };
    const entryUid = (entry: string) => (issue: FakeIssue) => `plane-issue-${issue.id}@${entry}.calplanebot`;
    const tz = 'TZID=America/New_York';

    // The default entry: every item on its target date, all-day, as before times existed.
    for (const [issue, day] of [
      [call, '20260302'],
      [morning, '20260302'],
      [dst, '20260309'],
      [dateOnly, '20260303'],
    ] as const) {
      const { data, own } = await item('projects', issue, `plane-issue-${issue.id}@calplanebot`);
      expect(lines(own, 'DTSTART'), `default: ${issue.name}`).toEqual([`DTSTART;VALUE=DATE:${day}`]);
      expect(componentsOf(data, 'VTIMEZONE'), `default: ${issue.name}`).toEqual([]);
    }

    // times: "timed": at the target time, for sync.defaultDuration; a plain date stays all-day.
    const timedExpect: Array<[FakeIssue, string[], string[]]> = [
      [call, [`DTSTART;${tz}:20260302T143000`], [`DTEND;${tz}:20260302T151500`]],
      [morning, [`DTSTART;${tz}:20260302T111500`], [`DTEND;${tz}:20260302T120000`]],
      [dst, [`DTSTART;${tz}:20260309T080000`], [`DTEND;${tz}:20260309T084500`]],
      [dateOnly, ['DTSTART;VALUE=DATE:20260303'], ['DTEND;VALUE=DATE:20260304']],
    ];
    for (const [issue, start, end] of timedExpect) {
      const { data, own } = await item('timed', issue, entryUid('timed')(issue));
      expect([lines(own, 'DTSTART'), lines(own, 'DTEND')], `timed: ${issue.name}`).toEqual([start, end]);
      expect(
        componentsOf(data, 'VTIMEZONE').map((z) => property(z, 'TZID')),
        `timed: ${issue.name}: its VTIMEZONE`,
      ).toEqual(issue === dateOnly ? [] : ['America/New_York']);
    }
    // With spans: from the start time to the target time.
    const spanExpect: Array<[FakeIssue, string, string]> = [
      [call, `DTSTART;${tz}:20260302T143000`, `DTEND;${tz}:20260302T151500`],
      [morning, `DTSTART;${tz}:20260302T090000`, `DTEND;${tz}:20260302T111500`],
      [dst, `DTSTART;${tz}:20260307T220000`, `DTEND;${tz}:20260309T080000`],
    ];
    for (const [issue, start, end] of spanExpect) {
      const { own } = await item('timedspan', issue, entryUid('timedspan')(issue));
      expect([lines(own, 'DTSTART'), lines(own, 'DTEND')], `timed span: ${issue.name}`).toEqual([[start], [end]]);
    }
    // Tasks: DUE at the target time.
    const callTask = await item('timedtasks', call, entryUid('timedtasks')(call));
    expect([lines(callTask.own, 'DUE'), lines(callTask.own, 'DTSTART')]).toEqual([[`DUE;${tz}:20260302T143000`], []]);
    expect(componentsOf(callTask.data, 'VTIMEZONE').map((z) => property(z, 'TZID'))).toEqual(['America/New_York']);
    const morningTask = await item('timedtasks', morning, entryUid('timedtasks')(morning));
    expect([lines(morningTask.own, 'DUE'), lines(morningTask.own, 'DTSTART')]).toEqual([
      [`DUE;${tz}:20260302T111500`],
      [`DTSTART;${tz}:20260302T090000`],
    ]);

    // ical.js places them at the right instants (the VTIMEZONE is right, DST included).
    const instant = (data: string, name: 'dtstart' | 'dtend' | 'due') => {
      const root = new ICAL.Component(ICAL.parse(data) as unknown[]);
      for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(zone));
      const component = root.getFirstSubcomponent('vevent') ?? root.getFirstSubcomponent('vtodo')!;
      const value = component.getFirstPropertyValue(name) as ICAL.Time;
      return value.toJSDate().toISOString();
    };
    const dstSpan = (await item('timedspan', dst, entryUid('timedspan')(dst))).data;
    expect([instant(dstSpan, 'dtstart'), instant(dstSpan, 'dtend')]).toEqual([
      '2026-03-08T03:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
    ]);
    expect(instant(callTask.data, 'due')).toBe('2026-03-02T19:30:00.000Z');

    expectQuiet(await sync(config), 16);

    // khal, in the project's zone and in UTC.
    requireProgram('vdirsyncer', 'the timed calendars');
    requireProgram('khal', 'the timed calendars');
    const setup = await pull({ timedspan: `${homeUrl}${slug.timedspan}/`, projects: `${homeUrl}${slug.projects}/` });
    const khalList = async (name: string, zone: string) => {
      const khal = writeKhalConfig(newDir('khal'), name, setup.folder(name), zone);
      const out = await tool('khal', [
        '-c',
        khal,
        'list',
        '--format',
        '{start}|{end}|{title}',
        '--day-format',
        '',
        '2026-03-01',
        '2026-03-10',
      ]);
      return [...new Set(nonBlank(out.stdout).map((line) => line.trim()))].sort();
    };
    expect(await khalList('timedspan', 'America/New_York'), 'khal in New York').toEqual(
      [
        `2026-03-02 09:00|2026-03-02 11:15|[${morning.sequence_id}] Morning block`,
        `2026-03-02 14:30|2026-03-02 15:15|[${call.sequence_id}] Call at half past two`,
        `2026-03-03|2026-03-03|[${dateOnly.sequence_id}] A plain date`,
        `2026-03-07 22:00|2026-03-09 08:00|[${dst.sequence_id}] Over the clock change`,
      ].sort(),
    );
    expect(await khalList('timedspan', 'UTC'), 'khal in UTC').toEqual(
      [
        `2026-03-02 14:00|2026-03-02 16:15|[${morning.sequence_id}] Morning block`,
        `2026-03-02 19:30|2026-03-02 20:15|[${call.sequence_id}] Call at half past two`,
        `2026-03-03|2026-03-03|[${dateOnly.sequence_id}] A plain date`,
        `2026-03-08 03:00|2026-03-09 12:00|[${dst.sequence_id}] Over the clock change`,
      ].sort(),
    );
    expect(
      await khalList('projects', 'America/New_York'),
      'the default calendar: all-day, on the target dates',
    ).toEqual(
      [
        `2026-03-02|2026-03-02|[${call.sequence_id}] Call at half past two`,
        `2026-03-02|2026-03-02|[${morning.sequence_id}] Morning block`,
        `2026-03-03|2026-03-03|[${dateOnly.sequence_id}] A plain date`,
        `2026-03-09|2026-03-09|[${dst.sequence_id}] Over the clock change`,
      ].sort(),
    );
  });
});
