import type ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import {
  CTX,
  expectWellFormed,
  icalCategories,
  icalEvent,
  physicalLines,
  sampleIssue,
  sampleProject,
} from './fixtures.js';

function model(overrides: Partial<PlaneIssue> = {}): EventModel {
  const event = issueToEvent(sampleIssue(overrides), sampleProject(), CTX);
  if (event === null) throw new Error('expected an event');
  return event;
}

const GOLDEN = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//calplanebot//calplanebot//EN',
  'CALSCALE:GREGORIAN',
  'BEGIN:VEVENT',
  'UID:plane-issue-3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b@calplanebot',
  'SEQUENCE:0',
  'DTSTAMP:20251220T103000Z',
  'DTSTART;VALUE=DATE:20251227',
  'DTEND;VALUE=DATE:20251228',
  'X-MICROSOFT-CDO-ALLDAYEVENT:TRUE',
  'X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT:TRUE',
  'SUMMARY:[42] Implement user authentication',
  'TRANSP:TRANSPARENT',
  'DESCRIPTION:Add login and registration functionality\\n---\\nPriority: high\\n',
  ' State: In Progress\\nAssignees: John Doe\\nLabels: backend\\, security\\nProje',
  ' ct: Web Application',
  'STATUS:CONFIRMED',
  'X-CALPLANEBOT-ISSUE-ID:3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  'X-CALPLANEBOT-PROJECT-ID:0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  'LAST-MODIFIED:20251220T103000Z',
  'CATEGORIES:backend,security',
  'URL:https://app.plane.so/acme/projects/0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  ' /issues/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  'COLOR:darkorange',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('renderEvent', () => {
  it('writes the seed example byte for byte', () => {
    expect(renderEvent(model())).toBe(GOLDEN);
  });

  it('is deterministic', () => {
    expect(renderEvent(model())).toBe(renderEvent(model()));
  });

  it('is well-formed: CRLF only, final CRLF, ≤ 75 octets per line', () => {
    expectWellFormed(renderEvent(model()));
  });

  it('has exactly one VCALENDAR and one VEVENT', () => {
    const lines = physicalLines(renderEvent(model()));
    expect(lines.filter((line) => line.startsWith('BEGIN:'))).toEqual(['BEGIN:VCALENDAR', 'BEGIN:VEVENT']);
    expect(lines.filter((line) => line.startsWith('END:'))).toEqual(['END:VEVENT', 'END:VCALENDAR']);
  });

  it('sets SEQUENCE from the options', () => {
    expect(renderEvent(model(), { sequence: 7 })).toContain('\r\nSEQUENCE:7\r\n');
  });

  it('omits CATEGORIES without labels and COLOR without priority', () => {
    const text = renderEvent(model({ labels: [], priority: 'none' }));
    expect(text).not.toContain('CATEGORIES');
    expect(text).not.toContain('COLOR');
  });

  it('writes STATUS:CANCELLED for done issues', () => {
    const text = renderEvent(model({ state: { id: 's', name: 'Done', color: '#0f0', group: 'completed' } }));
    expect(text).toContain('\r\nSTATUS:CANCELLED\r\n');
  });

  it('ends a CATEGORIES property after a label ending in a backslash (ical.js would misread "\\\\,")', () => {
    const labels = ['a\\', 'b', 'c\\', 'd'].map((name, index) => ({ id: `l${index}`, name, color: '#000' }));
    const text = renderEvent(model({ labels }));
    expect(text).toContain('\r\nCATEGORIES:a\\\\\r\nCATEGORIES:b,c\\\\\r\nCATEGORIES:d\r\n');
    expect(icalCategories(text)).toEqual(['a\\', 'b', 'c\\', 'd']);
  });

  it('puts COLOR inside the VEVENT', () => {
    expect(renderEvent(model({ priority: 'urgent' }))).toContain('\r\nCOLOR:red\r\nEND:VEVENT\r\n');
  });

  it('writes the URL unescaped (a URI, not TEXT)', () => {
    const event = model();
    const text = renderEvent({ ...event, fields: { ...event.fields, url: 'https://x.example/a,b;c' } });
    expect(icalEvent(text).getFirstPropertyValue('url')).toBe('https://x.example/a,b;c');
  });

  it('escapes TEXT values: backslash, semicolon, comma, newline', () => {
    const text = renderEvent(model({ name: 'a\\b;c,d', labels: [{ id: 'l', name: 'x,y;z\\', color: '#000' }] }));
    expect(text).toContain('SUMMARY:[42] a\\\\b\\;c\\,d\r\n');
    expect(text).toContain('CATEGORIES:x\\,y\\;z\\\\\r\n');
    expect(icalEvent(text).getFirstPropertyValue('summary')).toBe('[42] a\\b;c,d');
    expect(icalCategories(text)).toEqual(['x,y;z\\']);
  });

  it('can be read back by ical.js with the all-day dates', () => {
    const event = icalEvent(renderEvent(model({ target_date: '2024-02-29' })));
    const start = event.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>;
    const end = event.getFirstPropertyValue('dtend') as InstanceType<typeof ICAL.Time>;
    expect(start.isDate).toBe(true);
    expect(start.toString()).toBe('2024-02-29');
    expect(end.toString()).toBe('2024-03-01');
  });

  it('rejects a stamp that is not UTC basic format', () => {
    expect(() => renderEvent({ ...model(), stamp: '2025-12-20T10:30:00Z' })).toThrow(RangeError);
  });
});

