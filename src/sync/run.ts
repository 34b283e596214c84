/**
 * A whole run: pick the projects, work out the calendars the config's entries call for, read each
 * project's work items from Plane once, and hand every calendar its share; total up.
 * `dryRun` is decided here and only here: it decides whether a Writer exists.
 */
import type { CalendarStore } from '../caldav/store.js';
import { DEFAULT_VIEW_ID, type CalendarEntry } from '../config/types.js';
import { AuthError } from '../errors.js';
import type { RequestStats } from '../http/fetcher.js';
import type { PlaneProject, PlaneSource } from '../plane/types.js';
import { compileFilter, noteNames, todayIn, unmatchedValues, usesMe, type FilterContext } from '../views/filter.js';
import { archivedSelections, archivedWarning, selectProjects } from '../views/projects.js';
import { planTargets, strayCalendars, unknownProjectWarnings, type CalendarTarget, type StrayCalendar } from '../views/targets.js';
import { Writer } from './apply.js';
import { listingKey, viewKey, type CalendarCache } from './calendar-cache.js';
import { addListing, emptyDesired, readListing, syncCalendar, type CalendarInput, type CalendarSyncContext, type DesiredSet, type Listing } from './calendar-sync.js';
import type { DeleteGuard } from './plan.js';
import { emptyCalendarReport, projectReportsOf, reportedError, SCHEMA_VERSION, sumTotals, type CalendarReport, type ReportedError, type RunReport } from './report.js';

export interface SyncDeps {
  plane: PlaneSource;
  store: CalendarStore;
  stats: { plane: RequestStats; caldav: RequestStats };
  /** Calendars known to be converged; saved after a sync (never after a dry run). */
  calendarCache?: CalendarCache | undefined;
}

