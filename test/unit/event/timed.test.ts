/**
 * `times: "timed"`: an item whose Plane date carries a wall-clock time ("YYYY-MM-DDTHH:MM", in the
 * project's zone) as a timed event or task with a TZID and its VTIMEZONE; without it, on its date.
 */
import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent, type TransformContext } from '../../../src/event/transform.js';
import type { PlaneIssue, PlaneProject } from '../../../src/plane/types.js';
import {
  CTX,
  componentLines,
  expectWellFormed,
  icalComponent,
  physicalLines,
  sampleIssue,
  sampleProject,
  UID,
} from './fixtures.js';
import { BERLIN_2026, UTC_2026 } from './vtimezones.js';

const BERLIN = sampleProject({ timezone: 'Europe/Berlin' });
const TIMED: TransformContext = { ...CTX, times: 'timed' };

function model(
  overrides: Partial<PlaneIssue>,
  ctx: Partial<TransformContext> = {},
  project: PlaneProject = BERLIN,
): EventModel {
  const event = issueToEvent(sampleIssue(overrides), project, { ...TIMED, ...ctx });
  if (event === null) throw new Error('expected an event');
  return event;
}

/** The instant (ISO, UTC) of a component's date property, through ical.js and the object's own VTIMEZONE. */
function instantOf(ics: string, component: 'vevent' | 'vtodo', property: 'dtstart' | 'dtend' | 'due'): string {
  const zone = new ICAL.Timezone(icalComponent(ics, 'vtimezone'));
  const value = icalComponent(ics, component).getFirstPropertyValue(property) as InstanceType<typeof ICAL.Time>;
  expect(value.isDate).toBe(false);
  const local = value.clone();
  local.zone = zone;
  return new Date(local.toUnixTime() * 1000).toISOString();
}

