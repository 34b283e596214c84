/**
 * The structured log of a run (`--log-format json`): one record per operation with the seed's
 * fields (operation, issue_id, event_uid, calendar_name, processing_time_ms, success), then one
 * record for the run itself. Pure: built from the run's report once it is complete. (Type aliases,
 * not interfaces, so they fit a logger's `{ [field: string]: unknown }` records.)
 */
import type { CalendarReport, ProjectReport, ReportedError } from '../sync/report.js';

export type OperationRecord = {
  level: 'info' | 'warn' | 'error';
  message: string;
  operation: string;
  issue_id: string | null;
  event_uid: string | null;
  calendar_name: string;
  processing_time_ms: number | null;
  success: boolean;
  project: string;
  error?: string;
  hint?: string;
};

export type RunRecordLine = {
  level: 'info' | 'error';
  message: string;
  operation: string;
  success: boolean;
  processing_time_ms: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  projects: number;
  error?: string;
};

/** One record per write attempted and per failure that is not a write (a listing, a calendar). */
export function operationRecords(calendars: readonly CalendarReport[]): OperationRecord[] {
  return calendars.flatMap((calendar) => calendarRecords(calendar));
}

function calendarRecords(project: CalendarReport): OperationRecord[] {
  // `project`: the project's identifier, or the calendar's id when it spans projects.
  const base = { calendar_name: project.name, project: project.project ?? project.id };
  const records: OperationRecord[] = [];
  const writeErrors = project.errors.filter((e) => e.uid !== undefined && isWrite(e.operation));
  for (const change of project.changes) {
    if (change.durationMs === undefined) continue; // planned, never attempted (a dry run)
    const error = change.applied
      ? undefined
      : writeErrors.find((e) => e.uid === change.uid && e.operation === change.op);
    records.push({
      level: change.applied ? 'info' : 'error',
      message: change.applied ? 'Event synchronized' : 'Event synchronization failed',
      operation: change.op,
      issue_id: change.issueId || null,
      event_uid: change.uid,
      ...base,
      processing_time_ms: change.durationMs,
      success: change.applied,
      ...errorFields(error),
    });
  }
  // Changes for Plane (write-back): an audit trail of every write calplanebot made outside the calendar.
  for (const change of project.planeChanges ?? []) {
    if (change.durationMs === undefined) continue;
    const error = change.applied
      ? undefined
      : writeErrors.find((e) => e.uid === change.uid && e.operation === 'write-back');
    records.push({
      level: change.applied ? 'info' : 'error',
      message: change.applied
        ? `Change written to Plane: ${change.fields.map((f) => `${f.field} ${f.from ?? '∅'} → ${f.to ?? '∅'}`).join('; ')}`
        : 'Change for Plane failed',
      operation: 'write-back',
      issue_id: change.issueId,
      event_uid: change.uid,
      ...base,
      processing_time_ms: change.durationMs,
      success: change.applied,
      ...errorFields(error),
    });
  }
  for (const error of project.errors) {
    if (isWrite(error.operation) && error.uid !== undefined) continue; // logged with its change above
    records.push({
      level: error.operation === 'delete-guard' || error.operation === 'write-guard' ? 'warn' : 'error',
      message:
        error.operation === 'delete-guard'
          ? 'Deletions withheld'
          : error.operation === 'write-guard'
            ? 'Changes for Plane withheld'
            : 'Operation failed',
      operation: error.operation,
      issue_id: error.issueId ?? null,
      event_uid: error.uid ?? null,
      ...base,
      processing_time_ms: null,
      success: false,
      ...errorFields(error),
    });
  }
  return records;
}

/** The run's own record ("Log completion with statistics"). */
export function runRecord(
  kind: string,
  run: {
    projects: readonly ProjectReport[];
    calendars: readonly CalendarReport[];
    durationMs: number;
    error?: string | undefined;
  },
): RunRecordLine {
  const sum = (key: 'created' | 'updated' | 'deleted' | 'unchanged' | 'skipped' | 'failed') =>
    run.calendars.reduce((n, c) => n + c[key], 0);
  const success = run.error === undefined && [...run.projects, ...run.calendars].every((p) => p.errors.length === 0);
  return {
    level: success ? 'info' : 'error',
    message: run.error === undefined ? `${capitalize(kind)} completed` : `${capitalize(kind)} failed`,
    operation: kind,
    success,
    processing_time_ms: run.durationMs,
    created: sum('created'),
    updated: sum('updated'),
    deleted: sum('deleted'),
    unchanged: sum('unchanged'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    projects: run.projects.length,
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

function isWrite(operation: ReportedError['operation']): boolean {
  return operation === 'create' || operation === 'update' || operation === 'delete' || operation === 'write-back';
}

function errorFields(error: ReportedError | undefined): { error?: string; hint?: string } {
  if (!error) return {};
  return error.hint ? { error: error.message, hint: error.hint } : { error: error.message };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
