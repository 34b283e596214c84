/**
 * A whole run: pick the projects, work out the calendars the config's entries call for, read each
 * project's work items from Plane once, and hand every calendar its share; total up.
 * `dryRun` is decided here and only here: it decides whether a Writer exists.
 */
import type { CalendarStore } from '../caldav/store.js';
import { JournaledStore } from '../caldav/write-journal.js';
import { type CalendarEntry, DEFAULT_MAX_PLANE_WRITES, DEFAULT_VIEW_ID } from '../config/types.js';
import { InterruptedError } from '../errors.js';
import type { RequestStats } from '../http/fetcher.js';
import type { Interruption } from '../ops/interrupt.js';
import type { PlaneEditor, PlaneProject, PlaneSource } from '../plane/types.js';
import { type FilterContext, todayIn, usesMe } from '../views/filter.js';
import { archivedSelections, archivedWarning, selectProjects } from '../views/projects.js';
import {
  type CalendarTarget,
  planTargets,
  type StrayCalendar,
  strayCalendars,
  unknownProjectWarnings,
} from '../views/targets.js';
import { Writer } from './apply.js';
import type { CalendarCache } from './calendar-cache.js';
import { CalendarRun } from './calendar-run.js';
import type { SnapshotStore } from './calendar-snapshots.js';
import { type CalendarInput, type CalendarSyncContext, type PlaneWriteBudget, syncCalendar } from './calendar-sync.js';
import type { ItemDefaults } from './desired.js';
import type { DeleteGuard } from './plan.js';
import { type CalendarReport, projectReportsOf, type RunReport, SCHEMA_VERSION, sumTotals } from './report.js';

export interface SyncDeps {
  plane: PlaneSource;
  /** Plane's write side, used only by calendars with `writeBack` (and never in a dry run). */
  editor?: PlaneEditor | undefined;
  store: CalendarStore;
  stats: { plane: RequestStats; caldav: RequestStats };
  /** Calendars known to be converged; saved after a sync (never after a dry run). */
  calendarCache?: CalendarCache | undefined;
  /** What each calendar held when last read (incremental reads); saved by a sync, never by a dry run. */
  snapshots?: SnapshotStore | undefined;
}

