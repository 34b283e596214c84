/**
 * The reminders calplanebot manages in an event: one VALARM per configured trigger, recognisable
 * by an X-CALPLANEBOT-ALARM property and an RFC 9074 UID derived from the event's, so a change of
 * `alarms` in the config updates or removes exactly these, and an alarm a person added is kept.
 */
import { CRLF, escapeText } from './ics.js';

/** The UIDs of an event's managed alarms start with this; the trigger follows. */
export function alarmUidPrefix(eventUid: string): string {
  return `${eventUid}#alarm`;
}

/**
 * The VALARM lines for `trigger`, unfolded, each ending in CRLF. `related: 'END'` for a task, whose
 * reminders count from DUE (RFC 5545 §3.8.6.3).
 */
export function alarmLines(eventUid: string, trigger: string, summary: string, related?: 'END'): string {
  return [
    'BEGIN:VALARM',
    `UID:${escapeText(`${alarmUidPrefix(eventUid)}${trigger}`)}`,
    `X-CALPLANEBOT-ALARM:${trigger}`,
    'ACTION:DISPLAY',
    `DESCRIPTION:${escapeText(summary)}`,
    related === undefined ? `TRIGGER:${trigger}` : `TRIGGER;RELATED=${related}:${trigger}`,
    'END:VALARM',
  ]
    .map((line) => `${line}${CRLF}`)
    .join('');
}