export interface SyncSettings {
  webUrl: string;
  workspaceSlug: string;
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
  dryRun: boolean;
  writeConcurrency?: number;
  onProgress?: ((message: string) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Told of each calendar as it finishes, so a run that stops part-way can still record what it did. */
  onCalendarDone?: ((report: CalendarReport) => void) | undefined;
}

export function defaultEntries(calendarNameTemplate: string): CalendarEntry[] {
  return [{ id: DEFAULT_VIEW_ID, name: calendarNameTemplate, perProject: true, filter: {} }];
}

/** A calendar spanning projects collects its desired objects project by project, as each is read. */
interface Gathering {
  target: CalendarTarget;
  report: CalendarReport;
  desired: DesiredSet;
  keys: string[];
  hasDated: boolean;
}

export async function runSync(deps: SyncDeps, settings: SyncSettings): Promise<RunReport> {
  const started = performance.now();
  const entries = settings.entries ?? defaultEntries(settings.calendarNameTemplate);
  const allProjects = await deps.plane.listProjects();
  const selected = selectProjects(allProjects, settings.projects);
  const universe = settings.configuredProjects === undefined ? selected : selectProjects(allProjects, settings.configuredProjects);
  const targets = planTargets(entries, { selected, universe });
  const me = entries.some((entry) => usesMe(entry.filter)) ? await deps.plane.currentUser() : undefined;
  const select: FilterContext = { me, today: settings.today ?? todayIn(undefined, new Date()) };
  const calendars = await deps.store.listCalendars();
  const ctx: CalendarSyncContext = {
    plane: deps.plane,
    store: deps.store,
    writer: settings.dryRun ? undefined : new Writer(deps.store, settings.writeConcurrency),
    calendars,
    webUrl: settings.webUrl,
    workspaceSlug: settings.workspaceSlug,
    guard: settings.guard,
    onProgress: settings.onProgress,
    onWarning: settings.onWarning,
    calendarCache: deps.calendarCache,
  };
  const filters = new Map(entries.map((entry) => [entry, compileFilter(entry.filter, select)]));
  const keyContext = (entry: CalendarEntry) => ({ entry, today: entry.filter.window ? select.today : undefined, me: usesMe(entry.filter) ? me?.id : undefined });
  const finished = (report: CalendarReport) => {
    settings.onCalendarDone?.(report);
    abortIfCredentialsRefused(report);
    reports.set(report, targets.indexOf(targetOf.get(report) as CalendarTarget));
  };
  const reports = new Map<CalendarReport, number>();
  const targetOf = new Map<CalendarReport, CalendarTarget>();
  const newReport = (target: CalendarTarget) => {
    const report = emptyCalendarReport({ id: target.entry.id, name: target.displayName, project: target.project });
    targetOf.set(report, target);
    return report;
  };
  const gatherings: Gathering[] = targets.filter((t) => t.project === undefined).map((target) => ({ target, report: newReport(target), desired: emptyDesired(), keys: [], hasDated: false }));
  const listingErrors = new Map<string, ReportedError>();
  const seen = { people: new Set<string>(), labels: new Set<string>() };
  const wantsNames = entries.some((entry) => entry.filter.assignees || entry.filter.labels);

  /** One project: read once, synced into its own calendars at once, gathered into those it shares. */
  const syncProjectShare = async (project: PlaneProject, mine: CalendarTarget[], sharing: Gathering[]): Promise<void> => {
    settings.onProgress?.(`${project.identifier}: reading Plane`);
    const listing = await readListing(project, deps.plane, deps.calendarCache !== undefined);
    const listingError = listing.error === undefined ? undefined : reportedError('list-issues', listing.error);
    if (listingError) listingErrors.set(project.id, listingError);
    if (wantsNames) for (const issue of listing.issues) noteNames(issue, seen);
    const key = listing.complete && deps.calendarCache ? listingKey(listing.digests, { project, webUrl: settings.webUrl, workspaceSlug: settings.workspaceSlug }) : undefined;
    const hasDated = listing.issues.some((issue) => issue.target_date);
    for (const target of mine) {
      const report = newReport(target);
      noteError(report, listingError);
      const input: CalendarInput = {
        cacheKey: key === undefined ? undefined : viewKey([key], keyContext(target.entry)),
        complete: listing.complete,
        hasDated,
        desired: () => desiredOf(listing, target, filters, ctx, report),
      };
      await syncCalendarSafely(target, input, ctx, report);
      finished(report);
    }
    for (const gathering of sharing) {
      noteError(gathering.report, listingError);
      addListing(listing, { target: gathering.target, select: filters.get(gathering.target.entry) ?? (() => true) }, ctx, gathering.desired, gathering.report);
      if (key !== undefined) gathering.keys.push(key);
      gathering.hasDated ||= hasDated;
    }
    listing.issues = []; // one project's work items in memory at a time
  };
  const finishedWith = (target: CalendarTarget, error: ReportedError): CalendarReport => {
    const report = newReport(target);
    noteError(report, error);
    finished(report);
    return report;
  };

  for (const project of selected.filter((p) => targets.some((t) => t.projects.includes(p)))) {
    const mine = targets.filter((t) => t.project === project);
    const sharing = gatherings.filter((g) => g.target.projects.includes(project));
    try {
      await syncProjectShare(project, mine, sharing);
    } catch (error) {
      if (error instanceof AuthError) throw error; // refused credentials stop the run (abortIfCredentialsRefused)
      // The unforeseen: every calendar of the project says so, and the other projects go on.
      const unforeseen = reportedError('sync-project', error);
      for (const report of [...mine.map((t) => [...reports.keys()].find((r) => targetOf.get(r) === t) ?? finishedWith(t, unforeseen)), ...sharing.map((g) => g.report)]) {
        if (!report.errors.includes(unforeseen)) noteError(report, unforeseen);
      }
    }
  }
  for (const gathering of gatherings) {
    const { target, report, desired } = gathering;
    const complete = gathering.keys.length === target.projects.length;
    const input: CalendarInput = { cacheKey: complete ? viewKey(gathering.keys, keyContext(target.entry)) : undefined, complete: desired.listingComplete, hasDated: gathering.hasDated, desired: () => desired };
    await syncCalendarSafely(target, input, ctx, report);
    finished(report);
  }
  if (!settings.dryRun) deps.calendarCache?.save();

  const calendarReports = [...reports].sort((a, b) => a[1] - b[1]).map(([report]) => report);
  const strays = strayCalendars(ctx.calendars, entries, allProjects);
  const warnings = [
    ...archivedSelections(allProjects, settings.projects).map(archivedWarning),
    ...unknownProjectWarnings(entries, allProjects),
    ...(wantsNames && settings.configuredProjects === undefined && listingErrors.size === 0 ? unmatchedWarnings(entries, seen) : []),
    ...(strays.length > 0 ? [strayWarning(strays)] : []),
  ];
  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: settings.dryRun,
    projects: projectReportsOf(selected.filter((p) => targets.some((t) => t.projects.includes(p))), calendarReports, listingErrors),
    calendars: calendarReports,
    ...(strays.length > 0 ? { strayCalendars: strays } : {}),
    totals: sumTotals(calendarReports),
    durationMs: Math.round(performance.now() - started),
    warnings,
    requests: { plane: deps.stats.plane.requests, caldav: deps.stats.caldav.requests },
  };
}

