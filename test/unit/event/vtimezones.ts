/** VTIMEZONEs as renderEvent()/vtimezone() write them for 2026, line by line (no CRLF). */

/** Europe/Berlin on 1 January 2026: CET. */
export const BERLIN_2026_JANUARY = [
  'BEGIN:STANDARD',
  'DTSTART:20260101T000000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
];
/** Europe/Berlin from the last Sunday of March 2026: CEST. */
export const BERLIN_2026_MARCH = [
  'BEGIN:DAYLIGHT',
  'DTSTART:20260329T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
];
/** Europe/Berlin from the last Sunday of October 2026: CET again. */
export const BERLIN_2026_OCTOBER = [
  'BEGIN:STANDARD',
  'DTSTART:20261025T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
];

/** The VTIMEZONE of Europe/Berlin for 2026: the offset on 1 January, then the two transitions of the year. */
export const BERLIN_2026 = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  ...BERLIN_2026_JANUARY,
  ...BERLIN_2026_MARCH,
  ...BERLIN_2026_OCTOBER,
  'END:VTIMEZONE',
];

/** The VTIMEZONE of UTC for 2026: one STANDARD observance at +0000. */
export const UTC_2026 = [
  'BEGIN:VTIMEZONE',
  'TZID:UTC',
  'BEGIN:STANDARD',
  'DTSTART:20260101T000000',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0000',
  'END:STANDARD',
  'END:VTIMEZONE',
];
