/** Property-based checks: any issue text survives render → parse, and merge is stable. */
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { foldLine } from '../../../src/event/ics.js';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { fieldChanges, parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import type { PlaneIssue, Priority, StateGroup } from '../../../src/plane/types.js';
import { CTX, expectWellFormed, icalCategories, icalEvent, sampleIssue, sampleProject } from './fixtures.js';

const RUNS = { numRuns: 200 };

const NASTY_FRAGMENTS = [
  ',',
  ';',
  '\\',
  ':',
  '"',
  '\r\n',
  '\r',
  '\n',
  '\t',
  ' ',
  '😀',
  '👨‍👩‍👧',
  'é',
  'e\u0301',
  'ع',
  '\u200F',
  '\u0000',
  '\u0007',
  '\u001B',
  '\u007F',
  '\uD800',
  '\uDFFF',
  '\\n',
  '<',
  '&amp;',
  '€',
];

/** Text that mixes iCalendar-special characters, controls, lone surrogates and any Unicode. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...NASTY_FRAGMENTS),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({ unit: 'binary-ascii', maxLength: 20 }),
      fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 200 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const descriptionHtml = fc.oneof(
  fc.constant(null),
  fc.constant('<p></p>'),
  hostileText,
  fc
    .array(fc.tuple(fc.constantFrom('p', 'h2', 'li', 'b', 'pre', 'blockquote'), hostileText), { maxLength: 6 })
    .map((blocks) => blocks.map(([tag, text]) => `<${tag}>${text}</${tag}>`).join('')),
);

const issueArbitrary = fc.record({
  name: hostileText,
  description_html: descriptionHtml,
  labels: fc
    .array(hostileText, { maxLength: 5 })
    .map((names) => names.map((name, index) => ({ id: `l${index}`, name, color: '#000' }))),
  assignees: fc
    .array(hostileText, { maxLength: 3 })
    .map((names) => names.map((display_name, index) => ({ id: `u${index}`, display_name }))),
  priority: fc.constantFrom<Priority>('urgent', 'high', 'medium', 'low', 'none'),
  group: fc.constantFrom<StateGroup>('backlog', 'unstarted', 'started', 'completed', 'cancelled', 'triage'),
  stateName: hostileText,
  target: fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2199-12-30T00:00:00Z'),
    noInvalidDate: true,
  }),
  sequence: fc.nat(100_000),
});

type IssueInput = typeof issueArbitrary extends fc.Arbitrary<infer T> ? T : never;

function modelOf(input: IssueInput): EventModel {
  const overrides: Partial<PlaneIssue> = {
    name: input.name,
    description_html: input.description_html,
    labels: input.labels,
    assignees: input.assignees,
    priority: input.priority,
    state: { id: 's', name: input.stateName, color: '#000', group: input.group },
    target_date: input.target.toISOString().slice(0, 10),
    sequence_id: input.sequence,
  };
  const model = issueToEvent(sampleIssue(overrides), sampleProject({ name: input.stateName }), CTX);
  if (model === null) throw new Error('expected an event');
  return model;
}

/**
 * What a server may do to our bytes, as Radicale does: another serializer (ical.js's: other
 * folding, no VALUE=URI) and properties sorted by name (stable: same-name ones keep their order).
 */
function reserialize(ics: string): string {
  const calendar = ICAL.parse(ics) as [string, [string][], [string, [string][], unknown[]][]];
  for (const component of calendar[2]) component[1].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return ICAL.stringify(calendar);
}

describe('properties', () => {
  it('render → ical.js gives back the summary, description and categories, on well-formed lines', () => {
    fc.assert(
      fc.property(issueArbitrary, (input) => {
        const model = modelOf(input);
        const text = renderEvent(model);
        expectWellFormed(text);
        const event = icalEvent(text);
        expect(event.getFirstPropertyValue('summary')).toBe(model.fields.summary);
        expect(event.getFirstPropertyValue('description')).toBe(model.fields.description);
        expect(icalCategories(text)).toEqual(model.fields.categories);
      }),
      RUNS,
    );
  });

  it('render → parse yields zero field changes, also after a server re-serializes', () => {
    fc.assert(
      fc.property(issueArbitrary, (input) => {
        const model = modelOf(input);
        const text = renderEvent(model);
        const parsed = parseCalendarObject(text);
        expect(parsed.uid).toBe(model.uid);
        expect(parsed.fields).toEqual(model.fields);
        expect(fieldChanges(parsed.fields, model.fields)).toEqual([]);
        expect(fieldChanges(parseCalendarObject(reserialize(text)).fields, model.fields)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('merge of a render with its own model is stable and deterministic', () => {
    fc.assert(
      fc.property(issueArbitrary, (input) => {
        const model = modelOf(input);
        const merged = mergeEvent(renderEvent(model), model);
        expectWellFormed(merged);
        expect(merged).toBe(mergeEvent(renderEvent(model), model));
        const parsed = parseCalendarObject(merged);
        expect(parsed.fields).toEqual(model.fields);
        expect(parsed.sequence).toBe(1);
      }),
      RUNS,
    );
  });

  it('merge moves any stored event (even re-serialized) to the desired fields', () => {
    fc.assert(
      fc.property(issueArbitrary, issueArbitrary, (before, after) => {
        const stored = reserialize(renderEvent(modelOf(before), { sequence: 2 }));
        const desired = modelOf(after);
        const merged = mergeEvent(stored, desired);
        expectWellFormed(merged);
        const parsed = parseCalendarObject(merged);
        expect(fieldChanges(parsed.fields, desired.fields)).toEqual([]);
        expect(parsed.sequence).toBe(3);
      }),
      RUNS,
    );
  });

  it('foldLine keeps every line ≤ 75 octets and unfolds to the original', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (a, b) => {
          const line = `X:${a}${b}`.replace(/[\r\n]/g, '');
          const folded = foldLine(line);
          for (const physical of folded.split('\r\n')) {
            expect(Buffer.byteLength(physical, 'utf8')).toBeLessThanOrEqual(75);
            expect(Buffer.from(physical, 'utf8').toString('utf8')).toBe(physical);
          }
          expect(folded.replace(/\r\n /g, '')).toBe(line);
        },
      ),
      RUNS,
    );
  });

  it('parse never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (data) => {
        const parsed = parseCalendarObject(
          `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n${data}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
        );
        expect(parsed.sequence).toBeGreaterThanOrEqual(0);
        expect(() => parseCalendarObject(data)).not.toThrow();
      }),
      RUNS,
    );
  });
});

/** Any calendar entry's shape (how items look) and any item that may carry a time. */
const shapedArbitrary = fc.record({
  input: issueArbitrary,
  shape: fc.record(
    {
      as: fc.constantFrom<'events' | 'tasks'>('events', 'tasks'),
      dates: fc.constantFrom<'target' | 'span'>('target', 'span'),
      times: fc.constantFrom<'dates' | 'timed'>('dates', 'timed'),
      undated: fc.constantFrom<'skip' | 'include'>('skip', 'include'),
      alarms: fc
        .array(fc.constantFrom('-PT15H', '-P1D', 'PT9H', '-PT30M', '+P1W'), { maxLength: 3 })
        .map((alarms) => [...new Set(alarms)]),
      summary: fc.constantFrom('[{sequence}] {name}', '{identifier}-{sequence} {name}', '{name} ({state}, {priority})'),
      defaultDuration: fc.constantFrom('PT1H', 'PT30M', 'P1D', 'PT90M'),
    },
    { requiredKeys: [] },
  ),
  // Years near today (each zone's VTIMEZONE is computed once per span of years, then cached).
  day: fc.integer({ min: 0, max: 4 * 365 }),
  zone: fc.constantFrom(
    undefined,
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
    'Mars/Nowhere',
  ),
  targetTime: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })), { nil: undefined }),
  undatedItem: fc.boolean(),
  startOffsetDays: fc.option(fc.integer({ min: -20, max: 3 }), { nil: undefined }),
  startTime: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })), { nil: undefined }),
  completedAt: fc.option(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
    { nil: null },
  ),
});

type ShapedInput = typeof shapedArbitrary extends fc.Arbitrary<infer T> ? T : never;

const clock = (time: [number, number] | undefined) =>
  time === undefined ? '' : `T${String(time[0]).padStart(2, '0')}:${String(time[1]).padStart(2, '0')}`;

function shapedModelOf({
  input,
  shape,
  day,
  zone,
  targetTime,
  undatedItem,
  startOffsetDays,
  startTime,
  completedAt,
}: ShapedInput): EventModel | null {
  const targetMs = Date.UTC(2024, 0, 1) + day * 86_400_000;
  const target = new Date(targetMs).toISOString().slice(0, 10);
  const start =
    startOffsetDays === undefined ? null : new Date(targetMs + startOffsetDays * 86_400_000).toISOString().slice(0, 10);
  const overrides: Partial<PlaneIssue> = {
    name: input.name,
    priority: input.priority,
    state: { id: 's', name: input.stateName, color: '#000', group: input.group },
    target_date: undatedItem ? null : `${target}${clock(targetTime)}`,
    start_date: start === null ? null : `${start}${clock(startTime)}`,
    completed_at: completedAt === null ? null : completedAt.toISOString(),
    sequence_id: input.sequence,
  };
  return issueToEvent(sampleIssue(overrides), sampleProject({ timezone: zone }), {
    ...CTX,
    ...shape,
    timeZone: 'Asia/Kolkata',
  });
}

describe('properties of every shape (tasks, spans, timed items, alarms)', () => {
  it('render → ical.js → parse yields zero field changes, also after a server re-serializes', () => {
    fc.assert(
      fc.property(shapedArbitrary, (input) => {
        const model = shapedModelOf(input);
        fc.pre(model !== null);
        const component = model!.component ?? 'vevent';
        const text = renderEvent(model!);
        expectWellFormed(text);
        const parsed = parseCalendarObject(text);
        expect(parsed.component).toBe(component);
        expect(parsed.fields).toEqual(model!.fields);
        expect(fieldChanges(parsed.fields, model!.fields, component)).toEqual([]);
        expect(fieldChanges(parseCalendarObject(reserialize(text)).fields, model!.fields, component)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('merge moves any stored shape (even re-serialized) to any desired one', () => {
    fc.assert(
      fc.property(shapedArbitrary, shapedArbitrary, (before, after) => {
        const stored = shapedModelOf(before);
        const desired = shapedModelOf({ ...after, input: { ...after.input, sequence: before.input.sequence } });
        fc.pre(stored !== null && desired !== null);
        const wanted = { ...desired!, uid: stored!.uid };
        const merged = mergeEvent(reserialize(renderEvent(stored!, { sequence: 2 })), wanted);
        expectWellFormed(merged);
        const parsed = parseCalendarObject(merged);
        expect(parsed.component).toBe(wanted.component ?? 'vevent');
        expect(fieldChanges(parsed.fields, wanted.fields, wanted.component)).toEqual([]);
        // Same component: updated in place; another one: a fresh object.
        expect(parsed.sequence).toBe((stored!.component ?? 'vevent') === (wanted.component ?? 'vevent') ? 3 : 0);
        const zones = new ICAL.Component(ICAL.parse(merged))
          .getAllSubcomponents('vtimezone')
          .map((zone) => zone.getFirstPropertyValue('tzid'));
        expect(new Set(zones).size).toBe(zones.length);
      }),
      RUNS,
    );
  });
});
