/**
 * Time zones from the runtime's own tz database (Intl), so a timed item needs no zone library:
 * the date of an instant in a zone (cycles' datetimes), and the VTIMEZONE a TZID needs
 * (RFC 5545 §3.6.5), as the offsets and transitions of the years an item spans.
 */
import { CRLF } from './ics.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when the runtime knows `zone` as an IANA name. */
export function isTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `zone` at `ms` since the epoch, as "YYYY-MM-DDTHH:MM:SS". */
export function wallClockAt(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    formatterFor(zone)
      .formatToParts(new Date(ms))
      .map((part) => [part.type, part.value]),
  );
  const year = String(parts.year).padStart(4, '0');
  return `${year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Minutes east of UTC in `zone` at `ms`. */
export function offsetMinutesAt(ms: number, zone: string): number {
  const wall = wallClockAt(ms, zone);
  const asUtc = Date.UTC(
    Number(wall.slice(0, 4)),
    Number(wall.slice(5, 7)) - 1,
    Number(wall.slice(8, 10)),
    Number(wall.slice(11, 13)),
    Number(wall.slice(14, 16)),
    Number(wall.slice(17, 19)),
  );
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The calendar date of an ISO instant (with an offset, or UTC without one) in `zone`; null when unparseable. */
export function dateInZone(instant: string, zone: string): string | null {
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(instant) ? instant : `${instant}Z`;
  const ms = Date.parse(withZone.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : wallClockAt(ms, zone).slice(0, 10);
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/;

/**
 * A stored DATE-TIME ("YYYY-MM-DDTHH:MM:SS", "…Z" for UTC, else wall-clock in `valueZone`) as the
 * wall clock in `zone`: an app that saved a timed item in UTC or its own zone moved nothing. A
 * date, a floating time, or a zone the runtime does not know is returned as it is.
 */
export function wallClockIn(value: string, valueZone: string | undefined, zone: string): string {
  const match = LOCAL_TIME.exec(value);
  if (match === null || !isTimeZone(zone)) return value;
  const [year = 0, month = 1, day = 1, hours = 0, minutes = 0, seconds = 0] = match.slice(1, 7).map(Number);
  const asUtc = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  if (match[7] === 'Z') return wallClockAt(asUtc, zone);
  if (valueZone === undefined || valueZone === zone || !isTimeZone(valueZone)) return value;
  // The offset at the wall-clock reading, then again at the instant found (right but for the hour a clock skips).
  const first = asUtc - offsetMinutesAt(asUtc, valueZone) * 60_000;
  const instant = asUtc - offsetMinutesAt(first, valueZone) * 60_000;
  return wallClockAt(instant, zone);
}

interface Transition {
  /** The instant (ms) the offset changes. */
  at: number;
  from: number;
  to: number;
}

const HOUR = 3_600_000;
/** Zones change offset at most a few times a year, never twice within a day. */
const STEP = 24 * HOUR;

/** Offset changes within [start, end), found day by day and narrowed to the minute. */
function transitionsBetween(start: number, end: number, zone: string): Transition[] {
  const found: Transition[] = [];
  let before = offsetMinutesAt(start, zone);
  for (let at = start + STEP; at <= end; at += STEP) {
    const after = offsetMinutesAt(at, zone);
    if (after === before) continue;
    let low = at - STEP;
    let high = at;
    while (high - low > 60_000) {
      const middle = low + Math.floor((high - low) / 120_000) * 60_000;
      if (offsetMinutesAt(middle, zone) === before) low = middle;
      else high = middle;
    }
    found.push({ at: high, from: before, to: after });
    before = after;
  }
  return found;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function basicLocal(wall: string): string {
  return wall.replace(/[-:]/g, '');
}

const cache = new Map<string, string>();

/**
 * A VTIMEZONE for `zone` valid from the start of `fromYear` to the end of `toYear` (unfolded,
 * CRLF-terminated lines): the offset in force on 1 January, then one observance per transition.
 * Observances without RRULE are plain RFC 5545, and every client reads them.
 */
export function vtimezone(zone: string, fromYear: number, toYear: number): string {
  const key = `${zone}/${fromYear}/${toYear}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const start = Date.UTC(fromYear, 0, 1) - 14 * HOUR;
  const end = Date.UTC(toYear + 1, 0, 1) + 14 * HOUR;
  const initial = offsetMinutesAt(start, zone);
  const transitions = transitionsBetween(start, end, zone);
  const offsets = [initial, ...transitions.map((t) => t.to)];
  const standard = Math.min(...offsets);
  const observance = (kind: string, local: string, from: number, to: number): string[] => [
    `BEGIN:${kind}`,
    `DTSTART:${basicLocal(local)}`,
    `TZOFFSETFROM:${formatOffset(from)}`,
    `TZOFFSETTO:${formatOffset(to)}`,
    `END:${kind}`,
  ];
  const lines = [
    'BEGIN:VTIMEZONE',
    `TZID:${zone}`,
    ...observance(
      initial > standard ? 'DAYLIGHT' : 'STANDARD',
      `${String(fromYear).padStart(4, '0')}-01-01T00:00:00`,
      initial,
      initial,
    ),
    // An observance's DTSTART is the local time just before it, in the offset it ends (RFC 5545 §3.6.5).
    ...transitions.flatMap((t) =>
      observance(
        t.to > standard ? 'DAYLIGHT' : 'STANDARD',
        new Date(t.at + t.from * 60_000).toISOString().slice(0, 19),
        t.from,
        t.to,
      ),
    ),
    'END:VTIMEZONE',
  ];
  const text = lines.map((line) => `${line}${CRLF}`).join('');
  cache.set(key, text);
  return text;
}
