/** A calendar entry's filter as a predicate: AND across keys, OR within one, "me" and "today" as data. */
import { describe, expect, it } from 'vitest';
import type { CalendarFilter } from '../../../src/config/types.js';
import type { PlaneIssue, PlaneLabel, PlaneState, PlaneUser } from '../../../src/plane/types.js';
import {
  compileFilter,
  compileSelection,
  type FilterContext,
  noteNames,
  todayIn,
  unmatchedValues,
  usesMe,
  windowBounds,
} from '../../../src/views/filter.js';
import { issue, project, STATES } from '../../support/builders.js';

const web = project({ identifier: 'WEB', name: 'Web' });
const TODAY = '2026-03-10';
const ME: PlaneUser = { id: 'AAAAAAAA-0000-4000-8000-0000000000ee', display_name: 'ada', email: 'Ada@Example.com' };
const BOB: PlaneUser = {
  id: 'bbbbbbbb-0000-4000-8000-0000000000bb',
  display_name: 'Bob Builder',
  email: 'bob@example.com',
};
const CAROL: PlaneUser = { id: 'cccccccc-0000-4000-8000-0000000000cc', display_name: 'carol' }; // no email (Plane may omit it)

const label = (name: string): PlaneLabel => ({ id: `label-${name}`, name, color: '#000' });
const ctx = (overrides: Partial<FilterContext> = {}): FilterContext => ({ me: undefined, today: TODAY, ...overrides });
const item = (overrides: Partial<PlaneIssue> = {}) => issue(web.id, overrides);
const matches = (filter: CalendarFilter, candidate: PlaneIssue, context: FilterContext = ctx()) =>
  compileFilter(filter, context)(candidate);