export interface SyncSettings {
  webUrl: string;
  workspaceSlug: string;
  /** sync.timeZone and sync.defaultDuration, for timed items; default UTC and PT1H. */
  items?: ItemDefaults | undefined;
  /** A run that is told to stop (SIGINT, SIGTERM) starts no further write and throws InterruptedError. */
  interruption?: Pick<Interruption, 'signal'> | undefined;
  /** caldav.calendarName: the default entry's name when `entries` is not given. */
  calendarNameTemplate: string;
  /** The `calendars` entries; default: the one-calendar-per-project entry. */
  entries?: readonly CalendarEntry[] | undefined;
  /** Project ids or identifiers to limit the run to (--project, else plane.projects); empty = every project. */
  projects: string[];
  /** plane.projects, when `projects` came from --project: what a full run covers. Default: `projects`. */
  configuredProjects?: string[] | undefined;
  /** "YYYY-MM-DD" that filter windows count from; default: today in the process's zone. */
  today?: string | undefined;
  guard: DeleteGuard;
  /** sync.maxPlaneWrites and --allow-mass-write: the cap on changes for Plane (write-back) per run. */
  planeWrites?: PlaneWriteGuard | undefined;
  dryRun: boolean;
  writeConcurrency?: number;
  onProgress?: ((message: string) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Told of each calendar as it finishes, so a run that stops part-way can still record what it did. */
  onCalendarDone?: ((report: CalendarReport) => void) | undefined;
}

export interface PlaneWriteGuard {
  max: number;
  allowMassWrite: boolean;
}

/** The run's budget of changes for Plane; default sync.maxPlaneWrites' default, 25. */
export function planeWriteBudget(guard: PlaneWriteGuard | undefined): PlaneWriteBudget {
  const max = guard?.max ?? DEFAULT_MAX_PLANE_WRITES;
  return { max, remaining: max, unlimited: guard?.allowMassWrite ?? false };
}

export function defaultEntries(calendarNameTemplate: string): CalendarEntry[] {
  return [{ id: DEFAULT_VIEW_ID, name: calendarNameTemplate, perProject: true, filter: {} }];
}

/** What a run works from: the projects, the calendars the entries call for, and what filters need to know. */
export interface RunPlan {
  entries: readonly CalendarEntry[];
  /** Every project Plane shows the key (archived ones included). */
  allProjects: PlaneProject[];
  /** The projects this run reads (--project, else plane.projects). */
  selected: PlaneProject[];
  targets: CalendarTarget[];
  select: FilterContext;
}

export type RunScope = Pick<
  SyncSettings,
  'entries' | 'calendarNameTemplate' | 'projects' | 'configuredProjects' | 'today'
>;

/** The projects page(s), and `users/me` when a filter says "me": the Plane requests a run makes before any project. */
export async function planRun(plane: PlaneSource, scope: RunScope): Promise<RunPlan> {
  const entries = scope.entries ?? defaultEntries(scope.calendarNameTemplate);
  const allProjects = await plane.listProjects();
  const selected = selectProjects(allProjects, scope.projects);
  const universe =
    scope.configuredProjects === undefined ? selected : selectProjects(allProjects, scope.configuredProjects);
  const targets = planTargets(entries, { selected, universe });
  const me = entries.some((entry) => usesMe(entry.filter)) ? await plane.currentUser() : undefined;
  return {
    entries,
    allProjects,
    selected,
    targets,
    select: { me, today: scope.today ?? todayIn(undefined, new Date()) },
  };
}

export async function runSync(deps: SyncDeps, settings: SyncSettings): Promise<RunReport> {
  const started = performance.now();
  const { entries, allProjects, selected, targets, select } = await planRun(deps.plane, settings);
  // Snapshots take in the run's own writes, so every write goes through the journal.
  const journal = deps.snapshots?.enabled && !settings.dryRun ? new JournaledStore(deps.store) : undefined;
  const store = journal ?? deps.store;
  const ctx: CalendarSyncContext = {
    plane: deps.plane,
    store,
    journal,
    snapshots: deps.snapshots,
    writer: settings.dryRun
      ? undefined
      : new Writer(
          store,
          settings.writeConcurrency,
          () => settings.interruption?.signal !== undefined,
          writesBack(entries) ? deps.editor : undefined,
        ),
    calendars: await store.listCalendars(),
    webUrl: settings.webUrl,
    workspaceSlug: settings.workspaceSlug,
    items: settings.items,
    guard: settings.guard,
    onProgress: settings.onProgress,
    onWarning: settings.onWarning,
    calendarCache: deps.calendarCache,
    planeWriteBudget: planeWriteBudget(settings.planeWrites),
  };
  const reconcile = (target: CalendarTarget, input: CalendarInput, report: CalendarReport) =>
    syncCalendar(target, input, ctx, report);
  const run = new CalendarRun(targets, ctx, {
    entries,
    reconcile,
    select,
    withCache: deps.calendarCache !== undefined,
    onCalendarDone: settings.onCalendarDone,
    onProgress: settings.onProgress,
  });
  const read = run.projectsToRead(selected);
  const stopIfInterrupted = () => {
    const signal = settings.interruption?.signal;
    if (signal !== undefined)
      throw new InterruptedError(
        signal,
        read.filter((p) => run.finishedProject(p)).map((p) => p.identifier),
      );
  };
  for (const project of read) {
    stopIfInterrupted();
    await run.project(project);
  }
  stopIfInterrupted();
  await run.shared();
  stopIfInterrupted();
  if (!settings.dryRun) deps.calendarCache?.save();

  const calendars = run.reports();
  const strays = strayCalendars(ctx.calendars, entries, allProjects);
  const warnings = [
    ...selectionWarnings({ entries, allProjects }, settings, run),
    ...(strays.length > 0 ? [strayWarning(strays)] : []),
  ];
  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: settings.dryRun,
    projects: projectReportsOf(read, calendars, run.listingErrors),
    calendars,
    ...(strays.length > 0 ? { strayCalendars: strays } : {}),
    totals: sumTotals(calendars),
    durationMs: Math.round(performance.now() - started),
    warnings,
    requests: { plane: deps.stats.plane.requests, caldav: deps.stats.caldav.requests },
  };
}

/** Whether any entry writes edits back to Plane: only then is Plane ever sent anything but a GET. */
export function writesBack(entries: readonly CalendarEntry[]): boolean {
  return entries.some((entry) => entry.writeBack !== undefined);
}

/** What the run's selection is worth a warning for: archived projects named, names that match nothing. */
export function selectionWarnings(
  plan: Pick<RunPlan, 'entries' | 'allProjects'>,
  scope: Pick<RunScope, 'projects' | 'configuredProjects'>,
  run: CalendarRun,
): string[] {
  return [
    ...archivedSelections(plan.allProjects, scope.projects).map(archivedWarning),
    ...unknownProjectWarnings(plan.entries, plan.allProjects),
    // Only a full run has seen every work item a filter could name.
    ...(scope.configuredProjects === undefined ? run.unmatchedWarnings() : []),
  ];
}

function strayWarning(strays: readonly StrayCalendar[]): string {
  const list = strays.map((c) => `"${c.displayName}" (${c.url})`).join(', ');
  return `${strays.length} calendar(s) calplanebot made belong to no entry of "calendars" any more and are left as they are: ${list}; delete them in your calendar app when you no longer want them (calplanebot never deletes a calendar)`;
}

export { archivedSelections, archivedWarning, matchesSelector, selectProjects } from '../views/projects.js';