function desiredOf(listing: Listing, target: CalendarTarget, filters: ReadonlyMap<CalendarEntry, ReturnType<typeof compileFilter>>, ctx: CalendarSyncContext, report: CalendarReport): DesiredSet {
  const desired = emptyDesired();
  addListing(listing, { target, select: filters.get(target.entry) ?? (() => true) }, ctx, desired, report);
  return desired;
}

/** A project whose listing failed (or the unforeseen): every calendar showing it says so, and withholds its deletions. */
function noteError(report: CalendarReport, error: ReportedError | undefined): void {
  if (!error) return;
  report.errors.push(error);
  report.failed += 1;
}

function unmatchedWarnings(entries: readonly CalendarEntry[], seen: { people: ReadonlySet<string>; labels: ReadonlySet<string> }): string[] {
  return entries.flatMap((entry, index) => {
    const { assignees, labels } = unmatchedValues(entry.filter, seen);
    return [
      ...assignees.map((who) => `calendars[${index}].filter.assignees: no work item of the selected projects is assigned to "${who}" (ids, display names and emails match, in any case); the calendar "${entry.id}" may stay empty`),
      ...labels.map((label) => `calendars[${index}].filter.labels: no work item of the selected projects has the label "${label}"; the calendar "${entry.id}" may stay empty`),
    ];
  });
}

function strayWarning(strays: readonly StrayCalendar[]): string {
  const list = strays.map((c) => `"${c.displayName}" (${c.url})`).join(', ');
  return `${strays.length} calendar(s) calplanebot made belong to no entry of "calendars" any more and are left as they are: ${list}; delete them in your calendar app when you no longer want them (calplanebot never deletes a calendar)`;
}

/**
 * A 401 means the credentials themselves were refused (rotated mid-run, say): every later request
 * would fail the same way, so the run stops there with exit 1, like a refusal at its start.
 * A 403 stays with its calendar: it can be about that one project or calendar.
 */
function abortIfCredentialsRefused(report: CalendarReport): void {
  const refused = report.errors.find((error) => error.status === 401);
  if (!refused) return;
  const service = refused.operation === 'list-issues' ? 'plane' : 'caldav';
  throw new AuthError(service, `${report.project ?? report.id}: ${refused.message}`, 401, refused.operation, '', { hint: refused.hint });
}

/** syncCalendar reports its own failures; this catches the unforeseen, so one calendar never stops the rest. */
async function syncCalendarSafely(target: CalendarTarget, input: CalendarInput, ctx: CalendarSyncContext, report: CalendarReport): Promise<void> {
  try {
    await syncCalendar(target, input, ctx, report);
  } catch (error) {
    report.failed += 1;
    report.errors.push(reportedError('sync-project', error));
  }
}

export { archivedSelections, archivedWarning, matchesSelector, selectProjects } from '../views/projects.js';
