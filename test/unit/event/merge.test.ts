import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { fieldChanges, parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import { CLIENT_EDITED, RADICALE_ISSUE, RADICALE_REWRITTEN } from './client-fixtures.js';
import { CTX, expectWellFormed, icalEvent, physicalLines, sampleIssue, sampleProject, UID } from './fixtures.js';

function model(overrides: Partial<PlaneIssue> = {}): EventModel {
  const event = issueToEvent(sampleIssue(overrides), sampleProject(), CTX);
  if (event === null) throw new Error('expected an event');
  return event;
}

function lines(ics: string): string[] {
  // Unfolded, for looking properties up by name.
  return ics.replace(/\r\n[ \t]/g, '').split('\r\n');
}

/** The client-edited event, marked busy in the app: render writes TRANSPARENT, so a kept OPAQUE shows merge kept it. */
const CLIENT_EDITED_OPAQUE = CLIENT_EDITED.replace('TRANSP:TRANSPARENT', 'TRANSP:OPAQUE');

describe('mergeEvent over a client-edited event', () => {
  const desired = model();
  const merged = mergeEvent(CLIENT_EDITED_OPAQUE, desired);

  it('starts from a fixture whose TRANSP differs from what render writes', () => {
    expect(CLIENT_EDITED_OPAQUE).toContain('TRANSP:OPAQUE');
    expect(renderEvent(desired)).toContain('TRANSP:TRANSPARENT');
  });

  it('replaces every managed field', () => {
    const parsed = parseCalendarObject(merged);
    expect(parsed.uid).toBe(UID);
    expect(parsed.fields).toEqual(desired.fields);
    expect(fieldChanges(parsed.fields, desired.fields)).toEqual([]);
  });

  it('increments SEQUENCE', () => {
    expect(parseCalendarObject(merged).sequence).toBe(5);
  });

  it('keeps the alarm, with its properties', () => {
    const alarms = icalEvent(merged).getAllSubcomponents('valarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.getFirstPropertyValue('action')).toBe('AUDIO');
    expect(alarms[0]?.getFirstPropertyValue('x-apple-default-alarm')).toBe('TRUE');
    expect(String(alarms[0]?.getFirstPropertyValue('trigger'))).toBe('-PT15H');
  });

  it('keeps what clients added: LOCATION, ATTENDEE, CLASS, TRANSP, CREATED, X-APPLE-*, X-MOZ-*', () => {
    const event = icalEvent(merged);
    expect(event.getFirstPropertyValue('location')).toBe('Room 4, second floor');
    expect(event.getFirstProperty('attendee')?.getParameter('cn')).toBe('Ada Lovelace');
    expect(event.getFirstPropertyValue('class')).toBe('PUBLIC');
    expect(event.getFirstPropertyValue('transp')).toBe('OPAQUE');
    expect(event.getAllProperties('transp')).toHaveLength(1);
    expect(String(event.getFirstPropertyValue('created'))).toBe('2025-12-21T08:00:00Z');
    expect(event.getFirstPropertyValue('x-apple-travel-advisory-behavior')).toBe('AUTOMATIC');
    expect(event.getFirstPropertyValue('x-moz-generation')).toBe('3');
  });

  it('keeps the VTIMEZONE and calendar-level X- properties, and sets our PRODID', () => {
    const calendar = new ICAL.Component(ICAL.parse(merged));
    expect(calendar.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Europe/Berlin');
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Plane: Web Application');
    expect(calendar.getFirstPropertyValue('prodid')).toBe('-//calplanebot//calplanebot//EN');
    expect(calendar.getAllProperties('prodid')).toHaveLength(1);
  });

  it('drops stale properties of ours, and never duplicates managed ones', () => {
    const unfolded = lines(merged);
    const all = unfolded.slice(unfolded.indexOf('BEGIN:VEVENT'), unfolded.indexOf('END:VEVENT'));
    expect(all.some((line) => line.startsWith('X-CALPLANEBOT-OBSOLETE'))).toBe(false);
    for (const name of [
      'SUMMARY',
      'DESCRIPTION',
      'DTSTART',
      'DTEND',
      'STATUS',
      'URL',
      'COLOR',
      'DTSTAMP',
      'SEQUENCE',
      'CATEGORIES',
    ]) {
      expect(
        all.filter((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`)),
        name,
      ).toHaveLength(1);
    }
    expect(all).toContain('X-CALPLANEBOT-ISSUE-ID:3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b');
  });

  it('does not move LAST-MODIFIED backwards', () => {
    // The client edited at 2025-12-21T08:05Z, after the issue's updated_at (2025-12-20T10:30Z).
    expect(lines(merged)).toContain('LAST-MODIFIED:20251221T080500Z');
    const later = { ...desired, stamp: '20251230T000000Z' };
    expect(lines(mergeEvent(CLIENT_EDITED, later))).toContain('LAST-MODIFIED:20251230T000000Z');
  });

  it('is well-formed and deterministic', () => {
    expectWellFormed(merged);
    expect(mergeEvent(CLIENT_EDITED_OPAQUE, desired)).toBe(merged);
  });

  it('is idempotent apart from SEQUENCE', () => {
    const again = mergeEvent(merged, desired);
    expect(again.replace('SEQUENCE:6', 'SEQUENCE:5')).toBe(merged);
  });
});

describe('mergeEvent', () => {
  it('over our own render equals a render with the next SEQUENCE', () => {
    const desired = model();
    expect(mergeEvent(renderEvent(desired), desired)).toBe(renderEvent(desired, { sequence: 1 }));
  });

  it('updates a Radicale re-serialized object', () => {
    const desired = model({ ...RADICALE_ISSUE, target_date: '2025-12-30', priority: 'urgent' });
    const merged = mergeEvent(RADICALE_REWRITTEN, desired);
    expect(parseCalendarObject(merged)).toEqual({
      uid: UID,
      fields: desired.fields,
      component: 'vevent',
      sequence: 1,
      projectId: desired.projectId,
    });
    expectWellFormed(merged);
  });

  it('writes TRANSP:TRANSPARENT only on create: an event whose TRANSP was removed (OPAQUE) stays without one', () => {
    const existing = renderEvent(model()).replace('TRANSP:TRANSPARENT\r\n', '');
    expect(existing).not.toContain('TRANSP');
    const merged = mergeEvent(existing, model({ target_date: '2026-01-05' }));
    expect(merged).not.toContain('TRANSP');
    expect(parseCalendarObject(merged)).toMatchObject({ sequence: 1, fields: { start: '2026-01-05' } });
  });

  it('removes a DURATION in favour of DTEND', () => {
    const existing = renderEvent(model()).replace('DTEND;VALUE=DATE:20251228', 'DURATION:P3D');
    const merged = mergeEvent(existing, model());
    expect(merged).not.toContain('DURATION');
    expect(merged).toContain('DTEND;VALUE=DATE:20251228');
  });

  it('drops recurrence overrides and rules of our event, keeps other events', () => {
    const ours = physicalLines(renderEvent(model()));
    const eventLines = ours.slice(ours.indexOf('BEGIN:VEVENT'), ours.indexOf('END:VEVENT') + 1);
    const withRule = [...eventLines.slice(0, -1), 'RRULE:FREQ=WEEKLY;COUNT=3', 'END:VEVENT'];
    const override = ['BEGIN:VEVENT', `UID:${UID}`, 'RECURRENCE-ID;VALUE=DATE:20260103', 'SUMMARY:moved', 'END:VEVENT'];
    const foreign = ['BEGIN:VEVENT', 'UID:someone-else', 'SUMMARY:not ours', 'END:VEVENT'];
    const existing = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:x',
      ...override,
      ...withRule,
      ...foreign,
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const merged = mergeEvent(existing, model());
    expect(merged).not.toContain('RECURRENCE-ID');
    expect(merged).not.toContain('RRULE');
    expect(merged).not.toContain('SUMMARY:moved');
    expect(merged).toContain('UID:someone-else');
    expect(parseCalendarObject(merged)).toMatchObject({ uid: UID, fields: model().fields });
  });

  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    [
      'a foreign event',
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:someone-else\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    ],
    ['a VTODO with our UID', `BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:${UID}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`],
    ['a bare VEVENT', `BEGIN:VEVENT\r\nUID:${UID}\r\nEND:VEVENT\r\n`],
    [
      'two calendars',
      `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${UID}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n`,
    ],
  ])('falls back to a fresh render for %s', (_, existing) => {
    expect(mergeEvent(existing, model())).toBe(renderEvent(model()));
  });

  it('folds long user properties at 75 octets (ical.js alone would write 76-octet continuations)', () => {
    const longLocation = `LOCATION:${'€'.repeat(40)}${'x'.repeat(200)}😀${'y'.repeat(100)}`;
    const existing = renderEvent(model()).replace(
      'END:VEVENT',
      `${longLocation}\r\nX-LONG:${'z'.repeat(300)}\r\nEND:VEVENT`,
    );
    const merged = mergeEvent(existing, model());
    expectWellFormed(merged);
    expect(icalEvent(merged).getFirstPropertyValue('location')).toBe(longLocation.slice('LOCATION:'.length));
  });

  it('updates in place an event holding a line ical.js refuses, dropping only that line', () => {
    const existing = renderEvent(model()).replace('END:VEVENT', 'RRULE:FREQ=BOGUS\r\nLOCATION:kept\r\nEND:VEVENT');
    const merged = mergeEvent(existing, model({ target_date: '2026-01-05' }));
    expect(merged).not.toContain('BOGUS');
    expect(icalEvent(merged).getFirstPropertyValue('location')).toBe('kept');
    expect(parseCalendarObject(merged)).toMatchObject({ sequence: 1, fields: { start: '2026-01-05' } });
  });

  it('strips a stray control character from a kept property', () => {
    const existing = renderEvent(model()).replace('END:VEVENT', 'LOCATION:a\rb\u0000c\r\nEND:VEVENT');
    const merged = mergeEvent(existing, model());
    expectWellFormed(merged);
    expect(icalEvent(merged).getFirstPropertyValue('location')).toBe('abc');
  });

  it('keeps the bytes of user values it re-serializes equivalent (params, escaping)', () => {
    const existing = renderEvent(model()).replace(
      'END:VEVENT',
      'X-FOO;X-PARAM="a:b";X-OTHER=plain:raw\\,value;with:colon\r\nDESCRIPTION;LANGUAGE=en:ignored\r\nEND:VEVENT',
    );
    const merged = mergeEvent(existing, model());
    expect(lines(merged)).toContain('X-FOO;X-PARAM="a:b";X-OTHER=plain:raw\\,value;with:colon');
    expect(icalEvent(merged).getFirstPropertyValue('description')).toBe(model().fields.description);
  });
});