describe('a timed event (times: "timed")', () => {
  const event = model({ target_date: '2026-03-02T14:30' });
  const text = renderEvent(event);

  it("has the wall-clock time in the project's zone, and lasts sync.defaultDuration (PT1H by default)", () => {
    expect(event.fields).toMatchObject({
      start: '2026-03-02T14:30:00',
      end: '2026-03-02T15:30:00',
      timeZone: 'Europe/Berlin',
      status: 'CONFIRMED',
    });
    expect(event.component).toBeUndefined();
  });

  it('is written with TZID and a VTIMEZONE with the offsets and transitions of 2026', () => {
    const lines = physicalLines(text);
    expect(componentLines(text, 'VEVENT').filter((line) => /^(DTSTART|DTEND)/.test(line))).toEqual([
      'DTSTART;TZID=Europe/Berlin:20260302T143000',
      'DTEND;TZID=Europe/Berlin:20260302T153000',
    ]);
    expect(componentLines(text, 'VTIMEZONE')).toEqual(BERLIN_2026);
    // The VTIMEZONE comes before the VEVENT that refers to it, and there is one of each.
    expect(lines.filter((line) => line.startsWith('BEGIN:V'))).toEqual([
      'BEGIN:VCALENDAR',
      'BEGIN:VTIMEZONE',
      'BEGIN:VEVENT',
    ]);
    expectWellFormed(text);
  });

  it("keeps the event's other properties in their order, without the all-day markers", () => {
    const vevent = componentLines(text, 'VEVENT');
    expect(vevent.slice(0, 4)).toEqual(['BEGIN:VEVENT', `UID:${UID}`, 'SEQUENCE:0', 'DTSTAMP:20251220T103000Z']);
    expect(vevent).toContain('TRANSP:TRANSPARENT');
    expect(vevent).toContain('STATUS:CONFIRMED');
    expect(text).not.toContain('X-MICROSOFT');
    expect(text).not.toContain('VALUE=DATE');
  });

  it('means 13:30 UTC in winter and 12:30 UTC in summer to ical.js', () => {
    expect(instantOf(text, 'vevent', 'dtstart')).toBe('2026-03-02T13:30:00.000Z');
    expect(instantOf(text, 'vevent', 'dtend')).toBe('2026-03-02T14:30:00.000Z');
    const summer = renderEvent(model({ target_date: '2026-07-02T14:30' }));
    expect(instantOf(summer, 'vevent', 'dtstart')).toBe('2026-07-02T12:30:00.000Z');
  });

  it('takes seconds when Plane sends them, and drops fractions', () => {
    expect(model({ target_date: '2026-03-02T14:30:45' }).fields).toMatchObject({
      start: '2026-03-02T14:30:45',
      end: '2026-03-02T15:30:45',
    });
    expect(model({ target_date: '2026-03-02T14:30:45.123' }).fields.start).toBe('2026-03-02T14:30:45');
  });

  it.each([
    ['PT30M', '2026-03-02T14:30', '2026-03-02T15:00:00'],
    ['PT2H', '2026-03-02T23:30', '2026-03-03T01:30:00'],
    ['P1D', '2026-03-02T14:30', '2026-03-03T14:30:00'],
    ['P1W', '2026-02-26T08:00', '2026-03-05T08:00:00'],
    ['PT1H', '2026-12-31T23:30', '2027-01-01T00:30:00'],
    [undefined, '2024-02-28T23:15', '2024-02-29T00:15:00'],
  ])('defaultDuration %j: %s ends at %s', (defaultDuration, target_date, end) => {
    expect(model({ target_date }, { defaultDuration }).fields.end).toBe(end);
  });

  it('an event that ends in the next year gets a VTIMEZONE covering both years', () => {
    const lines = componentLines(renderEvent(model({ target_date: '2026-12-31T23:30' })), 'VTIMEZONE');
    expect(lines.filter((line) => line.startsWith('DTSTART'))).toEqual([
      'DTSTART:20260101T000000',
      'DTSTART:20260329T020000',
      'DTSTART:20261025T030000',
      'DTSTART:20270328T020000',
      'DTSTART:20271031T030000',
    ]);
  });

  it('has its alarms relative to the start', () => {
    const lines = componentLines(
      renderEvent(model({ target_date: '2026-03-02T14:30' }, { alarms: ['-PT15M'] })),
      'VEVENT',
    );
    expect(lines.filter((line) => line.startsWith('TRIGGER'))).toEqual(['TRIGGER:-PT15M']);
  });

  describe('with dates: "span"', () => {
    it.each([
      ['2026-03-01T09:00', '2026-03-02T14:30', '2026-03-01T09:00:00', '2026-03-02T14:30:00'],
      // A start with only a date starts at midnight: DTSTART and DTEND are of one value type.
      ['2026-03-01', '2026-03-02T14:30', '2026-03-01T00:00:00', '2026-03-02T14:30:00'],
      ['2026-03-02T09:15', '2026-03-02T14:30', '2026-03-02T09:15:00', '2026-03-02T14:30:00'],
      // No span to show: the target time and the default duration.
      ['2026-03-02T14:30', '2026-03-02T14:30', '2026-03-02T14:30:00', '2026-03-02T15:30:00'],
      ['2026-03-03T09:00', '2026-03-02T14:30', '2026-03-02T14:30:00', '2026-03-02T15:30:00'],
      [null, '2026-03-02T14:30', '2026-03-02T14:30:00', '2026-03-02T15:30:00'],
    ])('from %j to %j runs %s → %s', (start_date, target_date, start, end) => {
      const fields = model({ start_date, target_date }, { dates: 'span' }).fields;
      expect(fields).toMatchObject({ start, end, timeZone: 'Europe/Berlin' });
    });

    it('ends at the target time (not start + defaultDuration)', () => {
      const text = renderEvent(
        model(
          { start_date: '2026-03-01T09:00', target_date: '2026-03-02T14:30' },
          { dates: 'span', defaultDuration: 'PT15M' },
        ),
      );
      expect(componentLines(text, 'VEVENT').filter((line) => /^(DTSTART|DTEND)/.test(line))).toEqual([
        'DTSTART;TZID=Europe/Berlin:20260301T090000',
        'DTEND;TZID=Europe/Berlin:20260302T143000',
      ]);
    });

    it('a target without a time keeps the all-day span, whatever the start has', () => {
      const fields = model({ start_date: '2026-03-01T09:00', target_date: '2026-03-04' }, { dates: 'span' }).fields;
      expect(fields).toMatchObject({ start: '2026-03-01', end: '2026-03-05' });
      expect(fields.timeZone).toBeUndefined();
    });

    it('without span, the start is not used', () => {
      expect(model({ start_date: '2026-03-01T09:00', target_date: '2026-03-02T14:30' }).fields).toMatchObject({
        start: '2026-03-02T14:30:00',
        end: '2026-03-02T15:30:00',
      });
    });
  });
});