describe('compileFilter', () => {
  it('an empty filter lets everything in, undated and stateless items too', () => {
    expect(matches({}, item())).toBe(true);
    expect(matches({}, item({ target_date: null, state: {} }))).toBe(true);
  });

  it('combines keys with AND and the values of one key with OR', () => {
    const filter: CalendarFilter = { labels: ['release', 'hotfix'], priorities: ['urgent', 'high'] };
    expect(matches(filter, item({ labels: [label('release')], priority: 'urgent' }))).toBe(true);
    expect(matches(filter, item({ labels: [label('hotfix')], priority: 'high' }))).toBe(true);
    expect(matches(filter, item({ labels: [label('docs'), label('hotfix')], priority: 'high' }))).toBe(true);
    // One key satisfied is not enough.
    expect(matches(filter, item({ labels: [label('release')], priority: 'low' }))).toBe(false);
    expect(matches(filter, item({ labels: [label('docs')], priority: 'urgent' }))).toBe(false);
    expect(matches(filter, item({ labels: [], priority: 'urgent' }))).toBe(false);
  });

  it('ANDs all five item keys together', () => {
    const filter: CalendarFilter = {
      assignees: ['bob'],
      labels: ['release'],
      stateGroups: ['started'],
      priorities: ['high'],
      window: { pastDays: 0, futureDays: 7 },
    };
    const base: Partial<PlaneIssue> = {
      assignees: [BOB],
      labels: [label('release')],
      state: STATES.started as PlaneState,
      priority: 'high',
      target_date: TODAY,
    };
    const bob: PlaneUser = { ...BOB, display_name: 'bob' };
    expect(matches(filter, item({ ...base, assignees: [bob] }))).toBe(true);
    expect(matches(filter, item({ ...base, assignees: [BOB] }))).toBe(false); // "Bob Builder" is not "bob"
    expect(matches(filter, item({ ...base, assignees: [bob], labels: [] }))).toBe(false);
    expect(matches(filter, item({ ...base, assignees: [bob], state: STATES.done as PlaneState }))).toBe(false);
    expect(matches(filter, item({ ...base, assignees: [bob], priority: 'medium' }))).toBe(false);
    expect(matches(filter, item({ ...base, assignees: [bob], target_date: '2026-03-18' }))).toBe(false);
  });

  describe('labels', () => {
    it('match by name in any case, with surrounding blanks ignored', () => {
      expect(matches({ labels: ['Release'] }, item({ labels: [label('release')] }))).toBe(true);
      expect(matches({ labels: ['release'] }, item({ labels: [label('RELEASE')] }))).toBe(true);
      expect(matches({ labels: [' release '] }, item({ labels: [label('Release')] }))).toBe(true);
    });

    it('are whole names, not substrings', () => {
      expect(matches({ labels: ['release'] }, item({ labels: [label('pre-release')] }))).toBe(false);
      expect(matches({ labels: ['rel'] }, item({ labels: [label('release')] }))).toBe(false);
    });

    it('an item without labels never matches a label filter', () => {
      expect(matches({ labels: ['release'] }, item({ labels: [] }))).toBe(false);
    });
  });

  describe('assignees', () => {
    it('match a user by id, display name or email, in any case', () => {
      const assigned = item({ assignees: [BOB] });
      for (const who of [
        BOB.id,
        BOB.id.toUpperCase(),
        'Bob Builder',
        'bob builder',
        'BOB@EXAMPLE.COM',
        'bob@example.com',
      ]) {
        expect(matches({ assignees: [who] }, assigned), who).toBe(true);
      }
      expect(matches({ assignees: ['bob'] }, assigned)).toBe(false);
      expect(matches({ assignees: ['example.com'] }, assigned)).toBe(false);
    });

    it('any assignee of the item will do, and any value of the filter (OR)', () => {
      expect(matches({ assignees: ['carol'] }, item({ assignees: [BOB, CAROL] }))).toBe(true);
      expect(matches({ assignees: ['nobody', 'carol'] }, item({ assignees: [CAROL] }))).toBe(true);
      expect(matches({ assignees: ['carol'] }, item({ assignees: [] }))).toBe(false);
    });

    it('a user without an email is still matched by id and name', () => {
      expect(matches({ assignees: [CAROL.id] }, item({ assignees: [CAROL] }))).toBe(true);
      expect(matches({ assignees: ['CAROL'] }, item({ assignees: [CAROL] }))).toBe(true);
    });

    it('"me", in any case, is the API key\'s owner, matched by id', () => {
      const mine = item({ assignees: [ME] });
      for (const word of ['me', 'Me', 'ME', ' me ']) {
        expect(matches({ assignees: [word] }, mine, ctx({ me: { id: ME.id } })), word).toBe(true);
      }
      // The owner's id is compared without regard to case (ME.id is upper case here).
      expect(
        matches(
          { assignees: ['me'] },
          item({ assignees: [{ ...ME, id: ME.id.toLowerCase() }] }),
          ctx({ me: { id: ME.id } }),
        ),
      ).toBe(true);
      expect(matches({ assignees: ['me'] }, item({ assignees: [BOB] }), ctx({ me: { id: ME.id } }))).toBe(false);
      // "me" combines with other people like any value.
      expect(
        matches({ assignees: ['me', 'bob@example.com'] }, item({ assignees: [BOB] }), ctx({ me: { id: ME.id } })),
      ).toBe(true);
    });

    it('"me" is never a person called "me"', () => {
      const namedMe: PlaneUser = {
        id: 'dddddddd-0000-4000-8000-0000000000dd',
        display_name: 'me',
        email: 'me@example.com',
      };
      expect(matches({ assignees: ['me'] }, item({ assignees: [namedMe] }), ctx({ me: { id: ME.id } }))).toBe(false);
    });

    it('throws when "me" is used but the key owner was not looked up', () => {
      expect(() => compileFilter({ assignees: ['me'] }, ctx())).toThrow(/"me"/);
      expect(() => compileFilter({ assignees: ['bob', 'ME'] }, ctx())).toThrow();
      // Without "me" no lookup is needed.
      expect(() => compileFilter({ assignees: ['bob'] }, ctx())).not.toThrow();
    });
  });

  describe('usesMe', () => {
    it('is true when any assignee value is "me", in any case', () => {
      expect(usesMe({ assignees: ['bob', 'Me'] })).toBe(true);
      expect(usesMe({ assignees: [' ME '] })).toBe(true);
      expect(usesMe({ assignees: ['bob', 'me@example.com', 'meg'] })).toBe(false);
      expect(usesMe({ labels: ['me'] })).toBe(false);
      expect(usesMe({})).toBe(false);
    });
  });

  describe('stateGroups', () => {
    it("match the state's group", () => {
      const filter: CalendarFilter = { stateGroups: ['backlog', 'started'] };
      expect(matches(filter, item({ state: STATES.backlog as PlaneState }))).toBe(true);
      expect(matches(filter, item({ state: STATES.started as PlaneState }))).toBe(true);
      expect(matches(filter, item({ state: STATES.done as PlaneState }))).toBe(false);
      expect(matches(filter, item({ state: STATES.cancelled as PlaneState }))).toBe(false);
      expect(matches({ stateGroups: ['completed', 'cancelled'] }, item({ state: STATES.done as PlaneState }))).toBe(
        true,
      );
      expect(
        matches(
          { stateGroups: ['unstarted'] },
          item({ state: { id: 's', name: 'Todo', color: '#fff', group: 'unstarted' } }),
        ),
      ).toBe(true);
    });

    it('an item with no state (`{}`) matches no state group, but passes when the filter has none', () => {
      for (const group of ['backlog', 'unstarted', 'started', 'completed', 'cancelled'] as const) {
        expect(matches({ stateGroups: [group] }, item({ state: {} })), group).toBe(false);
      }
      expect(matches({ priorities: ['medium'] }, item({ state: {}, priority: 'medium' }))).toBe(true);
    });
  });

  describe('priorities', () => {
    it('match the priority, "none" included', () => {
      expect(matches({ priorities: ['urgent', 'high'] }, item({ priority: 'urgent' }))).toBe(true);
      expect(matches({ priorities: ['urgent', 'high'] }, item({ priority: 'medium' }))).toBe(false);
      expect(matches({ priorities: ['none'] }, item({ priority: 'none' }))).toBe(true);
      expect(matches({ priorities: ['low'] }, item({ priority: 'none' }))).toBe(false);
    });
  });

  describe('window', () => {
    const dated = (target_date: string | null) => item({ target_date });

    it('is inclusive at both ends', () => {
      const filter: CalendarFilter = { window: { pastDays: 7, futureDays: 14 } };
      expect(matches(filter, dated('2026-03-03'))).toBe(true); // today − 7
      expect(matches(filter, dated('2026-03-02'))).toBe(false); // today − 8
      expect(matches(filter, dated('2026-03-24'))).toBe(true); // today + 14
      expect(matches(filter, dated('2026-03-25'))).toBe(false); // today + 15
      expect(matches(filter, dated(TODAY))).toBe(true);
    });

    it('pastDays 0 starts today; futureDays 0 ends today', () => {
      expect(matches({ window: { pastDays: 0 } }, dated(TODAY))).toBe(true);
      expect(matches({ window: { pastDays: 0 } }, dated('2026-03-09'))).toBe(false);
      expect(matches({ window: { pastDays: 0, futureDays: 0 } }, dated(TODAY))).toBe(true);
      expect(matches({ window: { pastDays: 0, futureDays: 0 } }, dated('2026-03-11'))).toBe(false);
    });

    it('a side left out is open', () => {
      expect(matches({ window: { pastDays: 1 } }, dated('2999-12-31'))).toBe(true);
      expect(matches({ window: { pastDays: 1 } }, dated('2026-03-08'))).toBe(false);
      expect(matches({ window: { futureDays: 1 } }, dated('1999-01-01'))).toBe(true);
      expect(matches({ window: { futureDays: 1 } }, dated('2026-03-12'))).toBe(false);
      expect(matches({ window: {} }, dated('1999-01-01'))).toBe(true);
    });

    it('an item without a target date is never in a window, even an open one', () => {
      expect(matches({ window: {} }, dated(null))).toBe(false);
      expect(matches({ window: { pastDays: 36_500, futureDays: 36_500 } }, dated(''))).toBe(false);
    });

    it("counts from the context's today, across month, year and leap-day edges", () => {
      expect(
        matches({ window: { pastDays: 1, futureDays: 0 } }, dated('2028-02-29'), ctx({ today: '2028-03-01' })),
      ).toBe(true);
      expect(
        matches({ window: { pastDays: 0, futureDays: 1 } }, dated('2027-01-01'), ctx({ today: '2026-12-31' })),
      ).toBe(true);
    });
  });
});

