/**
 * Plane issue → the event calplanebot wants (the seed's mapping, architecture-data-flow.txt).
 * Pure: the same issue always gives the same model, whatever the clock or TZ.
 */
import type { PlaneIssue, PlaneProject, Priority, PlaneState } from '../plane/types.js';
import { addDays, isCalendarDate, planeDateOf } from './dates.js';
import type { EventModel, EventStatus, ManagedFields } from './model.js';
import { cleanLine, cleanText, htmlToPlainText } from './text.js';
import { LEGACY_SCHEME, type UidScheme } from './uid.js';

export interface TransformContext {
  /** Plane web origin, e.g. https://app.plane.so (a trailing slash is ignored). */
  webUrl: string;
  workspaceSlug: string;
  /** The UIDs of the calendar the event is for; default: the default calendars'. */
  scheme?: UidScheme | undefined;
  /** SUMMARY template ({sequence} {identifier} {name} {project} {state} {priority}); default "[{sequence}] {name}". */
  summary?: string | undefined;
  /** `span`: an all-day block from the start date to the target date; default `target`: the target date. */
  dates?: 'target' | 'span' | undefined;
  /** Managed reminders, RFC 5545 durations relative to the start. */
  alarms?: readonly string[] | undefined;
}

/** One issue that cannot become an event; the caller reports it and carries on with the rest. */
export class InvalidIssueError extends Error {
  constructor(
    readonly issueId: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidIssueError';
  }
}

/** RFC 7986 COLOR takes a CSS3 colour name; strict clients ignore hex. */
export const PRIORITY_COLORS: Record<Priority, string | null> = {
  urgent: 'red',
  high: 'darkorange',
  medium: 'gold',
  low: 'green',
  none: null,
};

export const EPOCH_STAMP = '19700101T000000Z';

/** The event for an issue, or null when it has no target date (only dated issues are mirrored). */
export function issueToEvent(
  issue: PlaneIssue,
  project: PlaneProject,
  ctx: TransformContext,
): EventModel | null {
  if (issue.target_date === null || issue.target_date === '') return null;
  // An item with a time is shown on its date (the all-day event it has always been).
  const start = planeDateOf(issue.target_date);
  if (start === null || start === '9999-12-31') {
    const name = `[${project.identifier}-${issue.sequence_id}]`;
    throw new InvalidIssueError(
      issue.id,
      `Issue ${name} has an invalid target_date ${JSON.stringify(issue.target_date)}: expected a date YYYY-MM-DD (or YYYY-MM-DDTHH:MM)`,
    );
  }
  const fields: ManagedFields = {
    summary: ctx.summary === undefined ? `[${issue.sequence_id}] ${cleanLine(issue.name)}` : summaryFrom(ctx.summary, issue, project),
    description: describeIssue(issue, project),
    start: ctx.dates === 'span' ? spanStart(issue, start) : start,
    end: addDays(start, 1),
    status: statusFor(issue.state),
    categories: categoriesFor(issue),
    url: issueUrl(issue, project, ctx),
    color: PRIORITY_COLORS[issue.priority] ?? null,
    ...(ctx.alarms && ctx.alarms.length > 0 ? { alarms: [...ctx.alarms] } : {}),
  };
  return {
    uid: (ctx.scheme ?? LEGACY_SCHEME).uidFor(issue.id),
    issueId: issue.id,
    projectId: project.id,
    fields,
    stamp: stampFor(issue),
  };
}

/** A configured SUMMARY: every placeholder filled with its (one-line) value. */
function summaryFrom(template: string, issue: PlaneIssue, project: PlaneProject): string {
  const values: Record<string, string> = {
    sequence: String(issue.sequence_id),
    identifier: project.identifier,
    name: issue.name,
    project: project.name,
    state: hasState(issue.state) ? issue.state.name : '',
    priority: issue.priority,
  };
  // The template's own text is kept as written (less control characters), so "[{sequence}] {name}" is today's summary.
  const literal = template.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return literal.replace(/\{(sequence|identifier|name|project|state|priority)\}/g, (_, key: string) => cleanLine(values[key] ?? ''));
}

