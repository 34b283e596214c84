/** Calendar objects as servers and clients store them, for parse and merge tests. */
import { ISSUE_ID, PROJECT_ID, UID } from './fixtures.js';
import { BERLIN_2026_JANUARY, BERLIN_2026_MARCH, BERLIN_2026_OCTOBER, UTC_2026 } from './vtimezones.js';

/** The issue the Radicale fixture was rendered from (see RADICALE_REWRITTEN). */
export const RADICALE_ISSUE = {
  name: 'Implement user authentication; with, commas \\ and ünïcödé 😀 that is long enough to be folded somewhere',
  description_html: '<p>Add login &amp; registration</p><ul><li>one</li><li>two</li></ul>',
  labels: [
    { id: 'label-1', name: 'backend', color: '#ff0000' },
    { id: 'label-2', name: 'a,b;c', color: '#00ff00' },
  ],
};

/**
 * renderEvent() of RADICALE_ISSUE after Radicale 3.1.8 stored it: re-serialized by python-vobject
 * (`vobject.readOne(data).serialize()`, captured on this machine), so properties are sorted and
 * folded differently (mid-word, after a multi-byte character).
 */
export const RADICALE_REWRITTEN = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'CALSCALE:GREGORIAN',
  'PRODID:-//calplanebot//calplanebot//EN',
  'BEGIN:VEVENT',
  `UID:${UID}`,
  'DTSTART;VALUE=DATE:20251227',
  'DTEND;VALUE=DATE:20251228',
  'CATEGORIES:backend,a\\,b\\;c',
  'COLOR:darkorange',
  'DESCRIPTION:Add login & registration\\n\\n- one\\n- two\\n---\\nPriority: high\\n',
  ' State: In Progress\\nAssignees: John Doe\\nLabels: backend\\, a\\,b\\;c\\nProjec',
  ' t: Web Application',
  'DTSTAMP:20251220T103000Z',
  'LAST-MODIFIED:20251220T103000Z',
  'SEQUENCE:0',
  'STATUS:CONFIRMED',
  'SUMMARY:[42] Implement user authentication\\; with\\, commas \\\\ and ünïcöd',
  ' é 😀 that is long enough to be folded somewhere',
  'URL:https://app.plane.so/acme/projects/0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  ' /issues/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  `X-CALPLANEBOT-ISSUE-ID:${ISSUE_ID}`,
  `X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`,
  'X-MICROSOFT-CDO-ALLDAYEVENT:TRUE',
  'X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT:TRUE',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/**
 * Our event after Apple Calendar and Thunderbird touched it: an alarm, a location, app-private
 * properties, a VTIMEZONE, an older SEQUENCE; old managed values (an earlier target date).
 */
export const CLIENT_EDITED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Apple Inc.//macOS 14.5//EN',
  'CALSCALE:GREGORIAN',
  'X-WR-CALNAME:Plane: Web Application',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'DTSTART:19810329T020000',
  'TZNAME:CEST',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'DTSTART:19961027T030000',
  'TZNAME:CET',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'CREATED:20251221T080000Z',
  `UID:${UID}`,
  'DTEND;VALUE=DATE:20251225',
  'TRANSP:TRANSPARENT',
  'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC',
  'SUMMARY:[42] Old title',
  'LAST-MODIFIED:20251221T080500Z',
  'DTSTAMP:20251221T080500Z',
  'DTSTART;VALUE=DATE:20251224',
  'LOCATION:Room 4\\, second floor',
  'X-MOZ-GENERATION:3',
  'X-MOZ-LASTACK:20251221T080600Z',
  'CLASS:PUBLIC',
  'ATTENDEE;CN="Ada Lovelace";PARTSTAT=ACCEPTED:mailto:ada@example.com',
  'SEQUENCE:4',
  'STATUS:CONFIRMED',
  'CATEGORIES:old-label',
  'DESCRIPTION:old text',
  `X-CALPLANEBOT-ISSUE-ID:${ISSUE_ID}`,
  `X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`,
  'X-CALPLANEBOT-OBSOLETE:something we wrote once',
  'URL;VALUE=URI:https://old.example/issue',
  'COLOR:gold',
  'BEGIN:VALARM',
  'X-WR-ALARMUID:8C5B6F6E-1111-2222-3333-444455556666',
  'UID:8C5B6F6E-1111-2222-3333-444455556666',
  'TRIGGER:-PT15H',
  'ATTACH;VALUE=URI:Chord',
  'ACTION:AUDIO',
  'X-APPLE-DEFAULT-ALARM:TRUE',
  'END:VALARM',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/**
 * renderEvent() of the seed issue with target_date "2026-03-02T14:30", `times: "timed"`, in a
 * project without a timezone (so UTC), after python-vobject 0.9.6.1 (Radicale 3.1.8's parser)
 * re-serialized it, captured on this machine: vobject writes a time in a zone whose offset is
 * always +00:00 in UTC form, *keeping* the TZID (`DTSTART;TZID=UTC:…Z`, which RFC 5545 forbids).
 */
