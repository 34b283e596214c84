/**
 * The world the fault-injection tests run in: one Radicale and one fake Plane per test file, a
 * fault proxy in front of each, the built CLI pointed at the proxies, and a reader that looks at
 * Radicale directly (never through a proxy). Each scenario works on its own project (so its own
 * calendar), seeds a foreign event into it, and checks the same invariants after the fault: the
 * fault happened, nothing lost, no foreign object touched in any calendar, no duplicate, the
 * calendar holds exactly what the run reported as done (no silent success, no silent failure),
 * and the next clean run does exactly what was left (nothing, after an exit 0) and converges.
 */
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import { uidForIssue } from '../../src/event/uid.js';
import { createHttpClient, RequestStats } from '../../src/http/fetcher.js';
import { PlaneClient } from '../../src/plane/client.js';
import type { ReportedError, RunReport } from '../../src/sync/report.js';
import { runSync } from '../../src/sync/run.js';
import { type CliResult, runCli, scratchDir, writeConfig } from '../support/cli.js';
import {
  type FakeIssue,
  type FakePlane,
  type FakeProject,
  type IssueInput,
  startFakePlane,
} from '../support/fake-plane.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type Radicale, startRadicale } from '../support/radicale.js';

/** Small on purpose: a stall costs one timeout, a backoff a few ms. */
export const TEST_HTTP = { retries: 3, backoffMinMs: 10, backoffMaxMs: 40, maxRetryAfterMs: 150, timeoutMs: 2_500 };
/** Longer than TEST_HTTP.timeoutMs: the client gives up first. */
export const STALL_MS = 6_000;
const DIRECT = { timeoutMs: 10_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 };

export interface World {
  radicale: Radicale;
  plane: FakePlane;
  dav: FaultProxy;
  planeProxy: FaultProxy;
  config: string;
  /** The same accounts from "another machine": a writer that does not share the run lock. */
  otherHostConfig: string;
  /** Radicale without the proxy: for looking, and for playing another writer. */
  reader: DavCalendarStore;
  /** The fake Plane without the proxy. */
  planeReader: PlaneClient;
  /** The API key, the CalDAV password and its Basic token: never in any output. */
  secrets: string[];
  /** Every foreign object seeded so far, in every calendar (a user's own calendar included): checked after every faulted run. */
  foreign: Map<string, RemoteObject>;
}

/** A calendar of the user's own, never managed, with an event in it: no run may touch either. */
const PERSONAL = 'personal-calendar';

export async function startWorld(): Promise<World> {
  const radicale = await startRadicale();
  const plane = await startFakePlane({ rateLimitPerMinute: null, seed: 11 });
  const dav = await startFaultProxy(radicale.url);
  const planeProxy = await startFaultProxy(plane.url);
  const user = radicale.users[0]!;
  // Each config has its own state dir, as two machines would: the per-host run lock is not shared.
  const configFor = () =>
    writeConfig({
      planeUrl: planeProxy.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: dav.url,
      username: user.username,
      password: user.password,
      extra: { http: TEST_HTTP, sync: { stateDir: scratchDir('calplanebot-faults-state-') } },
    });
  const config = configFor();
  const otherHostConfig = configFor();
  const reader = new DavCalendarStore({
    serverUrl: radicale.url,
    username: user.username,
    password: user.password,
    http: createHttpClient({ service: 'caldav', policy: DIRECT }),
  });
  const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
  const planeReader = new PlaneClient({
    baseUrl: plane.url,
    workspaceSlug: plane.workspaceSlug,
    apiKey: plane.apiKey,
    http: createHttpClient({ service: 'plane', policy: DIRECT }),
  });
  const world: World = {
    radicale,
    plane,
    dav,
    planeProxy,
    config,
    otherHostConfig,
    reader,
    planeReader,
    secrets: [plane.apiKey, user.password, basic],
    foreign: new Map(),
  };
  const personal = await reader.createCalendar(await reader.calendarUrlFor(PERSONAL), 'Personal');
  await seedForeign(world, `${personal.url}dentist.ics`, 'dentist-personal@example.com');
  return world;
}

