/**
 * Every new shape (tasks, timed items, cycle and module blocks) through render → ical.js →
 * parseCalendarObject with nothing to change, and mergeEvent over stored objects of each.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { cycleToEvent, moduleToEvent } from '../../../src/event/blocks.js';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { fieldChanges, parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent, type TransformContext } from '../../../src/event/transform.js';
import type { PlaneIssue, PlaneProject } from '../../../src/plane/types.js';
import { CLIENT_EDITED, RADICALE_TIMED_TASK, RADICALE_TIMED_UTC } from './client-fixtures.js';
import {
  CTX,
  componentLines,
  DONE,
  expectWellFormed,
  icalComponent,
  PROJECT_ID,
  physicalLines,
  STARTED,
  sampleCycle,
  sampleIssue,
  sampleModule,
  sampleProject,
  UID,
  unfoldedLines,
} from './fixtures.js';

const BERLIN = sampleProject({ timezone: 'Europe/Berlin' });

function item(
  overrides: Partial<PlaneIssue>,
  ctx: Partial<TransformContext>,
  project: PlaneProject = BERLIN,
): EventModel {
  const model = issueToEvent(sampleIssue(overrides), project, { ...CTX, ...ctx });
  if (model === null) throw new Error('expected an item');
  return model;
}

const SHAPES: [string, () => EventModel][] = [
  ['a task', () => item({ start_date: '2025-12-20', target_date: '2025-12-27' }, { as: 'tasks', alarms: ['-PT15H'] })],
  [
    'an undated task',
    () =>
      item(
        { target_date: null, start_date: '2025-12-20', priority: 'none', labels: [] },
        { as: 'tasks', undated: 'include' },
      ),
  ],
  [
    'an undated task without any date',
    () => item({ target_date: null }, { as: 'tasks', undated: 'include', alarms: ['-PT15H'] }),
  ],
  [
    'a completed task',
    () =>
      item(
        { state: DONE, completed_at: '2025-12-26T18:15:30+05:30', priority: 'urgent' },
        { as: 'tasks', summary: '{identifier}-{sequence} {name}' },
      ),
  ],
  [
    'a cancelled task',
    () =>
      item(
        { state: { id: 'c', name: 'Cancelled', color: '#999', group: 'cancelled' }, priority: 'low' },
        { as: 'tasks' },
      ),
  ],
  [
    'a backlog task with a medium priority',
    () =>
      item(
        { state: { id: 'b', name: 'Backlog', color: '#999', group: 'backlog' }, priority: 'medium' },
        { as: 'tasks' },
      ),
  ],
  ['a timed event', () => item({ target_date: '2026-03-02T14:30' }, { times: 'timed', alarms: ['-PT15M'] })],
  [
    'a timed event in summer',
    () => item({ target_date: '2026-07-02T14:30:45' }, { times: 'timed', defaultDuration: 'PT45M' }),
  ],
  [
    'a timed span across years',
    () => item({ start_date: '2026-12-31T22:00', target_date: '2027-01-01T02:00' }, { times: 'timed', dates: 'span' }),
  ],
  [
    'a timed event in UTC (no project zone)',
    () => item({ target_date: '2026-03-02T14:30' }, { times: 'timed' }, sampleProject()),
  ],
  [
    'a timed task',
    () =>
      item(
        { start_date: '2026-03-01T09:00', target_date: '2026-03-02T14:30' },
        { as: 'tasks', times: 'timed', alarms: ['-PT30M'] },
      ),
  ],
  [
    'a timed task without a start',
    () =>
      item(
        { target_date: '2026-03-02T14:30', state: DONE, completed_at: '2026-03-02T15:00:00Z' },
        { as: 'tasks', times: 'timed' },
      ),
  ],
  [
    'an all-day span with alarms',
    () => item({ start_date: '2025-12-20', target_date: '2025-12-27' }, { dates: 'span', alarms: ['-PT15H', '-P1D'] }),
  ],
  [
    'a cycle block',
    () =>
      cycleToEvent(sampleCycle({ start_date: '2026-03-01T23:00:01Z', end_date: '2026-03-15T22:59:00Z' }), BERLIN, CTX)!,
  ],
  ['a module block, done', () => moduleToEvent(sampleModule({ status: 'completed' }), BERLIN, CTX)!],
];

describe.each(SHAPES)('%s', (_, make) => {
  const model = make();
  const component = model.component ?? 'vevent';
  const text = renderEvent(model);

  it('renders well-formed, and ical.js reads the one component', () => {
    expectWellFormed(text);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getAllSubcomponents(component)).toHaveLength(1);
    expect(calendar.getAllSubcomponents(component === 'vtodo' ? 'vevent' : 'vtodo')).toHaveLength(0);
    expect(icalComponent(text, component).getFirstPropertyValue('uid')).toBe(model.uid);
    expect(icalComponent(text, component).getFirstPropertyValue('summary')).toBe(model.fields.summary);
    expect(calendar.getAllSubcomponents('vtimezone')).toHaveLength(model.fields.timeZone === undefined ? 0 : 1);
  });

  it('parses back to the same fields: nothing to change', () => {
    const parsed = parseCalendarObject(text);
    expect(parsed).toEqual({
      uid: model.uid,
      component,
      fields: model.fields,
      sequence: 0,
      projectId: PROJECT_ID.toLowerCase(),
    });
    expect(fieldChanges(parsed.fields, model.fields, component)).toEqual([]);
  });

  it('merged over our own render, equals a render with SEQUENCE + 1', () => {
    expect(mergeEvent(text, model)).toBe(renderEvent(model, { sequence: 1 }));
    expect(mergeEvent(renderEvent(model, { sequence: 6 }), model)).toBe(renderEvent(model, { sequence: 7 }));
  });
});

describe('fieldChanges of a task', () => {
  const task = item({ start_date: '2025-12-20' }, { as: 'tasks' });

  it('names DTSTART start_date and DUE target_date', () => {
    const moved = item({ start_date: '2025-12-21', target_date: '2025-12-30' }, { as: 'tasks' });
    expect(fieldChanges(task.fields, moved.fields, 'vtodo')).toEqual([
      { field: 'start_date', from: '2025-12-20', to: '2025-12-21' },
      { field: 'target_date', from: '2025-12-27', to: '2025-12-30' },
    ]);
  });

  it('reports completion, its time, PERCENT-COMPLETE and PRIORITY', () => {
    const done = item(
      { start_date: '2025-12-20', state: DONE, completed_at: '2025-12-26T12:00:00Z', priority: 'urgent' },
      { as: 'tasks' },
    );
    expect(fieldChanges(task.fields, done.fields, 'vtodo')).toEqual([
      {
        field: 'description',
        from: expect.stringContaining('Priority: high'),
        to: expect.stringContaining('Priority: urgent'),
      },
      { field: 'status', from: 'IN-PROCESS', to: 'COMPLETED' },
      { field: 'completed', from: null, to: '20251226T120000Z' },
      { field: 'percent_complete', from: null, to: '100' },
      { field: 'priority', from: '3', to: '1' },
      { field: 'color', from: 'darkorange', to: 'red' },
    ]);
    // Reopened: the task properties go.
    expect(fieldChanges(done.fields, task.fields, 'vtodo').map((change) => change.field)).toEqual([
      'description',
      'status',
      'completed',
      'percent_complete',
      'priority',
      'color',
    ]);
  });

  it('sees a task a person ticked off in their app as a change back', () => {
    const ticked = renderEvent(task).replace(
      'STATUS:IN-PROCESS',
      'STATUS:COMPLETED\r\nCOMPLETED:20251222T080000Z\r\nPERCENT-COMPLETE:100',
    );
    expect(fieldChanges(parseCalendarObject(ticked).fields, task.fields, 'vtodo')).toEqual([
      { field: 'status', from: 'COMPLETED', to: 'IN-PROCESS' },
      { field: 'completed', from: '20251222T080000Z', to: null },
      { field: 'percent_complete', from: '100', to: null },
    ]);
  });

  it('reads a VTODO without STATUS as NEEDS-ACTION', () => {
    const backlog = item({ state: { id: 'b', name: 'Backlog', color: '#999', group: 'backlog' } }, { as: 'tasks' });
    const stored = parseCalendarObject(renderEvent(backlog).replace('STATUS:NEEDS-ACTION\r\n', '')).fields;
    expect(fieldChanges(stored, backlog.fields, 'vtodo')).toEqual([]);
  });
});

describe('fieldChanges of a timed item', () => {
  const timed = item({ target_date: '2026-03-02T14:30' }, { times: 'timed' });

  it('is a change when an all-day event becomes timed (and back)', () => {
    const allDay = item({ target_date: '2026-03-02T14:30' }, {});
    expect(fieldChanges(allDay.fields, timed.fields)).toEqual([
      { field: 'target_date', from: '2026-03-02', to: '2026-03-02T14:30:00' },
      { field: 'dtend', from: '2026-03-03', to: '2026-03-02T15:30:00' },
      { field: 'timezone', from: null, to: 'Europe/Berlin' },
    ]);
    expect(
      fieldChanges(parseCalendarObject(renderEvent(timed)).fields, allDay.fields).map((change) => change.field),
    ).toEqual(['dtend']);
  });

  it("is a change when the time, the duration or the project's zone changes", () => {
    const stored = parseCalendarObject(renderEvent(timed)).fields;
    expect(fieldChanges(stored, item({ target_date: '2026-03-02T15:00' }, { times: 'timed' }).fields)).toEqual([
      { field: 'target_date', from: '2026-03-02T14:30:00', to: '2026-03-02T15:00:00' },
      { field: 'dtend', from: '2026-03-02T15:30:00', to: '2026-03-02T16:00:00' },
    ]);
    expect(
      fieldChanges(
        stored,
        item({ target_date: '2026-03-02T14:30' }, { times: 'timed', defaultDuration: 'PT2H' }).fields,
      ),
    ).toEqual([{ field: 'dtend', from: '2026-03-02T15:30:00', to: '2026-03-02T16:30:00' }]);
    const newYork = item(
      { target_date: '2026-03-02T14:30' },
      { times: 'timed' },
      sampleProject({ timezone: 'America/New_York' }),
    );
    expect(fieldChanges(stored, newYork.fields)).toEqual([
      { field: 'timezone', from: 'Europe/Berlin', to: 'America/New_York' },
    ]);
  });
});

/** A person's reminder, as Apple Reminders adds one. */
const PERSONAL_ALARM = [
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:Reminder',
  'TRIGGER;VALUE=DATE-TIME:20251226T080000Z',
  'X-WR-ALARMUID:ABC-123',
  'END:VALARM',
];

