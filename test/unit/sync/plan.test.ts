import { describe, expect, it } from 'vitest';
import type { RemoteObject } from '../../../src/caldav/store.js';
import { cycleToEvent, moduleToEvent } from '../../../src/event/blocks.js';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { objectNameForUid, type UidScheme, uidScheme } from '../../../src/event/uid.js';
import { MIN_GUARDED, type PlanInput, plan } from '../../../src/sync/plan.js';
import { cycle, issue, module, planInput, project, STATES } from '../../support/builders.js';

const CAL = 'https://dav.example/alice/plane-x/';
const web = project();
const ctx = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };

function event(overrides: Parameters<typeof issue>[1] = {}): EventModel {
  const model = issueToEvent(issue(web.id, overrides), web, ctx);
  if (!model) throw new Error('fixture issue has no target date');
  return model;
}

function stored(model: EventModel, etag = '"e1"', href = `${CAL}${objectNameForUid(model.uid)}`): RemoteObject {
  return { href, etag, data: renderEvent(model) };
}

const FOREIGN: RemoteObject = {
  href: `${CAL}birthday.ics`,
  etag: '"f"',
  data: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:birthday-1@example.com\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\nSUMMARY:Mum\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
};

const input = (overrides: Partial<PlanInput>): PlanInput => planInput(CAL, overrides);