describe('windowBounds', () => {
  it('gives the first and last date let in, undefined for an open side', () => {
    expect(windowBounds('2026-03-10', { pastDays: 7, futureDays: 14 })).toEqual({
      from: '2026-03-03',
      to: '2026-03-24',
    });
    expect(windowBounds('2026-03-10', { pastDays: 0, futureDays: 0 })).toEqual({
      from: '2026-03-10',
      to: '2026-03-10',
    });
    expect(windowBounds('2026-03-10', { futureDays: 30 })).toEqual({ from: undefined, to: '2026-04-09' });
    expect(windowBounds('2026-03-10', { pastDays: 30 })).toEqual({ from: '2026-02-08', to: undefined });
    expect(windowBounds('2026-03-10', {})).toEqual({ from: undefined, to: undefined });
    expect(windowBounds('2024-03-01', { pastDays: 1 })).toEqual({ from: '2024-02-29', to: undefined });
    expect(windowBounds('2025-12-31', { futureDays: 1 })).toEqual({ from: undefined, to: '2026-01-01' });
  });
});

describe('todayIn', () => {
  it('turns at local midnight in a zone ahead of UTC (Pacific/Kiritimati, UTC+14)', () => {
    expect(todayIn('Pacific/Kiritimati', new Date('2026-03-01T09:59:59Z'))).toBe('2026-03-01');
    expect(todayIn('Pacific/Kiritimati', new Date('2026-03-01T10:00:00Z'))).toBe('2026-03-02');
    // Already tomorrow while UTC is still on the day before.
    expect(todayIn('Pacific/Kiritimati', new Date('2025-12-31T12:00:00Z'))).toBe('2026-01-01');
  });

  it('turns at local midnight in a zone behind UTC (Pacific/Pago_Pago, UTC−11)', () => {
    expect(todayIn('Pacific/Pago_Pago', new Date('2026-03-01T10:59:59Z'))).toBe('2026-02-28');
    expect(todayIn('Pacific/Pago_Pago', new Date('2026-03-01T11:00:00Z'))).toBe('2026-03-01');
    expect(todayIn('Pacific/Pago_Pago', new Date('2026-01-01T05:00:00Z'))).toBe('2025-12-31');
  });

  it('follows daylight saving time (America/New_York: UTC−4 in July)', () => {
    expect(todayIn('America/New_York', new Date('2026-07-02T03:59:59Z'))).toBe('2026-07-01');
    expect(todayIn('America/New_York', new Date('2026-07-02T04:00:00Z'))).toBe('2026-07-02');
  });

  it('without a zone, the process zone (TZ), as an Intl formatter would have it, across the date line', () => {
    // The suite runs under TZ=Pacific/Kiritimati and again under TZ=Pacific/Pago_Pago: both sides of UTC.
    for (const at of ['2026-03-01T09:59:59Z', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', '2025-12-31T12:00:00Z']) {
      const now = new Date(at);
      expect(todayIn(undefined, now), at).toBe(
        new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now),
      );
    }
  });

  it('UTC is UTC, whatever the process zone', () => {
    expect(todayIn('UTC', new Date('2026-03-01T23:59:59Z'))).toBe('2026-03-01');
    expect(todayIn('UTC', new Date('2026-03-02T00:00:00Z'))).toBe('2026-03-02');
  });

  it("without a zone, is the process's local date", () => {
    const pad = (n: number) => String(n).padStart(2, '0');
    for (const iso of [
      '2026-03-01T09:59:59Z',
      '2026-03-01T10:00:00Z',
      '2026-03-01T10:59:59Z',
      '2026-03-01T11:00:00Z',
    ]) {
      const now = new Date(iso);
      expect(todayIn(undefined, now), iso).toBe(
        `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`,
      );
    }
  });

  it("a window counts from that zone's today: the same instant, two different calendars", () => {
    const instant = new Date('2026-03-01T10:30:00Z'); // 2026-03-02 in Kiritimati, 2026-02-28 in Pago Pago
    const due = item({ target_date: '2026-03-02' });
    const nextDay = { window: { pastDays: 0, futureDays: 0 } };
    expect(compileFilter(nextDay, ctx({ today: todayIn('Pacific/Kiritimati', instant) }))(due)).toBe(true);
    expect(compileFilter(nextDay, ctx({ today: todayIn('Pacific/Pago_Pago', instant) }))(due)).toBe(false);
  });
});

