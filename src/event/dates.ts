/**
 * Calendar-date arithmetic on "YYYY-MM-DD" strings with plain integers: no Date object, so the
 * result cannot depend on the process time zone.
 */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The date, when `text` is exactly a real calendar date "YYYY-MM-DD" (year 0001–9999). */
export function parseCalendarDate(text: string): CivilDate | null {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isCalendarDate(text: string): boolean {
  return parseCalendarDate(text) !== null;
}

// Newer Plane builds give a work item a time: "YYYY-MM-DDTHH:MM", wall-clock in the project's zone, no offset.
const PLANE_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?$/;

/**
 * The calendar date of a Plane `start_date`/`target_date`: the value itself when it is a date,
 * the date part of a date with a wall-clock time; null for anything else.
 */
export function planeDateOf(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = PLANE_DATE_TIME.exec(value)?.[1] ?? value;
  return isCalendarDate(date) ? date : null;
}

export function formatCalendarDate({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const leapDays = Math.floor(dayOfEra / 1460) - Math.floor(dayOfEra / 36524) + Math.floor(dayOfEra / 146096);
  const yearOfEra = Math.floor((dayOfEra - leapDays) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** `date` + `days` (may be negative). Throws on a string that is not a calendar date: validate first. */
export function addDays(date: string, days: number): string {
  const civil = parseCalendarDate(date);
  if (civil === null) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  return formatCalendarDate(civilFromDays(daysFromCivil(civil) + days));
}

/**
 * The wall-clock time of a Plane value with a time, as "YYYY-MM-DDTHH:MM:SS" (seconds default to
 * 00, fractions dropped); null for a plain date or anything else.
 */
export function planeDateTimeOf(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const match = PLANE_DATE_TIME.exec(value);
  if (!match?.[1] || !isCalendarDate(match[1])) return null;
  const [hours, minutes, seconds = '00'] = value.slice(11).split(/[:.]/);
  return `${match[1]}T${hours}:${minutes}:${seconds}`;
}

/** RFC 5545 DURATION (weeks, or days and/or a time part, with an optional sign). */
const DURATION = /^([+-])?P(?:(\d+)W|(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$/;

/** The seconds of an RFC 5545 duration ("-PT15H" → -54000); null when it is none (or just "P"). */
export function durationSeconds(text: string): number | null {
  const match = DURATION.exec(text);
  if (match === null || /^[+-]?PT?$/.test(text)) return null;
  const [, sign, weeks = '0', days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  const total =
    ((Number(weeks) * 7 + Number(days)) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds);
  return sign === '-' ? -total : total;
}

/** A wall-clock time "YYYY-MM-DDTHH:MM:SS" plus `seconds`, as clock arithmetic (no zone, no DST). */
export function addSecondsToWallClock(local: string, seconds: number): string {
  const [hours = 0, minutes = 0, secs = 0] = local.slice(11).split(':').map(Number);
  const total = hours * 3600 + minutes * 60 + secs + seconds;
  const days = Math.floor(total / 86_400);
  const rest = total - days * 86_400;
  const time = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return `${addDays(local.slice(0, 10), days)}T${time}`;
}