/** Puts a foreign event at `href` (Radicale directly) and remembers its bytes and ETag. */
export async function seedForeign(world: World, href: string, uid: string): Promise<RemoteObject> {
  await world.reader.create(href, FOREIGN_ICS(uid));
  const seeded = (await world.reader.get(href))!;
  world.foreign.set(href, seeded);
  return seeded;
}

/**
 * The sync engine in this process, straight at the fake Plane and Radicale (no proxy, no fault):
 * cheap set-up runs and the "nothing pending" check after a clean run.
 */
export async function directSync(world: World, project: FakeProject, dryRun: boolean): Promise<RunReport> {
  const stats = { plane: new RequestStats(), caldav: new RequestStats() };
  return runSync(
    { plane: world.planeReader, store: world.reader, stats },
    {
      webUrl: 'https://plane.example.test',
      workspaceSlug: world.plane.workspaceSlug,
      calendarNameTemplate: 'Plane: {project}',
      projects: [project.identifier],
      guard: { maxDeletePercent: 50, allowMassDelete: false },
      dryRun,
    },
  );
}

/** Changes a dry run would still make: zero once converged. */
export async function pendingChanges(world: World, project: FakeProject): Promise<number> {
  const report = await directSync(world, project, true);
  expect(report.projects.flatMap((p) => p.errors)).toEqual([]);
  return report.totals.created + report.totals.updated + report.totals.deleted;
}

export async function stopWorld(world: World | undefined): Promise<void> {
  writeTable();
  await world?.dav.close();
  await world?.planeProxy.close();
  await world?.plane.close();
  await world?.radicale.stop();
}

/**
 * One world per test file: started before its tests, its faults cleared after each one (a failed
 * test must not leave its fault behind for the next), stopped after them all.
 */
export function useWorld(started: (world: World) => void): void {
  let world: World | undefined;
  beforeAll(async () => {
    world = await startWorld();
    started(world);
  });
  afterEach(() => {
    world?.dav.clearFaults();
    world?.planeProxy.clearFaults();
    world?.plane.clearFaults();
  });
  afterAll(async () => {
    await stopWorld(world);
  });
}

/** The path of a project's work-item listing, for Plane-side faults. */
export const issuesPath = (s: Scenario) => `/projects/${s.project.id}/work-items/`;

export interface Run extends CliResult {
  report: RunReport | undefined;
  /** The `--json` error document of a run that ended before a report. */
  fatal: { message: string; hint: string | null; exitCode: number } | undefined;
  errors: ReportedError[];
}