describe('mergeEvent over a stored VTODO', () => {
  const done = item(
    { start_date: '2025-12-20', state: DONE, completed_at: '2025-12-26T12:00:00Z', priority: 'urgent' },
    { as: 'tasks', alarms: ['-PT15H'] },
  );
  const stored = physicalLines(renderEvent(done, { sequence: 3 }));
  const endOfTodo = stored.indexOf('END:VTODO');
  const existing = [
    ...stored.slice(0, endOfTodo),
    'X-APPLE-SORT-ORDER:123456',
    'CLASS:PRIVATE',
    'RELATED-TO:parent-task@example.com',
    'LOCATION:Office',
    ...PERSONAL_ALARM,
    ...stored.slice(endOfTodo),
  ].join('\r\n');
  // Reopened in Plane, moved, another priority and one alarm fewer… another one.
  const reopened = item(
    { start_date: '2025-12-20', target_date: '2026-01-05', state: STARTED, completed_at: null, priority: 'none' },
    { as: 'tasks', alarms: ['-P1D'] },
  );
  const merged = mergeEvent(existing, reopened);
  const todo = componentLines(merged, 'VTODO');

  it('replaces our fields, increments SEQUENCE, and reads back as desired', () => {
    const parsed = parseCalendarObject(merged);
    expect(parsed).toMatchObject({ uid: UID, component: 'vtodo', sequence: 4 });
    expect(parsed.fields).toEqual(reopened.fields);
    expect(fieldChanges(parsed.fields, reopened.fields, 'vtodo')).toEqual([]);
    expectWellFormed(merged);
  });

  it('drops COMPLETED, PERCENT-COMPLETE and PRIORITY when the task is reopened without one', () => {
    for (const name of ['COMPLETED', 'PERCENT-COMPLETE', 'PRIORITY', 'COLOR']) {
      expect(
        todo.some((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`)),
        name,
      ).toBe(false);
    }
    expect(todo).toContain('STATUS:IN-PROCESS');
    expect(todo.filter((line) => line.startsWith('DUE'))).toEqual(['DUE;VALUE=DATE:20260105']);
  });

  it('keeps the properties a person or app added', () => {
    const component = icalComponent(merged, 'vtodo');
    expect(component.getFirstPropertyValue('x-apple-sort-order')).toBe('123456');
    expect(component.getFirstPropertyValue('class')).toBe('PRIVATE');
    expect(component.getFirstPropertyValue('related-to')).toBe('parent-task@example.com');
    expect(component.getFirstPropertyValue('location')).toBe('Office');
  });

  it("keeps the person's VALARM and replaces ours", () => {
    const alarms = icalComponent(merged, 'vtodo').getAllSubcomponents('valarm');
    expect(
      alarms.map((alarm) => alarm.getFirstPropertyValue('x-wr-alarmuid') ?? alarm.getFirstPropertyValue('uid')),
    ).toEqual(['ABC-123', `${UID}#alarm-P1D`]);
    expect(alarms[1]?.getFirstProperty('trigger')?.getParameter('related')).toBe('END');
    expect(parseCalendarObject(merged).fields?.alarms).toEqual(['-P1D']);
  });

  it('completes a task again: COMPLETED and PERCENT-COMPLETE come back, once each', () => {
    const again = mergeEvent(merged, done);
    const lines = componentLines(again, 'VTODO');
    expect(lines.filter((line) => line.startsWith('COMPLETED'))).toEqual(['COMPLETED:20251226T120000Z']);
    expect(lines.filter((line) => line.startsWith('PERCENT-COMPLETE'))).toEqual(['PERCENT-COMPLETE:100']);
    expect(parseCalendarObject(again).fields).toEqual(done.fields);
  });

  it('brings back a task a person ticked off in their app', () => {
    const open = item({ start_date: '2025-12-20' }, { as: 'tasks' });
    const ticked = renderEvent(open).replace(
      'STATUS:IN-PROCESS',
      'STATUS:COMPLETED\r\nCOMPLETED:20251222T080000Z\r\nPERCENT-COMPLETE:100',
    );
    const back = mergeEvent(ticked, open);
    expect(parseCalendarObject(back).fields).toEqual(open.fields);
    expect(back).not.toContain('PERCENT-COMPLETE');
  });

  it('removes a DTSTART when the start date goes, and DUE when the task becomes undated', () => {
    const undated = item({ start_date: null, target_date: null }, { as: 'tasks', undated: 'include' });
    const lines = componentLines(mergeEvent(existing, undated), 'VTODO');
    expect(lines.some((line) => line.startsWith('DUE') || line.startsWith('DTSTART'))).toBe(false);
  });

  it('a stored VEVENT where a task is wanted is replaced by a fresh task', () => {
    const event = item({ start_date: '2025-12-20' }, {});
    const task = item({ start_date: '2025-12-20' }, { as: 'tasks' });
    expect(mergeEvent(renderEvent(event, { sequence: 2 }), task)).toBe(renderEvent(task));
  });
});

describe('mergeEvent of a timed event', () => {
  const winter = item({ target_date: '2026-03-02T14:30' }, { times: 'timed' });
  const nextYear = item({ target_date: '2027-01-05T10:00' }, { times: 'timed' });

  const zones = (text: string) =>
    new ICAL.Component(ICAL.parse(text))
      .getAllSubcomponents('vtimezone')
      .map((zone) => String(zone.getFirstPropertyValue('tzid')));

  it('replaces our VTIMEZONE (it covers the new dates) rather than adding a second one', () => {
    const merged = mergeEvent(renderEvent(winter), nextYear);
    expect(zones(merged)).toEqual(['Europe/Berlin']);
    expect(componentLines(merged, 'VTIMEZONE').filter((line) => line.startsWith('DTSTART'))).toEqual([
      'DTSTART:20270101T000000',
      'DTSTART:20270328T020000',
      'DTSTART:20271031T030000',
    ]);
    expect(merged).toBe(renderEvent(nextYear, { sequence: 1 }));
  });

  it("replaces a client's VTIMEZONE of the same TZID, keeps the rest of what the client added", () => {
    const merged = mergeEvent(CLIENT_EDITED, winter);
    expect(zones(merged)).toEqual(['Europe/Berlin']);
    expect(merged).not.toContain('RRULE:FREQ=YEARLY');
    const event = icalComponent(merged, 'vevent');
    expect(event.getFirstPropertyValue('location')).toBe('Room 4, second floor');
    expect(event.getAllSubcomponents('valarm')).toHaveLength(1);
    expect(parseCalendarObject(merged).fields).toEqual(winter.fields);
    expect(unfoldedLines(merged)).toContain('X-WR-CALNAME:Plane: Web Application');
    expectWellFormed(merged);
  });

  it('keeps a VTIMEZONE of another TZID', () => {
    const newYork = [
      'BEGIN:VTIMEZONE',
      'TZID:America/New_York',
      'BEGIN:STANDARD',
      'DTSTART:19701101T020000',
      'TZOFFSETFROM:-0400',
      'TZOFFSETTO:-0500',
      'END:STANDARD',
      'END:VTIMEZONE',
    ];
    const lines = physicalLines(renderEvent(winter));
    const existing = `${[...lines.slice(0, 4), ...newYork, ...lines.slice(4)].join('\r\n')}\r\n`;
    expect(zones(mergeEvent(existing, nextYear))).toEqual(['Europe/Berlin', 'America/New_York']);
  });

  it('an all-day event that becomes timed loses the all-day markers and gains its VTIMEZONE', () => {
    const allDay = item({ target_date: '2026-03-02T14:30' }, {});
    const merged = mergeEvent(renderEvent(allDay), winter);
    expect(merged).not.toContain('X-MICROSOFT');
    expect(merged).not.toContain('VALUE=DATE');
    expect(zones(merged)).toEqual(['Europe/Berlin']);
    expect(parseCalendarObject(merged).fields).toEqual(winter.fields);
  });

  it('a timed event that becomes all-day again reads back as the all-day event', () => {
    const allDay = item({ target_date: '2026-03-02T14:30' }, {});
    const merged = mergeEvent(renderEvent(winter), allDay);
    expect(parseCalendarObject(merged).fields).toEqual(allDay.fields);
    expect(componentLines(merged, 'VEVENT')).toContain('DTSTART;VALUE=DATE:20260302');
  });
});

describe('new shapes as Radicale stores them (re-serialized by python-vobject)', () => {
  it('a timed task in Europe/Berlin reads back as the same fields', () => {
    const task = item(
      {
        start_date: '2026-03-01T09:00',
        target_date: '2026-03-02T14:30',
        state: DONE,
        completed_at: '2026-03-02T10:00:00Z',
      },
      { as: 'tasks', times: 'timed', alarms: ['-PT15M'] },
    );
    const parsed = parseCalendarObject(RADICALE_TIMED_TASK);
    expect(parsed).toMatchObject({ uid: UID, component: 'vtodo' });
    expect(parsed.fields).toEqual(task.fields);
    expect(fieldChanges(parsed.fields, task.fields, 'vtodo')).toEqual([]);
    expect(parseCalendarObject(mergeEvent(RADICALE_TIMED_TASK, task)).fields).toEqual(task.fields);
  });

  // A project without a timezone (Plane's default is "UTC") puts a timed item in UTC: vobject then
  // stores `DTSTART;TZID=UTC:20260302T143000Z`, the same instant and the same wall clock. Read as
  // "2026-03-02T14:30:00Z" against the desired "2026-03-02T14:30:00", every sync would rewrite it.
  it('a timed event in UTC (a zone without offset) is unchanged, though vobject wrote its times in UTC form', () => {
    const event = item({ target_date: '2026-03-02T14:30' }, { times: 'timed' }, sampleProject());
    expect(event.fields.timeZone).toBe('UTC');
    const parsed = parseCalendarObject(RADICALE_TIMED_UTC);
    expect(fieldChanges(parsed.fields, event.fields)).toEqual([]);
  });
});