/** A span starts on the start date when there is one, not after the target date; else on the target date. */
function spanStart(issue: PlaneIssue, target: string): string {
  const start = planeDateOf(issue.start_date);
  return start !== null && start <= target ? start : target;
}

function hasState(state: PlaneIssue['state']): state is PlaneState {
  return 'group' in state;
}

/** Done and cancelled issues show struck through (CANCELLED); everything else is CONFIRMED. */
function statusFor(state: PlaneIssue['state']): EventStatus {
  if (!hasState(state)) return 'CONFIRMED';
  return state.group === 'completed' || state.group === 'cancelled' ? 'CANCELLED' : 'CONFIRMED';
}

/** Label names in Plane's order, cleaned, without blanks or repeats. */
function categoriesFor(issue: PlaneIssue): string[] {
  const names = issue.labels.map((label) => cleanLine(label.name)).filter((name) => name !== '');
  return [...new Set(names)];
}

function describeIssue(issue: PlaneIssue, project: PlaneProject): string {
  const lines: string[] = [];
  const body = htmlToPlainText(issue.description_html);
  if (body !== '') lines.push(body);
  lines.push('---', `Priority: ${issue.priority}`);
  if (hasState(issue.state)) lines.push(`State: ${cleanLine(issue.state.name)}`);
  const assignees = issue.assignees.map((user) => cleanLine(user.display_name)).filter((name) => name !== '');
  if (assignees.length > 0) lines.push(`Assignees: ${assignees.join(', ')}`);
  const labels = categoriesFor(issue);
  if (labels.length > 0) lines.push(`Labels: ${labels.join(', ')}`);
  lines.push(`Project: ${cleanLine(project.name)}`);
  return cleanText(lines.join('\n'));
}

function issueUrl(issue: PlaneIssue, project: PlaneProject, ctx: TransformContext): string {
  const origin = ctx.webUrl.replace(/\/+$/, '');
  const segments = [ctx.workspaceSlug, 'projects', project.id, 'issues', issue.id];
  return `${origin}/${segments.map(encodeURIComponent).join('/')}`;
}

// "2024-01-15T16:00:00.123456+05:30", "…Z", "… 16:00:00", offsets with or without a colon.
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** DTSTAMP from updated_at, else created_at, else the epoch: deterministic, never "now". */
function stampFor(issue: PlaneIssue): string {
  return toUtcStamp(issue.updated_at) ?? toUtcStamp(issue.created_at) ?? EPOCH_STAMP;
}

/**
 * An ISO-8601 timestamp as UTC basic format "YYYYMMDDTHHMMSSZ", or null when unparseable.
 * A timestamp without an offset is read as UTC: Date.parse would read it in the process TZ.
 */
export function toUtcStamp(timestamp: string | null | undefined): string | null {
  const match = TIMESTAMP.exec(timestamp?.trim() ?? '');
  if (match === null) return null;
  const [, date = '', hours = '', minutes = '', seconds = '00', fraction = '', zone = 'Z'] = match;
  const validTime = Number(hours) <= 23 && Number(minutes) <= 59 && Number(seconds) <= 59;
  if (!isCalendarDate(date) || !validTime) return null;
  const millis = fraction.slice(0, 3).padEnd(3, '0');
  const ms = Date.parse(`${date}T${hours}:${minutes}:${seconds}.${millis}${normalizeZone(zone)}`);
  if (Number.isNaN(ms)) return null;
  const utc = new Date(ms);
  const year = utc.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return (
    String(year).padStart(4, '0') +
    pad2(utc.getUTCMonth() + 1) +
    pad2(utc.getUTCDate()) +
    'T' +
    pad2(utc.getUTCHours()) +
    pad2(utc.getUTCMinutes()) +
    pad2(utc.getUTCSeconds()) +
    'Z'
  );
}

function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2)}`;
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
