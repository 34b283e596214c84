/**
 * Updates a stored event in place: calplanebot's properties are replaced, everything a calendar
 * app or the user added (alarms, LOCATION, ATTENDEE, TRANSP, X-APPLE-*, VTIMEZONE, …) is kept.
 */
import { firstValue, type JcalComponent, type JcalProperty, parseJcal, serializeJcal, uidOf } from './jcal.js';
import type { Component, EventModel } from './model.js';
import { managedAlarmTrigger, masterEvent, sequenceOf } from './parse.js';
import { renderEvent } from './render.js';

/**
 * Properties merge always takes from the desired event, besides whatever renderEvent writes but
 * the create-only ones (so a property render stops writing is still cleared). The recurrence ones go too: the mirror of an
 * issue is a single dated event, and its overrides are dropped, so a rule would repeat a deadline.
 */
const REPLACED_PROPERTIES = new Set([
  'uid',
  'summary',
  'description',
  'dtstart',
  'dtend',
  'duration',
  'status',
  'categories',
  'url',
  'color',
  'dtstamp',
  'sequence',
  'last-modified',
  'rrule',
  'rdate',
  'exdate',
  'exrule',
  'recurrence-id',
  // An all-day event that became timed (`times: "timed"`) loses ical-generator's all-day markers.
  'x-microsoft-cdo-alldayevent',
  'x-microsoft-msncalendar-alldayevent',
]);

/** A task's own properties, ours in a VTODO (an event keeps a PRIORITY someone gave it). */
const TASK_PROPERTIES = new Set(['due', 'completed', 'percent-complete', 'priority']);

/**
 * Written on create, then the user's: TRANSP (a deadline does not block free/busy by default, but
 * someone who marks one busy in their app keeps that, like an alarm). An update keeps the stored
 * value, or its absence (which means OPAQUE).
 */
const CREATE_ONLY_PROPERTIES = new Set(['transp']);

/**
 * Calendar-level properties that become ours; others (X-WR-CALNAME, …) stay. METHOD goes: a
 * stored calendar object must not have one (RFC 4791 §4.1), and strict servers refuse the PUT.
 */
const CALENDAR_PROPERTIES = new Set(['version', 'prodid', 'calscale', 'method']);

function isReplaced(name: string, desiredNames: ReadonlySet<string>, task: boolean): boolean {
  return (
    REPLACED_PROPERTIES.has(name) ||
    desiredNames.has(name) ||
    name.startsWith('x-calplanebot-') ||
    (task && TASK_PROPERTIES.has(name))
  );
}

/** A UTC DATE-TIME as ical.js decodes it ("2025-12-21T08:05:00Z"), comparable as a string. */
function utcDateTime(property: JcalProperty | undefined): string | undefined {
  const value = property?.[3];
  const isUtc = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value);
  return isUtc ? value : undefined;
}

/**
 * LAST-MODIFIED is the updated_at, but never earlier than what is stored: a client that
 * edited the event after that moment must not see time run backwards.
 */
function lastModified(stored: JcalProperty[], desired: JcalProperty): JcalProperty {
  const storedValue = utcDateTime(stored.find((property) => property[0] === 'last-modified'));
  const desiredValue = utcDateTime(desired);
  if (storedValue === undefined || desiredValue === undefined || storedValue <= desiredValue) return desired;
  return [desired[0], desired[1], desired[2], storedValue];
}

/** The desired properties first, in render order, then the stored ones merge keeps, in their order. */
function mergeProperties(stored: JcalProperty[], desired: JcalProperty[], task: boolean): JcalProperty[] {
  const desiredNames = new Set(desired.map((property) => property[0]));
  // A create-only property keeps its render position, with the stored value (so merging over our
  // own render gives the same bytes as a render).
  const ours = desired.flatMap((property) => {
    if (property[0] === 'last-modified') return [lastModified(stored, property)];
    if (CREATE_ONLY_PROPERTIES.has(property[0])) return stored.filter((kept) => kept[0] === property[0]);
    return [property];
  });
  return [...ours, ...stored.filter((property) => !isReplaced(property[0], desiredNames, task))];
}

/** The calendar, item and VTIMEZONEs renderEvent would write, as jCal (render output always parses). */
function desiredComponents(
  model: EventModel,
  sequence: number,
  kind: Component,
): { calendar: JcalComponent; event: JcalComponent; timezones: JcalComponent[] } {
  const [calendar] = parseJcal(renderEvent(model, { sequence })) ?? [];
  const event = calendar?.[2].find((component) => component[0] === kind);
  if (calendar === undefined || event === undefined) throw new Error(`renderEvent produced no ${kind.toUpperCase()}`);
  return { calendar, event, timezones: calendar[2].filter((component) => component[0] === 'vtimezone') };
}

/**
 * Overrides of our item are dropped, and so is a stored VTIMEZONE with the TZID of one we write
 * (ours, first, covers the item's years); every other component keeps its place.
 */
function mergeComponents(
  stored: JcalComponent[],
  uid: string,
  master: JcalComponent,
  merged: JcalComponent,
  timezones: JcalComponent[],
): JcalComponent[] {
  const zones = new Set(timezones.map((zone) => firstValue(zone, 'tzid')));
  const kept = stored
    .filter((component) => component === master || !(component[0] === master[0] && uidOf(component) === uid))
    .filter((component) => !(component[0] === 'vtimezone' && zones.has(firstValue(component, 'tzid'))))
    .map((component) => (component === master ? merged : component));
  return [...timezones, ...kept];
}

/**
 * `existing` updated to `model`: SEQUENCE = stored + 1, PRODID ours, CRLF, folded at 75 octets,
 * final CRLF. Same inputs → same bytes. When `existing` is unreadable or holds no VEVENT with
 * model.uid, the result is a fresh renderEvent(model).
 */
export function mergeEvent(existing: string, model: EventModel): string {
  const roots = parseJcal(existing);
  const calendar = roots?.length === 1 ? roots[0] : undefined;
  if (calendar === undefined || calendar[0] !== 'vcalendar') return renderEvent(model);
  const kind = model.component ?? 'vevent';
  const master = masterEvent(calendar[2], model.uid, kind);
  if (master === undefined) return renderEvent(model);

  const desired = desiredComponents(model, sequenceOf(master) + 1, kind);
  const event: JcalComponent = [
    kind,
    mergeProperties(master[1], desired.event[1], kind === 'vtodo'),
    // A master's own subcomponents are VALARMs: a person's are kept, ours are the desired ones.
    [...master[2].filter((component) => managedAlarmTrigger(component, model.uid) === undefined), ...desired.event[2]],
  ];
  const calendarProperties = calendar[1].filter((property) => !CALENDAR_PROPERTIES.has(property[0]));
  const merged: JcalComponent = [
    'vcalendar',
    [...desired.calendar[1], ...calendarProperties],
    mergeComponents(calendar[2], model.uid, master, event, desired.timezones),
  ];
  return serializeJcal(merged);
}
