/**
 * Plane issue → the event calplanebot wants (the seed's mapping, architecture-data-flow.txt).
 * Pure: the same issue always gives the same model, whatever the clock or TZ.
 */
import type { PlaneIssue, PlaneProject, PlaneState, Priority } from '../plane/types.js';
import { type Basis, type BasisShape, formatBasis } from './basis.js';
import {
  addDays,
  addSecondsToWallClock,
  durationSeconds,
  isCalendarDate,
  planeDateOf,
  planeDateTimeOf,
} from './dates.js';
import type { EventModel, EventStatus, ManagedFields, TaskStatus } from './model.js';
import { cleanLine, cleanText, htmlToPlainText } from './text.js';
import { isTimeZone } from './timezone.js';
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
  /** Managed reminders, RFC 5545 durations relative to the start (a task's: to its due date). */
  alarms?: readonly string[] | undefined;
  /** `tasks`: VTODOs; default `events`: VEVENTs. */
  as?: 'events' | 'tasks' | undefined;
  /** Tasks only, `include`: an item without a target date is a task without DUE; default `skip`: none. */
  undated?: 'skip' | 'include' | undefined;
  /** `timed`: an item with a time is a timed event or task; default `dates`: shown on its date. */
  times?: 'dates' | 'timed' | undefined;
  /** A timed event's length when it is no span; RFC 5545 duration, default PT1H. */
  defaultDuration?: string | undefined;
  /** The zone of a timed item whose project names none (or one the runtime does not know); default UTC. */
  timeZone?: string | undefined;
  /** The calendar writes changes back to Plane: each object keeps its basis (X-CALPLANEBOT-BASE). */
  writeBack?: boolean | undefined;
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

/** Where an item sits in time: DTSTART and DTEND/DUE as ManagedFields holds them, and their zone. */
interface Placement {
  start: string;
  end: string;
  timeZone?: string;
}

/**
 * The event (or, with `as: "tasks"`, the task) for an issue; null when it has no target date
 * (only dated issues are mirrored, unless a task list includes undated ones).
 */
export function issueToEvent(issue: PlaneIssue, project: PlaneProject, ctx: TransformContext): EventModel | null {
  const task = ctx.as === 'tasks';
  const undated = issue.target_date === null || issue.target_date === '';
  if (undated && !(task && ctx.undated === 'include')) return null;
  // An item with a time is shown on its date (the all-day event it has always been), unless timed.
  const target = undated ? null : planeDateOf(issue.target_date);
  if (!undated && (target === null || target === '9999-12-31')) {
    const name = `[${project.identifier}-${issue.sequence_id}]`;
    throw new InvalidIssueError(
      issue.id,
      `Issue ${name} has an invalid target_date ${JSON.stringify(issue.target_date)}: expected a date YYYY-MM-DD (or YYYY-MM-DDTHH:MM)`,
    );
  }
  const placement = task
    ? taskPlacement(issue, project, target, ctx)
    : eventPlacement(issue, project, target ?? '', ctx);
  const fields: ManagedFields = {
    summary:
      ctx.summary === undefined
        ? `[${issue.sequence_id}] ${cleanLine(issue.name)}`
        : summaryFrom(ctx.summary, issue, project),
    description: describeIssue(issue, project),
    ...placement,
    status: task ? taskStatusFor(issue.state) : statusFor(issue.state),
    ...(task ? taskProperties(issue) : {}),
    categories: categoriesFor(issue),
    url: issueUrl(issue, project, ctx),
    color: PRIORITY_COLORS[issue.priority] ?? null,
    // A task's reminders count from DUE: an undated task has nothing to count from.
    ...(ctx.alarms && ctx.alarms.length > 0 && placement.end !== '' ? { alarms: [...ctx.alarms] } : {}),
    ...(ctx.writeBack
      ? { base: formatBasis(basisOf(issue, placement, task ? 'task' : ctx.dates === 'span' ? 'span' : 'event')) }
      : {}),
  };
  return {
    uid: (ctx.scheme ?? LEGACY_SCHEME).uidFor(issue.id),
    ...(task ? { component: 'vtodo' as const } : {}),
    issueId: issue.id,
    projectId: project.id,
    fields,
    stamp: stampFor(issue),
  };
}

/** The Plane values behind an object, and what it shows for them (event/basis.ts). */
function basisOf(issue: PlaneIssue, placement: Placement, shape: BasisShape): Basis {
  return {
    shape,
    target: issue.target_date || null,
    start: issue.start_date || null,
    group: hasState(issue.state) ? issue.state.group : null,
    shown: { start: placement.start, end: placement.end },
  };
}

