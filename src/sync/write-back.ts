/**
 * Write-back's three-way decision, pure: the basis an object was written from (event/basis.ts),
 * the object as a calendar app left it, and Plane now. Per aspect (`dates`, `completion`):
 *
 *   only the calendar changed → write the calendar's value to Plane;
 *   only Plane changed        → nothing here (the planner rewrites the object, as always);
 *   both changed              → the same value: nothing to write; else a conflict, Plane wins;
 *   no basis                  → Plane wins.
 *
 * What the calendar changed is read in the object's own terms (a moved DTSTART, DTEND or DUE) and
 * turned into Plane's by the shape it was written in: a deadline event's start is the target date;
 * a span moved whole moves both dates, one whose end was dragged only the target date; a task's DUE
 * is the target date and its DTSTART the start date. A value removed in the calendar is no change
 * (the planner then puts it back). Dates move by whole days; a time of day Plane holds is kept.
 */
import type { Basis } from '../event/basis.js';
import { addDays, isCalendarDate } from '../event/dates.js';
import type { EventModel } from '../event/model.js';
import type { PlaneIssue } from '../plane/types.js';

export type WriteBackField = 'dates' | 'completion';

/** What the object shows now: its ManagedFields start, end and status. */
export interface ShownValues {
  start: string;
  end: string;
  status: string;
}

/** A change for Plane: new dates (both sent, so Plane checks start ≤ target), and/or done or reopened. */
export interface PlanePatch {
  dates?: { target: string | null; start: string | null } | undefined;
  /** `done`: the project's completed state; `open`: its default state. */
  completion?: 'done' | 'open' | undefined;
}

/** Both sides changed one aspect differently: Plane's value stays, and the run says so. */
export interface WriteBackConflict {
  field: WriteBackField;
  /** The value the calendar had, and Plane's, as the report shows them. */
  calendar: string;
  plane: string;
}

export interface WriteBackDecision {
  patch: PlanePatch | undefined;
  conflicts: WriteBackConflict[];
}

export interface WriteBackInput {
  fields: ReadonlySet<WriteBackField>;
  /** The object's basis; undefined when it has none (or an unreadable one, or one of another shape). */
  stored: Basis | undefined;
  shown: ShownValues;
  /** Plane now, as the basis the object would get. */
  plane: Basis;
}

const NOTHING: WriteBackDecision = { patch: undefined, conflicts: [] };

export function decideWriteBack(input: WriteBackInput): WriteBackDecision {
  const { stored, plane } = input;
  if (stored === undefined || stored.shape !== plane.shape) return NOTHING;
  const patch: PlanePatch = {};
  const conflicts: WriteBackConflict[] = [];

  if (input.fields.has('dates')) {
    const wanted = calendarDates(stored, input.shown);
    if (wanted !== undefined) {
      const planeChanged = !sameValue(plane.target, stored.target) || !sameValue(plane.start, stored.start);
      const agree = sameValue(wanted.target, plane.target) && sameValue(wanted.start, plane.start);
      if (!planeChanged) patch.dates = wanted;
      else if (!agree) conflicts.push({ field: 'dates', calendar: describeDates(wanted), plane: describeDates(plane) });
    }
  }

  if (input.fields.has('completion') && stored.shape === 'task') {
    const done = input.shown.status.toUpperCase() === 'COMPLETED';
    if (done !== (stored.group === 'completed')) {
      const planeChanged = plane.group !== stored.group;
      const agree = done === (plane.group === 'completed');
      if (!planeChanged) patch.completion = done ? 'done' : 'open';
      else if (!agree)
        conflicts.push({
          field: 'completion',
          calendar: done ? 'completed' : 'open',
          plane: plane.group ?? 'no state',
        });
    }
  }

  const any = patch.dates !== undefined || patch.completion !== undefined;
  return { patch: any ? patch : undefined, conflicts };
}

/** Plane's target and start dates for the object's dates now; undefined when the calendar moved none. */
export function calendarDates(
  stored: Basis,
  shown: Pick<ShownValues, 'start' | 'end'>,
): { target: string | null; start: string | null } | undefined {
  const start = moved(stored.shown.start, shown.start);
  const end = moved(stored.shown.end, shown.end);
  let target = stored.target;
  let startDate = stored.start;
  switch (stored.shape) {
    case 'event':
      // A deadline: DTSTART is the target date (an app that stretched DTEND moved nothing).
      if (start) target = shifted(stored.target, start);
      break;
    case 'span':
      if (start && end && start.days === end.days) {
        // Moved whole: both dates by as much (a span without a start date keeps none).
        target = shifted(stored.target, end);
        startDate = stored.start === null ? null : shifted(stored.start, start);
      } else {
        if (end) target = shifted(stored.target, end);
        if (start) startDate = shifted(stored.start, start);
      }
      break;
    case 'task':
      if (end) target = shifted(stored.target, end);
      if (start) startDate = shifted(stored.start, start);
      break;
  }
  const changed = !sameValue(target, stored.target) || !sameValue(startDate, stored.start);
  return changed ? { target, start: startDate } : undefined;
}

/** A move of one shown date: by whole days, or to a date where none was shown. */
interface Move {
  days: number;
  /** The date now shown. */
  to: string;
}

function moved(before: string, now: string): Move | undefined {
  const to = now.slice(0, 10);
  if (!isCalendarDate(to)) return undefined; // removed (or unreadable): no change, Plane's value is put back
  const from = before.slice(0, 10);
  if (from === to) return undefined;
  return { days: isCalendarDate(from) ? daysBetween(from, to) : 0, to };
}

/** A Plane date moved by a move: by its days when there was one (its time kept), else the date shown. */
function shifted(value: string | null, move: Move): string {
  const date = value?.slice(0, 10);
  if (value === null || date === undefined || !isCalendarDate(date) || move.days === 0) return move.to;
  return `${addDays(date, move.days)}${value.slice(10)}`;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Plane values compared as Plane would store them: "" and null are both none. */
function sameValue(a: string | null, b: string | null): boolean {
  return (a ?? '') === (b ?? '');
}

/** "2025-01-15", or "2025-01-10 → 2025-01-15" with a start date, or "no date". */
export function describeDates(dates: { target: string | null; start: string | null }): string {
  const target = dates.target ?? 'no date';
  return dates.start === null ? target : `${dates.start} → ${target}`;
}

/** The work item's fields a change in Plane touches, as Plane then has them (state expanded). */
export type IssueChanges = Partial<
  Pick<PlaneIssue, 'target_date' | 'start_date' | 'state' | 'completed_at' | 'updated_at'>
>;

/** The work item's object with some of its fields changed: what a change in Plane makes of it (null: none). */
export type Reviser = (changes: IssueChanges) => EventModel | null;