describe('plan', () => {
  it('creates an event for every desired issue missing from the calendar, at the UID-derived href', () => {
    const a = event();
    const result = plan(input({ desired: [a] }));
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      op: 'create',
      uid: a.uid,
      href: `${CAL}${encodeURIComponent(a.uid)}.ics`,
    });
  });

  it('leaves an event alone when its managed content is unchanged', () => {
    const a = event();
    const result = plan(input({ desired: [a], remote: [stored(a)] }));
    expect(result.changes).toEqual([]);
    expect(result.unchanged).toBe(1);
  });

  it('ignores DTSTAMP-only differences (a comment bumps updated_at, nothing visible changed)', () => {
    const a = event();
    const later = { ...a, stamp: '20991231T235959Z' };
    expect(plan(input({ desired: [later], remote: [stored(a)] })).changes).toEqual([]);
  });

  it('updates with field-level changes when the target date moves', () => {
    const a = event({ target_date: '2025-12-27' });
    const moved: EventModel = { ...a, fields: { ...a.fields, start: '2025-12-30', end: '2025-12-31' } };
    const result = plan(input({ desired: [moved], remote: [stored(a, '"e7"')] }));
    expect(result.changes).toHaveLength(1);
    const change = result.changes[0];
    expect(change).toMatchObject({ op: 'update', etag: '"e7"' });
    expect(change?.fields).toContainEqual({ field: 'target_date', from: '2025-12-27', to: '2025-12-30' });
  });

  it('reports completion as a status change to CANCELLED', () => {
    const open = event();
    const done = issueToEvent(
      { ...issue(web.id), id: open.issueId, state: STATES.done!, sequence_id: 1, name: 'x' },
      web,
      ctx,
    )!;
    const result = plan(
      input({ desired: [{ ...open, fields: { ...open.fields, status: done.fields.status } }], remote: [stored(open)] }),
    );
    expect(result.changes[0]?.fields).toContainEqual({ field: 'status', from: 'CONFIRMED', to: 'CANCELLED' });
  });

  it('deletes owned events whose issue is gone, and says why', () => {
    const gone = event();
    const undated = event();
    const result = plan(
      input({ remote: [stored(gone), stored(undated)], undatedIssueIds: new Set([undated.issueId]) }),
    );
    const reasons = Object.fromEntries(result.changes.map((c) => [c.uid, c.op === 'delete' ? c.reason : c.op]));
    expect(reasons).toEqual({ [gone.uid]: 'issue-gone', [undated.uid]: 'no-target-date' });
  });

  it('never plans anything for objects it does not own', () => {
    const result = plan(input({ remote: [FOREIGN] }));
    expect(result.changes).toEqual([]);
    expect(result.foreign).toBe(1);
  });

  it('treats unparseable objects and owned-looking but malformed UIDs as foreign', () => {
    const garbage: RemoteObject = { href: `${CAL}x.ics`, etag: '"g"', data: 'not icalendar at all' };
    const fake = {
      ...FOREIGN,
      href: `${CAL}y.ics`,
      data: FOREIGN.data.replace('birthday-1@example.com', 'plane-issue-123@calplanebot'),
    };
    const result = plan(input({ remote: [garbage, fake] }));
    expect(result.changes).toEqual([]);
    expect(result.foreign).toBe(2);
  });

  it('withholds every deletion when the Plane listing was incomplete', () => {
    const a = event();
    const b = event();
    const result = plan(input({ desired: [a], remote: [stored(a), stored(b)], listingComplete: false }));
    expect(result.changes).toEqual([]);
    expect(result.withheld).toMatchObject({ reason: 'listing-incomplete' });
    expect(result.withheld?.deletes.map((d) => d.uid)).toEqual([b.uid]);
  });

  it('keeps the event of an issue that exists but could not be transformed', () => {
    const a = event();
    const result = plan(input({ remote: [stored(a)], protectedIssueIds: new Set([a.issueId]) }));
    expect(result.changes).toEqual([]);
  });

  describe('mass-delete guard', () => {
    const many = Array.from({ length: MIN_GUARDED + 2 }, () => event());
    const remote = many.map((m) => stored(m));

    it('refuses to delete more than maxDeletePercent of a calendar holding more than 10 events', () => {
      const keep = many.slice(0, 5); // deleting 7 of 12 = 58% > 50%
      const result = plan(input({ desired: keep, remote }));
      expect(result.changes.filter((c) => c.op === 'delete')).toEqual([]);
      expect(result.withheld).toMatchObject({ reason: 'mass-delete' });
      expect(result.withheld?.deletes).toHaveLength(7);
    });

    it('allows it at exactly the threshold, and beyond it with allowMassDelete', () => {
      expect(plan(input({ desired: many.slice(0, 6), remote })).withheld).toBeUndefined(); // 6 of 12 = 50%
      const forced = plan(input({ desired: [], remote, guard: { maxDeletePercent: 50, allowMassDelete: true } }));
      expect(forced.changes.filter((c) => c.op === 'delete')).toHaveLength(MIN_GUARDED + 2);
    });

    it('does not apply to small calendars', () => {
      const few = many.slice(0, MIN_GUARDED);
      expect(plan(input({ desired: [], remote: few.map((m) => stored(m)) })).changes).toHaveLength(MIN_GUARDED);
    });
  });

  it('updates an owned event in place at a non-canonical href instead of creating a second one', () => {
    const a = event();
    const moved: EventModel = { ...a, fields: { ...a.fields, summary: 'Renamed' } };
    const result = plan(input({ desired: [moved], remote: [stored(a, '"e"', `${CAL}legacy-name.ics`)] }));
    expect(result.changes).toEqual([expect.objectContaining({ op: 'update', href: `${CAL}legacy-name.ics` })]);
  });

  it('reports one UID at two hrefs as a duplicate, preferring the canonical href and deleting neither', () => {
    const a = event();
    const canonical = stored(a);
    const copy = stored(a, '"e2"', `${CAL}copy.ics`);
    const result = plan(input({ desired: [a], remote: [copy, canonical] }));
    expect(result.changes).toEqual([]);
    expect(result.duplicates).toEqual([{ uid: a.uid, hrefs: [copy.href, canonical.href] }]);
  });

  it('matches hrefs whatever the server does to "@" (%40 or literal)', () => {
    const a = event();
    const literal = stored(a, '"e"', `${CAL}${a.uid}.ics`);
    const result = plan(input({ desired: [a], remote: [literal] }));
    expect(result.changes).toEqual([]);
  });

  it('sees a field a user edited in their calendar app as drift and plans it back', () => {
    const a = event();
    const edited = { ...stored(a), data: stored(a).data.replace(/SUMMARY:[^\r]*/, 'SUMMARY:my own title') };
    const result = plan(input({ desired: [a], remote: [edited] }));
    expect(result.changes[0]).toMatchObject({ op: 'update' });
    expect(result.changes[0]?.fields.map((f) => f.field)).toEqual(['summary']);
  });

  it('is stable after an update: the merged object plans as unchanged', () => {
    const a = event();
    const moved: EventModel = { ...a, fields: { ...a.fields, start: '2026-01-05', end: '2026-01-06' } };
    const merged: RemoteObject = { ...stored(a), data: mergeEvent(stored(a).data, moved) };
    expect(plan(input({ desired: [moved], remote: [merged] })).changes).toEqual([]);
  });
});

