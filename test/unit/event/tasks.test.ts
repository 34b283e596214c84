/** `as: "tasks"`: a work item as a VTODO (DUE, DTSTART, STATUS, COMPLETED, PERCENT-COMPLETE, PRIORITY), and `undated`. */
import type ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent, type TransformContext } from '../../../src/event/transform.js';
import type { PlaneIssue, Priority, StateGroup } from '../../../src/plane/types.js';
import {
  CTX,
  componentLines,
  DONE,
  expectWellFormed,
  ISSUE_ID,
  icalComponent,
  PROJECT_ID,
  physicalLines,
  sampleIssue,
  sampleProject,
  UID,
} from './fixtures.js';

const TASKS: TransformContext = { ...CTX, as: 'tasks' };

function task(overrides: Partial<PlaneIssue> = {}, ctx: Partial<TransformContext> = {}): EventModel {
  const model = issueToEvent(sampleIssue(overrides), sampleProject(), { ...TASKS, ...ctx });
  if (model === null) throw new Error('expected a task');
  return model;
}

function event(overrides: Partial<PlaneIssue> = {}): EventModel {
  const model = issueToEvent(sampleIssue(overrides), sampleProject(), CTX);
  if (model === null) throw new Error('expected an event');
  return model;
}

const state = (group: StateGroup) =>
  ({ id: `state-${group}`, name: group, color: '#000', group }) as PlaneIssue['state'];

