/**
 * Write-back's pure core: the basis an object keeps (X-CALPLANEBOT-BASE, event/basis.ts), the
 * three-way decision (sync/write-back.ts: decideWriteBack, calendarDates), a seeded property over
 * random objects and edits, and how plan() turns decisions into changes for Plane, conflicts and
 * withheld writes (capPlaneWrites).
 */
import { describe, expect, it } from 'vitest';
import type { RemoteObject } from '../../../src/caldav/store.js';
import type { CalendarEntry } from '../../../src/config/types.js';
import { type Basis, type BasisShape, formatBasis, parseBasis } from '../../../src/event/basis.js';
import { addDays } from '../../../src/event/dates.js';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { LEGACY_SCHEME, objectNameForUid } from '../../../src/event/uid.js';
import type { PlaneIssue, PlaneProject, PlaneState, StateGroup } from '../../../src/plane/types.js';
import { addIssue, type DesiredSet, emptyDesired, transformContext, writeBackPlan } from '../../../src/sync/desired.js';
import { capPlaneWrites, type Plan, type PlanInput, plan, type WriteBackChange } from '../../../src/sync/plan.js';
import { emptyProjectReport } from '../../../src/sync/report.js';
import {
  calendarDates,
  decideWriteBack,
  describeDates,
  type PlanePatch,
  type ShownValues,
  type WriteBackDecision,
  type WriteBackField,
} from '../../../src/sync/write-back.js';
import { issue, planInput, project, STATES } from '../../support/builders.js';

// ---------------------------------------------------------------------------------------------
// A tiny renderer of our own: what an object shows for Plane's values, and the basis it keeps.

interface Values {
  target: string | null;
  start: string | null;
  group: StateGroup | null;
}

interface Rendered {
  basis: Basis;
  shown: ShownValues;
}

const GROUPS: readonly StateGroup[] = ['backlog', 'unstarted', 'started', 'completed', 'cancelled', 'triage'];
const TASK_STATUS: Record<StateGroup, string> = {
  backlog: 'NEEDS-ACTION',
  unstarted: 'NEEDS-ACTION',
  triage: 'NEEDS-ACTION',
  started: 'IN-PROCESS',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
};

const dateOf = (value: string | null): string | null => (value === null ? null : value.slice(0, 10));

/** Event: start = target, end = target + 1 day; span: start = start (≤ target) else target; task: DUE = target, DTSTART = start when before it. */
function render(shape: BasisShape, values: Values): Rendered {
  const target = dateOf(values.target);
  const start = dateOf(values.start);
  let shown: { start: string; end: string };
  if (shape === 'task') {
    if (target === null) shown = { start: start ?? '', end: '' };
    else shown = { start: start !== null && start < target ? start : '', end: target };
  } else {
    if (target === null) throw new Error('an event needs a target date');
    shown = { start: shape === 'span' && start !== null && start <= target ? start : target, end: addDays(target, 1) };
  }
  const status =
    shape === 'task'
      ? values.group === null
        ? 'NEEDS-ACTION'
        : TASK_STATUS[values.group]
      : values.group === 'completed' || values.group === 'cancelled'
        ? 'CANCELLED'
        : 'CONFIRMED';
  return {
    basis: { shape, target: values.target, start: values.start, group: values.group, shown },
    shown: { ...shown, status },
  };
}

const BOTH: readonly WriteBackField[] = ['dates', 'completion'];

/**
 * The decision for an object rendered from `was`, edited in the calendar by `edit` (shown values
 * overridden), while Plane now has `was` with `now` applied.
 */
function decide(
  shape: BasisShape,
  was: Values,
  edit: Partial<ShownValues>,
  now: Partial<Values> = {},
  fields: readonly WriteBackField[] = BOTH,
): WriteBackDecision {
  const written = render(shape, was);
  return decideWriteBack({
    fields: new Set(fields),
    stored: written.basis,
    shown: { ...written.shown, ...edit },
    plane: render(shape, { ...was, ...now }).basis,
  });
}

const NOTHING: WriteBackDecision = { patch: undefined, conflicts: [] };
const values = (target: string | null, start: string | null = null, group: StateGroup | null = 'started'): Values => ({
  target,
  start,
  group,
});

// ---------------------------------------------------------------------------------------------

