/** `cycles` / `modules`: each with both dates as an all-day block `Cycle: {name}` / `Module: {name}`. */
import { afterEach, describe, expect, it } from 'vitest';
import { cycleToEvent, moduleToEvent } from '../../../src/event/blocks.js';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import type { TransformContext } from '../../../src/event/transform.js';
import { LEGACY_SCHEME, uidScheme } from '../../../src/event/uid.js';
import type { PlaneCycle, PlaneModule, PlaneProject } from '../../../src/plane/types.js';
import {
  CTX,
  CYCLE_ID,
  componentLines,
  expectWellFormed,
  MODULE_ID,
  PROJECT_ID,
  physicalLines,
  sampleCycle,
  sampleModule,
  sampleProject,
} from './fixtures.js';

const BERLIN = sampleProject({ timezone: 'Europe/Berlin' });
const CYCLE_URL = `https://app.plane.so/acme/projects/${PROJECT_ID}/cycles/${CYCLE_ID}`;
const MODULE_URL = `https://app.plane.so/acme/projects/${PROJECT_ID}/modules/${MODULE_ID}`;

function cycle(
  overrides: Partial<PlaneCycle> = {},
  project: PlaneProject = BERLIN,
  ctx: Partial<TransformContext> = {},
): EventModel {
  const model = cycleToEvent(sampleCycle(overrides), project, { ...CTX, ...ctx });
  if (model === null) throw new Error('expected a block');
  return model;
}

function module(overrides: Partial<PlaneModule> = {}, ctx: Partial<TransformContext> = {}): EventModel {
  const model = moduleToEvent(sampleModule(overrides), sampleProject(), { ...CTX, ...ctx });
  if (model === null) throw new Error('expected a block');
  return model;
}

const days = (model: EventModel) => [model.fields.start, model.fields.end];

