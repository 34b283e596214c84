/**
 * Reads back what a server stores, so the planner compares like with like: the managed fields of
 * an event (parseCalendarObject) and what differs from the desired ones (fieldChanges).
 */
import ICAL from 'ical.js';
import { alarmUidPrefix } from './alarms.js';
import { addDays, isCalendarDate } from './dates.js';
import { findProperty, firstValue, isRecurrenceOverride, type JcalComponent, parseJcal, uidOf } from './jcal.js';
import {
  type Component,
  type EventStatus,
  FIELD_LABELS,
  type FieldChange,
  type ManagedFields,
  type ParsedObject,
  TASK_FIELD_LABELS,
  type TaskStatus,
} from './model.js';

const ITEM_KINDS = ['vevent', 'vtodo', 'vjournal'] as const;
const SECONDS_PER_DAY = 86_400;

function unreadable(): ParsedObject {
  return { uid: null, fields: undefined, component: undefined, sequence: 0, projectId: null };
}

/** VCALENDAR children, or the component itself when the text is a bare VEVENT/VTODO/VJOURNAL. */
function itemsOf(roots: JcalComponent[]): JcalComponent[] {
  return roots.flatMap((root) => (root[0] === 'vcalendar' ? root[2] : [root]));
}

/** The first VEVENT, else the first VTODO, else the first VJOURNAL. */
function firstItem(items: JcalComponent[]): JcalComponent | undefined {
  for (const kind of ITEM_KINDS) {
    const item = items.find((component) => component[0] === kind);
    if (item !== undefined) return item;
  }
  return undefined;
}

/** Among the VEVENTs (or VTODOs) sharing `uid`, the master (no RECURRENCE-ID): that is the one merge updates. */
export function masterEvent(
  items: JcalComponent[],
  uid: string | undefined,
  component: Component = 'vevent',
): JcalComponent | undefined {
  const events = items.filter((item) => item[0] === component && uidOf(item) === uid);
  return events.find((event) => !isRecurrenceOverride(event)) ?? events[0];
}

/** SEQUENCE as a non-negative integer; 0 when absent or garbage. */
export function sequenceOf(component: JcalComponent): number {
  const value = Number(findProperty(component, 'sequence')?.[3]);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * The uid, managed fields and SEQUENCE of a stored calendar object. Never throws: foreign objects
 * can hold anything, and unreadable text gives `{ uid: null, fields: undefined, sequence: 0 }`.
 */
export function parseCalendarObject(data: string): ParsedObject {
  const roots = parseJcal(data);
  if (roots === null) return unreadable();
  const items = itemsOf(roots);
  const item = firstItem(items);
  if (item === undefined) return unreadable();
  const uid = uidOf(item) ?? null;
  const component = item[0] === 'vevent' || item[0] === 'vtodo' ? item[0] : undefined;
  const master = component === undefined ? undefined : masterEvent(items, uidOf(item), component);
  const source = master ?? item;
  const projectId = firstValue(source, 'x-calplanebot-project-id')?.trim().toLowerCase() || null;
  const fields = master === undefined ? undefined : component === 'vtodo' ? readTaskFields(master) : readFields(master);
  return { uid, fields, component, sequence: sequenceOf(source), projectId };
}

function readFields(event: JcalComponent): ManagedFields {
  const start = readStart(event);
  const end = readDate(event, 'dtend');
  return {
    ...commonFields(event),
    start: start === undefined ? '' : start.value,
    end: end === undefined ? readEnd(event, start) : end.value,
    ...timeZoneOf(start, end),
    status: readStatus(event),
  };
}

/** A VTODO: DTSTART and DUE as stored (either may be absent), the status as it is, and the task properties. */
function readTaskFields(task: JcalComponent): ManagedFields {
  const start = readStart(task);
  const due = readDate(task, 'due');
  const completed = firstValue(task, 'completed');
  const percent = Number(firstValue(task, 'percent-complete'));
  const priority = Number(firstValue(task, 'priority'));
  return {
    ...commonFields(task),
    start: start?.value ?? '',
    end: due?.value ?? '',
    ...timeZoneOf(due, start),
    status: (firstValue(task, 'status')?.trim().toUpperCase() || 'NEEDS-ACTION') as TaskStatus,
    ...(completed === undefined ? {} : { completed: completed.replace(/[-:]/g, '') }),
    ...(Number.isInteger(percent) && firstValue(task, 'percent-complete') !== undefined
      ? { percentComplete: percent }
      : {}),
    ...(Number.isInteger(priority) && priority > 0 ? { priority } : {}),
  };
}

function commonFields(component: JcalComponent): Omit<ManagedFields, 'start' | 'end' | 'status'> {
  return {
    summary: firstValue(component, 'summary') ?? '',
    description: firstValue(component, 'description') ?? '',
    categories: readCategories(component),
    url: firstValue(component, 'url') ?? '',
    color: firstValue(component, 'color') ?? null,
    ...managedAlarmsOf(component),
    ...basisOf(component),
  };
}

/** X-CALPLANEBOT-BASE, as written (a calendar with `writeBack`). */
function basisOf(component: JcalComponent): { base?: string } {
  const base = firstValue(component, 'x-calplanebot-base');
  return base === undefined ? {} : { base };
}

/** The TZID of the first of the dates that has one. */
function timeZoneOf(...dates: (StoredStart | undefined)[]): { timeZone?: string } {
  const zone = dates.find((date) => date?.timeZone !== undefined)?.timeZone;
  return zone === undefined ? {} : { timeZone: zone };
}

/** The triggers of the VALARMs calplanebot manages in the event (render.ts managedAlarm), when there are any. */
function managedAlarmsOf(event: JcalComponent): { alarms?: string[] } {
  const uid = uidOf(event);
  const alarms = event[2].flatMap((component) => {
    const trigger = uid === undefined ? undefined : managedAlarmTrigger(component, uid);
    return trigger === undefined ? [] : [trigger];
  });
  return alarms.length > 0 ? { alarms } : {};
}

/**
 * The configured trigger of a VALARM calplanebot wrote into the event `eventUid`: by its
 * X-CALPLANEBOT-ALARM property, or (for an app that drops unknown properties but keeps the RFC 9074
 * UID) by its UID; undefined for any other component, such as an alarm a person added.
 */
export function managedAlarmTrigger(component: JcalComponent, eventUid: string): string | undefined {
  if (component[0] !== 'valarm') return undefined;
  const marked = firstValue(component, 'x-calplanebot-alarm');
  if (marked !== undefined) return marked;
  const uid = uidOf(component);
  const prefix = alarmUidPrefix(eventUid);
  return uid?.startsWith(prefix) ? uid.slice(prefix.length) : undefined;
}

interface StoredStart {
  /** "YYYY-MM-DD" as written, also for a DATE-TIME. */
  date: string;
  /** The date, or a DATE-TIME as "YYYY-MM-DDTHH:MM:SS" (with "Z" when in UTC). */
  value: string;
  /** The TZID of a DATE-TIME. */
  timeZone?: string | undefined;
  isDate: boolean;
  /** Seconds since midnight for a DATE-TIME, 0 for a DATE. */
  secondsOfDay: number;
}

// ical.js decodes DATE as "2024-01-15", DATE-TIME as "2024-01-15T10:00:00[Z]"; a date written
// without VALUE=DATE (invalid but common) comes out of its DATE-TIME decoder as "2024-01-15T::".
const DECODED_DATE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}):(\d{2})|T::)?/;

