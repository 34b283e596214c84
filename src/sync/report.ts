/**
 * What a run tells the world: the `--json` artifact (schemaVersion 1) and what the human
 * renderer reads. Versioned: add fields freely, never rename or remove them.
 */
import { DEFAULT_VIEW_ID } from '../config/types.js';
import { describeError, HttpError } from '../errors.js';
import type { FieldChange } from '../event/model.js';
import type { CalendarChange, DeleteReason, DuplicateUid, WithheldReason, WithheldWritesReason } from './plan.js';
import type { WriteBackField } from './write-back.js';

export const SCHEMA_VERSION = 1;

export type Operation =
  | 'list-issues'
  | 'transform'
  | 'create-calendar'
  | 'rename-calendar'
  | 'list-calendar'
  /** Something unforeseen stopped a project's sync (not one of the steps above). */
  | 'sync-project'
  | 'create'
  | 'update'
  | 'delete'
  | 'delete-guard'
  /** write-back: a change for Plane (PATCH of a work item) failed. */
  | 'write-back'
  /** write-back: changes for Plane were withheld (sync.maxPlaneWrites). */
  | 'write-guard'
  /** export: the feed file could not be written. */
  | 'write-feed';

export interface ReportedError {
  operation: Operation;
  message: string;
  hint?: string | undefined;
  uid?: string | undefined;
  issueId?: string | undefined;
  status?: number | undefined;
}

export interface ReportedChange {
  op: CalendarChange['op'];
  uid: string;
  issueId: string;
  summary: string;
  fields: FieldChange[];
  /** Why a delete: `issue-gone`, `no-target-date`, `not-selected`, `cycle-gone`, `module-gone`. */
  reason?: DeleteReason | undefined;
  /** False in a dry run, or when the write failed. */
  applied: boolean;
  /** How long the write took (retries and a re-plan included); absent when nothing was written. */
  durationMs?: number | undefined;
}

/** A change for Plane made from a person's edit in the calendar (write-back). */
export interface ReportedPlaneWrite {
  uid: string;
  issueId: string;
  summary: string;
  /** Plane's field names (`target_date`, `start_date`, `state`), from Plane's value to the calendar's. */
  fields: FieldChange[];
  /** False in a dry run, when the write failed, or when Plane was not asked (another run acted first). */
  applied: boolean;
  durationMs?: number | undefined;
}

/** Both sides changed an item differently: Plane's value was kept (and written to the calendar). */
export interface ReportedConflict {
  uid: string;
  issueId: string;
  summary: string;
  field: WriteBackField;
  /** The calendar's value, which lost, and Plane's, which won. */
  calendar: string;
  plane: string;
}

export interface Totals {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Issues without a target date: no event. */
  skipped: number;
  failed: number;
  /** Changes written to Plane (write-back; planned, in a dry run); only when a calendar writes back. */
  planeWrites?: number | undefined;
  /** Items both sides changed, resolved to Plane; only when a calendar writes back. */
  conflicts?: number | undefined;
}

/** One reconciled calendar's outcome; the common part of a project's and a calendar's report. */
export interface SyncUnitReport extends Totals {
  calendarUrl: string | null;
  /** The calendar had to be created (or would be, in a dry run). */
  calendarCreated: boolean;
  /** The calendar's display name was put in step with the project (or would be, in a dry run). */
  calendarRenamed: { from: string; to: string } | null;
  /** Objects in the calendar that belong to someone else (never touched). */
  foreign: number;
  withheldDeletes: { reason: WithheldReason; count: number } | null;
  duplicates: DuplicateUid[];
  errors: ReportedError[];
  changes: ReportedChange[];
  /** Events of projects this run did not read (a `--project` shard of a calendar spanning projects): left alone. */
  outOfScope?: number | undefined;
  /** A calendar whose entry has `writeBack`: the changes for Plane, in plan order (counted in `planeWrites`). */
  planeChanges?: ReportedPlaneWrite[] | undefined;
  /** Items both sides changed, resolved to Plane (counted in `conflicts`). */
  planeConflicts?: ReportedConflict[] | undefined;
  /** Changes for Plane not made this run, and why; their objects are left as the person left them. */
  withheldPlaneWrites?: { reason: WithheldWritesReason | 'refused'; count: number } | undefined;
}

/**
 * A project: its calendar of the default entry (`projects`), when the config keeps one, and what
 * reading its work items cost (a failed listing is an error here too). Today's report, unchanged.
 */
export interface ProjectReport extends SyncUnitReport {
  id: string;
  identifier: string;
  name: string;
}

/** A calendar of a `calendars` entry: per project, or spanning projects. */
export interface CalendarReport extends SyncUnitReport {
  /** The entry's id. */
  id: string;
  /** The display name. */
  name: string;
  /** The project of a per-project calendar; null for a calendar spanning projects. */
  projectId: string | null;
  /** That project's identifier (WEB) and name; null for a calendar spanning projects. */
  project: string | null;
  projectName: string | null;
}