describe('unmatchedValues', () => {
  function seenOf(...issues: PlaneIssue[]) {
    const seen = { people: new Set<string>(), labels: new Set<string>() };
    for (const one of issues) noteNames(one, seen);
    return seen;
  }

  it('names the assignees and labels no item carries, as written in the config', () => {
    const seen = seenOf(
      item({ assignees: [BOB], labels: [label('Release')] }),
      item({ assignees: [CAROL], labels: [label('docs')] }),
    );
    const filter: CalendarFilter = {
      assignees: ['Bob Builder', 'BOB@example.com', BOB.id.toUpperCase(), 'carol', 'Dave'],
      labels: ['release', 'DOCS', 'Relase'],
    };
    expect(unmatchedValues(filter, seen)).toEqual({ assignees: ['Dave'], labels: ['Relase'] });
  });

  it('never names "me" (it is a lookup, not a name an item carries)', () => {
    expect(unmatchedValues({ assignees: ['me', 'Me'] }, seenOf())).toEqual({ assignees: [], labels: [] });
  });

  it('names everything when nothing was seen, and nothing for a filter without those keys', () => {
    expect(unmatchedValues({ assignees: ['bob'], labels: ['x'] }, seenOf())).toEqual({
      assignees: ['bob'],
      labels: ['x'],
    });
    expect(unmatchedValues({ priorities: ['high'], window: { pastDays: 1 } }, seenOf())).toEqual({
      assignees: [],
      labels: [],
    });
  });

  it('a user without an email is seen by id and name only', () => {
    const seen = seenOf(item({ assignees: [CAROL] }));
    expect(unmatchedValues({ assignees: ['Carol', CAROL.id, 'carol@example.com'] }, seen).assignees).toEqual([
      'carol@example.com',
    ]);
  });
});