function readDate(event: JcalComponent, name: string): StoredStart | undefined {
  const property = findProperty(event, name);
  const value = firstValue(event, name);
  const match = value === undefined ? null : DECODED_DATE.exec(value);
  if (match === null || match[1] === undefined) return undefined;
  const isDate = match[2] === undefined;
  const secondsOfDay = isDate ? 0 : Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  if (isDate) return { date: match[1], value: match[1], isDate, secondsOfDay };
  const tzid = property?.[1].tzid;
  // Radicale (vobject) writes a time in a zone without offset as TZID=UTC:…Z: the TZID says it all.
  const utc = /Z$/i.test(value ?? '') && typeof tzid !== 'string' ? 'Z' : '';
  return {
    date: match[1],
    value: `${match[1]}T${match[2]}:${match[3]}:${match[4]}${utc}`,
    isDate,
    secondsOfDay,
    timeZone: typeof tzid === 'string' ? tzid : undefined,
  };
}

function readStart(event: JcalComponent): StoredStart | undefined {
  return readDate(event, 'dtstart');
}

/** Without DTEND: DTSTART + DURATION's date; else RFC 5545's default (a day for a DATE, none for a DATE-TIME). */
function readEnd(event: JcalComponent, start: StoredStart | undefined): string {
  if (start === undefined || !isCalendarDate(start.date)) return '';
  const duration = firstValue(event, 'duration');
  if (duration !== undefined) return addDuration(start, duration);
  return start.isDate ? addDays(start.date, 1) : start.date;
}

function addDuration(start: StoredStart, duration: string): string {
  let seconds: number;
  try {
    seconds = ICAL.Duration.fromString(duration).toSeconds();
  } catch {
    return '';
  }
  if (!Number.isFinite(seconds)) return '';
  return addDays(start.date, Math.floor((start.secondsOfDay + seconds) / SECONDS_PER_DAY));
}

/**
 * Only CANCELLED is kept as such; CONFIRMED, TENTATIVE, anything else and no STATUS at all read as
 * CONFIRMED. What we mirror is "done or not" (struck through or not): a STATUS a user removed or
 * set to TENTATIVE on an open issue is not worth a rewrite by itself, while a done/not-done
 * mismatch is always seen. Any update for another reason writes our STATUS back (merge).
 */
function readStatus(event: JcalComponent): EventStatus {
  return firstValue(event, 'status')?.trim().toUpperCase() === 'CANCELLED' ? 'CANCELLED' : 'CONFIRMED';
}

