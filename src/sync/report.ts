/**
 * What a run tells the world: the `--json` artifact (schemaVersion 1) and what the human
 * renderer reads. Versioned: add fields freely, never rename or remove them.
 */
import type { FieldChange } from '../event/model.js';
import { HttpError, describeError } from '../errors.js';
import type { Change, DuplicateUid, WithheldReason } from './plan.js';

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
  | 'delete-guard';

export interface ReportedError {
  operation: Operation;
  message: string;
  hint?: string | undefined;
  uid?: string | undefined;
  issueId?: string | undefined;
  status?: number | undefined;
}

export interface ReportedChange {
  op: Change['op'];
  uid: string;
  issueId: string;
  summary: string;
  fields: FieldChange[];
  /** False in a dry run, or when the write failed. */
  applied: boolean;
  /** How long the write took (retries and a re-plan included); absent when nothing was written. */
  durationMs?: number | undefined;
}

export interface Totals {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Issues without a target date: no event. */
  skipped: number;
  failed: number;
}

export interface ProjectReport extends Totals {
  id: string;
  identifier: string;
  name: string;
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
}

export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  dryRun: boolean;
  projects: ProjectReport[];
  totals: Totals;
  durationMs: number;
  requests: { plane: number; caldav: number };
  /** Worth knowing, not failures (a selected project that is archived). */
  warnings?: string[];
}

export function emptyProjectReport(project: { id: string; identifier: string; name: string }): ProjectReport {
  return {
    id: project.id,
    identifier: project.identifier,
    name: project.name,
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

export function reportedError(operation: Operation, error: unknown, context: { uid?: string; issueId?: string } = {}): ReportedError {
  return {
    operation,
    message: describeError(error),
    hint: error instanceof Error && 'hint' in error && typeof error.hint === 'string' ? error.hint : undefined,
    status: error instanceof HttpError ? error.status : undefined,
    ...context,
  };
}

export function sumTotals(projects: ProjectReport[]): Totals {
  const totals: Totals = { created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const p of projects) {
    totals.created += p.created;
    totals.updated += p.updated;
    totals.deleted += p.deleted;
    totals.unchanged += p.unchanged;
    totals.skipped += p.skipped;
    totals.failed += p.failed;
  }
  return totals;
}

/** Projects whose calendar a run created or renamed (or, in a dry run, would): writes too, beside the events. */
export function calendarChanges(report: Pick<RunReport, 'projects'>): number {
  return report.projects.filter((p) => p.calendarCreated || p.calendarRenamed !== null).length;
}

export function hasFailures(report: Pick<RunReport, 'projects'>): boolean {
  return report.projects.some((p) => p.errors.length > 0);
}
