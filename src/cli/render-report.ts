/** The human view of a RunReport: per project, per change, field by field. */

import { DEFAULT_VIEW_ID } from '../config/types.js';
import type { FieldChange } from '../event/model.js';
import { type CalendarReport, calendarChanges, type ReportedChange, type RunReport } from '../sync/report.js';
import type { Output } from './output.js';

const MAX_VALUE = 60;

export function renderReport(report: RunReport, output: Output): void {
  const c = output.colors;
  const changed =
    report.totals.created +
    report.totals.updated +
    report.totals.deleted +
    (report.totals.planeWrites ?? 0) +
    (report.totals.conflicts ?? 0);
  const calendarWork = calendarChanges(report);
  // --quiet: say nothing on stdout when there was nothing to do (cron mails any output).
  if (output.options.quiet && changed === 0 && calendarWork === 0) return;

  for (const calendar of report.calendars)
    renderCalendar(calendar, heading(calendar, report, output), report.dryRun, output);

  const t = report.totals;
  const views = report.calendars.some((calendar) => calendar.id !== DEFAULT_VIEW_ID)
    ? `, ${report.calendars.length} calendar(s)`
    : '';
  const timing = c.dim(`(${report.projects.length} project(s)${views}, ${report.durationMs} ms)`);
  const rest = `${t.unchanged} unchanged, ${t.skipped} without a target date${writeBackSummary(report)}${t.failed > 0 ? `, ${c.red(`${t.failed} failed`)}` : ''}`;
  const command = report.dryRun ? 'diff' : 'sync';
  if (changed === 0) {
    const calendars = `${calendarWork} calendar(s) ${report.dryRun ? 'to create or rename' : 'created or renamed'}`;
    const idle = calendarWork > 0 ? calendars : report.dryRun ? 'nothing pending' : 'nothing to do';
    output.line(`${c.bold(`${command}:`)} ${idle}; ${rest} ${timing}`);
    return;
  }
  const did = report.dryRun
    ? `${t.created} to create, ${t.updated} to update, ${t.deleted} to delete`
    : `${t.created} created, ${t.updated} updated, ${t.deleted} deleted`;
  output.line(`${c.bold(`${command}:`)} ${did}; ${rest} ${timing}`);
}

/** ", 2 written to Plane, 1 conflict (Plane kept)": only for a run with calendars that write back. */
function writeBackSummary(report: RunReport): string {
  const { planeWrites, conflicts } = report.totals;
  if (planeWrites === undefined && conflicts === undefined) return '';
  const writes = report.dryRun ? `${planeWrites ?? 0} to write to Plane` : `${planeWrites ?? 0} written to Plane`;
  return `, ${writes}${conflicts ? `, ${conflicts} conflict(s) (Plane's values kept)` : ''}`;
}

/** A default calendar is headed by its project, as before entries existed; any other by its name. */
function heading(calendar: CalendarReport, report: RunReport, output: Output): string {
  const project = report.projects.find((p) => p.id === calendar.projectId);
  if (calendar.id === DEFAULT_VIEW_ID && project) return `${output.colors.bold(project.identifier)} ${project.name}`;
  return output.colors.bold(calendar.name);
}

function renderCalendar(project: CalendarReport, title: string, dryRun: boolean, output: Output): void {
  const c = output.colors;
  const forPlane = project.planeChanges ?? [];
  const conflicts = project.planeConflicts ?? [];
  const quietProject =
    project.changes.length === 0 &&
    forPlane.length === 0 &&
    conflicts.length === 0 &&
    !project.calendarCreated &&
    project.calendarRenamed === null;
  if (quietProject && !output.options.verbose) return;
  const renamed = project.calendarRenamed;
  const calendarNote = project.calendarCreated
    ? c.green(dryRun ? ' (calendar would be created)' : ' (calendar created)')
    : renamed
      ? c.yellow(` (calendar ${dryRun ? 'would be renamed' : 'renamed'} "${renamed.from}" → "${renamed.to}")`)
      : '';
  output.line(`${title}${calendarNote}`);
  for (const change of project.changes) output.line(`  ${describeChange(change, output)}`);
  for (const write of forPlane)
    output.line(`  ${c.cyan('⇢')} Plane ${write.summary}: ${write.fields.map(describeField).join('; ')}`);
  for (const conflict of conflicts) {
    output.line(
      `  ${c.yellow('!')} ${conflict.summary}: ${conflict.field} changed in the calendar (${conflict.calendar}) and in Plane (${conflict.plane}); Plane's kept`,
    );
  }
}

export function describeChange(change: ReportedChange, output: Output): string {
  const c = output.colors;
  switch (change.op) {
    case 'create': {
      const date = change.fields.find((f) => f.field === 'target_date')?.to ?? '';
      return `${c.green('+')} ${change.summary} ${c.dim(date)}`;
    }
    case 'update':
      return `${c.yellow('~')} ${change.summary}: ${change.fields.map(describeField).join('; ')}`;
    case 'delete':
      return `${c.red('-')} ${change.summary || change.uid}`;
  }
}

export function describeField(change: FieldChange): string {
  return `${change.field} ${shorten(change.from)} → ${shorten(change.to)}`;
}

function shorten(value: string | null): string {
  if (value === null || value === '') return '∅';
  const oneLine = value.replace(/\s+/g, ' ');
  return oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine;
}

/**
 * One stderr line per failure, each saying what to do: a project's (its listing, its default
 * calendar) under its identifier, another calendar's under its name. A failed listing is said
 * once, under the project, however many calendars it left wanting.
 */
export function renderFailures(report: Pick<RunReport, 'projects' | 'calendars'>, output: Output): void {
  const failures = [
    ...report.projects.map((project) => ({ label: project.identifier, errors: project.errors })),
    ...report.calendars
      .filter((c) => c.id !== DEFAULT_VIEW_ID)
      .map((c) => ({ label: `calendar "${c.name}"`, errors: c.errors.filter((e) => e.operation !== 'list-issues') })),
  ];
  for (const { label, errors } of failures) {
    for (const error of errors) {
      const subject = error.uid ? ` ${error.uid}` : error.issueId ? ` issue ${error.issueId}` : '';
      output.failure(`${label}: ${error.operation}${subject} failed: ${error.message}`, error.hint);
    }
  }
}