describe('formatBasis / parseBasis', () => {
  const SPAN: Basis = {
    shape: 'span',
    target: '2025-01-15',
    start: '2025-01-10',
    group: 'started',
    shown: { start: '2025-01-10', end: '2025-01-16' },
  };
  const VALUE =
    'v=1&shape=span&target=2025-01-15&start=2025-01-10&group=started&shown-start=2025-01-10&shown-end=2025-01-16';

  it('writes the version first, then every key in order', () => {
    expect(formatBasis(SPAN)).toBe(VALUE);
  });

  it.each<[string, Basis]>([
    ['a span', SPAN],
    [
      'a deadline event without start date or state',
      {
        shape: 'event',
        target: '2025-12-27',
        start: null,
        group: null,
        shown: { start: '2025-12-27', end: '2025-12-28' },
      },
    ],
    [
      'an undated task',
      { shape: 'task', target: null, start: '2025-12-20', group: 'backlog', shown: { start: '2025-12-20', end: '' } },
    ],
    [
      'a task with nothing shown',
      { shape: 'task', target: null, start: null, group: 'triage', shown: { start: '', end: '' } },
    ],
    [
      'timed values',
      {
        shape: 'event',
        target: '2026-08-27T18:45',
        start: '2026-08-20T09:00:30.5',
        group: 'completed',
        shown: { start: '2026-08-27T18:45:00', end: '2026-08-27T19:45:00' },
      },
    ],
    ...GROUPS.map((group): [string, Basis] => [`group ${group}`, { ...SPAN, group }]),
  ])('round-trips %s', (_, basis) => {
    expect(parseBasis(formatBasis(basis))).toEqual(basis);
  });

  it('writes "none" as an empty value and reads it back as null', () => {
    const basis: Basis = { shape: 'task', target: null, start: null, group: null, shown: { start: '', end: '' } };
    expect(formatBasis(basis)).toBe('v=1&shape=task&target=&start=&group=&shown-start=&shown-end=');
    expect(parseBasis(formatBasis(basis))).toEqual(basis);
  });

  it('reads the pairs in any order, and the value with blanks around it', () => {
    const shuffled = VALUE.split('&').reverse().join('&');
    expect(parseBasis(shuffled)).toEqual(SPAN);
    expect(parseBasis(`  ${VALUE}\r\n`)).toEqual(SPAN);
  });

  it('writes a value TEXT escaping could alter as none, so what it writes always parses', () => {
    const text = formatBasis({ ...SPAN, target: '2025-01-15,x', start: '2025-01-10;y' });
    expect(text).toBe('v=1&shape=span&target=&start=&group=started&shown-start=2025-01-10&shown-end=2025-01-16');
    expect(parseBasis(text)).toMatchObject({ target: null, start: null });
  });

  it('no value is no basis', () => {
    expect(parseBasis(undefined)).toBeUndefined();
    expect(parseBasis('')).toBeUndefined();
    expect(parseBasis('   ')).toBeUndefined();
  });

  const withPair = (key: string, value: string) => VALUE.replace(new RegExp(`(^|&)${key}=[^&]*`), `$1${key}=${value}`);
  const withoutPair = (key: string) =>
    VALUE.split('&')
      .filter((pair) => !pair.startsWith(`${key}=`))
      .join('&');

  it('the helpers used below do change the value', () => {
    expect(withPair('v', '2')).not.toBe(VALUE);
    expect(withoutPair('shown-end')).not.toBe(VALUE);
  });

  it.each<[string, string]>([
    ['another version', withPair('v', '2')],
    ['version 0', withPair('v', '0')],
    ['no version', withoutPair('v')],
    ['an unknown shape', withPair('shape', 'block')],
    ['an empty shape', withPair('shape', '')],
    ['no shape', withoutPair('shape')],
    ['an unknown group', withPair('group', 'done')],
    ['a group in capitals', withPair('group', 'STARTED')],
    ['no target key', withoutPair('target')],
    ['no start key', withoutPair('start')],
    ['no shown-start key', withoutPair('shown-start')],
    ['no shown-end key', withoutPair('shown-end')],
    ['a comma (TEXT escaping)', withPair('target', '2025-01-15\\,x')],
    ['a blank inside a value', withPair('target', '2025-01-15 10:00')],
    ['an offset with "+"', withPair('target', '2026-08-27T18:45+02:00')],
    ['a semicolon', withPair('start', '2025-01-10;x')],
    ['a slash', withPair('group', 'started/x')],
    ['a pair without "="', `${VALUE}&junk`],
    ['a pair with an empty key', `=x&${VALUE}`],
    ['not a basis at all', 'hello'],
  ])('rejects %s', (_, text) => {
    expect(parseBasis(text)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

describe('decideWriteBack: a deadline event', () => {
  const was = values('2025-12-27');
  const moved = { start: '2025-12-30', end: '2025-12-31' };

  it('nothing changed: nothing to do', () => {
    expect(decide('event', was, {})).toEqual(NOTHING);
  });

  it('moved in the calendar: its DTSTART is the new target date', () => {
    expect(decide('event', was, moved)).toEqual({
      patch: { dates: { target: '2025-12-30', start: null } },
      conflicts: [],
    });
  });

  it('a start date Plane holds is sent unchanged with the new target date', () => {
    expect(decide('event', values('2025-12-27', '2025-12-20'), moved)).toEqual({
      patch: { dates: { target: '2025-12-30', start: '2025-12-20' } },
      conflicts: [],
    });
  });

  it('only DTSTART moved (DTEND left behind) still moves the target date', () => {
    expect(decide('event', was, { start: '2025-12-25' }).patch).toEqual({
      dates: { target: '2025-12-25', start: null },
    });
  });

  it('across a year end and onto a leap day', () => {
    expect(decide('event', values('2025-12-30'), { start: '2026-01-02', end: '2026-01-03' }).patch?.dates?.target).toBe(
      '2026-01-02',
    );
    expect(decide('event', values('2028-02-28'), { start: '2028-02-29', end: '2028-03-01' }).patch?.dates?.target).toBe(
      '2028-02-29',
    );
  });

  it('DTEND stretched (DTSTART kept) moves nothing', () => {
    expect(decide('event', was, { end: '2025-12-31' })).toEqual(NOTHING);
  });

  it("DTSTART removed or unreadable is no change (Plane's value is put back)", () => {
    expect(decide('event', was, { start: '' })).toEqual(NOTHING);
    expect(decide('event', was, { start: 'garbage', end: 'garbage' })).toEqual(NOTHING);
  });

  it('an all-day event an app made timed on the same day is no move', () => {
    expect(decide('event', was, { start: '2025-12-27T10:00:00', end: '2025-12-27T11:00:00' })).toEqual(NOTHING);
  });

  it('only Plane changed: nothing here (the planner rewrites the object)', () => {
    expect(decide('event', was, {}, { target: '2025-12-29' })).toEqual(NOTHING);
    expect(decide('event', was, {}, { start: '2025-12-01' })).toEqual(NOTHING);
  });

  it('both changed differently: a conflict carrying both values, nothing for Plane', () => {
    expect(decide('event', was, moved, { target: '2025-12-29' })).toEqual({
      patch: undefined,
      conflicts: [{ field: 'dates', calendar: '2025-12-30', plane: '2025-12-29' }],
    });
  });

  it('both changed to the same day: nothing to write, no conflict', () => {
    expect(decide('event', was, moved, { target: '2025-12-30' })).toEqual(NOTHING);
  });

  it('Plane changed its start date while the calendar moved the day: a conflict (dates are one aspect)', () => {
    expect(decide('event', was, moved, { start: '2025-12-01' })).toEqual({
      patch: undefined,
      conflicts: [{ field: 'dates', calendar: '2025-12-30', plane: '2025-12-01 → 2025-12-27' }],
    });
  });

  it('Plane changed only the state while the calendar moved the day: the dates go to Plane', () => {
    expect(decide('event', was, moved, { group: 'completed' })).toEqual({
      patch: { dates: { target: '2025-12-30', start: null } },
      conflicts: [],
    });
  });

  it('no basis on the object: Plane wins, whatever the object shows', () => {
    const plane = render('event', was).basis;
    const shown = { ...moved, status: 'CONFIRMED' };
    expect(decideWriteBack({ fields: new Set(BOTH), stored: undefined, shown, plane })).toEqual(NOTHING);
    expect(
      decideWriteBack({ fields: new Set(BOTH), stored: undefined, shown, plane: { ...plane, target: '2025-12-29' } }),
    ).toEqual(NOTHING);
  });

  it('a basis of another shape (the entry changed `dates`): nothing', () => {
    const stored = render('span', was).basis;
    const plane = render('event', was).basis;
    expect(decideWriteBack({ fields: new Set(BOTH), stored, shown: { ...moved, status: 'CONFIRMED' }, plane })).toEqual(
      NOTHING,
    );
    expect(
      decideWriteBack({
        fields: new Set(BOTH),
        stored: { ...stored, shape: 'event' },
        shown: { ...moved, status: 'CONFIRMED' },
        plane,
      }).patch,
    ).toBeDefined();
  });

  it('a time of day Plane holds is kept: "2026-08-27T18:45" moved by 2 days is "2026-08-29T18:45"', () => {
    expect(decide('event', values('2026-08-27T18:45'), { start: '2026-08-29', end: '2026-08-30' }).patch).toEqual({
      dates: { target: '2026-08-29T18:45', start: null },
    });
    // A timed calendar shows the time too; the day is what moves.
    const timed: Basis = {
      shape: 'event',
      target: '2026-08-27T18:45',
      start: null,
      group: 'started',
      shown: { start: '2026-08-27T18:45:00', end: '2026-08-27T19:45:00' },
    };
    const shown = { start: '2026-08-29T18:45:00', end: '2026-08-29T19:45:00', status: 'CONFIRMED' };
    expect(decideWriteBack({ fields: new Set(BOTH), stored: timed, shown, plane: timed }).patch).toEqual({
      dates: { target: '2026-08-29T18:45', start: null },
    });
  });

  it('events never write completion, even with "completion" among the fields', () => {
    expect(decide('event', was, { status: 'CANCELLED' })).toEqual(NOTHING);
    expect(decide('event', values('2025-12-27', null, 'completed'), { status: 'CONFIRMED' })).toEqual(NOTHING);
  });

  it('without "dates" among the fields a moved event writes nothing', () => {
    expect(decide('event', was, moved, {}, ['completion'])).toEqual(NOTHING);
    expect(decide('event', was, moved, { target: '2025-12-29' }, ['completion'])).toEqual(NOTHING);
  });
});

describe('decideWriteBack: a span', () => {
  const was = values('2025-12-27', '2025-12-20'); // shown 2025-12-20 → 2025-12-28 (exclusive)
  const single = values('2025-12-27'); // no start date: shown 2025-12-27 → 2025-12-28

  it('moved whole: start and target by the same days', () => {
    expect(decide('span', was, { start: '2025-12-23', end: '2025-12-31' }).patch).toEqual({
      dates: { target: '2025-12-30', start: '2025-12-23' },
    });
    expect(decide('span', was, { start: '2025-12-15', end: '2025-12-23' }).patch).toEqual({
      dates: { target: '2025-12-22', start: '2025-12-15' },
    });
  });

  it('moved whole without a start date: keeps none', () => {
    expect(decide('span', single, { start: '2025-12-22', end: '2025-12-23' }).patch).toEqual({
      dates: { target: '2025-12-22', start: null },
    });
  });

  it('its end dragged: only the target date', () => {
    expect(decide('span', was, { end: '2025-12-30' }).patch).toEqual({
      dates: { target: '2025-12-29', start: '2025-12-20' },
    });
    expect(decide('span', single, { end: '2025-12-30' }).patch).toEqual({
      dates: { target: '2025-12-29', start: null },
    });
  });

  it('its start dragged: only the start date (to the day shown when there was none)', () => {
    expect(decide('span', was, { start: '2025-12-17' }).patch).toEqual({
      dates: { target: '2025-12-27', start: '2025-12-17' },
    });
    expect(decide('span', single, { start: '2025-12-25' }).patch).toEqual({
      dates: { target: '2025-12-27', start: '2025-12-25' },
    });
  });

  it('both ends dragged by different days: each date by its own', () => {
    expect(decide('span', was, { start: '2025-12-19', end: '2025-12-30' }).patch).toEqual({
      dates: { target: '2025-12-29', start: '2025-12-19' },
    });
  });

  it('an end removed is no change; a start removed while the end was dragged moves only the target', () => {
    expect(decide('span', was, { end: '' })).toEqual(NOTHING);
    expect(decide('span', was, { start: '', end: '2025-12-30' }).patch).toEqual({
      dates: { target: '2025-12-29', start: '2025-12-20' },
    });
  });

  it('keeps the times of day Plane holds when moved whole', () => {
    expect(
      decide('span', values('2026-08-27T18:45', '2026-08-20T09:00'), { start: '2026-08-22', end: '2026-08-30' }).patch,
    ).toEqual({
      dates: { target: '2026-08-29T18:45', start: '2026-08-22T09:00' },
    });
  });

  it('both changed differently: a conflict naming both spans', () => {
    expect(decide('span', was, { start: '2025-12-23', end: '2025-12-31' }, { target: '2025-12-29' })).toEqual({
      patch: undefined,
      conflicts: [{ field: 'dates', calendar: '2025-12-23 → 2025-12-30', plane: '2025-12-20 → 2025-12-29' }],
    });
  });

  it('both moved it the same: nothing; the same target with another start is still a conflict', () => {
    expect(
      decide('span', was, { start: '2025-12-23', end: '2025-12-31' }, { target: '2025-12-30', start: '2025-12-23' }),
    ).toEqual(NOTHING);
    expect(
      decide('span', was, { start: '2025-12-23', end: '2025-12-31' }, { target: '2025-12-30', start: '2025-12-21' })
        .conflicts,
    ).toHaveLength(1);
  });

  it('only Plane changed: nothing', () => {
    expect(decide('span', was, {}, { target: '2026-01-05', start: null })).toEqual(NOTHING);
  });
});

describe('decideWriteBack: a task', () => {
  const was = values('2025-12-27', '2025-12-20'); // DTSTART 2025-12-20, DUE 2025-12-27, IN-PROCESS
  const dueOnly = values('2025-12-27');
  const undated = values(null);

  it('DUE moved: the target date', () => {
    expect(decide('task', was, { end: '2025-12-30' })).toEqual({
      patch: { dates: { target: '2025-12-30', start: '2025-12-20' } },
      conflicts: [],
    });
  });

  it('DTSTART moved: the start date', () => {
    expect(decide('task', was, { start: '2025-12-18' }).patch).toEqual({
      dates: { target: '2025-12-27', start: '2025-12-18' },
    });
  });

  it('both moved: both dates', () => {
    expect(decide('task', was, { start: '2025-12-21', end: '2025-12-28' }).patch).toEqual({
      dates: { target: '2025-12-28', start: '2025-12-21' },
    });
  });

  it('a DTSTART added where none was shown is the start date', () => {
    expect(decide('task', dueOnly, { start: '2025-12-22' }).patch).toEqual({
      dates: { target: '2025-12-27', start: '2025-12-22' },
    });
    // A start on the due day is not shown (DUE must be after DTSTART): one added replaces it.
    expect(decide('task', values('2025-12-27', '2025-12-27'), { start: '2025-12-22' }).patch).toEqual({
      dates: { target: '2025-12-27', start: '2025-12-22' },
    });
  });

  it('a DUE added to an undated task is its target date', () => {
    expect(decide('task', undated, { end: '2026-01-09' }).patch).toEqual({
      dates: { target: '2026-01-09', start: null },
    });
  });

  it('DUE or DTSTART removed is no change', () => {
    expect(decide('task', was, { end: '' })).toEqual(NOTHING);
    expect(decide('task', was, { start: '' })).toEqual(NOTHING);
  });

  it('a time of day on the target date is kept', () => {
    expect(decide('task', values('2026-08-27T18:45'), { end: '2026-08-29' }).patch).toEqual({
      dates: { target: '2026-08-29T18:45', start: null },
    });
  });

  it('ticked off (STATUS:COMPLETED): done', () => {
    expect(decide('task', was, { status: 'COMPLETED' })).toEqual({ patch: { completion: 'done' }, conflicts: [] });
    expect(decide('task', was, { status: 'completed' }).patch).toEqual({ completion: 'done' });
  });

  it('un-ticked: open', () => {
    expect(decide('task', values('2025-12-27', null, 'completed'), { status: 'NEEDS-ACTION' })).toEqual({
      patch: { completion: 'open' },
      conflicts: [],
    });
  });

  it('another status change (IN-PROCESS → NEEDS-ACTION, CANCELLED) is no completion', () => {
    expect(decide('task', was, { status: 'NEEDS-ACTION' })).toEqual(NOTHING);
    expect(decide('task', was, { status: 'CANCELLED' })).toEqual(NOTHING);
    expect(decide('task', values('2025-12-27', null, 'cancelled'), { status: 'CANCELLED' })).toEqual(NOTHING);
  });

  it('moved and ticked: one patch with both', () => {
    expect(decide('task', was, { end: '2025-12-30', status: 'COMPLETED' })).toEqual({
      patch: { dates: { target: '2025-12-30', start: '2025-12-20' }, completion: 'done' },
      conflicts: [],
    });
  });

  it('only "dates" written back: a ticked task writes nothing, nor conflicts', () => {
    expect(decide('task', was, { status: 'COMPLETED' }, {}, ['dates'])).toEqual(NOTHING);
    expect(decide('task', was, { status: 'COMPLETED' }, { group: 'backlog' }, ['dates'])).toEqual(NOTHING);
    expect(decide('task', was, { end: '2025-12-30', status: 'COMPLETED' }, {}, ['dates'])).toEqual({
      patch: { dates: { target: '2025-12-30', start: '2025-12-20' } },
      conflicts: [],
    });
  });

  it('only "completion" written back: a moved task writes nothing for its dates', () => {
    expect(decide('task', was, { end: '2025-12-30' }, {}, ['completion'])).toEqual(NOTHING);
    expect(decide('task', was, { end: '2025-12-30', status: 'COMPLETED' }, {}, ['completion'])).toEqual({
      patch: { completion: 'done' },
      conflicts: [],
    });
  });

  it('ticked while Plane completed it too: nothing, no conflict', () => {
    expect(decide('task', was, { status: 'COMPLETED' }, { group: 'completed' })).toEqual(NOTHING);
  });

  it('un-ticked while Plane moved it out of completed too (cancelled, started): nothing, no conflict', () => {
    const done = values('2025-12-27', null, 'completed');
    expect(decide('task', done, { status: 'NEEDS-ACTION' }, { group: 'cancelled' })).toEqual(NOTHING);
    expect(decide('task', done, { status: 'NEEDS-ACTION' }, { group: 'started' })).toEqual(NOTHING);
  });

  it('ticked while Plane moved it to another state: a conflict carrying both', () => {
    expect(decide('task', was, { status: 'COMPLETED' }, { group: 'backlog' })).toEqual({
      patch: undefined,
      conflicts: [{ field: 'completion', calendar: 'completed', plane: 'backlog' }],
    });
    expect(decide('task', was, { status: 'COMPLETED' }, { group: null })).toEqual({
      patch: undefined,
      conflicts: [{ field: 'completion', calendar: 'completed', plane: 'no state' }],
    });
  });

  it('un-ticked while Plane still has it done: open', () => {
    expect(
      decide('task', values('2025-12-27', null, 'completed'), { status: 'IN-PROCESS' }, { target: '2026-01-03' }).patch,
    ).toEqual({ completion: 'open' });
  });

  it('aspects are decided apart: a date change for Plane and a completion conflict in one decision', () => {
    expect(decide('task', was, { end: '2025-12-30', status: 'COMPLETED' }, { group: 'backlog' })).toEqual({
      patch: { dates: { target: '2025-12-30', start: '2025-12-20' } },
      conflicts: [{ field: 'completion', calendar: 'completed', plane: 'backlog' }],
    });
    expect(decide('task', was, { end: '2025-12-30', status: 'COMPLETED' }, { target: '2025-12-29' })).toEqual({
      patch: { completion: 'done' },
      conflicts: [{ field: 'dates', calendar: '2025-12-20 → 2025-12-30', plane: '2025-12-20 → 2025-12-29' }],
    });
  });

  it('a basis of another shape (the calendar was events): nothing, not even completion', () => {
    const stored = render('event', was).basis;
    const plane = render('task', was).basis;
    expect(
      decideWriteBack({
        fields: new Set(BOTH),
        stored,
        shown: { start: '2025-12-20', end: '2025-12-30', status: 'COMPLETED' },
        plane,
      }),
    ).toEqual(NOTHING);
  });
});

describe('calendarDates and describeDates', () => {
  it('undefined when the object shows what its basis says', () => {
    for (const shape of ['event', 'span', 'task'] as const) {
      const { basis, shown } = render(shape, values('2025-12-27', '2025-12-20'));
      expect(calendarDates(basis, shown)).toBeUndefined();
    }
  });

  it('a date written with a time on the shown day is no move', () => {
    const { basis } = render('task', values('2025-12-27', '2025-12-20'));
    expect(calendarDates(basis, { start: '2025-12-20T08:00:00', end: '2025-12-27T17:00:00Z' })).toBeUndefined();
  });

  it('describes dates as the report shows them', () => {
    expect(describeDates({ target: '2025-01-15', start: null })).toBe('2025-01-15');
    expect(describeDates({ target: '2025-01-15', start: '2025-01-10' })).toBe('2025-01-10 → 2025-01-15');
    expect(describeDates({ target: null, start: null })).toBe('no date');
  });
});

// ---------------------------------------------------------------------------------------------
// A seeded property: random objects, random edits on both sides, the decision applied, decided again.

/** mulberry32: a tiny seeded PRNG, so a failure is repeatable. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** A non-zero integer in [-max, max]. */
  days(max: number): number {
    const n = this.int(1, max);
    return this.chance(0.5) ? n : -n;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
}

type Edit =
  | { kind: 'none' }
  | { kind: 'whole'; days: number }
  | { kind: 'start'; days: number }
  | { kind: 'end'; days: number }
  | { kind: 'stretch'; start: number; end: number }
  | { kind: 'remove-start' }
  | { kind: 'remove-end' }
  | { kind: 'add-start'; date: string }
  | { kind: 'add-end'; date: string };

const keepTime = (value: string, days: number): string => `${addDays(value.slice(0, 10), days)}${value.slice(10)}`;
const shift = (value: string | null, days: number): string | null => (value === null ? null : keepTime(value, days));
const same = (a: string | null, b: string | null): boolean => (a ?? '') === (b ?? '');
const sameDates = (
  a: { target: string | null; start: string | null },
  b: { target: string | null; start: string | null },
): boolean => same(a.target, b.target) && same(a.start, b.start);

function withTime(random: Random, date: string): string {
  return random.chance(0.2) ? `${date}T${random.pick(['00:00', '09:00', '18:45', '23:59'])}` : date;
}

function randomValues(random: Random, shape: BasisShape): Values {
  const day = addDays('2026-01-01', random.int(-400, 400));
  const target = shape === 'task' && random.chance(0.15) ? null : withTime(random, day);
  const start = random.chance(0.4)
    ? null
    : withTime(random, addDays(day, target === null ? random.int(-10, 10) : -random.int(0, 12)));
  return { target, start, group: random.chance(0.1) ? null : random.pick(GROUPS) };
}

/** A realistic edit in an app: DTSTART stays before DTEND/DUE. */
function randomEdit(random: Random, shape: BasisShape, shown: ShownValues): { edit: Edit; shown: ShownValues } {
  const { start, end } = shown;
  const before = (a: string, b: string) => a === '' || b === '' || a < b;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const kind = random.pick([
      'none',
      'whole',
      'start',
      'end',
      'stretch',
      'remove-start',
      'remove-end',
      'add-start',
      'add-end',
    ] as const);
    switch (kind) {
      case 'none':
        return { edit: { kind }, shown };
      case 'whole': {
        if (start === '' && end === '') continue;
        const days = random.days(40);
        return {
          edit: { kind, days },
          shown: { ...shown, start: start && addDays(start, days), end: end && addDays(end, days) },
        };
      }
      case 'start': {
        if (start === '') continue;
        const days = random.days(15);
        const moved = addDays(start, days);
        if (!before(moved, end)) continue;
        return { edit: { kind, days }, shown: { ...shown, start: moved } };
      }
      case 'end': {
        if (end === '') continue;
        const days = random.days(15);
        const moved = addDays(end, days);
        if (!before(start, moved)) continue;
        return { edit: { kind, days }, shown: { ...shown, end: moved } };
      }
      case 'stretch': {
        if (start === '' || end === '') continue;
        const edit = { kind, start: random.days(10), end: random.days(10) };
        if (edit.start === edit.end) continue;
        const moved = { start: addDays(start, edit.start), end: addDays(end, edit.end) };
        if (!before(moved.start, moved.end)) continue;
        return { edit, shown: { ...shown, ...moved } };
      }
      case 'remove-start':
        if (start === '') continue;
        return { edit: { kind }, shown: { ...shown, start: '' } };
      case 'remove-end':
        if (end === '') continue;
        return { edit: { kind }, shown: { ...shown, end: '' } };
      case 'add-start': {
        if (shape !== 'task' || start !== '') continue;
        const date = end === '' ? addDays('2026-01-01', random.int(-300, 300)) : addDays(end, -random.int(1, 10));
        return { edit: { kind, date }, shown: { ...shown, start: date } };
      }
      case 'add-end': {
        if (shape !== 'task' || end !== '') continue;
        const date = start === '' ? addDays('2026-01-01', random.int(-300, 300)) : addDays(start, random.int(1, 10));
        return { edit: { kind, date }, shown: { ...shown, end: date } };
      }
    }
  }
  return { edit: { kind: 'none' }, shown };
}

/** What the person meant in Plane's terms (the rules, written out independently); undefined: no date change. */
function intended(
  shape: BasisShape,
  was: Values,
  written: ShownValues,
  edit: Edit,
): { target: string | null; start: string | null } | undefined {
  let { target, start } = was;
  const moveStart = (days: number) => {
    // A span without a start date gets the day it showed, moved; a task's DTSTART is shown only when there is one.
    start = start === null ? addDays(written.start, days) : keepTime(start, days);
  };
  switch (edit.kind) {
    case 'whole':
      if (shape === 'event') target = shift(target, edit.days);
      else if (shape === 'span') {
        target = shift(target, edit.days);
        start = shift(start, edit.days);
      } else {
        if (written.end !== '') target = shift(target, edit.days);
        if (written.start !== '') moveStart(edit.days);
      }
      break;
    case 'start':
      if (shape === 'event') target = shift(target, edit.days);
      else moveStart(edit.days);
      break;
    case 'end':
      if (shape !== 'event') target = shift(target, edit.days);
      break;
    case 'stretch':
      if (shape === 'event') target = shift(target, edit.start);
      else {
        moveStart(edit.start);
        target = shift(target, edit.end);
      }
      break;
    case 'add-start':
      start = edit.date;
      break;
    case 'add-end':
      target = edit.date;
      break;
    default:
      break;
  }
  const dates = { target, start };
  return sameDates(dates, was) ? undefined : dates;
}

/** A change in Plane meanwhile: none, other dates, the very dates the person chose, another state, or several. */
function randomPlaneEdit(
  random: Random,
  shape: BasisShape,
  was: Values,
  wanted: { target: string | null; start: string | null } | undefined,
): Values {
  let now = { ...was };
  const kind = random.pick(['none', 'none', 'dates', 'mirror', 'group', 'dates+group'] as const);
  if (kind === 'mirror' && wanted !== undefined) return { ...now, ...wanted };
  if (kind === 'dates' || kind === 'dates+group' || kind === 'mirror') {
    const days = random.days(20);
    const target =
      shape === 'task' && random.chance(0.1)
        ? null
        : was.target === null
          ? addDays('2026-01-01', random.int(-100, 100))
          : keepTime(was.target, days);
    let start =
      random.pick(['same', 'moved', 'cleared', 'set'] as const) === 'moved' ? shift(was.start, days) : was.start;
    if (random.chance(0.2)) start = null;
    if (random.chance(0.2) && target !== null) start = addDays(target.slice(0, 10), -random.int(0, 5));
    if (start !== null && target !== null && start.slice(0, 10) > target.slice(0, 10)) start = null;
    now = { ...now, target, start };
  }
  if (kind === 'group' || kind === 'dates+group') now.group = random.pick([...GROUPS, null]);
  return now;
}

/** Plane after the patch: the dates as sent; done → completed, open → the default state (Backlog). */
function applyPatch(now: Values, patch: PlanePatch | undefined): Values {
  const dates = patch?.dates ?? { target: now.target, start: now.start };
  const group = patch?.completion === 'done' ? 'completed' : patch?.completion === 'open' ? 'backlog' : now.group;
  return { ...dates, group };
}

describe('property: decide, apply, decide again', () => {
  const SHAPES: readonly BasisShape[] = ['event', 'span', 'task'];
  const FIELD_SETS: readonly (readonly WriteBackField[])[] = [BOTH, BOTH, BOTH, ['dates'], ['completion']];
  const RUNS = 1500;

  it(`holds for ${RUNS} seeded random cases`, () => {
    const random = new Random(0x5eed_2026);
    const seen = {
      datesWritten: 0,
      datesConflict: 0,
      datesAgreed: 0,
      planeOnly: 0,
      done: 0,
      open: 0,
      completionConflict: 0,
      completionAgreed: 0,
      untouched: 0,
    };
    for (let run = 0; run < RUNS; run += 1) {
      const shape = SHAPES[run % SHAPES.length] as BasisShape;
      const fields = random.pick(FIELD_SETS);
      const was = randomValues(random, shape);
      const written = render(shape, was);
      const { edit, shown: datesEdited } = randomEdit(random, shape, written.shown);
      const tick = shape === 'task' && random.chance(0.35);
      const calendarDone = written.shown.status === 'COMPLETED' ? !tick : tick;
      const shown: ShownValues = {
        ...datesEdited,
        status: tick ? (calendarDone ? 'COMPLETED' : 'NEEDS-ACTION') : written.shown.status,
      };
      const wanted = intended(shape, was, written.shown, edit);
      const now = randomPlaneEdit(random, shape, was, wanted);
      const context = JSON.stringify({ run, shape, fields, was, edit, tick, now });

      const first = decideWriteBack({
        fields: new Set(fields),
        stored: written.basis,
        shown,
        plane: render(shape, now).basis,
      });
      const datesConflicts = first.conflicts.filter((c) => c.field === 'dates');
      const completionConflicts = first.conflicts.filter((c) => c.field === 'completion');

      // Dates, against the rules written out above.
      const planeMovedDates = !sameDates(now, was);
      if (!fields.includes('dates') || wanted === undefined) {
        expect(first.patch?.dates, context).toBeUndefined();
        expect(datesConflicts, context).toEqual([]);
        if (wanted === undefined && planeMovedDates) seen.planeOnly += 1;
      } else if (!planeMovedDates) {
        expect(first.patch?.dates, context).toEqual(wanted);
        expect(datesConflicts, context).toEqual([]);
        seen.datesWritten += 1;
      } else {
        expect(first.patch?.dates, context).toBeUndefined();
        if (sameDates(wanted, now)) {
          expect(datesConflicts, context).toEqual([]);
          seen.datesAgreed += 1;
        } else {
          expect(datesConflicts, context).toEqual([
            { field: 'dates', calendar: describeDates(wanted), plane: describeDates(now) },
          ]);
          seen.datesConflict += 1;
        }
      }

      // Completion: tasks only, STATUS:COMPLETED against the basis group.
      const basisDone = was.group === 'completed';
      if (shape !== 'task' || !fields.includes('completion') || calendarDone === basisDone) {
        expect(first.patch?.completion, context).toBeUndefined();
        expect(completionConflicts, context).toEqual([]);
      } else if (now.group === was.group) {
        expect(first.patch?.completion, context).toBe(calendarDone ? 'done' : 'open');
        seen[calendarDone ? 'done' : 'open'] += 1;
      } else {
        expect(first.patch?.completion, context).toBeUndefined();
        if ((now.group === 'completed') === calendarDone) {
          expect(completionConflicts, context).toEqual([]);
          seen.completionAgreed += 1;
        } else {
          expect(completionConflicts, context).toHaveLength(1);
          seen.completionConflict += 1;
        }
      }
      if (first.patch !== undefined) expect(first.patch.dates ?? first.patch.completion, context).toBeDefined();

      // Apply: Plane takes the patch; the object is rewritten from Plane with a new basis.
      const after = applyPatch(now, first.patch);
      if (datesConflicts.length > 0 || (wanted !== undefined && planeMovedDates)) {
        expect(sameDates(after, now), `both changed the dates: Plane's stay. ${context}`).toBe(true);
      }
      if (completionConflicts.length > 0) expect(after.group, context).toBe(now.group);
      if (first.patch?.dates) {
        // Only the calendar changed: Plane ends with the day the calendar shows as the target date.
        const calendarTarget =
          shape === 'event'
            ? shown.start
            : shape === 'span'
              ? shown.end === ''
                ? ''
                : addDays(shown.end, -1)
              : shown.end;
        if (calendarTarget !== '') expect(dateOf(after.target), context).toBe(calendarTarget);
      }
      if (first.patch === undefined && first.conflicts.length === 0) seen.untouched += 1;

      const rewritten = render(shape, after);
      expect(
        decideWriteBack({
          fields: new Set(fields),
          stored: rewritten.basis,
          shown: rewritten.shown,
          plane: rewritten.basis,
        }),
        `rewritten object: ${context}`,
      ).toEqual(NOTHING);
      // Applying it twice changes nothing more: the person's object, read again before the rewrite, now agrees with Plane.
      const again = decideWriteBack({
        fields: new Set(fields),
        stored: written.basis,
        shown,
        plane: render(shape, after).basis,
      });
      expect(again.patch, `second decision: ${context}`).toBeUndefined();
      expect(again.conflicts, `second decision: ${context}`).toEqual(first.conflicts);
    }
    // Every branch was taken, more than a few times.
    for (const [branch, count] of Object.entries(seen)) expect(count, `branch ${branch}`).toBeGreaterThan(5);
  });

  it('our renderer agrees with issueToEvent: the basis it writes is the one assumed above', () => {
    const random = new Random(7);
    const proj = project();
    const states: Record<StateGroup, PlaneState> = Object.fromEntries(
      GROUPS.map((group) => [group, { id: `state-${group}`, name: group, color: '#000', group }]),
    ) as Record<StateGroup, PlaneState>;
    const ctx = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme', writeBack: true };
    for (let run = 0; run < 150; run += 1) {
      const shape = SHAPES[run % SHAPES.length] as BasisShape;
      const v = randomValues(random, shape);
      const item = issue(proj.id, {
        target_date: v.target,
        start_date: v.start,
        state: v.group === null ? ({ id: 'gone' } as PlaneIssue['state']) : states[v.group],
      });
      const model = issueToEvent(item, proj, {
        ...ctx,
        as: shape === 'task' ? 'tasks' : 'events',
        dates: shape === 'span' ? 'span' : 'target',
        undated: 'include',
      });
      const context = JSON.stringify({ run, shape, v });
      expect(model, context).not.toBeNull();
      const mine = render(shape, v);
      expect(parseBasis(model?.fields.base), context).toEqual(mine.basis);
      expect({ start: model?.fields.start, end: model?.fields.end, status: model?.fields.status }, context).toEqual(
        mine.shown,
      );
      // …and it survives the calendar: the stored object reads back the same basis.
      const stored = parseCalendarObject(renderEvent(model as EventModel));
      expect(stored.fields?.base, context).toBe(model?.fields.base);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// plan(): desired objects made as desired.ts makes them (addIssue, writeBackPlan), objects edited like an app would.

const CAL = 'https://dav.example/alice/plane-web/';
const web: PlaneProject = project({ identifier: 'WEB' });
const ITEMS = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };

function entry(overrides: Partial<CalendarEntry> = {}): CalendarEntry {
  return {
    id: 'projects',
    name: 'Plane: {project}',
    perProject: true,
    filter: {},
    writeBack: { fields: ['dates'] },
    ...overrides,
  };
}
const EVENTS = entry();
const SPANS = entry({ dates: 'span' });
const TASKS = entry({ as: 'tasks', writeBack: { fields: ['dates', 'completion'], completedState: 'Done' } });
const READ_ONLY = entry({ writeBack: undefined });

function desiredFor(calendar: CalendarEntry, issues: PlaneIssue[], proj: PlaneProject = web): DesiredSet {
  const set = emptyDesired();
  const report = emptyProjectReport(proj);
  for (const item of issues)
    addIssue(
      item,
      proj,
      { target: { scheme: LEGACY_SCHEME, entry: calendar }, select: () => true },
      ITEMS,
      set,
      report,
    );
  expect(report.errors).toEqual([]);
  return set;
}

function modelFor(calendar: CalendarEntry, item: PlaneIssue, proj: PlaneProject = web): EventModel {
  const model = issueToEvent(item, proj, transformContext({ scheme: LEGACY_SCHEME, entry: calendar }, ITEMS));
  if (model === null) throw new Error('fixture issue has no object');
  return model;
}

/** The object calplanebot wrote for `item` (as Plane had it then). */
function written(calendar: CalendarEntry, item: PlaneIssue, proj: PlaneProject = web): RemoteObject {
  const model = modelFor(calendar, item, proj);
  return { href: `${CAL}${objectNameForUid(model.uid)}`, etag: '"e1"', data: renderEvent(model) };
}

/** An app's edit: each `from` replaced by `to` (throws when one is missing, so no edit is silently lost); a new ETag. */
function edited(object: RemoteObject, ...swaps: [string, string][]): RemoteObject {
  let data = object.data;
  for (const [from, to] of swaps) {
    if (!data.includes(from)) throw new Error(`the object has no ${JSON.stringify(from)}`);
    data = data.replace(from, to);
  }
  return { ...object, etag: '"app"', data };
}

/** An app that dropped X-CALPLANEBOT-BASE (folded lines and all). */
function withoutBase(object: RemoteObject): RemoteObject {
  const data = object.data.replace(/X-CALPLANEBOT-BASE:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/, '');
  if (data === object.data) throw new Error('the object has no X-CALPLANEBOT-BASE');
  return { ...object, etag: '"app"', data };
}

function planWith(
  calendar: CalendarEntry,
  issues: PlaneIssue[],
  remote: RemoteObject[],
  overrides: Partial<PlanInput> = {},
  proj: PlaneProject = web,
): Plan {
  const desired = desiredFor(calendar, issues, proj);
  return plan(
    planInput(CAL, { desired: desired.events, remote, writeBack: writeBackPlan(calendar, desired), ...overrides }),
  );
}

const ops = (result: Plan) => result.changes.map((change) => `${change.op} ${change.issueId}`);
const MOVED_TO_30: [string, string][] = [
  ['DTSTART;VALUE=DATE:20251227', 'DTSTART;VALUE=DATE:20251230'],
  ['DTEND;VALUE=DATE:20251228', 'DTEND;VALUE=DATE:20251231'],
];

describe('plan() with writeBack', () => {
  it("an event moved in the app is a change for Plane: its patch, the report's fields, and no calendar update", () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = edited(written(EVENTS, item), ...MOVED_TO_30);
    const result = planWith(EVENTS, [item], [object]);
    expect(result.changes).toHaveLength(1);
    const change = result.changes[0] as WriteBackChange;
    expect(change).toMatchObject({
      op: 'write-back',
      uid: modelFor(EVENTS, item).uid,
      issueId: item.id,
      projectId: web.id,
      href: object.href,
      etag: '"app"',
      existing: object.data,
      summary: modelFor(EVENTS, item).fields.summary,
      patch: { dates: { target: '2025-12-30', start: null } },
      fields: [{ field: 'target_date', from: '2025-12-27', to: '2025-12-30' }],
    });
    expect(change).not.toHaveProperty('completedState');
    expect(change.event).toEqual(modelFor(EVENTS, item)); // what Plane's values call for, should Plane refuse
    expect(result).toMatchObject({ conflicts: [], withheldWrites: undefined, unchanged: 0 });
    // The reviser gives the object as Plane will have it: the new day, and a basis saying so.
    const revised = change.revise({ target_date: '2025-12-30' });
    expect(revised?.fields.start).toBe('2025-12-30');
    expect(parseBasis(revised?.fields.base)).toMatchObject({
      shape: 'event',
      target: '2025-12-30',
      shown: { start: '2025-12-30', end: '2025-12-31' },
    });
  });

  it('a span moved whole: both dates, each in the report', () => {
    const item = issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' });
    const object = edited(
      written(SPANS, item),
      ['DTSTART;VALUE=DATE:20251220', 'DTSTART;VALUE=DATE:20251223'],
      ['DTEND;VALUE=DATE:20251228', 'DTEND;VALUE=DATE:20251231'],
    );
    const change = planWith(SPANS, [item], [object]).changes[0];
    expect(change).toMatchObject({
      op: 'write-back',
      patch: { dates: { target: '2025-12-30', start: '2025-12-23' } },
      fields: [
        { field: 'target_date', from: '2025-12-27', to: '2025-12-30' },
        { field: 'start_date', from: '2025-12-20', to: '2025-12-23' },
      ],
    });
  });

  it('a span whose end was dragged: only the target date', () => {
    const item = issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' });
    const object = edited(written(SPANS, item), ['DTEND;VALUE=DATE:20251228', 'DTEND;VALUE=DATE:20260103']);
    const change = planWith(SPANS, [item], [object]).changes[0];
    expect(change).toMatchObject({
      op: 'write-back',
      patch: { dates: { target: '2026-01-02', start: '2025-12-20' } },
      fields: [{ field: 'target_date', from: '2025-12-27', to: '2026-01-02' }],
    });
  });

  it("a task moved (DUE) and ticked off: dates and completion in one change, with the entry's completedState", () => {
    const item = issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' });
    const object = edited(
      written(TASKS, item),
      ['DUE;VALUE=DATE:20251227', 'DUE;VALUE=DATE:20251229'],
      ['STATUS:IN-PROCESS', 'STATUS:COMPLETED'],
    );
    const result = planWith(TASKS, [item], [object]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      op: 'write-back',
      patch: { dates: { target: '2025-12-29', start: '2025-12-20' }, completion: 'done' },
      fields: [
        { field: 'target_date', from: '2025-12-27', to: '2025-12-29' },
        { field: 'state', from: 'started', to: 'completed' },
      ],
      completedState: 'Done',
    });
  });

  it('a done task un-ticked: back to the default state', () => {
    const item = issue(web.id, {
      target_date: '2025-12-27',
      state: STATES.done as PlaneState,
      completed_at: '2025-12-02T10:00:00Z',
    });
    const object = edited(written(TASKS, item), ['STATUS:COMPLETED', 'STATUS:NEEDS-ACTION']);
    const result = planWith(TASKS, [item], [object]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        op: 'write-back',
        patch: { completion: 'open' },
        fields: [{ field: 'state', from: 'completed', to: 'the default state' }],
      }),
    ]);
  });

  it('a task ticked off in a calendar that writes back only dates: Plane wins (the object is put back)', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const datesOnly = entry({ as: 'tasks', writeBack: { fields: ['dates'] } });
    const object = edited(written(datesOnly, item), ['STATUS:IN-PROCESS', 'STATUS:COMPLETED']);
    const result = planWith(datesOnly, [item], [object]);
    expect(result.changes).toEqual([expect.objectContaining({ op: 'update' })]);
    expect(result.changes[0]?.fields).toContainEqual({ field: 'status', from: 'COMPLETED', to: 'IN-PROCESS' });
    expect(result.conflicts).toEqual([]);
  });

  it("both changed differently: a conflict entry, and an update writing Plane's values", () => {
    const before = issue(web.id, { target_date: '2025-12-27' });
    const now = { ...before, target_date: '2025-12-29', updated_at: '2025-12-03T10:00:00Z' };
    const result = planWith(EVENTS, [now], [edited(written(EVENTS, before), ...MOVED_TO_30)]);
    expect(result.changes).toHaveLength(1);
    const change = result.changes[0];
    expect(change?.op).toBe('update');
    expect(change?.fields).toContainEqual({ field: 'target_date', from: '2025-12-30', to: '2025-12-29' });
    expect(change?.fields.map((f) => f.field)).toContain('write_back_base');
    expect(result.conflicts).toEqual([
      {
        field: 'dates',
        calendar: '2025-12-30',
        plane: '2025-12-29',
        uid: modelFor(EVENTS, now).uid,
        issueId: now.id,
        summary: modelFor(EVENTS, now).fields.summary,
      },
    ]);
  });

  it('both changed the same: no conflict, nothing for Plane; the object only gets the new base', () => {
    const before = issue(web.id, { target_date: '2025-12-27' });
    const now = { ...before, target_date: '2025-12-30' };
    const result = planWith(EVENTS, [now], [edited(written(EVENTS, before), ...MOVED_TO_30)]);
    expect(result.conflicts).toEqual([]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      op: 'update',
      fields: [
        { field: 'write_back_base', from: modelFor(EVENTS, before).fields.base, to: modelFor(EVENTS, now).fields.base },
      ],
    });
  });

  it('an object without a base (an app dropped it): Plane wins, and the update adds the base', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = withoutBase(edited(written(EVENTS, item), ...MOVED_TO_30));
    expect(parseCalendarObject(object.data).fields?.base).toBeUndefined();
    const result = planWith(EVENTS, [item], [object]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]?.op).toBe('update');
    expect(result.changes[0]?.fields).toContainEqual({ field: 'target_date', from: '2025-12-30', to: '2025-12-27' });
    expect(result.changes[0]?.fields).toContainEqual({
      field: 'write_back_base',
      from: null,
      to: modelFor(EVENTS, item).fields.base,
    });
    expect(result.conflicts).toEqual([]);
  });

  it('an object made before writeBack was set (no base), untouched: an update adding the base', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const result = planWith(EVENTS, [item], [written(READ_ONLY, item)]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        op: 'update',
        fields: [{ field: 'write_back_base', from: null, to: modelFor(EVENTS, item).fields.base }],
      }),
    ]);
  });

  it('an object whose base is damaged or of another version writes nothing to Plane', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = written(EVENTS, item);
    const base = modelFor(EVENTS, item).fields.base as string;
    const unfolded = { ...object, data: object.data.replace(/\r\n[ \t]/g, '') };
    for (const damaged of [
      base.replace('v=1', 'v=2'),
      base.replace('shape=event', 'shape=blob'),
      base.replace('&shown-end=2025-12-28', ''),
    ]) {
      const result = planWith(EVENTS, [item], [edited(unfolded, [base, damaged], ...MOVED_TO_30)]);
      expect(ops(result), damaged).toEqual([`update ${item.id}`]);
      expect(result.changes[0]?.fields, damaged).toContainEqual({
        field: 'target_date',
        from: '2025-12-30',
        to: '2025-12-27',
      });
    }
  });

  it("an object that does not parse as one of ours (a VJOURNAL with the item's UID) writes nothing to Plane", () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = written(EVENTS, item);
    const journal = edited(object, ['BEGIN:VEVENT', 'BEGIN:VJOURNAL'], ['END:VEVENT', 'END:VJOURNAL'], ...MOVED_TO_30);
    expect(parseCalendarObject(journal.data).fields).toBeUndefined();
    const result = planWith(EVENTS, [item], [journal]);
    expect(result.changes.map((c) => c.op)).not.toContain('write-back');
    expect(result.withheldWrites).toBeUndefined();
  });

  it('an event where the entry now wants a task (another component): no write-back, the component is replaced', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = edited(written(EVENTS, item), ...MOVED_TO_30);
    const result = planWith(TASKS, [item], [object]);
    expect(ops(result)).toEqual([`update ${item.id}`]);
    expect(result.changes[0]?.fields[0]).toEqual({ field: 'component', from: 'VEVENT', to: 'VTODO' });
  });

  it("a task an app re-saved as a VEVENT (its task basis kept): no write-back, Plane's task is put back", () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = edited(
      written(TASKS, item),
      ['BEGIN:VTODO', 'BEGIN:VEVENT'],
      ['END:VTODO', 'END:VEVENT'],
      ['DUE;VALUE=DATE:20251227', 'DTSTART;VALUE=DATE:20251229\r\nDTEND;VALUE=DATE:20251230'],
    );
    const parsed = parseCalendarObject(object.data);
    expect(parsed.component).toBe('vevent');
    expect(parseBasis(parsed.fields?.base)?.shape).toBe('task');
    const result = planWith(TASKS, [item], [object]);
    expect(ops(result)).toEqual([`update ${item.id}`]);
    expect(result.changes[0]?.fields[0]).toEqual({ field: 'component', from: 'VEVENT', to: 'VTODO' });
  });

  it('an entry without writeBack never plans one, even for an edited object carrying a base', () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const object = edited(written(EVENTS, item), ...MOVED_TO_30);
    const desired = desiredFor(READ_ONLY, [item]);
    expect(writeBackPlan(READ_ONLY, desired)).toBeUndefined();
    expect(desired.revisers.size).toBe(0);
    expect(desired.events[0]?.fields.base).toBeUndefined();
    const result = planWith(READ_ONLY, [item], [object]);
    expect(ops(result)).toEqual([`update ${item.id}`]);
    expect(result.changes[0]?.fields).toContainEqual({ field: 'target_date', from: '2025-12-30', to: '2025-12-27' });
    expect(result).toMatchObject({ conflicts: [], withheldWrites: undefined });
    // Nor does a writeBack entry whose plan is given no writeBack.
    const unplanned = plan(planInput(CAL, { desired: desiredFor(EVENTS, [item]).events, remote: [object] }));
    expect(unplanned.changes.map((c) => c.op)).toEqual(['update']);
  });

  it('an incomplete listing: the change for Plane is withheld, and the object is left as the person left it', () => {
    const moved = issue(web.id, { target_date: '2025-12-27' });
    const changedInPlane = issue(web.id, { target_date: '2025-12-27' });
    const remote = [edited(written(EVENTS, moved), ...MOVED_TO_30), written(EVENTS, changedInPlane)];
    const result = planWith(EVENTS, [moved, { ...changedInPlane, name: 'Renamed in Plane' }], remote, {
      listingComplete: false,
    });
    expect(ops(result)).toEqual([`update ${changedInPlane.id}`]); // no write-back, and no update of the edited object
    expect(result.withheldWrites?.reason).toBe('listing-incomplete');
    expect(result.withheldWrites?.changes.map((c) => [c.op, c.issueId, c.patch])).toEqual([
      ['write-back', moved.id, { dates: { target: '2025-12-30', start: null } }],
    ]);
  });

  it("a rewritten object (another app's serialisation) keeping the X- line: its move still goes to Plane", () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const model = modelFor(EVENTS, item);
    const base = model.fields.base as string;
    const data = [
      'BEGIN:VCALENDAR',
      'PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'CREATED:20251202T100000Z',
      'LAST-MODIFIED:20251210T080000Z',
      'DTSTAMP:20251210T080000Z',
      `UID:${model.uid}`,
      `SUMMARY:${model.fields.summary}`,
      'STATUS:CONFIRMED',
      'DTSTART;VALUE=DATE:20260105',
      'DTEND;VALUE=DATE:20260106',
      `X-CALPLANEBOT-ISSUE-ID:${item.id}`,
      `X-CALPLANEBOT-PROJECT-ID:${web.id}`,
      // Folded elsewhere than calplanebot folds it.
      `X-CALPLANEBOT-BASE:${base.slice(0, 20)}`,
      ` ${base.slice(20, 50)}`,
      ` ${base.slice(50)}`,
      'X-MOZ-GENERATION:2',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const result = planWith(EVENTS, [item], [{ href: `${CAL}${objectNameForUid(model.uid)}`, etag: '"tb"', data }]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        op: 'write-back',
        etag: '"tb"',
        patch: { dates: { target: '2026-01-05', start: null } },
      }),
    ]);
  });

  it('after the write-back (object rewritten by the reviser, Plane updated) the next plan has nothing to do', () => {
    const item = issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' });
    const object = edited(
      written(SPANS, item),
      ['DTSTART;VALUE=DATE:20251220', 'DTSTART;VALUE=DATE:20251223'],
      ['DTEND;VALUE=DATE:20251228', 'DTEND;VALUE=DATE:20251231'],
    );
    const change = planWith(SPANS, [item], [object]).changes[0] as WriteBackChange;
    const updated = {
      ...item,
      target_date: change.patch.dates?.target ?? null,
      start_date: change.patch.dates?.start ?? null,
    };
    const claimed = change.revise({ target_date: updated.target_date, start_date: updated.start_date });
    expect(claimed).not.toBeNull();
    const rewritten = { ...object, etag: '"e2"', data: mergeEvent(object.data, claimed as EventModel) };
    const next = planWith(SPANS, [updated], [rewritten]);
    expect(next.changes).toEqual([]);
    expect(next.unchanged).toBe(1);
  });

  it('a date change for Plane and a completion conflict on one task: the change is planned and the conflict reported', () => {
    const before = issue(web.id, { target_date: '2025-12-27' });
    const now = { ...before, state: STATES.backlog as PlaneState };
    const object = edited(
      written(TASKS, before),
      ['DUE;VALUE=DATE:20251227', 'DUE;VALUE=DATE:20251231'],
      ['STATUS:IN-PROCESS', 'STATUS:COMPLETED'],
    );
    const result = planWith(TASKS, [now], [object]);
    expect(result.changes).toEqual([
      expect.objectContaining({ op: 'write-back', patch: { dates: { target: '2025-12-31', start: null } } }),
    ]);
    expect(result.conflicts).toEqual([
      expect.objectContaining({ field: 'completion', calendar: 'completed', plane: 'backlog', issueId: before.id }),
    ]);
  });

  it('a timed event an app re-saved in UTC (the same instant, another day in UTC) is no move', () => {
    const berlin = project({ identifier: 'BER', timezone: 'Europe/Berlin' });
    const timed = entry({ times: 'timed' });
    const item = issue(berlin.id, { target_date: '2026-08-27T00:30' });
    const object = edited(
      written(timed, item, berlin),
      ['DTSTART;TZID=Europe/Berlin:20260827T003000', 'DTSTART:20260826T223000Z'],
      ['DTEND;TZID=Europe/Berlin:20260827T013000', 'DTEND:20260826T233000Z'],
    );
    const result = planWith(timed, [item], [object], {}, berlin);
    expect(result.changes.filter((c) => c.op === 'write-back')).toEqual([]);
  });
});