/** The CLI with --json; every run, whatever happened, must keep the secrets out of its output. */
export async function cli(world: World, args: string[], config = world.config): Promise<Run> {
  const result = await runCli(['--json', '--verbose', '--config', config, ...args]);
  for (const secret of world.secrets) {
    expect(result.stdout + result.stderr, 'a secret reached the output').not.toContain(secret);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  const doc = parsed as RunReport & { error?: Run['fatal']; skipped?: boolean };
  if (doc.skipped) throw new Error(`the run was skipped (the run lock is held):\n${result.stdout}`);
  const report = doc.error ? undefined : doc;
  return { ...result, report, fatal: doc.error, errors: report?.projects.flatMap((p) => p.errors) ?? [] };
}

export const sync = (world: World, project: FakeProject, ...extra: string[]) =>
  cli(world, ['sync', '--project', project.identifier, ...extra]);

/** The same sync from the other machine. */
export const syncElsewhere = (world: World, project: FakeProject) =>
  cli(world, ['sync', '--project', project.identifier], world.otherHostConfig);

// ── scenarios ──────────────────────────────────────────────────────────────

export interface Scenario {
  project: FakeProject;
  calendar: CalendarRef;
  issues: Record<'renamed' | 'steady' | 'gone' | 'fresh', FakeIssue>;
  foreignHref: string;
  foreign: RemoteObject;
  /** UIDs in the calendar just before the faulted run. */
  before: Set<string>;
}

let counter = 0;

/** A unique project identifier per scenario (and per file, via `prefix`). */
export function nextIdentifier(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

export const FOREIGN_ICS = (uid: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//Mac OS X//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20251210\r\nDTEND;VALUE=DATE:20251211\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

/**
 * A project with a synced calendar and a foreign event in it, then Plane changes so that the
 * next run has one create, one update and one delete to do (and one event to leave alone).
 */
export async function prepare(world: World, prefix: string, extra: IssueInput[] = []): Promise<Scenario> {
  const identifier = nextIdentifier(prefix);
  const project = world.plane.addProject({ name: `Faults ${identifier}`, identifier });
  const renamed = world.plane.addIssue(project.id, { name: 'Renamed later', target_date: '2025-12-01' });
  const steady = world.plane.addIssue(project.id, { name: 'Steady', target_date: '2025-12-02' });
  const gone = world.plane.addIssue(project.id, { name: 'Deleted later', target_date: '2025-12-03' });
  for (const input of extra) world.plane.addIssue(project.id, input);
  const first = await directSync(world, project, false);
  expect(first.projects[0]!.errors).toEqual([]);

  const calendar = await calendarOf(world, project);
  const foreignHref = `${calendar.url}foreign-${identifier}.ics`;
  const foreign = await seedForeign(world, foreignHref, `foreign-${identifier}@example.com`);

  world.plane.updateIssue(renamed.id, { name: 'Renamed now' });
  world.plane.deleteIssue(gone.id);
  const fresh = world.plane.addIssue(project.id, { name: 'Fresh', target_date: '2025-12-04' });
  world.dav.reset();
  world.planeProxy.reset();
  world.plane.resetRequests();
  return {
    project,
    calendar,
    issues: { renamed, steady, gone, fresh },
    foreignHref,
    foreign,
    before: await uidsIn(world, calendar),
  };
}

export async function calendarOf(world: World, project: FakeProject): Promise<CalendarRef> {
  const calendars = (await world.reader.listCalendars()).filter((c) => c.url.includes(`plane-${project.id}/`));
  if (calendars.length !== 1)
    throw new Error(`expected one calendar for ${project.identifier}, found ${calendars.length}`);
  return calendars[0]!;
}

export async function uidsIn(world: World, calendar: CalendarRef): Promise<Set<string>> {
  return new Set((await world.reader.list(calendar)).map((o) => uidOf(o.data)));
}

export function uidOf(data: string): string {
  return /^UID:(.*)$/m.exec(data)?.[1]?.trim() ?? '';
}

export interface Outcome {
  /** Events of issues that still exist with a date, present before the run and missing after. */
  lost: number;
  /** Foreign objects, in any calendar, whose bytes or ETag changed, or that vanished. */
  foreignTouched: number;
  /** UIDs at more than one href. */
  duplicates: number;
}

/** The invariants every fault must keep, measured right after the faulted run. */
export async function outcome(world: World, scenario: Scenario): Promise<Outcome> {
  const objects = await world.reader.list(scenario.calendar);
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(uidOf(o.data), (counts.get(uidOf(o.data)) ?? 0) + 1);
  const stillWanted = datedIssues(world, scenario.project).map((i) => uidForIssue(i.id));
  const lost = stillWanted.filter((uid) => scenario.before.has(uid) && !counts.has(uid)).length;
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  return { lost, foreignTouched: await foreignTouched(world), duplicates };
}

/** Every foreign object seeded in this world, looked at directly on Radicale. */
export async function foreignTouched(world: World): Promise<number> {
  let touched = 0;
  for (const [href, seeded] of world.foreign) {
    const now = await world.reader.get(href);
    if (now?.etag !== seeded.etag || now?.data !== seeded.data) touched += 1;
  }
  return touched;
}

function datedIssues(world: World, project: FakeProject): FakeIssue[] {
  return world.plane.issues(project.id).filter((i) => i.target_date !== null && world.plane.isVisible(i));
}

// ── what a run did ─────────────────────────────────────────────────────────

/** "create <uid>", "update <uid>", "delete <uid>": one unit of a scenario's work. */
export type Work = string;

/** The three changes prepare() left for the next run. */
export function scenarioWork(s: Scenario): Work[] {
  return [
    `create ${uidForIssue(s.issues.fresh.id)}`,
    `update ${uidForIssue(s.issues.renamed.id)}`,
    `delete ${uidForIssue(s.issues.gone.id)}`,
  ];
}

/** What the runs' reports say they wrote for this scenario's project. */
function reportedApplied(runs: Run[], s: Scenario): Set<Work> {
  const changes = runs.flatMap(
    (run) => run.report?.projects.filter((p) => p.id === s.project.id).flatMap((p) => p.changes) ?? [],
  );
  return new Set(changes.filter((c) => c.applied).map((c) => `${c.op} ${c.uid}`));
}

/** What the runs' reports say failed, as work units (event-level failures only). */
function reportedFailed(runs: Run[], s: Scenario): Set<Work> {
  const errors = runs.flatMap(
    (run) => run.report?.projects.filter((p) => p.id === s.project.id).flatMap((p) => p.errors) ?? [],
  );
  return new Set(
    errors
      .filter((e) => e.uid !== undefined && ['create', 'update', 'delete'].includes(e.operation))
      .map((e) => `${e.operation} ${e.uid}`),
  );
}

/** Project-level failures (the listing, the calendar, the delete guard): the project as a whole was not finished. */
function projectFailures(runs: Run[], s: Scenario): string[] {
  const errors = runs.flatMap(
    (run) => run.report?.projects.filter((p) => p.id === s.project.id).flatMap((p) => p.errors) ?? [],
  );
  return errors
    .filter((e) => ['list-issues', 'list-calendar', 'create-calendar', 'delete-guard'].includes(e.operation))
    .map((e) => e.operation);
}

/** Which of the scenario's changes the calendar itself shows as done, read on Radicale directly. */
export async function doneInCalendar(world: World, s: Scenario): Promise<Set<Work>> {
  const objects = await world.reader.list(s.calendar);
  const byUid = new Map(objects.map((o) => [uidOf(o.data), o]));
  const [create, update, remove] = scenarioWork(s) as [Work, Work, Work];
  const done = new Set<Work>();
  if (byUid.has(uidForIssue(s.issues.fresh.id))) done.add(create);
  const renamed = byUid.get(uidForIssue(s.issues.renamed.id));
  if (renamed?.data.includes(`SUMMARY:[${s.issues.renamed.sequence_id}] Renamed now`)) done.add(update);
  else
    expect(renamed?.data, "the renamed issue's event is neither old nor new").toContain(
      `SUMMARY:[${s.issues.renamed.sequence_id}] Renamed later`,
    );
  if (!byUid.has(uidForIssue(s.issues.gone.id))) done.add(remove);
  return done;
}

const sorted = (set: Iterable<string>) => [...set].sort();

/**
 * After the fault is gone: a clean sync succeeds, leaves exactly one event per dated issue with
 * the right summary and date (plus the untouched foreign event), and a further diff has nothing
 * to do. Returns what the clean sync wrote.
 */
export async function converges(world: World, scenarios: Scenario[], clean?: Run): Promise<Run> {
  world.dav.clearFaults();
  world.planeProxy.clearFaults();
  world.plane.clearFaults();
  const run = clean ?? (await (scenarios.length === 1 ? sync(world, scenarios[0]!.project) : cli(world, ['sync'])));
  expect(run.code, run.stderr).toBe(0);
  for (const scenario of scenarios) {
    const objects = await world.reader.list(scenario.calendar);
    const wanted = datedIssues(world, scenario.project);
    const ours = objects.filter((o) => o.href !== scenario.foreignHref);
    expect(ours.map((o) => uidOf(o.data)).sort()).toEqual(wanted.map((i) => uidForIssue(i.id)).sort());
    for (const issue of wanted) {
      const event = ours.find((o) => uidOf(o.data) === uidForIssue(issue.id))!;
      expect(event.data).toContain(`SUMMARY:[${issue.sequence_id}] ${issue.name}`);
      expect(event.data).toContain(`DTSTART;VALUE=DATE:${issue.target_date!.replace(/-/g, '')}`);
    }
    expect(await pendingChanges(world, scenario.project)).toBe(0);
  }
  return run;
}

/** One line of the fault table (printed when CALPLANEBOT_FAULT_TABLE names a file). */
interface TableRow extends Outcome {
  fault: string;
  exit: number;
  /** Requests the proxies tampered with. */
  faults: number;
  /** Changes the clean run after the fault made (then a dry run found zero). */
  cleanRunChanges: number;
}

const table: TableRow[] = [];

/** Requests a fault was applied to since the last reset, on either proxy. */
export const faultsApplied = (world: World): number => world.dav.faulted().length + world.planeProxy.faulted().length;

/**
 * The invariants every fault must keep, checked right after the faulted run and after the clean
 * one. `runs` is the faulted run (or the runs, when several raced). In order:
 *  - the fault really happened (a test whose fault never fired proves nothing);
 *  - nothing lost, no foreign object touched in any calendar, no duplicate;
 *  - the calendar shows exactly the changes the report says were written: no silent success
 *    (reported done, not there) and no silent failure (there, reported failed);
 *  - exit 0: everything was done; exit 3: what was reported failed is exactly what was left
 *    (unless a project-level failure left the project unfinished as a whole);
 *  - the clean run then writes exactly what was left (nothing after an exit 0) and converges.
 */
export async function expectSafe(world: World, scenarios: Scenario | Scenario[], runs: Run | Run[]): Promise<void> {
  const all = Array.isArray(scenarios) ? scenarios : [scenarios];
  const faulted = Array.isArray(runs) ? runs : [runs];
  const faults = faultsApplied(world);
  expect(faults, 'the fault was never applied: this test proves nothing').toBeGreaterThan(0);
  const left = new Map<Scenario, Set<Work>>();
  const outcomes: Outcome[] = [];
  for (const s of all) {
    const after = await outcome(world, s);
    outcomes.push(after);
    expect(after).toEqual({ lost: 0, foreignTouched: 0, duplicates: 0 });
    const done = await doneInCalendar(world, s);
    expect(sorted(done), 'the calendar differs from what the run reported as written').toEqual(
      sorted(reportedApplied(faulted, s)),
    );
    const remaining = new Set(scenarioWork(s).filter((w) => !done.has(w)));
    left.set(s, remaining);
    for (const run of faulted) {
      if (run.code === 0) {
        expect(run.errors).toEqual([]);
        expect(sorted(remaining), 'exit 0, yet changes were not made').toEqual([]);
      } else if (run.code === 3) {
        const failed = reportedFailed([run], s);
        for (const work of failed) expect(remaining, `reported failed but done: ${work}`).toContain(work);
        if (faulted.length === 1 && projectFailures([run], s).length === 0) {
          expect(sorted(failed), 'exit 3: the failures reported are not what was left undone').toEqual(
            sorted(remaining),
          );
        }
      } else {
        expect(run.code, run.stderr).toBe(1);
        expect(run.fatal, 'exit 1 without an error document').toBeDefined();
      }
    }
  }
  const clean = await converges(world, all);
  let cleanRunChanges = 0;
  for (const s of all) {
    const fixed = reportedApplied([clean], s);
    expect(sorted(fixed), 'the clean run did not write exactly what the faulted run left').toEqual(
      sorted(left.get(s)!),
    );
    cleanRunChanges += fixed.size;
  }
  for (const s of all) expect(await outcome(world, s)).toEqual({ lost: 0, foreignTouched: 0, duplicates: 0 });
  const worst = outcomes.reduce((a, b) => ({
    lost: a.lost + b.lost,
    foreignTouched: Math.max(a.foreignTouched, b.foreignTouched),
    duplicates: a.duplicates + b.duplicates,
  }));
  table.push({
    fault: expect.getState().currentTestName ?? '?',
    exit: Math.max(...faulted.map((r) => r.code)),
    faults,
    ...worst,
    cleanRunChanges,
  });
}

/** Appends this file's rows to $CALPLANEBOT_FAULT_TABLE as Markdown (for the issue's closing note). */
function writeTable(): void {
  const file = process.env.CALPLANEBOT_FAULT_TABLE;
  if (!file || table.length === 0) return;
  const lines = table.map(
    (r) =>
      `| ${r.fault.replace(/\|/g, '/')} | ${r.exit} | ${r.lost} | ${r.foreignTouched} | ${r.duplicates} | ${r.faults} | yes (${r.cleanRunChanges} change(s), then 0 pending) |`,
  );
  appendFileSync(file, `${lines.join('\n')}\n`);
}

/** A copy of the world's config with `edit` applied (same state dir: same lock, same caches). */
export function variantConfig(world: World, edit: (config: Record<string, Record<string, unknown>>) => void): string {
  const config = JSON.parse(readFileSync(world.config, 'utf8')) as Record<string, Record<string, unknown>>;
  edit(config);
  const file = world.config.replace(/\.json$/, `.${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

export function makeWorldReadable(file: string): void {
  chmodSync(file, 0o644);
}
