/**
 * EventModel → a complete iCalendar object (one VCALENDAR, one VEVENT or VTODO). An all-day event
 * is built with ical-generator (the bytes every calendar has held since the first release); a task
 * or a timed event, which ical-generator cannot write without the process time zone leaking in, is
 * written here in the same property order.
 */
import ical, { ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import { alarmLines } from './alarms.js';
import { CRLF, escapeText, foldLine } from './ics.js';
import type { EventModel } from './model.js';
import { vtimezone } from './timezone.js';

export const PRODUCT_ID = '-//calplanebot//calplanebot//EN';
export const ISSUE_ID_PROPERTY = 'X-CALPLANEBOT-ISSUE-ID';
export const PROJECT_ID_PROPERTY = 'X-CALPLANEBOT-PROJECT-ID';
/** The write-back basis (event/basis.ts), only in objects of a calendar with `writeBack`. */
export const BASE_PROPERTY = 'X-CALPLANEBOT-BASE';

/** The property naming what the object mirrors: the work item, or the cycle or module. */
function sourceProperty(model: EventModel): string {
  return model.source === undefined ? ISSUE_ID_PROPERTY : `X-CALPLANEBOT-${model.source.toUpperCase()}-ID`;
}

export interface RenderOptions {
  /** SEQUENCE; 0 for a new event. */
  sequence?: number;
}

/** What ical-generator's calendar.toString() writes before the first event, for this calendar. */
const CALENDAR_HEADER = `BEGIN:VCALENDAR${CRLF}VERSION:2.0${CRLF}PRODID:${PRODUCT_ID}${CRLF}CALSCALE:GREGORIAN${CRLF}`;

const STATUS: Partial<Record<EventModel['fields']['status'], ICalEventStatus>> = {
  CONFIRMED: ICalEventStatus.CONFIRMED,
  CANCELLED: ICalEventStatus.CANCELLED,
};

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** "YYYYMMDDTHHMMSSZ" → ISO "YYYY-MM-DDTHH:MM:SSZ", the form ical-generator reads as UTC. */
function stampToIso(stamp: string): string {
  const match = STAMP.exec(stamp);
  if (match === null) throw new RangeError(`EventModel.stamp is not YYYYMMDDTHHMMSSZ: ${JSON.stringify(stamp)}`);
  const [, year, month, day, hours, minutes, seconds] = match;
  return `${year}-${month}-${day}T${hours}:${minutes}:${seconds}Z`;
}

/**
 * CATEGORIES values, grouped so that a value ending in a backslash is the last of its property:
 * ical.js (our reader) takes the comma after an escaped backslash, as in CATEGORIES:a\\,b (labels
 * "a\" and "b"), for an escaped comma and would read one label "a\,b".
 */
function categoryGroups(categories: string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  for (const name of categories) {
    current.push(name);
    if (name.endsWith('\\')) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Lines written here rather than by ical-generator, added before END:VEVENT:
 * - CATEGORIES: ical-generator writes one property; see categoryGroups for why we may need more;
 * - URL: ical-generator TEXT-escapes it (a "," would become "\,"), but a URI is never escaped;
 * - COLOR (RFC 7986): ical-generator's x() only takes X- names.
 */
function extraLines(model: EventModel): string {
  let lines = '';
  for (const group of categoryGroups(model.fields.categories)) {
    lines += `CATEGORIES:${group.map(escapeText).join(',')}${CRLF}`;
  }
  lines += `URL:${model.fields.url.replace(/[\u0000-\u001F\u007F]/g, '')}${CRLF}`;
  if (model.fields.color !== null) lines += `COLOR:${escapeText(model.fields.color)}${CRLF}`;
  const related = model.component === 'vtodo' ? 'END' : undefined;
  for (const trigger of model.fields.alarms ?? [])
    lines += alarmLines(model.uid, trigger, model.fields.summary, related);
  return lines;
}

/** True for a wall-clock "YYYY-MM-DDTHH:MM:SS" (a timed item), false for a date. */
export function hasTime(value: string): boolean {
  return value.length > 10;
}

/** A DTSTART/DTEND/DUE line: a DATE, or a local DATE-TIME with its TZID. */
function dateLine(name: string, value: string, timeZone: string | undefined): string {
  const basic = value.replace(/[-:]/g, '');
  if (!hasTime(value)) return `${name};VALUE=DATE:${basic}`;
  return timeZone === undefined ? `${name}:${basic}` : `${name};TZID=${timeZone}:${basic}`;
}

/** The VTIMEZONE a timed item's TZID refers to, covering the years of its dates. */
function timezoneBlock(model: EventModel): string {
  const { start, end, timeZone } = model.fields;
  const timed = [start, end].filter(hasTime);
  if (timeZone === undefined || timed.length === 0) return '';
  const years = timed.map((value) => Number(value.slice(0, 4)));
  return vtimezone(timeZone, Math.min(...years), Math.max(...years));
}

/** A task, or a timed event: the component written line by line, in renderEvent's property order. */
function renderWritten(model: EventModel, sequence: number): string {
  const { fields } = model;
  const task = model.component === 'vtodo';
  const name = task ? 'VTODO' : 'VEVENT';
  const lines = [`BEGIN:${name}`, `UID:${escapeText(model.uid)}`, `SEQUENCE:${sequence}`, `DTSTAMP:${model.stamp}`];
  if (fields.start !== '') lines.push(dateLine('DTSTART', fields.start, fields.timeZone));
  if (fields.end !== '') lines.push(dateLine(task ? 'DUE' : 'DTEND', fields.end, fields.timeZone));
  lines.push(`SUMMARY:${escapeText(fields.summary)}`);
  if (!task) lines.push('TRANSP:TRANSPARENT');
  lines.push(`DESCRIPTION:${escapeText(fields.description)}`, `STATUS:${fields.status}`);
  if (fields.completed !== undefined) lines.push(`COMPLETED:${fields.completed}`);
  if (fields.percentComplete !== undefined) lines.push(`PERCENT-COMPLETE:${fields.percentComplete}`);
  if (fields.priority !== undefined) lines.push(`PRIORITY:${fields.priority}`);
  lines.push(
    `${sourceProperty(model)}:${escapeText(model.issueId)}`,
    `${PROJECT_ID_PROPERTY}:${escapeText(model.projectId)}`,
  );
  if (fields.base !== undefined) lines.push(`${BASE_PROPERTY}:${escapeText(fields.base)}`);
  lines.push(`LAST-MODIFIED:${model.stamp}`);
  const body = `${lines.join(CRLF)}${CRLF}${extraLines(model)}END:${name}${CRLF}`;
  return `${CALENDAR_HEADER}${timezoneBlock(model)}${body}END:VCALENDAR`;
}

/**
 * The full object for a new event: CRLF line endings, lines folded at 75 octets, a final CRLF.
 * Same model and options → same bytes (DTSTAMP and LAST-MODIFIED come from model.stamp, not the clock).
 *
 * ical-generator also writes X-MICROSOFT-CDO-ALLDAYEVENT and X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT
 * for all-day events. They are kept: harmless to every CalDAV server and client we know, and
 * Outlook-family importers use them to show the event as all-day.
 */
export function renderEvent(model: EventModel, options: RenderOptions = {}): string {
  const { fields } = model;
  if (model.component === 'vtodo' || hasTime(fields.start)) return fold(renderWritten(model, options.sequence ?? 0));
  const stamp = stampToIso(model.stamp);
  // No calendar timezone on purpose: with one, ical-generator shifts all-day dates (reference §3).
  const calendar = ical({
    prodId: { company: 'calplanebot', product: 'calplanebot', language: 'EN' },
    scale: 'gregorian',
  });
  const event = calendar.createEvent({
    id: model.uid,
    sequence: options.sequence ?? 0,
    stamp,
    lastModified: stamp,
    // 'YYYY-MM-DD' strings are read as UTC midnight and written from UTC fields: no TZ dependence.
    start: fields.start,
    end: fields.end,
    allDay: true,
    summary: fields.summary,
    description: fields.description,
    status: STATUS[fields.status] ?? ICalEventStatus.CONFIRMED,
    // A deadline is not a meeting: it must not make anyone look busy in free/busy lookups.
    transparency: ICalEventTransparency.TRANSPARENT,
  });
  event.x([
    [sourceProperty(model), model.issueId],
    [PROJECT_ID_PROPERTY, model.projectId],
    ...(fields.base === undefined ? [] : [[BASE_PROPERTY, fields.base] as [string, string]]),
  ]);
  // event.toString() is the unfolded VEVENT; calendar.toString() would fold it with a TextEncoder per
  // character (about 1 ms per event, 10 s per 10,000), so the header is ours and so is the folding.
  const vevent = event.toString();
  const endOfEvent = vevent.lastIndexOf('END:VEVENT');
  const body = `${vevent.slice(0, endOfEvent)}${extraLines(model)}END:VEVENT${CRLF}`;
  return fold(`${CALENDAR_HEADER}${body}END:VCALENDAR`);
}

/** Lines folded at 75 octets, CRLF after each, the last included. */
function fold(unfolded: string): string {
  return unfolded.split(CRLF).map(foldLine).join(CRLF) + CRLF;
}