describe('cycleToEvent', () => {
  it('is an all-day block from the first to the last day (DTEND the day after), with a summary, the description and a link', () => {
    expect(cycle({ start_date: '2026-03-01T23:30:00Z', end_date: '2026-03-15T22:59:00Z' })).toEqual({
      uid: `plane-cycle-${CYCLE_ID}@calplanebot`,
      source: 'cycle',
      issueId: CYCLE_ID,
      projectId: PROJECT_ID,
      stamp: '20260221T100000Z',
      fields: {
        summary: 'Cycle: Sprint 7',
        description: `Ship the login\n---\nCycle in Web Application\n${CYCLE_URL}`,
        start: '2026-03-02',
        end: '2026-03-16',
        status: 'CONFIRMED',
        categories: [],
        url: CYCLE_URL,
        color: null,
      },
    });
  });

  // Plane keeps a cycle's own `timezone` at its default "UTC" unless a client sends one, but
  // converts the chosen days with the *project's* zone (utils/timezone_converter.py convert_to_utc):
  // a cycle of 2–15 March in a Berlin project is stored as 2026-03-01T23:00:01Z … 2026-03-15T22:59:00Z.
  describe("turns datetimes into dates in the project's zone (else the configured one, else the cycle's own)", () => {
    const START = '2026-03-01T23:30:00Z'; // 2026-03-02 00:30 in Berlin, still 2026-03-01 in UTC

    it('the days Plane stored in the project\'s zone, for a cycle whose own timezone is Plane\'s default "UTC"', () => {
      expect(
        days(cycle({ start_date: '2026-03-01T23:00:01Z', end_date: '2026-03-15T22:59:00Z', timezone: 'UTC' }, BERLIN)),
      ).toEqual(['2026-03-02', '2026-03-16']);
      const ny = sampleProject({ timezone: 'America/New_York' });
      // West of UTC, the end's 23:59 is the next day in UTC but the same day in the zone.
      expect(
        days(cycle({ start_date: '2026-03-02T05:00:01Z', end_date: '2026-03-16T03:59:00Z', timezone: 'UTC' }, ny)),
      ).toEqual(['2026-03-02', '2026-03-16']);
    });

    it.each([
      ["the project's, over the configured and the cycle's", { timezone: 'UTC' }, BERLIN, { timeZone: 'UTC' }],
      ["the project's, when the cycle has none", { timezone: null }, BERLIN, {}],
      [
        'the configured, when the project has none',
        { timezone: 'UTC' },
        sampleProject(),
        { timeZone: 'Europe/Berlin' },
      ],
      [
        "the configured, when the project's is unknown",
        { timezone: 'UTC' },
        sampleProject({ timezone: 'Mars/Base' }),
        { timeZone: 'Europe/Berlin' },
      ],
      ["the cycle's own, when neither names one", { timezone: 'Europe/Berlin' }, sampleProject(), {}],
      [
        "the cycle's own, when the project's is blank",
        { timezone: 'Europe/Berlin' },
        sampleProject({ timezone: '' }),
        {},
      ],
    ] as const)('%s', (_, zone, project, ctx) => {
      expect(cycle({ start_date: START, end_date: '2026-03-08T22:59:00Z', ...zone }, project, ctx).fields.start).toBe(
        '2026-03-02',
      );
    });

    it('UTC when nothing names a (known) zone', () => {
      for (const timezone of [undefined, null, 'Mars/Olympus_Mons']) {
        expect(
          days(cycle({ start_date: START, end_date: '2026-03-08T22:59:00Z', timezone }, sampleProject())),
          String(timezone),
        ).toEqual(['2026-03-01', '2026-03-09']);
      }
    });

    it("an instant rendered with an offset (the key owner's zone) is the same instant", () => {
      const model = cycle({ start_date: '2026-03-01T18:30:00-05:00', end_date: '2026-03-08T23:59:00+01:00' });
      expect(days(model)).toEqual(['2026-03-02', '2026-03-09']);
    });

    it('a plain date (older Plane) is that date', () => {
      expect(days(cycle({ start_date: '2026-03-02', end_date: '2026-03-15' }))).toEqual(['2026-03-02', '2026-03-16']);
    });
  });

  it.each([
    [{ start_date: null }],
    [{ end_date: null }],
    [{ start_date: null, end_date: null }],
    [{ start_date: '' }],
    [{ end_date: 'garbage' }],
  ])('has no block without both dates: %j', (dates) => {
    expect(cycleToEvent(sampleCycle(dates), BERLIN, CTX)).toBeNull();
  });

  it('a cycle whose end comes before its start shows on its last day', () => {
    expect(days(cycle({ start_date: '2026-03-10T12:00:00Z', end_date: '2026-03-05T12:00:00Z' }))).toEqual([
      '2026-03-05',
      '2026-03-06',
    ]);
  });

  it('a one-day cycle is one day', () => {
    expect(days(cycle({ start_date: '2026-03-01T23:00:01Z', end_date: '2026-03-02T22:59:00Z' }))).toEqual([
      '2026-03-02',
      '2026-03-03',
    ]);
  });

  it('describes itself from its HTML or plain description; without one, only where it is and the link', () => {
    expect(cycle({ description: '<p>First</p><p>Second</p>' }).fields.description).toBe(
      `First\n\nSecond\n---\nCycle in Web Application\n${CYCLE_URL}`,
    );
    for (const description of ['', null, undefined]) {
      expect(cycle({ description }).fields.description, String(description)).toBe(
        `---\nCycle in Web Application\n${CYCLE_URL}`,
      );
    }
  });

  it('keeps the name on one line', () => {
    expect(cycle({ name: ' Sprint\n7\u0000 ' }).fields.summary).toBe('Cycle: Sprint 7');
  });

  it('stamps from updated_at, else created_at, else the epoch', () => {
    expect(cycle({ updated_at: '2026-02-21T11:00:00+01:00' }).stamp).toBe('20260221T100000Z');
    expect(cycle({ updated_at: undefined }).stamp).toBe('20260220T100000Z');
    expect(cycle({ updated_at: undefined, created_at: undefined }).stamp).toBe('19700101T000000Z');
  });

  it("takes the calendar entry's UIDs, which the scheme reads back as a cycle", () => {
    const sprints = uidScheme('sprints');
    const model = cycle({}, BERLIN, { scheme: sprints });
    expect(model.uid).toBe(`plane-cycle-${CYCLE_ID}@sprints.calplanebot`);
    expect(sprints.itemOf(model.uid)).toEqual({ source: 'cycle', id: CYCLE_ID });
    expect(sprints.issueIdOf(model.uid)).toBeNull();
    expect(LEGACY_SCHEME.itemOf(cycle().uid)).toEqual({ source: 'cycle', id: CYCLE_ID });
    expect(LEGACY_SCHEME.itemOf(model.uid)).toBeNull();
  });

  it("renders as an all-day event marked as the cycle's, not a work item's", () => {
    const text = renderEvent(cycle({ start_date: '2026-03-01T23:00:01Z', end_date: '2026-03-15T22:59:00Z' }));
    const vevent = componentLines(text, 'VEVENT');
    expect(vevent).toContain('DTSTART;VALUE=DATE:20260302');
    expect(vevent).toContain('DTEND;VALUE=DATE:20260316');
    expect(vevent).toContain('SUMMARY:Cycle: Sprint 7');
    expect(vevent).toContain(`X-CALPLANEBOT-CYCLE-ID:${CYCLE_ID}`);
    expect(vevent).toContain(`X-CALPLANEBOT-PROJECT-ID:${PROJECT_ID}`);
    expect(vevent).toContain(`URL:${CYCLE_URL}`);
    expect(vevent).toContain('TRANSP:TRANSPARENT');
    expect(vevent.some((line) => line.startsWith('X-CALPLANEBOT-ISSUE-ID'))).toBe(false);
    expect(vevent.some((line) => line.startsWith('COLOR') || line.startsWith('CATEGORIES'))).toBe(false);
    expect(physicalLines(text).filter((line) => line.startsWith('BEGIN:'))).toEqual([
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
    ]);
    expectWellFormed(text);
  });
});

