/** A calendar entry's `writeBack` key and `sync.maxPlaneWrites`, through validateConfig: what they resolve to, and every rule as an exit-2 error naming the key. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PLANE_WRITES } from '../../../src/config/types.js';
import { CONFIG_FILE, configError, singleProblem, validate, validRaw } from './helpers.js';

function withCalendars(calendars: unknown): Record<string, unknown> {
  return { ...validRaw(), calendars };
}

function withSync(sync: Record<string, unknown>): Record<string, unknown> {
  return { ...validRaw(), sync };
}

/** The entries as resolved. */
function calendars(entries: unknown[]) {
  const { config, warnings } = validate(withCalendars(entries));
  expect(warnings).toEqual([]);
  return config.calendars;
}

describe('writeBack: the list form', () => {
  it('["dates"] on an events entry', () => {
    const [entry] = calendars([{ id: 'projects', writeBack: ['dates'] }]);
    expect(entry).toEqual({
      id: 'projects',
      name: 'Plane: {project}',
      perProject: true,
      filter: {},
      writeBack: { fields: ['dates'] },
    });
  });

  it('["dates"] on a span entry, next to one without writeBack', () => {
    const [spans, plain] = calendars([
      { id: 'projects', dates: 'span', writeBack: ['dates'] },
      { id: 'mine', filter: { assignees: ['me'] } },
    ]);
    expect(spans).toMatchObject({ dates: 'span', writeBack: { fields: ['dates'] } });
    expect(plain).not.toHaveProperty('writeBack');
  });

  it('["dates", "completion"] on a task list', () => {
    const [entry] = calendars([{ id: 'todo', as: 'tasks', writeBack: ['dates', 'completion'] }]);
    expect(entry).toMatchObject({ id: 'todo', as: 'tasks', writeBack: { fields: ['dates', 'completion'] } });
    expect(entry?.writeBack).not.toHaveProperty('completedState');
  });

  it('["completion"] alone on a task list; a field listed twice counts once', () => {
    expect(calendars([{ id: 'todo', as: 'tasks', writeBack: ['completion'] }])[0]?.writeBack).toEqual({
      fields: ['completion'],
    });
    expect(calendars([{ id: 'todo', as: 'tasks', writeBack: ['dates', 'completion', 'dates'] }])[0]?.writeBack).toEqual(
      { fields: ['dates', 'completion'] },
    );
  });

  it('an empty list writes nothing back: no writeBack at all', () => {
    const [entry] = calendars([{ id: 'projects', writeBack: [] }]);
    expect(entry).toEqual({ id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} });
  });

  it('no writeBack key: none', () => {
    expect(calendars([{ id: 'projects' }])[0]).not.toHaveProperty('writeBack');
    expect(validate(validRaw()).config.calendars[0]).not.toHaveProperty('writeBack');
  });
});

describe('writeBack: the object form', () => {
  it('{ fields, completedState } on a task list', () => {
    const [entry] = calendars([
      { id: 'todo', as: 'tasks', writeBack: { fields: ['dates', 'completion'], completedState: 'Shipped' } },
    ]);
    expect(entry?.writeBack).toEqual({ fields: ['dates', 'completion'], completedState: 'Shipped' });
  });

  it('completedState is trimmed', () => {
    expect(
      calendars([{ id: 'todo', as: 'tasks', writeBack: { fields: ['completion'], completedState: '  Done \t' } }])[0]
        ?.writeBack,
    ).toEqual({ fields: ['completion'], completedState: 'Done' });
  });

  it('{ fields } alone, on an events entry', () => {
    expect(calendars([{ id: 'projects', writeBack: { fields: ['dates'] } }])[0]?.writeBack).toEqual({
      fields: ['dates'],
    });
  });

  it('empty fields: none', () => {
    expect(calendars([{ id: 'projects', writeBack: { fields: [] } }])[0]).not.toHaveProperty('writeBack');
  });
});

