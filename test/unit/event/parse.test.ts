import { describe, expect, it } from 'vitest';
import type { EventModel, ManagedFields } from '../../../src/event/model.js';
import { fieldChanges, parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import { CLIENT_EDITED, RADICALE_ISSUE, RADICALE_REWRITTEN } from './client-fixtures.js';
import { CTX, PROJECT_ID, sampleIssue, sampleProject, UID } from './fixtures.js';

function model(overrides: Partial<PlaneIssue> = {}): EventModel {
  const event = issueToEvent(sampleIssue(overrides), sampleProject(), CTX);
  if (event === null) throw new Error('expected an event');
  return event;
}

/** A minimal VCALENDAR around VEVENT lines. */
function calendar(...eventLines: string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    ...eventLines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function fieldsOf(data: string): ManagedFields {
  const { fields } = parseCalendarObject(data);
  if (fields === undefined) throw new Error('expected fields');
  return fields;
}

describe('parseCalendarObject', () => {
  it('reads back every managed field of a rendered event', () => {
    const event = model();
    expect(parseCalendarObject(renderEvent(event))).toEqual({
      uid: UID,
      fields: event.fields,
      component: 'vevent',
      sequence: 0,
      projectId: event.projectId,
    });
  });

  it('reads SEQUENCE', () => {
    expect(parseCalendarObject(renderEvent(model(), { sequence: 3 })).sequence).toBe(3);
  });

  it('reads a Radicale re-serialized object (sorted properties, other folding) as the same fields', () => {
    const event = model(RADICALE_ISSUE);
    const parsed = parseCalendarObject(RADICALE_REWRITTEN);
    expect(parsed.uid).toBe(event.uid);
    expect(parsed.fields).toEqual(event.fields);
    expect(fieldChanges(parsed.fields, event.fields)).toEqual([]);
  });

  it('reads a client-edited object', () => {
    expect(parseCalendarObject(CLIENT_EDITED)).toEqual({
      uid: UID,
      component: 'vevent',
      sequence: 4,
      projectId: PROJECT_ID,
      fields: {
        summary: '[42] Old title',
        description: 'old text',
        start: '2025-12-24',
        end: '2025-12-25',
        status: 'CONFIRMED',
        categories: ['old-label'],
        url: 'https://old.example/issue',
        color: 'gold',
      },
    });
  });

  it('accepts LF-only line endings and lowercase property names', () => {
    const data = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'uid:x',
      'summary:hello',
      'dtstart;value=date:20250101',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\n');
    expect(parseCalendarObject(data)).toMatchObject({
      uid: 'x',
      fields: { summary: 'hello', start: '2025-01-01', end: '2025-01-02' },
    });
  });

  describe('dates', () => {
    it('reads a DATE-TIME as written: its wall clock, "Z" for UTC, and the TZID', () => {
      const utc = fieldsOf(calendar('UID:x', 'DTSTART:20250101T230000Z', 'DTEND:20250102T010000Z'));
      expect(utc).toMatchObject({ start: '2025-01-01T23:00:00Z', end: '2025-01-02T01:00:00Z' });
      expect(utc.timeZone).toBeUndefined();
      expect(fieldsOf(calendar('UID:x', 'DTSTART;TZID=Europe/Berlin:20250101T100000'))).toMatchObject({
        start: '2025-01-01T10:00:00',
        end: '2025-01-01',
        timeZone: 'Europe/Berlin',
      });
      expect(fieldsOf(calendar('UID:x', 'DTSTART:20250101T100000', 'DTEND:20250101T110000'))).toMatchObject({
        start: '2025-01-01T10:00:00',
        end: '2025-01-01T11:00:00',
      });
    });

    // An all-day item someone made timed in their app keeps its time while its day is right.
    it('a DATE-TIME on the desired dates is no change for an all-day event (only the date is compared)', () => {
      const desired = model().fields;
      expect(desired).toMatchObject({ start: '2025-12-27', end: '2025-12-28' });
      const timed = (start: string, end: string) =>
        renderEvent(model()).replace('DTSTART;VALUE=DATE:20251227', start).replace('DTEND;VALUE=DATE:20251228', end);
      for (const [start, end] of [
        ['DTSTART:20251227T230000Z', 'DTEND:20251228T010000Z'],
        ['DTSTART;TZID=Europe/Berlin:20251227T100000', 'DTEND;TZID=Europe/Berlin:20251228T090000'],
        ['DTSTART:20251227T000000', 'DTEND:20251228T000000'],
      ] as const) {
        const stored = fieldsOf(timed(start, end));
        expect(stored.start).not.toBe(desired.start);
        expect(fieldChanges(stored, desired), `${start} ${end}`).toEqual([]);
      }
      // On another day it is a change, reported by date.
      const moved = fieldsOf(timed('DTSTART:20251226T230000Z', 'DTEND:20251228T010000Z'));
      expect(fieldChanges(moved, desired)).toEqual([{ field: 'target_date', from: '2025-12-26', to: '2025-12-27' }]);
    });

    it('a desired time is compared in full, with its zone', () => {
      const desired: ManagedFields = {
        ...model().fields,
        start: '2025-12-27T14:30:00',
        end: '2025-12-27T15:30:00',
        timeZone: 'Europe/Berlin',
      };
      expect(fieldChanges({ ...desired }, desired)).toEqual([]);
      expect(fieldChanges({ ...desired, start: '2025-12-27T14:00:00' }, desired)).toEqual([
        { field: 'target_date', from: '2025-12-27T14:00:00', to: '2025-12-27T14:30:00' },
      ]);
      expect(fieldChanges({ ...desired, start: '2025-12-27' }, desired)).toEqual([
        { field: 'target_date', from: '2025-12-27', to: '2025-12-27T14:30:00' },
      ]);
      expect(fieldChanges({ ...desired, timeZone: 'America/New_York' }, desired)).toEqual([
        { field: 'timezone', from: 'America/New_York', to: 'Europe/Berlin' },
      ]);
      expect(fieldChanges({ ...desired, timeZone: undefined }, desired)).toEqual([
        { field: 'timezone', from: null, to: 'Europe/Berlin' },
      ]);
    });

    it('reads a date written without VALUE=DATE', () => {
      expect(fieldsOf(calendar('UID:x', 'DTSTART:20250101', 'DTEND:20250102'))).toMatchObject({
        start: '2025-01-01',
        end: '2025-01-02',
      });
    });

    it('computes the end from DURATION', () => {
      expect(fieldsOf(calendar('UID:x', 'DTSTART;VALUE=DATE:20251231', 'DURATION:P1D')).end).toBe('2026-01-01');
      expect(fieldsOf(calendar('UID:x', 'DTSTART;VALUE=DATE:20240228', 'DURATION:P2D')).end).toBe('2024-03-01');
      expect(fieldsOf(calendar('UID:x', 'DTSTART;VALUE=DATE:20250101', 'DURATION:P1W')).end).toBe('2025-01-08');
      expect(fieldsOf(calendar('UID:x', 'DTSTART:20250101T230000Z', 'DURATION:PT2H')).end).toBe('2025-01-02');
    });

    it('defaults a missing end to start + 1 day for a DATE', () => {
      expect(fieldsOf(calendar('UID:x', 'DTSTART;VALUE=DATE:20241231')).end).toBe('2025-01-01');
    });

    it('reads a missing or garbage DTSTART as "" (so it differs from any desired date)', () => {
      expect(fieldsOf(calendar('UID:x', 'SUMMARY:s'))).toMatchObject({ start: '', end: '' });
      expect(fieldsOf(calendar('UID:x', 'DTSTART:garbage'))).toMatchObject({ start: '', end: '' });
    });
  });

  describe('status', () => {
    it.each([
      ['STATUS:CANCELLED', 'CANCELLED'],
      ['STATUS:cancelled', 'CANCELLED'],
      ['STATUS:CONFIRMED', 'CONFIRMED'],
      ['STATUS:TENTATIVE', 'CONFIRMED'],
      ['X-NO-STATUS:1', 'CONFIRMED'],
    ])('%s → %s', (line, status) => {
      expect(fieldsOf(calendar('UID:x', line)).status).toBe(status);
    });
  });

  it('collects every value of every CATEGORIES property in order', () => {
    expect(fieldsOf(calendar('UID:x', 'CATEGORIES:a,b\\,c', 'CATEGORIES:d', 'CATEGORIES:')).categories).toEqual([
      'a',
      'b,c',
      'd',
    ]);
  });

  it('reads absent text fields as empty and an absent COLOR as null', () => {
    expect(fieldsOf(calendar('UID:x', 'DTSTART;VALUE=DATE:20250101'))).toEqual({
      summary: '',
      description: '',
      start: '2025-01-01',
      end: '2025-01-02',
      status: 'CONFIRMED',
      categories: [],
      url: '',
      color: null,
    });
  });

  it('reads the master of a recurring event, not an override listed first', () => {
    const data = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:r',
      'RECURRENCE-ID;VALUE=DATE:20250108',
      'SUMMARY:override',
      'SEQUENCE:9',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:r',
      'SUMMARY:master',
      'SEQUENCE:2',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(parseCalendarObject(data)).toMatchObject({ uid: 'r', sequence: 2, fields: { summary: 'master' } });
  });

  it('reads a bare VTODO as a task without dates, and reports the UID of a VJOURNAL without fields', () => {
    const todo = 'BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nSEQUENCE:1\r\nEND:VTODO\r\nEND:VCALENDAR\r\n';
    expect(parseCalendarObject(todo)).toEqual({
      uid: 't',
      component: 'vtodo',
      fields: {
        summary: '',
        description: '',
        start: '',
        end: '',
        status: 'NEEDS-ACTION',
        categories: [],
        url: '',
        color: null,
      },
      sequence: 1,
      projectId: null,
    });
    const journal = 'BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:j\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n';
    expect(parseCalendarObject(journal)).toEqual({
      uid: 'j',
      fields: undefined,
      component: undefined,
      sequence: 0,
      projectId: null,
    });
  });

  it('prefers a VEVENT over an earlier VTODO', () => {
    const data =
      'BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    expect(parseCalendarObject(data).uid).toBe('e');
  });

  it('gives a null uid to an event without UID', () => {
    expect(parseCalendarObject(calendar('SUMMARY:x')).uid).toBeNull();
  });

  it.each([
    'RRULE:FREQ=BOGUS',
    'FREEBUSY:garbage',
    'ATTENDEE;CN="unterminated:mailto:x',
    'X-FOO;=bad:1',
    'no colon here',
  ])('still reads an event in which ical.js refuses the line %j', (line) => {
    const event = model();
    const text = renderEvent(event).replace('END:VEVENT', `${line}\r\nEND:VEVENT`);
    expect(parseCalendarObject(text)).toEqual({
      uid: event.uid,
      fields: event.fields,
      component: 'vevent',
      sequence: 0,
      projectId: event.projectId,
    });
  });

  it('treats a garbage SEQUENCE as 0', () => {
    expect(parseCalendarObject(calendar('UID:x', 'SEQUENCE:-3')).sequence).toBe(0);
    expect(parseCalendarObject(calendar('UID:x', 'SEQUENCE:abc')).sequence).toBe(0);
  });

  it.each([
    '',
    'garbage',
    'BEGIN:VCALENDAR',
    'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n',
    'END:VCALENDAR',
    'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
    '\u0000\u0001\u0002',
    '{"json": true}',
    'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Someone\r\nEND:VCARD\r\n',
  ])('never throws on %j', (data) => {
    expect(parseCalendarObject(data)).toEqual({
      uid: null,
      fields: undefined,
      component: undefined,
      sequence: 0,
      projectId: null,
    });
  });
});

describe('fieldChanges', () => {
  const desired = model().fields;

  it('is empty for equal fields', () => {
    expect(fieldChanges(desired, desired)).toEqual([]);
  });

  it('reports the target date with its Plane name', () => {
    const moved = model({ target_date: '2025-12-30' }).fields;
    expect(fieldChanges(desired, moved)).toEqual([
      { field: 'target_date', from: '2025-12-27', to: '2025-12-30' },
      { field: 'dtend', from: '2025-12-28', to: '2025-12-31' },
    ]);
  });

  it('reports every field, in FIELD_LABELS order, when nothing was readable', () => {
    const changes = fieldChanges(undefined, desired);
    expect(changes.map((change) => change.field)).toEqual([
      'summary',
      'description',
      'target_date',
      'dtend',
      'status',
      'labels',
      'url',
      'color',
    ]);
    expect(changes.every((change) => change.from === null)).toBe(true);
    expect(changes.find((change) => change.field === 'labels')?.to).toBe('backend, security');
  });

  it('reports labels as comma-separated lists, order included', () => {
    expect(fieldChanges({ ...desired, categories: ['security', 'backend'] }, desired)).toEqual([
      { field: 'labels', from: 'security, backend', to: 'backend, security' },
    ]);
    expect(fieldChanges({ ...desired, categories: [] }, desired)).toEqual([
      { field: 'labels', from: '', to: 'backend, security' },
    ]);
  });

  it('reports status and color', () => {
    expect(fieldChanges({ ...desired, status: 'CANCELLED', color: null }, desired)).toEqual([
      { field: 'status', from: 'CANCELLED', to: 'CONFIRMED' },
      { field: 'color', from: null, to: 'darkorange' },
    ]);
  });

  it('ignores differences a server may introduce: CRLF, trailing blanks, colour case', () => {
    const stored = {
      ...desired,
      summary: `${desired.summary} `,
      description: `${desired.description.replace(/\n/g, ' \r\n')}\n\n`,
      color: 'DarkOrange',
    };
    expect(fieldChanges(stored, desired)).toEqual([]);
  });

  it('shows a description change as excerpts around the first difference', () => {
    const from = `${'intro '.repeat(30)}\n---\nPriority: high\nState: In Progress\nProject: Web Application`;
    const to = from.replace('Priority: high', 'Priority: urgent');
    const [change] = fieldChanges({ ...desired, description: from }, { ...desired, description: to });
    expect(change?.field).toBe('description');
    expect(change?.from).toMatch(/^….*Priority: high/);
    expect(change?.to).toMatch(/^….*Priority: urgent/);
    expect(change?.from).not.toContain('\n');
    // 60 characters of text, plus the two ellipses and a backslash per escaped newline.
    const shown = change?.to ?? '';
    expect(shown.length).toBeLessThanOrEqual(60 + 2 + (shown.match(/\\n/g) ?? []).length);
  });

  it('shows a new description from its start', () => {
    const [change] = fieldChanges({ ...desired, description: '' }, { ...desired, description: 'x'.repeat(100) });
    expect(change).toEqual({ field: 'description', from: '', to: `${'x'.repeat(60)}…` });
  });
});