describe('moduleToEvent', () => {
  it('is an all-day block from its start to its target date', () => {
    expect(module()).toEqual({
      uid: `plane-module-${MODULE_ID}@calplanebot`,
      source: 'module',
      issueId: MODULE_ID,
      projectId: PROJECT_ID,
      stamp: '20260222T083000Z',
      fields: {
        summary: 'Module: Auth',
        description: `All of auth\n---\nModule in Web Application\n${MODULE_URL}`,
        start: '2026-03-01',
        end: '2026-05-01',
        status: 'CONFIRMED',
        categories: [],
        url: MODULE_URL,
        color: null,
      },
    });
  });

  it.each(['backlog', 'planned', 'in-progress', 'paused', undefined])('status %j is CONFIRMED', (status) => {
    expect(module({ status }).fields.status).toBe('CONFIRMED');
  });

  it.each(['completed', 'cancelled'])('a %s module shows as CANCELLED', (status) => {
    const model = module({ status });
    expect(model.fields.status).toBe('CANCELLED');
    expect(componentLines(renderEvent(model), 'VEVENT')).toContain('STATUS:CANCELLED');
  });

  it.each([[{ start_date: null }], [{ target_date: null }], [{ start_date: '2026-02-30' }], [{ target_date: '' }]])(
    'has no block without both dates: %j',
    (dates) => {
      expect(moduleToEvent(sampleModule(dates), sampleProject(), CTX)).toBeNull();
    },
  );

  it('takes the date of a date with a time', () => {
    expect(days(module({ start_date: '2026-03-01T10:00', target_date: '2026-03-03T23:30' }))).toEqual([
      '2026-03-01',
      '2026-03-04',
    ]);
  });

  it('a module whose target comes before its start shows on its target day', () => {
    expect(days(module({ start_date: '2026-03-10', target_date: '2026-03-05' }))).toEqual(['2026-03-05', '2026-03-06']);
  });

  it("renders marked as the module's", () => {
    const vevent = componentLines(renderEvent(module()), 'VEVENT');
    expect(vevent).toContain(`X-CALPLANEBOT-MODULE-ID:${MODULE_ID}`);
    expect(vevent).toContain('DTSTART;VALUE=DATE:20260301');
    expect(vevent).toContain('DTEND;VALUE=DATE:20260501');
  });
});

describe('blocks across time zones', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('give the same dates and bytes whatever process.env.TZ is', () => {
    const render = () => [
      renderEvent(
        cycle(
          { start_date: '2026-03-01T23:30:00Z', end_date: '2026-03-15T10:00:00Z', timezone: undefined },
          sampleProject(),
        ),
      ),
      renderEvent(cycle({ start_date: '2026-03-01T23:30:00Z', end_date: '2026-03-15T22:59:00Z' })),
      renderEvent(
        cycle(
          { start_date: '2026-03-01T18:30:00-05:00', end_date: '2026-03-15T23:59:00-05:00' },
          sampleProject({ timezone: 'Pacific/Kiritimati' }),
        ),
      ),
      renderEvent(module({ start_date: '2024-02-28', target_date: '2024-02-29' })),
    ];
    const expected = render();
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'America/St_Johns']) {
      process.env.TZ = zone;
      expect(render(), zone).toEqual(expected);
    }
    expect(componentLines(expected[0]!, 'VEVENT')).toContain('DTSTART;VALUE=DATE:20260301');
    expect(componentLines(expected[2]!, 'VEVENT')).toContain('DTSTART;VALUE=DATE:20260302');
    expect(componentLines(expected[2]!, 'VEVENT')).toContain('DTEND;VALUE=DATE:20260317');
  });
});
