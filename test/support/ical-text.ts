/** Reading iCalendar text in end-to-end tests: unfolded properties, whole lines, components. */

export const unfold = (text: string): string => text.replace(/\r?\n[ \t]/g, '');

/** The value of the first `name` property (any parameters) of `data`, unfolded. */
export function property(data: string, name: string): string | undefined {
  return new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*?)\\r?$`, 'm').exec(unfold(data))?.[1];
}

/** Every `name` line of `data`, whole (name, parameters and value), unfolded. */
export function lines(data: string, name: string): string[] {
  return unfold(data)
    .split(/\r?\n/)
    .filter((line) => new RegExp(`^${name}[;:]`).test(line));
}

/** The `kind` components (VEVENT, VTODO, VALARM, VTIMEZONE) of `text`, each exactly as it stands. */
export function componentsOf(text: string, kind: string): string[] {
  return [...text.matchAll(new RegExp(`BEGIN:${kind}\\r?\\n[\\s\\S]*?END:${kind}\\r?\\n`, 'g'))].map((m) => m[0]);
}

/** YYYY-MM-DD as an iCalendar DATE (YYYYMMDD). */
export const basic = (date: string): string => date.replace(/-/g, '');

/** An event another calendar client made (no calplanebot UID), dated `date` (YYYYMMDD): calplanebot must leave it alone. */
export function foreignEvent(uid = 'someone-else', date = '20260410'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//someone//else//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART;VALUE=DATE:${date}`,
    'SUMMARY:Not from Plane',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
