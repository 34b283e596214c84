/**
 * A calendar as one subscribable iCalendar file (RFC 5545 + RFC 7986): the objects `sync` would
 * put into the CalDAV calendar, under one VCALENDAR that says what it is and how often to refresh.
 * Pure: the same events give the same bytes (no clock, and a stable order), so an unchanged
 * workspace never rewrites the file and a web server's ETag stays as it was.
 */
import { CRLF, escapeText, foldLine } from '../event/ics.js';
import type { EventModel } from '../event/model.js';
import { PRODUCT_ID, renderEvent } from '../event/render.js';

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
  return `${header.map(foldLine).join(CRLF)}${CRLF}${body}END:VCALENDAR${CRLF}`;
}

/** Stable whatever order Plane listed the items in: by date, then UID. */
function byDateThenUid(a: EventModel, b: EventModel): number {
  return a.fields.start.localeCompare(b.fields.start) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
}

/** The VEVENT of the object `sync` writes for the event (already folded, CRLF-terminated). */
function componentOf(event: EventModel): string {
  const object = renderEvent(event);
  const begin = object.indexOf('BEGIN:VEVENT');
  const end = object.lastIndexOf(`END:VEVENT${CRLF}`);
  return object.slice(begin, end + `END:VEVENT${CRLF}`.length);
}