describe('renderEvent across time zones', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  // Node re-reads TZ when process.env.TZ is assigned; the suite also runs whole under TZ=… in CI.
  const ZONES = [
    'UTC',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'America/St_Johns',
    'Asia/Kathmandu',
    'Europe/Berlin',
  ];
  const DATES = ['2025-12-31', '2024-02-28', '2024-02-29', '2025-03-30', '2025-10-26', '2000-02-28', '1900-02-28'];

  it('renders identical bytes whatever process.env.TZ is', () => {
    const expected = DATES.map((date) => renderEvent(model({ target_date: date })));
    const offsets = new Set<number>();
    for (const zone of ZONES) {
      process.env.TZ = zone;
      offsets.add(new Date(Date.UTC(2025, 0, 1)).getTimezoneOffset());
      expect(DATES.map((date) => renderEvent(model({ target_date: date })))).toEqual(expected);
    }
    // Proof that the zone really changed under us (else the test would prove nothing).
    expect(offsets.size).toBeGreaterThan(3);
  });

  it('gives the same end date and stamp under the current TZ as in UTC terms', () => {
    const event = model({ target_date: '2025-12-31', updated_at: '2025-12-31T23:59:59-11:00' });
    expect(event.fields.end).toBe('2026-01-01');
    expect(event.stamp).toBe('20260101T105959Z');
  });
});

describe('renderEvent with hostile text', () => {
  const HOSTILE_NAMES = [
    '😀🎉👨‍👩‍👧‍👦 emoji family',
    'commas, semicolons; backslashes \\ and "quotes"',
    'line\nbreaks\r\nand\rcarriage',
    '<script>alert("x")</script>',
    'עברית ومرحبا RTL text',
    'e\u0301 combining a\u0308 o\u0303',
    'nul\u0000 bell\u0007 esc\u001B del\u007F',
    'x'.repeat(500),
    '界'.repeat(100),
    `${'a'.repeat(73)}😀${'b'.repeat(10)}`,
  ];

  it.each(HOSTILE_NAMES)('keeps %j readable, folded and unsplit', (name) => {
    const event = model({ name, description_html: `<p>${name}</p>`, labels: [{ id: 'l', name, color: '#000' }] });
    const text = renderEvent(event);
    expectWellFormed(text);
    const parsed = icalEvent(text);
    expect(parsed.getFirstPropertyValue('summary')).toBe(event.fields.summary);
    expect(parsed.getFirstPropertyValue('description')).toBe(event.fields.description);
    expect(icalCategories(text)).toEqual(event.fields.categories);
  });

  it('strips control characters before they reach the wire', () => {
    const event = model({ name: 'a\u0000b\u0001c', description_html: '<p>d\u0002e</p>' });
    expect(event.fields.summary).toBe('[42] abc');
    expect(event.fields.description.startsWith('de\n')).toBe(true);
  });

  it('handles a 10 KB description and a very long single word', () => {
    const word = 'W'.repeat(5000);
    const paragraphs = Array.from(
      { length: 50 },
      (_, index) => `<p>Paragraph ${index}: ${'lorem ipsum, dolor; sit\\ '.repeat(8)}</p>`,
    );
    const html = `${paragraphs.join('')}<p>${word}</p>`;
    expect(html.length).toBeGreaterThan(10_000);
    const event = model({ description_html: html });
    const text = renderEvent(event);
    expectWellFormed(text);
    expect(icalEvent(text).getFirstPropertyValue('description')).toBe(event.fields.description);
  });
});