/** The seed example, with a start date, as a task. */
const GOLDEN_TASK = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//calplanebot//calplanebot//EN',
  'CALSCALE:GREGORIAN',
  'BEGIN:VTODO',
  `UID:${UID}`,
  'SEQUENCE:0',
  'DTSTAMP:20251220T103000Z',
  'DTSTART;VALUE=DATE:20251220',
  'DUE;VALUE=DATE:20251227',
  'SUMMARY:[42] Implement user authentication',
  'DESCRIPTION:Add login and registration functionality\\n---\\nPriority: high\\n',
  ' State: In Progress\\nAssignees: John Doe\\nLabels: backend\\, security\\nProje',
  ' ct: Web Application',
  'STATUS:IN-PROCESS',
  'PRIORITY:3',
  `X-CALPLANEBOT-ISSUE-ID:${ISSUE_ID}`,
  `X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`,
  'LAST-MODIFIED:20251220T103000Z',
  'CATEGORIES:backend,security',
  'URL:https://app.plane.so/acme/projects/0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c',
  ' /issues/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  'COLOR:darkorange',
  'END:VTODO',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('issueToEvent with as: "tasks"', () => {
  it("maps the seed example to a VTODO model: the event's fields, DUE as end, and the task properties", () => {
    const model = task({ start_date: '2025-12-20' });
    const { fields } = event();
    expect(model).toEqual({
      uid: UID,
      component: 'vtodo',
      issueId: ISSUE_ID,
      projectId: PROJECT_ID,
      stamp: '20251220T103000Z',
      fields: {
        summary: fields.summary,
        description: fields.description,
        start: '2025-12-20',
        end: '2025-12-27',
        status: 'IN-PROCESS',
        priority: 3,
        categories: fields.categories,
        url: fields.url,
        color: fields.color,
      },
    });
  });

  it('renders the VTODO byte for byte', () => {
    const text = renderEvent(task({ start_date: '2025-12-20' }));
    expect(text).toBe(GOLDEN_TASK);
    expectWellFormed(text);
  });

  it('has exactly one VCALENDAR and one VTODO, without the event-only properties', () => {
    const lines = physicalLines(renderEvent(task()));
    expect(lines.filter((line) => line.startsWith('BEGIN:'))).toEqual(['BEGIN:VCALENDAR', 'BEGIN:VTODO']);
    for (const name of [
      'DTEND',
      'TRANSP',
      'X-MICROSOFT-CDO-ALLDAYEVENT',
      'X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT',
      'BEGIN:VEVENT',
      'BEGIN:VTIMEZONE',
    ]) {
      expect(
        lines.some((line) => line.startsWith(name)),
        name,
      ).toBe(false);
    }
  });

  it('writes SEQUENCE from the options', () => {
    expect(renderEvent(task(), { sequence: 4 })).toContain('\r\nSEQUENCE:4\r\n');
  });

  it('is read by ical.js with DUE and DTSTART as dates', () => {
    const todo = icalComponent(renderEvent(task({ start_date: '2024-02-28', target_date: '2024-02-29' })), 'vtodo');
    const due = todo.getFirstPropertyValue('due') as InstanceType<typeof ICAL.Time>;
    const start = todo.getFirstPropertyValue('dtstart') as InstanceType<typeof ICAL.Time>;
    expect(due.isDate).toBe(true);
    expect(due.toString()).toBe('2024-02-29');
    expect(start.isDate).toBe(true);
    expect(start.toString()).toBe('2024-02-28');
    expect(todo.getFirstPropertyValue('status')).toBe('IN-PROCESS');
    expect(todo.getFirstPropertyValue('priority')).toBe(3);
  });

  describe('DUE and DTSTART (the start date when it is before the target date)', () => {
    it.each([
      ['2025-12-20', '2025-12-27', '2025-12-20'],
      // RFC 5545 §3.8.2.3: DUE must be later than DTSTART, so a task starting on its due day has none.
      ['2025-12-27', '2025-12-27', ''],
      ['2025-12-26', '2025-12-27', '2025-12-26'],
      ['2025-12-28', '2025-12-27', ''],
      [null, '2025-12-27', ''],
      ['', '2025-12-27', ''],
      ['garbage', '2025-12-27', ''],
      // Without `times: "timed"` an item with a time is on its date.
      ['2025-12-20T09:00', '2025-12-27T17:30', '2025-12-20'],
    ])('start %j and target %j: DUE is the target date, DTSTART %j', (start_date, target_date, start) => {
      const model = task({ start_date, target_date });
      expect(model.fields).toMatchObject({ start, end: target_date.slice(0, 10) });
      expect(model.fields.timeZone).toBeUndefined();
      const lines = componentLines(renderEvent(model), 'VTODO');
      expect(lines).toContain(`DUE;VALUE=DATE:${target_date.slice(0, 10).replace(/-/g, '')}`);
      expect(lines.filter((line) => line.startsWith('DTSTART'))).toEqual(
        start === '' ? [] : [`DTSTART;VALUE=DATE:${start.replace(/-/g, '')}`],
      );
    });

    it('throws InvalidIssueError for a malformed target date, as an event does', () => {
      expect(() => task({ target_date: '2025-02-30' })).toThrow(/\[WA-42\]/);
    });
  });

  describe('STATUS', () => {
    it.each([
      ['backlog', 'NEEDS-ACTION'],
      ['unstarted', 'NEEDS-ACTION'],
      ['triage', 'NEEDS-ACTION'],
      ['started', 'IN-PROCESS'],
      ['completed', 'COMPLETED'],
      ['cancelled', 'CANCELLED'],
    ] as const)('state group %s → %s', (group, status) => {
      const model = task({ state: state(group), completed_at: group === 'completed' ? '2025-12-26T12:00:00Z' : null });
      expect(model.fields.status).toBe(status);
      expect(componentLines(renderEvent(model), 'VTODO')).toContain(`STATUS:${status}`);
    });

    it('is NEEDS-ACTION for a null state', () => {
      expect(task({ state: {} }).fields.status).toBe('NEEDS-ACTION');
    });

    it('a completed task has COMPLETED (UTC, from completed_at) and PERCENT-COMPLETE:100', () => {
      const model = task({ state: DONE, completed_at: '2025-12-26T18:15:30.123456+05:30' });
      expect(model.fields).toMatchObject({ status: 'COMPLETED', completed: '20251226T124530Z', percentComplete: 100 });
      const lines = componentLines(renderEvent(model), 'VTODO');
      expect(lines).toContain('COMPLETED:20251226T124530Z');
      expect(lines).toContain('PERCENT-COMPLETE:100');
      // RFC 5545 order: STATUS, then COMPLETED and PERCENT-COMPLETE.
      expect(lines.indexOf('COMPLETED:20251226T124530Z')).toBe(lines.indexOf('STATUS:COMPLETED') + 1);
      const todo = icalComponent(renderEvent(model), 'vtodo');
      expect(String(todo.getFirstPropertyValue('completed'))).toBe('2025-12-26T12:45:30Z');
      expect(todo.getFirstPropertyValue('percent-complete')).toBe(100);
    });

    it('a completed task without completed_at is completed when it last changed', () => {
      expect(task({ state: DONE, completed_at: null }).fields.completed).toBe('20251220T103000Z');
    });

    it.each(['backlog', 'unstarted', 'started', 'cancelled'] as const)(
      'a %s task has neither COMPLETED nor PERCENT-COMPLETE, whatever completed_at says',
      (group) => {
        const model = task({ state: state(group), completed_at: '2025-12-26T12:00:00Z' });
        expect(model.fields.completed).toBeUndefined();
        expect(model.fields.percentComplete).toBeUndefined();
        const text = renderEvent(model);
        expect(text).not.toContain('COMPLETED:');
        expect(text).not.toContain('PERCENT-COMPLETE');
      },
    );

    it('an event never has the task properties', () => {
      const model = event({ state: DONE, completed_at: '2025-12-26T12:00:00Z', priority: 'urgent' });
      expect(model.component).toBeUndefined();
      expect(model.fields).not.toHaveProperty('completed');
      expect(model.fields).not.toHaveProperty('percentComplete');
      expect(model.fields).not.toHaveProperty('priority');
    });
  });

  describe('PRIORITY', () => {
    it.each([
      ['urgent', 1, 'red'],
      ['high', 3, 'darkorange'],
      ['medium', 5, 'gold'],
      ['low', 7, 'green'],
    ] as const)('%s → PRIORITY:%i (and COLOR %s, as for events)', (priority, value, color) => {
      const model = task({ priority });
      expect(model.fields).toMatchObject({ priority: value, color });
      expect(componentLines(renderEvent(model), 'VTODO')).toContain(`PRIORITY:${value}`);
    });

    it('none → no PRIORITY and no COLOR', () => {
      const model = task({ priority: 'none' as Priority });
      expect(model.fields).not.toHaveProperty('priority');
      expect(model.fields.color).toBeNull();
      const text = renderEvent(model);
      expect(text).not.toContain('PRIORITY');
      expect(text).not.toContain('COLOR');
    });
  });

  describe('undated', () => {
    it.each([null, ''])('skips an item whose target_date is %j by default, and with undated: "skip"', (target_date) => {
      expect(issueToEvent(sampleIssue({ target_date }), sampleProject(), TASKS)).toBeNull();
      expect(issueToEvent(sampleIssue({ target_date }), sampleProject(), { ...TASKS, undated: 'skip' })).toBeNull();
    });

    it('with undated: "include", an item without a target date is a task without DUE', () => {
      const model = task({ target_date: null }, { undated: 'include' });
      expect(model.fields).toMatchObject({ start: '', end: '', status: 'IN-PROCESS' });
      const lines = componentLines(renderEvent(model), 'VTODO');
      expect(lines.some((line) => line.startsWith('DUE'))).toBe(false);
      expect(lines.some((line) => line.startsWith('DTSTART'))).toBe(false);
      expectWellFormed(renderEvent(model));
    });

    it('an undated task keeps its start date as DTSTART', () => {
      const model = task({ target_date: '', start_date: '2025-12-20' }, { undated: 'include' });
      expect(model.fields).toMatchObject({ start: '2025-12-20', end: '' });
      expect(componentLines(renderEvent(model), 'VTODO')).toContain('DTSTART;VALUE=DATE:20251220');
    });

    it('an undated task has no alarms: nothing to count from', () => {
      const model = task({ target_date: null }, { undated: 'include', alarms: ['-PT15H'] });
      expect(model.fields).not.toHaveProperty('alarms');
      expect(renderEvent(model)).not.toContain('VALARM');
    });

    it('is for tasks only: an event calendar skips undated items whatever `undated` says', () => {
      expect(
        issueToEvent(sampleIssue({ target_date: null }), sampleProject(), { ...CTX, undated: 'include' }),
      ).toBeNull();
    });

    it('a dated item is the same task with or without undated: "include"', () => {
      expect(task({}, { undated: 'include' })).toEqual(task());
    });
  });

  describe('alarms', () => {
    it('count from DUE: TRIGGER;RELATED=END', () => {
      const model = task({}, { alarms: ['-PT15H', '-P1D'] });
      expect(model.fields.alarms).toEqual(['-PT15H', '-P1D']);
      const text = renderEvent(model);
      const lines = componentLines(text, 'VTODO');
      expect(lines.filter((line) => line.startsWith('TRIGGER'))).toEqual([
        'TRIGGER;RELATED=END:-PT15H',
        'TRIGGER;RELATED=END:-P1D',
      ]);
      const alarms = icalComponent(text, 'vtodo').getAllSubcomponents('valarm');
      expect(alarms.map((alarm) => alarm.getFirstProperty('trigger')?.getParameter('related'))).toEqual(['END', 'END']);
      expect(alarms.map((alarm) => alarm.getFirstPropertyValue('uid'))).toEqual([
        `${UID}#alarm-PT15H`,
        `${UID}#alarm-P1D`,
      ]);
    });

    it("an event's alarms stay relative to the start", () => {
      const lines = componentLines(
        renderEvent(issueToEvent(sampleIssue(), sampleProject(), { ...CTX, alarms: ['-PT15H'] })!),
        'VEVENT',
      );
      expect(lines.filter((line) => line.startsWith('TRIGGER'))).toEqual(['TRIGGER:-PT15H']);
    });
  });

  it('takes the summary template, as events do', () => {
    expect(
      task({ sequence_id: 12, name: 'Fix login' }, { summary: '{identifier}-{sequence} {name}' }).fields.summary,
    ).toBe('WA-12 Fix login');
  });

  it('ignores `dates: "span"`: a task always has its start as DTSTART and its target as DUE', () => {
    expect(task({ start_date: '2025-12-20' }, { dates: 'span' })).toEqual(task({ start_date: '2025-12-20' }));
  });
});

describe('tasks across time zones', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('renders identical bytes whatever process.env.TZ is', () => {
    const render = () =>
      [
        task({
          start_date: '2025-12-31',
          target_date: '2026-01-01',
          state: DONE,
          completed_at: '2026-01-01T00:30:00+14:00',
        }),
        task({ target_date: '2024-02-29' }, { alarms: ['-PT15H'] }),
        task({ target_date: null, start_date: '2025-03-30' }, { undated: 'include' }),
      ].map((model) => renderEvent(model));
    const expected = render();
    expect(expected[0]).toContain('COMPLETED:20251231T103000Z');
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'America/St_Johns']) {
      process.env.TZ = zone;
      expect(render(), zone).toEqual(expected);
    }
  });
});