/** The zone a timed item's wall-clock time is in: its project's (Plane's `timezone`), else the configured fallback. */
function zoneOf(project: PlaneProject, ctx: TransformContext): string {
  const zone = project.timezone;
  return zone && isTimeZone(zone) ? zone : (ctx.timeZone ?? 'UTC');
}

/**
 * With `times: "timed"`, the item's target time and its start as a time too (a start with only a
 * date starts at midnight: DTSTART and DTEND/DUE must be of one value type); undefined for a
 * calendar of dates or an item without a time.
 */
function timedBounds(issue: PlaneIssue, ctx: TransformContext): { start: string | null; target: string } | undefined {
  const target = ctx.times === 'timed' ? planeDateTimeOf(issue.target_date) : null;
  if (target === null) return undefined;
  const startDate = planeDateOf(issue.start_date);
  const start = planeDateTimeOf(issue.start_date) ?? (startDate === null ? null : `${startDate}T00:00:00`);
  return { start: start !== null && start <= target ? start : null, target };
}

function eventPlacement(issue: PlaneIssue, project: PlaneProject, target: string, ctx: TransformContext): Placement {
  const span = ctx.dates === 'span';
  const timed = timedBounds(issue, ctx);
  if (timed !== undefined) {
    const timeZone = zoneOf(project, ctx);
    if (span && timed.start !== null && timed.start < timed.target)
      return { start: timed.start, end: timed.target, timeZone };
    const length = durationSeconds(ctx.defaultDuration ?? 'PT1H') ?? 3600;
    return { start: timed.target, end: addSecondsToWallClock(timed.target, length), timeZone };
  }
  return { start: span ? spanStart(issue, target) : target, end: addDays(target, 1) };
}

/**
 * DUE is the target date (none for an undated task); DTSTART the start date when it is before it
 * (RFC 5545 §3.8.2.3: DUE must be later than DTSTART, so a task starting on its due day has none).
 */
function taskPlacement(
  issue: PlaneIssue,
  project: PlaneProject,
  target: string | null,
  ctx: TransformContext,
): Placement {
  const timed = timedBounds(issue, ctx);
  if (timed !== undefined)
    return {
      start: timed.start !== null && timed.start < timed.target ? timed.start : '',
      end: timed.target,
      timeZone: zoneOf(project, ctx),
    };
  const start = planeDateOf(issue.start_date);
  if (target === null) return { start: start ?? '', end: '' };
  return { start: start !== null && start < target ? start : '', end: target };
}

/** RFC 5545 PRIORITY: 1 highest, 9 lowest (Apple shows 1–4 high, 5 medium, 6–9 low); none has no property. */
export const TASK_PRIORITIES: Record<Priority, number | undefined> = {
  urgent: 1,
  high: 3,
  medium: 5,
  low: 7,
  none: undefined,
};

const TASK_STATUS: Record<string, TaskStatus> = {
  backlog: 'NEEDS-ACTION',
  unstarted: 'NEEDS-ACTION',
  triage: 'NEEDS-ACTION',
  started: 'IN-PROCESS',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
};

function taskStatusFor(state: PlaneIssue['state']): TaskStatus {
  return hasState(state) ? (TASK_STATUS[state.group] ?? 'NEEDS-ACTION') : 'NEEDS-ACTION';
}

/** COMPLETED (when Plane says it was done, else when the item last changed) and PERCENT-COMPLETE for a done task; PRIORITY. */
function taskProperties(issue: PlaneIssue): Pick<ManagedFields, 'completed' | 'percentComplete' | 'priority'> {
  const priority = TASK_PRIORITIES[issue.priority];
  const done = hasState(issue.state) && issue.state.group === 'completed';
  return {
    ...(done ? { completed: toUtcStamp(issue.completed_at) ?? stampFor(issue), percentComplete: 100 } : {}),
    ...(priority === undefined ? {} : { priority }),
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
  return literal.replace(/\{(sequence|identifier|name|project|state|priority)\}/g, (_, key: string) =>
    cleanLine(values[key] ?? ''),
  );
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
  return planeWebUrl(ctx, project, 'issues', issue.id);
}

/** The page of a work item, cycle or module in Plane's web app. */
export function planeWebUrl(
  ctx: TransformContext,
  project: PlaneProject,
  collection: 'issues' | 'cycles' | 'modules',
  id: string,
): string {
  const origin = ctx.webUrl.replace(/\/+$/, '');
  const segments = [ctx.workspaceSlug, 'projects', project.id, collection, id];
  return `${origin}/${segments.map(encodeURIComponent).join('/')}`;
}

// "2024-01-15T16:00:00.123456+05:30", "…Z", "… 16:00:00", offsets with or without a colon.
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

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
