/**
 * A whole run: pick the projects, read the calendar list once, sync each project, total up.
 * `dryRun` is decided here and only here: it decides whether a Writer exists.
 */
import type { CalendarStore } from '../caldav/store.js';
import { AuthError, UsageError } from '../errors.js';
import type { RequestStats } from '../http/fetcher.js';
import type { PlaneProject, PlaneSource } from '../plane/types.js';
import { Writer } from './apply.js';
import type { CalendarCache } from './calendar-cache.js';
import type { DeleteGuard } from './plan.js';
import { syncProject } from './project-sync.js';
import { emptyProjectReport, reportedError, SCHEMA_VERSION, sumTotals, type ProjectReport, type RunReport } from './report.js';

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
  calendarNameTemplate: string;
  /** Project ids or identifiers to limit the run to; empty = every project. */
  projects: string[];
  guard: DeleteGuard;
  dryRun: boolean;
  writeConcurrency?: number;
  onProgress?: ((message: string) => void) | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Told of each project as it finishes, so a run that stops part-way can still record what it did. */
  onProjectDone?: ((report: ProjectReport) => void) | undefined;
}

export async function runSync(deps: SyncDeps, settings: SyncSettings): Promise<RunReport> {
  const started = performance.now();
  const allProjects = await deps.plane.listProjects();
  const projects = selectProjects(allProjects, settings.projects);
  const calendars = await deps.store.listCalendars();
  const writer = settings.dryRun ? undefined : new Writer(deps.store, settings.writeConcurrency);

  const reports: ProjectReport[] = [];
  for (const project of projects) {
    const report = await syncProjectSafely(project, {
      plane: deps.plane,
      store: deps.store,
      writer,
      calendars,
      calendarNameTemplate: settings.calendarNameTemplate,
      webUrl: settings.webUrl,
      workspaceSlug: settings.workspaceSlug,
      guard: settings.guard,
      onProgress: settings.onProgress,
      onWarning: settings.onWarning,
      calendarCache: deps.calendarCache,
    });
    settings.onProjectDone?.(report);
    abortIfCredentialsRefused(report);
    reports.push(report);
  }
  if (!settings.dryRun) deps.calendarCache?.save();

  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: settings.dryRun,
    projects: reports,
    totals: sumTotals(reports),
    durationMs: Math.round(performance.now() - started),
    warnings: archivedSelections(allProjects, settings.projects).map(archivedWarning),
    requests: { plane: deps.stats.plane.requests, caldav: deps.stats.caldav.requests },
  };
}

/**
 * A 401 means the credentials themselves were refused (rotated mid-run, say): every later request
 * would fail the same way, so the run stops there with exit 1, like a refusal at its start.
 * A 403 stays with its project: it can be about that one project or calendar.
 */
function abortIfCredentialsRefused(report: ProjectReport): void {
  const refused = report.errors.find((error) => error.status === 401);
  if (!refused) return;
  const service = refused.operation === 'list-issues' ? 'plane' : 'caldav';
  throw new AuthError(service, `${report.identifier}: ${refused.message}`, 401, refused.operation, '', { hint: refused.hint });
}

/** syncProject reports its own failures; this catches the unforeseen, so one project never stops the rest. */
async function syncProjectSafely(project: PlaneProject, ctx: Parameters<typeof syncProject>[1]): Promise<ProjectReport> {
  try {
    return await syncProject(project, ctx);
  } catch (error) {
    const report = emptyProjectReport(project);
    report.failed += 1;
    report.errors.push(reportedError('sync-project', error));
    return report;
  }
}

/**
 * The projects a run covers: all non-archived ones, or those named by id or identifier
 * (case-insensitive). Naming a project that does not exist is a usage error, not a silent no-op.
 */
export function selectProjects(all: PlaneProject[], selectors: string[]): PlaneProject[] {
  const active = all.filter((p) => !p.archived_at);
  if (selectors.length === 0) return active;
  const chosen = new Map<string, PlaneProject>();
  const unknown: string[] = [];
  for (const selector of selectors) {
    const match = all.find((p) => matchesSelector(p, selector));
    if (!match) unknown.push(selector);
    else if (!match.archived_at) chosen.set(match.id, match);
  }
  if (unknown.length > 0) {
    const known = active.map((p) => p.identifier).join(', ') || '(none)';
    throw new UsageError(`unknown project ${unknown.map((s) => `"${s}"`).join(', ')}`, {
      hint: `use a project identifier or UUID; this workspace has: ${known}`,
    });
  }
  return [...chosen.values()];
}

/** Projects a selector names that are archived: not synced, and worth saying so (selectProjects drops them). */
export function archivedSelections(all: PlaneProject[], selectors: string[]): PlaneProject[] {
  return all.filter((p) => p.archived_at && selectors.some((selector) => matchesSelector(p, selector)));
}

export function archivedWarning(project: Pick<PlaneProject, 'identifier'>): string {
  return `project ${project.identifier} is archived in Plane: it is not synced (unarchive it, or drop it from --project / plane.projects)`;
}

/** A project selector (`--project`, `plane.projects`) names a project by UUID or identifier, in any case. */
export function matchesSelector(project: Pick<PlaneProject, 'id' | 'identifier'>, selector: string): boolean {
  const wanted = selector.trim().toLowerCase();
  return project.id.toLowerCase() === wanted || project.identifier.toLowerCase() === wanted;
}