export const RADICALE_TIMED_UTC = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'CALSCALE:GREGORIAN',
  'PRODID:-//calplanebot//calplanebot//EN',
  ...UTC_2026,
  'BEGIN:VEVENT',
  `UID:${UID}`,
  'DTSTART;TZID=UTC:20260302T143000Z',
  'DTEND;TZID=UTC:20260302T153000Z',
  'CATEGORIES:backend,security',
  'COLOR:darkorange',
  'DESCRIPTION:Add login and registration functionality\\n---\\nPriority: high\\n',
  ' State: In Progress\\nAssignees: John Doe\\nLabels: backend\\, security\\nProje',
  ' ct: Web Application',
  'DTSTAMP:20251220T103000Z',
  'LAST-MODIFIED:20251220T103000Z',
  'SEQUENCE:0',
  'STATUS:CONFIRMED',
  'SUMMARY:[42] Implement user authentication',
  'TRANSP:TRANSPARENT',
  'URL:https://app.plane.so/acme/projects/0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  ' /issues/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  `X-CALPLANEBOT-ISSUE-ID:${ISSUE_ID}`,
  `X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`,
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/**
 * renderEvent() of the seed issue done (completed_at 2026-03-02T10:00:00Z), start_date
 * "2026-03-01T09:00", target_date "2026-03-02T14:30", `as: "tasks"`, `times: "timed"`, alarms
 * ["-PT15M"], in a Europe/Berlin project, after python-vobject re-serialized it (as above).
 */
export const RADICALE_TIMED_TASK = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'CALSCALE:GREGORIAN',
  'PRODID:-//calplanebot//calplanebot//EN',
  // vobject reorders the observances: the STANDARD ones first.
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  ...BERLIN_2026_JANUARY,
  ...BERLIN_2026_OCTOBER,
  ...BERLIN_2026_MARCH,
  'END:VTIMEZONE',
  'BEGIN:VTODO',
  'CATEGORIES:backend,security',
  'COLOR:darkorange',
  'COMPLETED:20260302T100000Z',
  'DESCRIPTION:Add login and registration functionality\\n---\\nPriority: high\\n',
  ' State: Done\\nAssignees: John Doe\\nLabels: backend\\, security\\nProject: Web',
  '  Application',
  'DTSTAMP:20251220T103000Z',
  'DTSTART;TZID=Europe/Berlin:20260301T090000',
  'DUE;TZID=Europe/Berlin:20260302T143000',
  'LAST-MODIFIED:20251220T103000Z',
  'PERCENT-COMPLETE:100',
  'PRIORITY:3',
  'SEQUENCE:0',
  'STATUS:COMPLETED',
  'SUMMARY:[42] Implement user authentication',
  `UID:${UID}`,
  'URL:https://app.plane.so/acme/projects/0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  ' /issues/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:[42] Implement user authentication',
  'TRIGGER;RELATED=END:-PT15M',
  `UID:${UID}#alarm-PT15`,
  ' M',
  'X-CALPLANEBOT-ALARM:-PT15M',
  'END:VALARM',
  `X-CALPLANEBOT-ISSUE-ID:${ISSUE_ID}`,
  `X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`,
  'END:VTODO',
  'END:VCALENDAR',
  '',
].join('\r\n');