describe('an item with a time, without times: "timed"', () => {
  const allDay = (target_date: string, ctx: Partial<TransformContext> = {}, project: PlaneProject = BERLIN) =>
    issueToEvent(sampleIssue({ target_date }), project, { ...CTX, ...ctx }) as EventModel;

  it('is an all-day event on its date, byte-identical to a date-only item', () => {
    expect(allDay('2026-03-02T14:30').fields).toMatchObject({ start: '2026-03-02', end: '2026-03-03' });
    expect(allDay('2026-03-02T14:30').fields.timeZone).toBeUndefined();
    for (const ctx of [{}, { times: 'dates' as const }, { dates: 'span' as const }, { alarms: ['-PT15H'] }]) {
      expect(renderEvent(allDay('2026-03-02T14:30', ctx))).toBe(renderEvent(allDay('2026-03-02', ctx)));
      expect(renderEvent(allDay('2026-03-02T23:59:59', ctx))).toBe(renderEvent(allDay('2026-03-02', ctx)));
    }
    expect(renderEvent(allDay('2026-03-02T14:30'))).toBe(renderEvent(allDay('2026-03-02', {}, sampleProject())));
  });

  it('and a task is due on its date', () => {
    const task = allDay('2026-03-02T14:30', { as: 'tasks' });
    expect(renderEvent(task)).toBe(renderEvent(allDay('2026-03-02', { as: 'tasks' })));
    expect(componentLines(renderEvent(task), 'VTODO')).toContain('DUE;VALUE=DATE:20260302');
  });

  it('with times: "timed", a date-only item stays all-day, byte for byte', () => {
    for (const ctx of [{}, { dates: 'span' as const }, { as: 'tasks' as const }]) {
      expect(renderEvent(allDay('2026-03-02', { ...ctx, times: 'timed' }))).toBe(
        renderEvent(allDay('2026-03-02', ctx)),
      );
    }
  });
});

describe('the zone of a timed item', () => {
  const zoneOf = (project: PlaneProject, ctx: Partial<TransformContext> = {}) =>
    model({ target_date: '2026-03-02T14:30' }, ctx, project).fields.timeZone;

  it("is the project's timezone", () => {
    expect(zoneOf(sampleProject({ timezone: 'America/New_York' }), { timeZone: 'Europe/Berlin' })).toBe(
      'America/New_York',
    );
  });

  it('falls back to ctx.timeZone (sync.timeZone) when the project names none, or one the runtime does not know', () => {
    for (const timezone of [undefined, '', 'Mars/Olympus_Mons']) {
      expect(zoneOf(sampleProject({ timezone }), { timeZone: 'Asia/Kathmandu' }), String(timezone)).toBe(
        'Asia/Kathmandu',
      );
    }
  });

  it('then to UTC', () => {
    const event = model({ target_date: '2026-03-02T14:30' }, {}, sampleProject());
    expect(event.fields.timeZone).toBe('UTC');
    const text = renderEvent(event);
    expect(componentLines(text, 'VEVENT')).toContain('DTSTART;TZID=UTC:20260302T143000');
    expect(componentLines(text, 'VTIMEZONE')).toEqual(UTC_2026);
    expect(instantOf(text, 'vevent', 'dtstart')).toBe('2026-03-02T14:30:00.000Z');
  });
});

