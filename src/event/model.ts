/**
 * The event calplanebot wants a calendar to hold for one issue: pure data, no iCalendar syntax.
 * `transform.ts` builds it from an issue, `render.ts` writes it, `parse.ts` reads the managed
 * fields back from a server's copy so the planner can compare like with like.
 */

import type { ItemSource } from './uid.js';

export type EventStatus = 'CONFIRMED' | 'CANCELLED';
/** RFC 5545 VTODO statuses, from the state group (transform.ts). */
export type TaskStatus = 'NEEDS-ACTION' | 'IN-PROCESS' | 'COMPLETED' | 'CANCELLED';

/** Which component an object holds: a VEVENT (default) or, for a calendar with `as: "tasks"`, a VTODO. */
export type Component = 'vevent' | 'vtodo';

/** The properties calplanebot owns inside an event. Everything else in the VEVENT is the user's. */
export interface ManagedFields {
  summary: string;
  /** Plain text; newlines as "\n". */
  description: string;
  /**
   * DTSTART: a date "YYYY-MM-DD" (VALUE=DATE), the issue's target date (its start date, for a
   * span); or a wall-clock time "YYYY-MM-DDTHH:MM:SS" in `timeZone`. A task may have none: "".
   */
  start: string;
  /**
   * An event's DTEND (a date: target date + 1 day, the exclusive end of RFC 5545), or a task's DUE
   * (the target date); same forms as `start`. An undated task has none: "".
   */
  end: string;
  /** The TZID of a `start`/`end` with a time (`times: "timed"`); absent for dates. */
  timeZone?: string | undefined;
  status: EventStatus | TaskStatus;
  /** A task's COMPLETED, UTC "YYYYMMDDTHHMMSSZ"; absent unless it is completed. */
  completed?: string | undefined;
  /** A task's PERCENT-COMPLETE (100 when completed); absent otherwise. */
  percentComplete?: number | undefined;
  /** A task's PRIORITY, 1 (highest) to 9; absent for none. */
  priority?: number | undefined;
  /** Label names, in the order rendered. */
  categories: string[];
  url: string;
  /** RFC 7986 COLOR: a CSS3 colour name, or null for none. */
  color: string | null;
  /**
   * The triggers (RFC 5545 durations, relative to DTSTART) of the VALARMs calplanebot manages in
   * the event; absent or empty: none. Alarms a person added in an app are not among them.
   */
  alarms?: string[] | undefined;
  /**
   * X-CALPLANEBOT-BASE (event/basis.ts): the Plane values the object was written from, for a
   * calendar with `writeBack`; absent otherwise.
   */
  base?: string | undefined;
}

export interface EventModel {
  uid: string;
  /** `vtodo` for a task; absent: a VEVENT. */
  component?: Component | undefined;
  /** What the object mirrors; absent: a work item. */
  source?: Exclude<ItemSource, 'issue'> | undefined;
  /** The Plane id of the work item (or of the cycle or module, per `source`). */
  issueId: string;
  projectId: string;
  fields: ManagedFields;
  /** DTSTAMP in UTC basic format "YYYYMMDDTHHMMSSZ", from the issue's updated_at: stable across runs. */
  stamp: string;
}

/** How the report names each managed field (Plane's words where there is one). */
export const FIELD_LABELS: Record<keyof ManagedFields, string> = {
  summary: 'summary',
  description: 'description',
  start: 'target_date',
  end: 'dtend',
  timeZone: 'timezone',
  status: 'status',
  completed: 'completed',
  percentComplete: 'percent_complete',
  priority: 'priority',
  categories: 'labels',
  url: 'url',
  color: 'color',
  alarms: 'alarms',
  base: 'write_back_base',
};

export interface FieldChange {
  /** A FIELD_LABELS value, e.g. "target_date". */
  field: string;
  from: string | null;
  to: string | null;
}

/** How a task's report names the fields that differ from an event's. */
export const TASK_FIELD_LABELS: Partial<Record<keyof ManagedFields, string>> = {
  start: 'start_date',
  end: 'target_date',
};

/** What `parse.ts` reads back from a stored calendar object. */
export interface ParsedObject {
  /** The UID of the object's first VEVENT/VTODO/VJOURNAL, or null when there is none. */
  uid: string | null;
  /** Managed fields as stored; undefined when the object has no VEVENT or VTODO. */
  fields: ManagedFields | undefined;
  /** The component the fields were read from. */
  component: Component | undefined;
  /** SEQUENCE of that component (0 when absent). */
  sequence: number;
  /** X-CALPLANEBOT-PROJECT-ID, lower case: which project's share of a calendar the object is; null when absent. */
  projectId: string | null;
}