describe('window over items with a time (newer Plane builds)', () => {
  it('counts the date of a date-time target, at either edge', () => {
    const window = { window: { pastDays: 0, futureDays: 1 } };
    expect(matches(window, item({ target_date: `${TODAY}T23:30` }))).toBe(true);
    expect(matches(window, item({ target_date: '2026-03-11T00:00' }))).toBe(true);
    expect(matches(window, item({ target_date: '2026-03-12T00:00' }))).toBe(false);
    expect(matches(window, item({ target_date: '2026-03-09T23:59:59' }))).toBe(false);
    expect(matches(window, item({ target_date: 'garbage' }))).toBe(false);
  });
});

describe('compileSelection: the filter, and completed items hidden when the entry says so', () => {
  it('hide drops completed and cancelled items, show (or nothing) keeps them', () => {
    const done = item({ state: STATES.done, target_date: TODAY });
    const cancelled = item({ state: STATES.cancelled, target_date: TODAY });
    const open = item({ state: STATES.started, target_date: TODAY });
    const hide = compileSelection({ filter: {}, completed: 'hide' }, ctx());
    expect([done, cancelled, open].map(hide)).toEqual([false, false, true]);
    for (const completed of ['show', undefined] as const) {
      expect([done, cancelled, open].map(compileSelection({ filter: {}, completed }, ctx()))).toEqual([
        true,
        true,
        true,
      ]);
    }
    expect(compileSelection({ filter: { priorities: ['urgent'] }, completed: 'hide' }, ctx())(open)).toBe(false);
  });
});