describe('a timed task', () => {
  const task = (overrides: Partial<PlaneIssue>, ctx: Partial<TransformContext> = {}) =>
    model(overrides, { as: 'tasks', ...ctx });

  it('is due at the target time, with TZID and VTIMEZONE', () => {
    const item = task({ target_date: '2026-03-02T14:30' });
    expect(item.component).toBe('vtodo');
    expect(item.fields).toMatchObject({ start: '', end: '2026-03-02T14:30:00', timeZone: 'Europe/Berlin' });
    const text = renderEvent(item);
    const vtodo = componentLines(text, 'VTODO');
    expect(vtodo.filter((line) => /^(DTSTART|DUE)/.test(line))).toEqual(['DUE;TZID=Europe/Berlin:20260302T143000']);
    expect(componentLines(text, 'VTIMEZONE')).toEqual(BERLIN_2026);
    expect(instantOf(text, 'vtodo', 'due')).toBe('2026-03-02T13:30:00.000Z');
    expectWellFormed(text);
  });

  it.each([
    ['2026-03-01T09:00', 'DTSTART;TZID=Europe/Berlin:20260301T090000'],
    ['2026-03-01', 'DTSTART;TZID=Europe/Berlin:20260301T000000'],
    ['2026-03-02T14:29', 'DTSTART;TZID=Europe/Berlin:20260302T142900'],
    // DUE must be later than DTSTART (RFC 5545 §3.8.2.3).
    ['2026-03-02T14:30', undefined],
    ['2026-03-03', undefined],
    [null, undefined],
  ])('with start %j has %j', (start_date, line) => {
    const vtodo = componentLines(renderEvent(task({ start_date, target_date: '2026-03-02T14:30' })), 'VTODO');
    expect(vtodo.filter((l) => l.startsWith('DTSTART'))).toEqual(line === undefined ? [] : [line]);
  });

  it('has no DTEND or DURATION (defaultDuration is for events)', () => {
    const text = renderEvent(task({ target_date: '2026-03-02T14:30' }, { defaultDuration: 'PT2H' }));
    expect(text).not.toContain('DTEND');
    expect(text).not.toContain('DURATION');
  });

  it('has its alarms relative to DUE', () => {
    const vtodo = componentLines(
      renderEvent(task({ target_date: '2026-03-02T14:30' }, { alarms: ['-PT30M'] })),
      'VTODO',
    );
    expect(vtodo.filter((line) => line.startsWith('TRIGGER'))).toEqual(['TRIGGER;RELATED=END:-PT30M']);
  });
});

describe('timed items across time zones', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('render identical bytes whatever process.env.TZ is', () => {
    const projects = [
      BERLIN,
      sampleProject({ timezone: 'America/New_York' }),
      sampleProject({ timezone: 'Australia/Lord_Howe' }),
      sampleProject(),
    ];
    const render = () =>
      projects.flatMap((project) => [
        renderEvent(model({ target_date: '2026-03-29T01:30' }, {}, project)),
        renderEvent(
          model({ start_date: '2026-10-24T22:00', target_date: '2026-10-25T04:00' }, { dates: 'span' }, project),
        ),
        renderEvent(
          model(
            { target_date: '2026-12-31T23:30', start_date: '2026-12-31' },
            { as: 'tasks', alarms: ['-PT1H'] },
            project,
          ),
        ),
      ]);
    const expected = render();
    const offsets = new Set<number>();
    for (const zone of [
      'UTC',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
      'Asia/Kathmandu',
      'America/St_Johns',
      'Europe/Berlin',
    ]) {
      process.env.TZ = zone;
      offsets.add(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset());
      expect(render(), zone).toEqual(expected);
    }
    expect(offsets.size).toBeGreaterThan(3);
  });
});