describe('capPlaneWrites', () => {
  function planned(moves: number): { result: Plan; issues: PlaneIssue[] } {
    const issues = Array.from({ length: moves }, () => issue(web.id, { target_date: '2025-12-27' }));
    const fresh = issue(web.id, { target_date: '2026-02-01' });
    const remote = issues.map((item) => edited(written(EVENTS, item), ...MOVED_TO_30));
    return { result: planWith(EVENTS, [...issues, fresh], remote), issues };
  }

  it("keeps the first N changes for Plane and withholds the rest, leaving the calendar's own changes", () => {
    const { result, issues } = planned(4);
    expect(result.changes.map((c) => c.op)).toEqual(['write-back', 'write-back', 'write-back', 'write-back', 'create']);
    expect(capPlaneWrites(result, 2)).toBe(2);
    expect(ops(result).filter((op) => op.startsWith('write-back'))).toEqual(
      issues.slice(0, 2).map((i) => `write-back ${i.id}`),
    );
    expect(result.changes.map((c) => c.op)).toContain('create');
    expect(result.withheldWrites?.reason).toBe('max-plane-writes');
    expect(result.withheldWrites?.changes.map((c) => c.issueId)).toEqual(issues.slice(2).map((i) => i.id));
  });

  it('within the cap: nothing withheld; at 0: all withheld', () => {
    const within = planned(3).result;
    expect(capPlaneWrites(within, 3)).toBe(3);
    expect(within.withheldWrites).toBeUndefined();
    expect(within.changes.filter((c) => c.op === 'write-back')).toHaveLength(3);

    const none = planned(3).result;
    expect(capPlaneWrites(none, 0)).toBe(0);
    expect(none.changes.map((c) => c.op)).toEqual(['create']);
    expect(none.withheldWrites?.changes).toHaveLength(3);
  });

  it('changes withheld before are kept when the cap withholds more', () => {
    const { result, issues } = planned(2);
    const earlier = planned(1).result.changes[0] as WriteBackChange;
    result.withheldWrites = { reason: 'listing-incomplete', changes: [earlier] };
    expect(capPlaneWrites(result, 1)).toBe(1);
    expect(result.withheldWrites).toEqual({
      reason: 'max-plane-writes',
      changes: [earlier, expect.objectContaining({ issueId: issues[1]?.id })],
    });
  });

  it("an incomplete listing's withheld writes stay as they were (there is nothing to cap)", () => {
    const item = issue(web.id, { target_date: '2025-12-27' });
    const result = planWith(EVENTS, [item], [edited(written(EVENTS, item), ...MOVED_TO_30)], {
      listingComplete: false,
    });
    expect(capPlaneWrites(result, 0)).toBe(0);
    expect(result.withheldWrites).toMatchObject({ reason: 'listing-incomplete' });
    expect(result.withheldWrites?.changes).toHaveLength(1);
  });
});
