/** The `calendars` key and `sync.timeZone`, through validateConfig: defaults, and every rule as an exit-2 error naming key and file. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CalendarEntry, DEFAULT_VIEW_ID, PRIORITIES, STATE_GROUPS } from '../../../src/config/types.js';
import { ConfigError } from '../../../src/errors.js';
import { CONFIG_FILE, configError, singleProblem, validate, validRaw } from './helpers.js';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

function withCalendars(calendars: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...validRaw(), calendars, ...extra };
}

describe('no `calendars` key', () => {
  it('means exactly one per-project entry `projects`, named by caldav.calendarName', () => {
    const { config, warnings } = validate(validRaw());
    expect(warnings).toEqual([]);
    expect(config.calendars).toEqual([{ id: DEFAULT_VIEW_ID, name: 'Plane: {project}', perProject: true, filter: {} }]);
  });

  it("takes a custom caldav.calendarName as the default entry's name", () => {
    const raw = validRaw();
    raw.caldav = { ...raw.caldav, calendarName: 'Team {identifier}' };
    expect(validate(raw).config.calendars).toEqual([
      { id: 'projects', name: 'Team {identifier}', perProject: true, filter: {} },
    ]);
  });

  it("sync.timeZone defaults to undefined (the machine's zone)", () => {
    expect(validate(validRaw()).config.sync.timeZone).toBeUndefined();
  });
});

describe('a valid `calendars` list', () => {
  it('resolves every entry with its defaults', () => {
    const { config, warnings } = validate(
      withCalendars([
        { id: 'projects' },
        {
          id: 'mine',
          name: 'My work',
          filter: { assignees: ['me'], stateGroups: ['backlog', 'unstarted', 'started'] },
        },
        { id: 'release', filter: { labels: ['release'], window: { pastDays: 7, futureDays: 90 } } },
        { id: 'team', perProject: true, filter: { projects: ['WEB', UUID], priorities: ['urgent', 'high'] } },
        { id: 'q3-board', perProject: true, name: '{identifier} board' },
      ]),
    );
    expect(warnings).toEqual([]);
    const expected: CalendarEntry[] = [
      { id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} },
      {
        id: 'mine',
        name: 'My work',
        perProject: false,
        filter: { assignees: ['me'], stateGroups: ['backlog', 'unstarted', 'started'] },
      },
      {
        id: 'release',
        name: 'Plane: release',
        perProject: false,
        filter: { labels: ['release'], window: { pastDays: 7, futureDays: 90 } },
      },
      {
        id: 'team',
        name: 'Plane: {project} (team)',
        perProject: true,
        filter: { projects: ['WEB', UUID], priorities: ['urgent', 'high'] },
      },
      { id: 'q3-board', name: '{identifier} board', perProject: true, filter: {} },
    ];
    expect(config.calendars).toEqual(expected);
  });

  it('the `projects` entry is per project by default, may be named and filtered, and keeps caldav.calendarName otherwise', () => {
    const raw = withCalendars([{ id: 'projects', filter: { stateGroups: ['started'] } }]);
    (raw.caldav as Record<string, unknown>).calendarName = 'Plane {identifier}';
    expect(validate(raw).config.calendars).toEqual([
      { id: 'projects', name: 'Plane {identifier}', perProject: true, filter: { stateGroups: ['started'] } },
    ]);
    expect(
      validate(withCalendars([{ id: 'projects', perProject: true, name: 'Tasks: {project}' }])).config.calendars[0]
        ?.name,
    ).toBe('Tasks: {project}');
  });

  it('accepts every state group and priority, and window bounds from 0', () => {
    const { config } = validate(
      withCalendars([
        {
          id: 'all',
          filter: {
            stateGroups: [...STATE_GROUPS],
            priorities: [...PRIORITIES],
            window: { pastDays: 0, futureDays: 0 },
          },
        },
      ]),
    );
    expect(config.calendars[0]?.filter).toEqual({
      stateGroups: [...STATE_GROUPS],
      priorities: [...PRIORITIES],
      window: { pastDays: 0, futureDays: 0 },
    });
  });

  it('accepts ids at the edges of the pattern', () => {
    for (const id of ['a', '0', 'x'.repeat(40), 'a-', 'release-2026', '9-lives']) {
      expect(validate(withCalendars([{ id }])).config.calendars[0]?.id, id).toBe(id);
    }
  });

  it('an empty window is allowed (both sides open)', () => {
    expect(validate(withCalendars([{ id: 'dated', filter: { window: {} } }])).config.calendars[0]?.filter).toEqual({
      window: {},
    });
  });

  it('a valid sync.timeZone is kept', () => {
    for (const zone of ['Europe/Berlin', 'UTC', 'Pacific/Kiritimati', 'America/Argentina/Buenos_Aires']) {
      expect(validate({ ...validRaw(), sync: { timeZone: zone } }).config.sync.timeZone).toBe(zone);
    }
  });
});

describe('configuration errors (exit 2, naming the key and the file)', () => {
  it('an unknown filter key', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'projects' }, { id: 'rel', filter: { label: ['release'] } }]),
      'calendars[1].filter',
      'unknown key "label"',
    );
    expect(error.hint).toMatch(/projects, assignees, labels, stateGroups, priorities and window/);
  });

  it('an unknown entry key', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'mine', perproject: true }]),
      'calendars[0]',
      'unknown key "perproject"',
    );
    expect(error.hint).toMatch(/^an entry takes id, name, perProject, filter, summary, dates, completed,? /);
  });

  it('an unknown window key', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'soon', filter: { window: { futureDays: 7, days: 3 } } }]),
      'calendars[0].filter.window',
      'unknown key "days"',
    );
    expect(error.hint).toMatch(/pastDays and futureDays/);
  });

  it('an unknown state group', async () => {
    await singleProblem(
      withCalendars([{ id: 'open', filter: { stateGroups: ['started', 'doing'] } }]),
      'calendars[0].filter.stateGroups[1]',
      /must be one of backlog, unstarted, started, completed, cancelled, got "doing"/,
    );
  });

  it('triage is no state group a filter can name', async () => {
    await singleProblem(
      withCalendars([{ id: 'open', filter: { stateGroups: ['triage'] } }]),
      'calendars[0].filter.stateGroups[0]',
    );
  });

  it('an unknown priority', async () => {
    await singleProblem(
      withCalendars([{ id: 'hot', filter: { priorities: ['urgent', 'critical'] } }]),
      'calendars[0].filter.priorities[1]',
      /must be one of urgent, high, medium, low, none, got "critical"/,
    );
  });

  it.each([['My Work'], ['-mine'], ['mine_2'], ['Mine'], [''], ['x'.repeat(41)], ['mine.work'], ['mine/work']])(
    'a bad id %j',
    async (id) => {
      await singleProblem(withCalendars([{ id }]), 'calendars[0].id', /must match/);
    },
  );

  it('a missing id', async () => {
    await singleProblem(withCalendars([{ name: 'No id' }]), 'calendars[0].id');
  });

  it('a duplicate id names the later entry', async () => {
    await singleProblem(
      withCalendars([{ id: 'mine' }, { id: 'release' }, { id: 'mine', filter: { labels: ['x'] } }]),
      'calendars[2].id',
      '"mine" is used by an earlier entry',
    );
  });

  it('an id ending with a UUID', async () => {
    await singleProblem(withCalendars([{ id: `t-${UUID}` }]), 'calendars[0].id', 'must not end with a UUID');
    await singleProblem(withCalendars([{ id: UUID }]), 'calendars[0].id', 'must not end with a UUID');
  });

  it('{project} or {identifier} in the name of a calendar spanning projects', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'mine', name: 'Mine: {project}' }]),
      'calendars[0].name',
      'spans projects',
    );
    expect(error.hint).toMatch(/perProject/);
    await singleProblem(withCalendars([{ id: 'mine', perProject: false, name: '{identifier}' }]), 'calendars[0].name');
  });

  it('no placeholder in the name of a per-project calendar', async () => {
    await singleProblem(
      withCalendars([{ id: 'team', perProject: true, name: 'Team' }]),
      'calendars[0].name',
      /must contain \{project\} or \{identifier\}/,
    );
    await singleProblem(
      withCalendars([{ id: 'projects', name: 'All of Plane' }]),
      'calendars[0].name',
      /must contain \{project\} or \{identifier\}/,
    );
  });

  it('the `projects` entry set to perProject: false', async () => {
    await singleProblem(
      withCalendars([{ id: 'projects', perProject: false, name: 'Everything' }]),
      'calendars[0].perProject',
      'must be perProject',
    );
  });

  it('a blank name', async () => {
    await singleProblem(withCalendars([{ id: 'mine', name: '  ' }]), 'calendars[0].name', 'must not be empty');
  });

  it('a blank filter value', async () => {
    await singleProblem(
      withCalendars([{ id: 'mine', filter: { assignees: ['me', ''] } }]),
      'calendars[0].filter.assignees[1]',
      'must not be empty',
    );
    await singleProblem(
      withCalendars([{ id: 'mine', filter: { projects: [' '] } }]),
      'calendars[0].filter.projects[0]',
      'must not be empty',
    );
    await singleProblem(
      withCalendars([{ id: 'mine', filter: { labels: [''] } }]),
      'calendars[0].filter.labels[0]',
      'must not be empty',
    );
  });

  it.each([
    [{ pastDays: -1 }, 'calendars[0].filter.window.pastDays', 'must be at least 0, got -1'],
    [{ futureDays: 1.5 }, 'calendars[0].filter.window.futureDays', 'expected an integer, got 1.5'],
    [{ futureDays: '7' }, 'calendars[0].filter.window.futureDays', 'got string'],
    [{ pastDays: 36_501 }, 'calendars[0].filter.window.pastDays', 'must be at most 36500'],
  ])('a bad window %j', async (window, key, message) => {
    await singleProblem(withCalendars([{ id: 'soon', filter: { window } }]), key, message);
  });

  it.each([
    [{ id: 'x', perProject: 'yes' }, 'calendars[0].perProject', 'expected a boolean, got string'],
    [{ id: 'x', filter: { labels: 'release' } }, 'calendars[0].filter.labels', 'expected an array, got string'],
    [{ id: 'x', filter: [] }, 'calendars[0].filter', 'expected an object, got array'],
    [{ id: 5 }, 'calendars[0].id', 'expected a string, got number'],
    ['mine', 'calendars[0]', 'expected an object, got string'],
  ])('a wrong type %j', async (calendarEntry, key, message) => {
    await singleProblem(withCalendars([calendarEntry]), key, message);
  });

  it('a `calendars` that is not a list', async () => {
    await singleProblem(withCalendars({ mine: { filter: {} } }), 'calendars', 'expected an array, got object');
  });

  it('an empty list', async () => {
    await singleProblem(withCalendars([]), 'calendars', 'nothing would be synced');
  });

  it('reports every calendars problem at once, each line naming its key', async () => {
    const error = await configError(() =>
      validate(
        withCalendars([
          { id: 'mine', name: '{project}' },
          { id: 'mine' },
          { id: 'team', perProject: true, name: 'Team' },
        ]),
      ),
    );
    const lines = error.message.split('\n');
    expect(lines[0]).toBe(`3 configuration problems in ${CONFIG_FILE}:`);
    expect(
      lines
        .slice(1)
        .map((line) => line.trim().split(':')[0])
        .sort(),
    ).toEqual(['calendars[0].name', 'calendars[1].id', 'calendars[2].name']);
    expect(error.file).toBe(CONFIG_FILE);
  });

  it("reports calendars problems together with other keys' problems", async () => {
    const raw = withCalendars([{ id: 'Bad' }], { sync: { timeZone: 'Mars/Olympus_Mons' } });
    delete (raw.plane as Record<string, unknown>).apiKey;
    const error = await configError(() => validate(raw));
    expect(error.message).toContain(`configuration problems in ${CONFIG_FILE}`);
    for (const key of ['calendars[0].id', 'sync.timeZone', 'plane.apiKey'])
      expect(error.message).toContain(`  ${key}: `);
  });

  it('an invalid sync.timeZone', async () => {
    const error = await singleProblem(
      { ...validRaw(), sync: { timeZone: 'Mars/Olympus_Mons' } },
      'sync.timeZone',
      'is not a time zone this system knows',
    );
    expect(error.hint).toMatch(/IANA/);
    await singleProblem({ ...validRaw(), sync: { timeZone: 'CEST+2' } }, 'sync.timeZone');
    await singleProblem({ ...validRaw(), sync: { timeZone: 42 } }, 'sync.timeZone', 'expected a string, got number');
  });

  it('a blank sync.timeZone is empty, not the default', async () => {
    await singleProblem({ ...validRaw(), sync: { timeZone: '' } }, 'sync.timeZone', 'is empty');
  });

  it('property: any JSON value as `calendars` either validates or is a ConfigError naming a key inside `calendars`', () => {
    const entryLike = fc.record(
      {
        id: fc.oneof(fc.constantFrom('mine', 'projects', 'Team', 'a', ''), fc.string()),
        name: fc.oneof(fc.constantFrom('Mine', '{project}', 'Plane: {identifier}', ''), fc.string()),
        perProject: fc.oneof(fc.boolean(), fc.jsonValue()),
        filter: fc.oneof(
          fc.jsonValue(),
          fc.record({ stateGroups: fc.array(fc.string()), window: fc.jsonValue() }, { requiredKeys: [] }),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.array(entryLike, { maxLength: 4 })), (calendars) => {
        try {
          validate(withCalendars(calendars));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(
            error.key === 'calendars' || error.key?.startsWith('calendars['),
            `${error.key} for ${JSON.stringify(calendars)}`,
          ).toBe(true);
          expect(error.message).toContain(error.key);
          expect(error.file).toBe(CONFIG_FILE);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('how items look: summary, dates, completed', () => {
  it("are kept when given, and absent otherwise (the default entry renders today's bytes)", () => {
    const { config } = validate(
      withCalendars([
        { id: 'projects', perProject: true },
        { id: 'spans', summary: '{identifier}-{sequence} {name}', dates: 'span', completed: 'hide' },
      ]),
    );
    expect(config.calendars[0]).toEqual({ id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} });
    expect(config.calendars[1]).toMatchObject({
      summary: '{identifier}-{sequence} {name}',
      dates: 'span',
      completed: 'hide',
    });
  });

  it('an unknown placeholder in summary is an error naming it and the ones there are', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'a', summary: '{ident}-{sequence} {title}' }]),
      'calendars[0].summary',
      'unknown placeholder {ident}, {title}',
    );
    expect(error.hint).toContain('{identifier}');
  });

  it('alarms are RFC 5545 durations, before or after the start', () => {
    const { config } = validate(withCalendars([{ id: 'a', alarms: ['-PT15H', '-P1D', 'PT9H', '+P1W', '-PT30M'] }]));
    expect(config.calendars[0]?.alarms).toEqual(['-PT15H', '-P1D', 'PT9H', '+P1W', '-PT30M']);
  });

  it.each(['15 minutes', '-PT', 'P', '-PT1.5H', 'PT15', ''])('alarm %j is an error naming its index', async (alarm) => {
    await singleProblem(withCalendars([{ id: 'a', alarms: ['-PT15H', alarm] }]), 'calendars[0].alarms[1]');
  });

  it.each([
    [{ dates: 'start' }, 'calendars[0].dates'],
    [{ completed: 'strike' }, 'calendars[0].completed'],
    [{ summary: '' }, 'calendars[0].summary'],
  ])('%j is an error naming its key', async (shape, key) => {
    await singleProblem(withCalendars([{ id: 'a', ...shape }]), key);
  });
});

describe('how items look: as, undated, times, cycles, modules, sync.defaultDuration', () => {
  it('a valid entry with every key resolves with them; entries without stay as they were', () => {
    const tasks = {
      id: 'todo',
      as: 'tasks',
      undated: 'include',
      times: 'timed',
      summary: '{identifier}-{sequence} {name}',
      completed: 'hide',
      alarms: ['-PT15H'],
    };
    const events = {
      id: 'plan',
      as: 'events',
      dates: 'span',
      times: 'dates',
      cycles: true,
      modules: true,
      completed: 'show',
      alarms: [],
    };
    const { config, warnings } = validate(
      withCalendars([{ id: 'projects' }, tasks, events, { id: 'quiet', cycles: false, modules: false }], {
        sync: { defaultDuration: 'PT30M' },
      }),
    );
    expect(warnings).toEqual([]);
    expect(config.calendars).toEqual([
      { id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} },
      { ...tasks, name: 'Plane: todo', perProject: false, filter: {} },
      { ...events, name: 'Plane: plan', perProject: false, filter: {} },
      { id: 'quiet', name: 'Plane: quiet', perProject: false, filter: {}, cycles: false, modules: false },
    ]);
    expect(config.sync.defaultDuration).toBe('PT30M');
  });

  it('sync.defaultDuration defaults to PT1H and takes any positive duration', () => {
    expect(validate(validRaw()).config.sync.defaultDuration).toBe('PT1H');
    for (const duration of ['PT45M', 'PT1H30M', 'P1D', 'P1W', 'PT90S', 'P1DT2H']) {
      expect(
        validate({ ...validRaw(), sync: { defaultDuration: duration } }).config.sync.defaultDuration,
        duration,
      ).toBe(duration);
    }
  });

  it.each(['1h', '-PT1H', '+PT1H', 'PT0S', 'P0D', 'P', 'PT', 'PT1.5H', 'PT1h', ' PT1H'])(
    'sync.defaultDuration %j is an error naming the key',
    async (defaultDuration) => {
      const error = await singleProblem(
        { ...validRaw(), sync: { defaultDuration } },
        'sync.defaultDuration',
        `"${defaultDuration}" is not a positive iCalendar duration`,
      );
      expect(error.hint).toContain('PT1H');
    },
  );

  it('a sync.defaultDuration of the wrong type or blank', async () => {
    await singleProblem(
      { ...validRaw(), sync: { defaultDuration: 60 } },
      'sync.defaultDuration',
      'expected a string, got number',
    );
    await singleProblem({ ...validRaw(), sync: { defaultDuration: '' } }, 'sync.defaultDuration', 'is empty');
  });

  it.each([['skip'], ['include']])('undated %j on an events entry is an error naming the key', async (undated) => {
    const error = await singleProblem(
      withCalendars([{ id: 'a', undated }]),
      'calendars[0].undated',
      'applies to task lists only',
    );
    expect(error.hint).toContain('"as": "tasks"');
    await singleProblem(withCalendars([{ id: 'a', as: 'events', undated }]), 'calendars[0].undated');
  });

  it.each(['cycles', 'modules'])('%s with as: "tasks" is an error naming the key', async (key) => {
    const error = await singleProblem(
      withCalendars([{ id: 'projects' }, { id: 'todo', as: 'tasks', [key]: true }]),
      `calendars[1].${key}`,
      'a task list cannot hold',
    );
    expect(error.hint).toContain(`"${key}": true`);
  });

  it('cycles: false and modules: false are fine on a task list', () => {
    expect(
      validate(withCalendars([{ id: 'todo', as: 'tasks', cycles: false, modules: false }])).config.calendars[0],
    ).toMatchObject({ as: 'tasks', cycles: false, modules: false });
  });

  it.each(['span', 'target'])('dates %j with as: "tasks" is an error naming the key', async (dates) => {
    await singleProblem(
      withCalendars([{ id: 'todo', as: 'tasks', dates }]),
      'calendars[0].dates',
      'applies to events only',
    );
  });

  it('a task entry with dates, cycles and modules reports each', async () => {
    const error = await configError(() =>
      validate(withCalendars([{ id: 'todo', as: 'tasks', dates: 'span', cycles: true, modules: true }])),
    );
    expect(error.message).toContain(`3 configuration problems in ${CONFIG_FILE}`);
    for (const key of ['calendars[0].dates', 'calendars[0].cycles', 'calendars[0].modules'])
      expect(error.message).toContain(`  ${key}: `);
  });

  it.each([
    [{ as: 'todos' }, 'calendars[0].as', /must be one of events, tasks, got "todos"/],
    [{ as: 'VTODO' }, 'calendars[0].as', /must be one of events, tasks/],
    [{ undated: 'all', as: 'tasks' }, 'calendars[0].undated', /must be one of skip, include, got "all"/],
    [{ times: 'time' }, 'calendars[0].times', /must be one of dates, timed, got "time"/],
    [{ cycles: 'yes' }, 'calendars[0].cycles', 'expected a boolean, got string'],
    [{ modules: 1 }, 'calendars[0].modules', 'expected a boolean, got number'],
  ])('%j is an error naming its key', async (shape, key, message) => {
    await singleProblem(withCalendars([{ id: 'a', ...shape }]), key, message);
  });

  it('the unknown-key hint names every key an entry takes', async () => {
    const error = await singleProblem(withCalendars([{ id: 'a', cycle: true }]), 'calendars[0]', 'unknown key "cycle"');
    for (const key of ['summary', 'dates', 'completed', 'alarms', 'as', 'undated', 'cycles', 'modules', 'times'])
      expect(error.hint, key).toMatch(new RegExp(`\\b${key}\\b`));
  });
});
