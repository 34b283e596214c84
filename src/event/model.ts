/**
 * The event calplanebot wants a calendar to hold for one issue: pure data, no iCalendar syntax.
 * `transform.ts` builds it from an issue, `render.ts` writes it, `parse.ts` reads the managed
 * fields back from a server's copy so the planner can compare like with like.
 */

export type EventStatus = 'CONFIRMED' | 'CANCELLED';

/** The properties calplanebot owns inside an event. Everything else in the VEVENT is the user's. */
export interface ManagedFields {
  summary: string;
  /** Plain text; newlines as "\n". */
  description: string;
  /** DTSTART;VALUE=DATE as "YYYY-MM-DD": the issue's target date (its start date, for a span). */
  start: string;
  /** DTEND;VALUE=DATE as "YYYY-MM-DD": target date + 1 day (exclusive end, RFC 5545). */
  end: string;
  status: EventStatus;
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
}

export interface EventModel {
  uid: string;
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
  status: 'status',
  categories: 'labels',
  url: 'url',
  color: 'color',
  alarms: 'alarms',
};

export interface FieldChange {
  /** A FIELD_LABELS value, e.g. "target_date". */
  field: string;
  from: string | null;
  to: string | null;
}

/** What `parse.ts` reads back from a stored calendar object. */
export interface ParsedObject {
  /** The UID of the object's first VEVENT/VTODO/VJOURNAL, or null when there is none. */
  uid: string | null;
  /** Managed fields as stored; undefined when the object has no VEVENT. */
  fields: ManagedFields | undefined;
  /** SEQUENCE of that component (0 when absent). */
  sequence: number;
  /** X-CALPLANEBOT-PROJECT-ID, lower case: which project's share of a calendar the object is; null when absent. */
  projectId: string | null;
}