export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  dryRun: boolean;
  projects: ProjectReport[];
  /** Every calendar reconciled; `totals` sums these. */
  calendars: CalendarReport[];
  /** Calendars calplanebot made that no `calendars` entry keeps any more: left as they are. */
  strayCalendars?: Array<{ url: string; displayName: string }>;
  totals: Totals;
  durationMs: number;
  requests: { plane: number; caldav: number };
  /** Worth knowing, not failures (a selected project that is archived). */
  warnings?: string[];
}

export function emptyProjectReport(project: { id: string; identifier: string; name: string }): ProjectReport {
  return { id: project.id, identifier: project.identifier, name: project.name, ...emptyUnit() };
}

export function emptyCalendarReport(calendar: {
  id: string;
  name: string;
  project: { id: string; identifier: string; name: string } | undefined;
}): CalendarReport {
  const { project } = calendar;
  return {
    id: calendar.id,
    name: calendar.name,
    projectId: project?.id ?? null,
    project: project?.identifier ?? null,
    projectName: project?.name ?? null,
    ...emptyUnit(),
  };
}

function emptyUnit(): SyncUnitReport {
  return {
    calendarUrl: null,
    calendarCreated: false,
    calendarRenamed: null,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    foreign: 0,
    withheldDeletes: null,
    duplicates: [],
    errors: [],
    changes: [],
  };
}

export function reportedError(
  operation: Operation,
  error: unknown,
  context: { uid?: string; issueId?: string } = {},
): ReportedError {
  return {
    operation,
    message: describeError(error),
    hint: error instanceof Error && 'hint' in error && typeof error.hint === 'string' ? error.hint : undefined,
    status: error instanceof HttpError ? error.status : undefined,
    ...context,
  };
}

export function sumTotals(projects: readonly Totals[]): Totals {
  const totals: Totals = { created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const p of projects) {
    totals.created += p.created;
    totals.updated += p.updated;
    totals.deleted += p.deleted;
    totals.unchanged += p.unchanged;
    totals.skipped += p.skipped;
    totals.failed += p.failed;
    // Write-back's counts appear only where a calendar writes back: other reports stay as they were.
    if (p.planeWrites !== undefined) totals.planeWrites = (totals.planeWrites ?? 0) + p.planeWrites;
    if (p.conflicts !== undefined) totals.conflicts = (totals.conflicts ?? 0) + p.conflicts;
  }
  return totals;
}

/** Calendars a run created or renamed (or, in a dry run, would): writes too, beside the events. */
export function calendarChanges(report: Pick<RunReport, 'calendars'>): number {
  return report.calendars.filter((c) => c.calendarCreated || c.calendarRenamed !== null).length;
}

export function hasFailures(report: {
  projects: readonly SyncUnitReport[];
  calendars?: readonly SyncUnitReport[] | undefined;
}): boolean {
  return [...report.projects, ...(report.calendars ?? [])].some((unit) => unit.errors.length > 0);
}

/** What a run reports per project: its default-entry calendar when there is one, else its listing alone. */
export function projectReportsOf(
  projects: ReadonlyArray<{ id: string; identifier: string; name: string }>,
  calendars: readonly CalendarReport[],
  listingErrors: ReadonlyMap<string, ReportedError>,
): ProjectReport[] {
  return projects.map((project) => {
    const own = calendars.find((c) => c.id === DEFAULT_VIEW_ID && c.projectId === project.id);
    if (own) {
      return { id: project.id, identifier: project.identifier, name: project.name, ...unitOf(own) };
    }
    const report = emptyProjectReport(project);
    const error = listingErrors.get(project.id);
    if (error) {
      report.errors.push(error);
      report.failed += 1;
    }
    return report;
  });
}

/** The part of a calendar's report that a project's shares. */
function unitOf(calendar: CalendarReport): SyncUnitReport {
  const {
    id: _view,
    name: _calendar,
    projectId: _projectId,
    project: _identifier,
    projectName: _name,
    ...unit
  } = calendar;
  return unit;
}

/** The projects' reports that calendars of the default entry stand for (a run stopped part-way, a webhook delivery). */
export function projectsOfCalendars(calendars: readonly CalendarReport[]): ProjectReport[] {
  return calendars
    .filter((c) => c.id === DEFAULT_VIEW_ID && c.projectId !== null)
    .map((c) => ({ id: c.projectId as string, identifier: c.project ?? '', name: c.projectName ?? '', ...unitOf(c) }));
}

/** A project's report as its default-entry calendar's (for callers that report projects only). */
export function calendarOfProject(project: ProjectReport, name: string): CalendarReport {
  const { id, identifier, name: projectName, ...unit } = project;
  return { id: DEFAULT_VIEW_ID, name, projectId: id, project: identifier, projectName, ...unit };
}