describe('writeBack: rejected', () => {
  it('"completion" on an events entry names calendars[i].writeBack, with a hint', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'projects' }, { id: 'mine', writeBack: ['dates', 'completion'] }]),
      'calendars[1].writeBack',
      'task lists only',
    );
    expect(error.hint).toContain('"as": "tasks"');
  });

  it('"completion" in the object form on an events entry (span or explicit "events") too', async () => {
    await singleProblem(
      withCalendars([{ id: 'projects', dates: 'span', writeBack: { fields: ['completion'] } }]),
      'calendars[0].writeBack',
      'task lists only',
    );
    await singleProblem(
      withCalendars([{ id: 'projects', as: 'events', writeBack: ['completion'] }]),
      'calendars[0].writeBack',
      'task lists only',
    );
  });

  it('completedState without "completion" names calendars[i].writeBack.completedState', async () => {
    const error = await singleProblem(
      withCalendars([
        { id: 'projects' },
        { id: 'todo', as: 'tasks', writeBack: { fields: ['dates'], completedState: 'Done' } },
      ]),
      'calendars[1].writeBack.completedState',
      '"completion" is not written back',
    );
    expect(error.hint).toContain('completion');
    await singleProblem(
      withCalendars([{ id: 'projects', writeBack: { fields: [], completedState: 'Done' } }]),
      'calendars[0].writeBack.completedState',
    );
  });

  it('an empty completedState', async () => {
    await singleProblem(
      withCalendars([{ id: 'todo', as: 'tasks', writeBack: { fields: ['completion'], completedState: ' ' } }]),
      'calendars[0].writeBack.completedState',
      'must not be empty',
    );
  });

  it.each<[string, unknown]>([
    ['an unknown field', ['dates', 'title']],
    ['a field in capitals', ['Dates']],
    ['a field that is no string', [1]],
    ['an unknown field in the object form', { fields: ['summary'] }],
    ['a string, not a list', 'dates'],
    ['true', true],
    ['an object without fields', { completedState: 'Done' }],
    ['an object with an unknown key', { fields: ['dates'], state: 'Done' }],
  ])('%s', async (_, writeBack) => {
    const error = await configError(() => validate(withCalendars([{ id: 'todo', as: 'tasks', writeBack }])));
    expect(error.key, error.message).toMatch(/^calendars\[0\]\.writeBack/);
    expect(error.file).toBe(CONFIG_FILE);
  });

  // The three below fail against the current src/ (see the report): the key is right, the words are not.
  it('an unknown field says which values are allowed, not a bare "Invalid input"', async () => {
    const error = await configError(() => validate(withCalendars([{ id: 'projects', writeBack: ['dates', 'title'] }])));
    expect(error.key).toMatch(/^calendars\[0\]\.writeBack/);
    expect(error.message).not.toContain('Invalid input');
    expect(error.message).toMatch(/dates/);
    expect(error.message).toMatch(/completion/);
  });

  it('a misspelt key ("writeback") gets the unknown-key hint, and it names writeBack', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'projects', writeback: ['dates'] }]),
      'calendars[0]',
      'unknown key "writeback"',
    );
    expect(error.hint).toMatch(/\bwriteBack\b/);
  });

  it('an unknown key inside the writeBack object is not answered with the keys of an entry', async () => {
    const error = await singleProblem(
      withCalendars([{ id: 'todo', as: 'tasks', writeBack: { fields: ['completion'], state: 'Done' } }]),
      'calendars[0].writeBack',
      'unknown key "state"',
    );
    expect(error.hint ?? '').not.toMatch(/an entry takes/);
  });
});

describe('sync.maxPlaneWrites', () => {
  it(`defaults to ${DEFAULT_MAX_PLANE_WRITES}`, () => {
    expect(DEFAULT_MAX_PLANE_WRITES).toBe(25);
    expect(validate(validRaw()).config.sync.maxPlaneWrites).toBe(25);
  });

  it('takes any whole number from 0', () => {
    expect(validate(withSync({ maxPlaneWrites: 0 })).config.sync.maxPlaneWrites).toBe(0);
    expect(validate(withSync({ maxPlaneWrites: 3 })).config.sync.maxPlaneWrites).toBe(3);
    expect(validate(withSync({ maxPlaneWrites: 10_000 })).config.sync.maxPlaneWrites).toBe(10_000);
  });

  it.each<[unknown, string]>([
    [-1, 'must be at least 0'],
    [2.5, 'expected an integer'],
    ['25', 'expected a number, got string'],
    [null, 'expected a number, got null'],
  ])('rejects %j', async (value, message) => {
    const error = await singleProblem(withSync({ maxPlaneWrites: value }), 'sync.maxPlaneWrites', message);
    expect(error.exitCode).toBe(2);
  });
});
