/**
 * A calendar as one subscribable iCalendar file (RFC 5545 + RFC 7986): the objects `sync` would
 * put into the CalDAV calendar, under one VCALENDAR that says what it is and how often to refresh.
 * Pure: the same events give the same bytes (no clock, and a stable order), so an unchanged
 * workspace never rewrites the file and a web server's ETag stays as it was.
 */
import { CRLF, escapeText, foldLine } from '../event/ics.js';
import type { EventModel } from '../event/model.js';
import { hasTime, PRODUCT_ID, renderEvent } from '../event/render.js';
import { vtimezone } from '../event/timezone.js';

export interface FeedOptions {
  /** The calendar's display name (NAME, X-WR-CALNAME). */
  name: string;
  /** RFC 5545 duration, e.g. "PT1H": REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL (Outlook, Google). */
  refreshInterval: string;
}

export function renderFeed(events: readonly EventModel[], options: FeedOptions): string {
  const name = escapeText(options.name);
  const header = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODUCT_ID}`,
    'CALSCALE:GREGORIAN',
    // A published feed, not a scheduling message: clients subscribe, they do not reply.
    'METHOD:PUBLISH',
    `NAME:${name}`,
    `X-WR-CALNAME:${name}`,
    `REFRESH-INTERVAL;VALUE=DURATION:${options.refreshInterval}`,
    `X-PUBLISHED-TTL:${options.refreshInterval}`,
  ];
  const body = [...events].sort(byDateThenUid).map(componentOf).join('');
  return `${header.map(foldLine).join(CRLF)}${CRLF}${timezonesOf(events)}${body}END:VCALENDAR${CRLF}`;
}

/** Stable whatever order Plane listed the items in: by date, then UID. */
function byDateThenUid(a: EventModel, b: EventModel): number {
  return a.fields.start.localeCompare(b.fields.start) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
}

/** One VTIMEZONE per zone of the timed items, covering all their years (one TZID may appear once in a calendar). */
function timezonesOf(events: readonly EventModel[]): string {
  const years = new Map<string, number[]>();
  for (const { fields } of events) {
    if (fields.timeZone === undefined) continue;
    const timed = [fields.start, fields.end].filter(hasTime).map((value) => Number(value.slice(0, 4)));
    years.set(fields.timeZone, [...(years.get(fields.timeZone) ?? []), ...timed]);
  }
  return [...years]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([zone, list]) =>
      vtimezone(zone, Math.min(...list), Math.max(...list))
        .split(CRLF)
        .map(foldLine)
        .join(CRLF),
    )
    .join('');
}

/** The VEVENT (or VTODO) of the object `sync` writes for the item (already folded, CRLF-terminated); its VTIMEZONE is the feed's. */
function componentOf(event: EventModel): string {
  const object = renderEvent(event);
  const name = event.component === 'vtodo' ? 'VTODO' : 'VEVENT';
  const begin = object.indexOf(`BEGIN:${name}`);
  const end = object.lastIndexOf(`END:${name}${CRLF}`);
  return object.slice(begin, end + `END:${name}${CRLF}`.length);
}