describe('plan with tasks and blocks', () => {
  const task = (overrides: Parameters<typeof issue>[1] = {}): EventModel => {
    const model = issueToEvent(
      issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27', ...overrides }),
      web,
      { ...ctx, as: 'tasks' },
    );
    if (!model) throw new Error('fixture issue has no target date');
    return model;
  };
  const block = (overrides: Parameters<typeof cycle>[0] = {}, scheme?: UidScheme): EventModel =>
    cycleToEvent(cycle(overrides), web, { ...ctx, scheme })!;
  const moduleBlock = (overrides: Parameters<typeof module>[0] = {}): EventModel =>
    moduleToEvent(module(overrides), web, ctx)!;

  it('a stored VEVENT where a VTODO is desired is an update whose first field is the component', () => {
    const wanted = task();
    const asEvent = issueToEvent(
      { ...issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' }), id: wanted.issueId },
      web,
      ctx,
    )!;
    expect(asEvent.uid).toBe(wanted.uid);
    const remote = stored(asEvent, '"e3"');
    const result = plan(input({ desired: [wanted], remote: [remote] }));
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      op: 'update',
      uid: wanted.uid,
      etag: '"e3"',
      existing: remote.data,
      event: wanted,
    });
    expect(result.changes[0]?.fields[0]).toEqual({ field: 'component', from: 'VEVENT', to: 'VTODO' });
  });

  it('a stored VTODO where a VEVENT is desired (the calendar is events again) is an update of the component', () => {
    const wanted = task();
    const asEvent = issueToEvent(
      { ...issue(web.id, { start_date: '2025-12-20', target_date: '2025-12-27' }), id: wanted.issueId },
      web,
      ctx,
    )!;
    const result = plan(input({ desired: [asEvent], remote: [stored(wanted)] }));
    expect(result.changes[0]?.fields[0]).toEqual({ field: 'component', from: 'VTODO', to: 'VEVENT' });
  });

  it("a task as stored is unchanged; a moved one is an update named with the task's words", () => {
    const a = task();
    expect(plan(input({ desired: [a], remote: [stored(a)] }))).toMatchObject({ changes: [], unchanged: 1 });
    const moved: EventModel = { ...a, fields: { ...a.fields, end: '2025-12-30' } };
    const result = plan(input({ desired: [moved], remote: [stored(a)] }));
    expect(result.changes[0]?.fields).toEqual([{ field: 'target_date', from: '2025-12-27', to: '2025-12-30' }]);
  });

  it('is stable after an update of a task: the merged object plans as unchanged', () => {
    const a = task();
    const done = task({ state: STATES.done!, completed_at: '2025-12-26T10:00:00Z' });
    const reopened: EventModel = { ...done, uid: a.uid, issueId: a.issueId };
    const merged: RemoteObject = { ...stored(a), data: mergeEvent(stored(a).data, reopened) };
    expect(plan(input({ desired: [reopened], remote: [merged] })).changes).toEqual([]);
  });

  // The create line of a report shows the `target_date` field's value: for a task that is DUE, not DTSTART.
  it("a task to create reports its fields with the task's names (DUE is the target_date)", () => {
    const a = task();
    const [change] = plan(input({ desired: [a] })).changes;
    expect(change?.op).toBe('create');
    expect(change?.fields).toContainEqual({ field: 'target_date', from: null, to: '2025-12-27' });
    expect(change?.fields).toContainEqual({ field: 'start_date', from: null, to: '2025-12-20' });
  });

  it('an owned cycle block whose cycle Plane lists no more goes, as cycle-gone', () => {
    const gone = block();
    const kept = block();
    const result = plan(
      input({ desired: [kept], remote: [stored(gone), stored(kept)], blocks: new Set(['cycle', 'module']) }),
    );
    expect(result.unchanged).toBe(1);
    expect(result.changes).toEqual([
      expect.objectContaining({
        op: 'delete',
        uid: gone.uid,
        issueId: gone.issueId,
        reason: 'cycle-gone',
        summary: gone.fields.summary,
        projectId: web.id,
      }),
    ]);
  });

  it('a module block whose module is gone goes as module-gone', () => {
    const gone = moduleBlock();
    const result = plan(input({ remote: [stored(gone)], blocks: new Set(['cycle', 'module']) }));
    expect(result.changes).toEqual([expect.objectContaining({ op: 'delete', uid: gone.uid, reason: 'module-gone' })]);
  });

  it.each([
    ['no longer shows blocks', undefined],
    ['shows none', new Set<'cycle' | 'module'>()],
    ['shows modules only', new Set<'cycle' | 'module'>(['module'])],
  ])('a cycle block goes as not-selected when the calendar %s', (_, blocks) => {
    const shown = block();
    const result = plan(input({ remote: [stored(shown)], blocks }));
    expect(result.changes).toEqual([expect.objectContaining({ op: 'delete', uid: shown.uid, reason: 'not-selected' })]);
  });

  it('a cycle block that moved is an update of its dates', () => {
    const sprint = cycle({ start_date: '2025-12-01T00:00:01Z', end_date: '2025-12-14T23:59:00Z' });
    const a = cycleToEvent(sprint, web, ctx)!;
    const moved = cycleToEvent({ ...sprint, end_date: '2025-12-21T23:59:00Z' }, web, ctx)!;
    const result = plan(input({ desired: [moved], remote: [stored(a)], blocks: new Set(['cycle']) }));
    expect(result.changes[0]).toMatchObject({ op: 'update', uid: a.uid });
    expect(result.changes[0]?.fields).toEqual([{ field: 'dtend', from: '2025-12-15', to: '2025-12-22' }]);
  });

  it("leaves UIDs that only look like blocks, and other calendars' blocks, alone", () => {
    const ours = block();
    const mine = block({}, uidScheme('mine'));
    const lookalikes = [
      'plane-cycle-not-a-uuid@calplanebot',
      `plane-sprint-${ours.issueId}@calplanebot`,
      `plane-cycle-${ours.issueId}@calplanebot.example.com`,
      `x-plane-cycle-${ours.issueId}@calplanebot`,
    ].map((uid, index) => ({
      ...FOREIGN,
      href: `${CAL}look-${index}.ics`,
      data: FOREIGN.data.replace('birthday-1@example.com', uid),
    }));
    const result = plan(input({ remote: [...lookalikes, stored(mine), FOREIGN], blocks: new Set(['cycle']) }));
    expect(result.changes).toEqual([]);
    expect(result.foreign).toBe(lookalikes.length + 2);
    // The calendar entry `mine` owns its own blocks.
    const theirs = plan(
      input({ scheme: uidScheme('mine'), remote: [stored(mine), stored(ours)], blocks: new Set(['cycle']) }),
    );
    expect(theirs.changes).toEqual([expect.objectContaining({ op: 'delete', uid: mine.uid, reason: 'cycle-gone' })]);
    expect(theirs.foreign).toBe(1);
  });
});