/** Every value of every CATEGORIES property, in order; empty values skipped (we never write them). */
function readCategories(event: JcalComponent): string[] {
  return event[1]
    .filter((property) => property[0] === 'categories')
    .flatMap((property) => property.slice(3))
    .filter((value): value is string => typeof value === 'string' && value !== '');
}

// ---------------------------------------------------------------------------------------------
// Field comparison

/** Line breaks as LF, no trailing blanks: what any server's re-serialization can change. */
function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trimEnd();
}

function sameCategories(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

function sameColor(a: string | null, b: string | null): boolean {
  return (a?.trim().toLowerCase() ?? null) === (b?.trim().toLowerCase() ?? null);
}

/**
 * A stored date against a desired one: when the desired value is a date, the stored value's date
 * (an all-day item someone made timed keeps its time while its day is right, as it always has).
 */
function sameDate(stored: string, desired: string): boolean {
  return desired.length === 10 ? stored.slice(0, 10) === desired : stored === desired;
}

function sameField(key: keyof ManagedFields, a: ManagedFields, b: ManagedFields): boolean {
  switch (key) {
    case 'start':
    case 'end':
      return sameDate(a[key], b[key]);
    case 'timeZone':
      return b.timeZone === undefined || a.timeZone === b.timeZone;
    case 'summary':
    case 'description':
      return normalizeText(a[key]) === normalizeText(b[key]);
    case 'categories':
      return sameCategories(a.categories, b.categories);
    case 'color':
      return sameColor(a.color, b.color);
    case 'alarms':
      return sameCategories([...(a.alarms ?? [])].sort(), [...(b.alarms ?? [])].sort());
    default:
      return a[key] === b[key];
  }
}

/** Characters of a description shown on each side of a change. */
export const DESCRIPTION_EXCERPT_LENGTH = 60;
const EXCERPT_CONTEXT = 20;

/** `text` from index `from`: at most DESCRIPTION_EXCERPT_LENGTH chars, on one line, "…" where cut. */
function excerpt(text: string, from: number): string {
  let start = Math.max(0, from);
  // Never start or end between the halves of a surrogate pair.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start] ?? '')) start -= 1;
  let end = Math.min(text.length, start + DESCRIPTION_EXCERPT_LENGTH);
  if (end < text.length && /[\uDC00-\uDFFF]/.test(text[end] ?? '')) end += 1;
  const body = text.slice(start, end).replace(/\n/g, '\\n');
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}

/** Excerpts of both descriptions around their first difference, so the report shows what changed. */
function describeDescriptionChange(from: string | undefined, to: string): [string | null, string] {
  const target = normalizeText(to);
  if (from === undefined) return [null, excerpt(target, 0)];
  const source = normalizeText(from);
  let common = 0;
  while (common < source.length && common < target.length && source[common] === target[common]) common += 1;
  const start = Math.max(0, common - EXCERPT_CONTEXT);
  return [excerpt(source, start), excerpt(target, start)];
}

function displayValue(key: keyof ManagedFields, fields: ManagedFields): string | null {
  const value = fields[key];
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') return String(value);
  return value ?? null;
}

/** Optional fields a calendar may never use: a change of one that neither side has says nothing. */
function isUnused(key: keyof ManagedFields, from: ManagedFields | undefined, to: ManagedFields): boolean {
  const empty = (fields: ManagedFields | undefined) => {
    const value = fields?.[key];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  };
  return OPTIONAL_FIELDS.has(key) && empty(from) && empty(to);
}

const OPTIONAL_FIELDS = new Set<keyof ManagedFields>([
  'alarms',
  'timeZone',
  'completed',
  'percentComplete',
  'priority',
  'base',
]);

/**
 * What differs between the stored fields (`from`, undefined when the object had none readable)
 * and the desired ones, in FIELD_LABELS order; empty when the stored event is up to date.
 * Descriptions are reported as excerpts around the first difference (long texts would drown the
 * report); categories as comma-separated lists.
 */
export function fieldChanges(
  from: ManagedFields | undefined,
  to: ManagedFields,
  component: Component = 'vevent',
): FieldChange[] {
  const changes: FieldChange[] = [];
  const labelOf = (key: keyof ManagedFields) =>
    (component === 'vtodo' ? TASK_FIELD_LABELS[key] : undefined) ?? FIELD_LABELS[key];
  for (const key of Object.keys(FIELD_LABELS) as (keyof ManagedFields)[]) {
    if (from !== undefined && sameField(key, from, to)) continue;
    // Alarms, times and task properties are only fields of calendars that use them.
    if (isUnused(key, from, to)) continue;
    if (key === 'description') {
      const [before, after] = describeDescriptionChange(from?.description, to.description);
      changes.push({ field: labelOf(key), from: before, to: after });
    } else {
      const stored = from === undefined ? null : displayValue(key, from);
      const shown =
        (key === 'start' || key === 'end') && to[key].length === 10 ? (stored?.slice(0, 10) ?? null) : stored;
      changes.push({ field: labelOf(key), from: shown, to: displayValue(key, to) });
    }
  }
  return changes;
}
