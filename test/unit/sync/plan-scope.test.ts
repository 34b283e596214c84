/** plan() for calendars of `calendars` entries: their own UIDs, a shard's scope, the project mark, `not-selected`. */
import { describe, expect, it } from 'vitest';
import type { RemoteObject } from '../../../src/caldav/store.js';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import {
  LEGACY_SCHEME,
  objectNameForUid,
  parseAnyOwnedUid,
  type UidScheme,
  uidScheme,
} from '../../../src/event/uid.js';
import type { PlaneProject } from '../../../src/plane/types.js';
import { type DeleteChange, MIN_GUARDED, type PlanInput, plan } from '../../../src/sync/plan.js';
import { issue, planInput, project } from '../../support/builders.js';

const CAL = 'https://dav.example/alice/plane-mine/';
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });
const ctx = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };
const MINE = uidScheme('mine');

function event(scheme: UidScheme, owner: PlaneProject = web, overrides: Parameters<typeof issue>[1] = {}): EventModel {
  const model = issueToEvent(issue(owner.id, overrides), owner, { ...ctx, scheme });
  if (!model) throw new Error('fixture issue has no target date');
  return model;
}

function stored(model: EventModel, edit: (data: string) => string = (data) => data): RemoteObject {
  return { href: `${CAL}${objectNameForUid(model.uid)}`, etag: '"e1"', data: edit(renderEvent(model)) };
}

const withoutProjectMark = (data: string) => data.replace(/X-CALPLANEBOT-PROJECT-ID:[^\r\n]*\r\n/, '');

const input = (overrides: Partial<PlanInput>): PlanInput => planInput(CAL, overrides);

const deletes = (changes: ReturnType<typeof plan>['changes']) =>
  changes.filter((c): c is DeleteChange => c.op === 'delete');

describe('UID schemes', () => {
  it('an entry other than the default writes `plane-issue-{id}@{entry id}.calplanebot`', () => {
    const model = event(MINE);
    expect(model.uid).toBe(`plane-issue-${model.issueId}@mine.calplanebot`);
    expect(parseAnyOwnedUid(model.uid)).toEqual({ view: 'mine', issueId: model.issueId });
    expect(event(LEGACY_SCHEME).uid).toMatch(/^plane-issue-[0-9a-f-]{36}@calplanebot$/);
    expect(uidScheme('projects')).toBe(LEGACY_SCHEME);
  });

  it('with another scheme, objects with default UIDs are foreign: never updated, never deleted', () => {
    const legacy = event(LEGACY_SCHEME);
    const result = plan(input({ scheme: MINE, remote: [stored(legacy)] }));
    expect(result.changes).toEqual([]);
    expect(result.foreign).toBe(1);
    expect(result.owned).toBe(0);
  });

  it('with the default scheme, objects of another entry are foreign', () => {
    const other = event(MINE);
    const result = plan(input({ remote: [stored(other)] }));
    expect(result.changes).toEqual([]);
    expect(result.foreign).toBe(1);
  });

  it("one entry's scheme does not own another entry's UIDs", () => {
    const release = event(uidScheme('release'));
    expect(plan(input({ scheme: MINE, remote: [stored(release)] })).foreign).toBe(1);
    // Nor a prefix or extension of its id.
    expect(plan(input({ scheme: uidScheme('min'), remote: [stored(event(MINE))] })).foreign).toBe(1);
    expect(plan(input({ scheme: uidScheme('mine-2'), remote: [stored(event(MINE))] })).foreign).toBe(1);
  });

  it("the same issue in two calendars: its default-UID copy is not taken for this calendar's event", () => {
    const source = issue(web.id);
    const mine = issueToEvent(source, web, { ...ctx, scheme: MINE })!;
    const legacy = issueToEvent(source, web, ctx)!;
    const result = plan(input({ scheme: MINE, desired: [mine], remote: [stored(legacy)] }));
    expect(result.changes).toEqual([
      expect.objectContaining({ op: 'create', uid: mine.uid, href: `${CAL}${encodeURIComponent(mine.uid)}.ics` }),
    ]);
    expect(result.foreign).toBe(1);
  });

  it('its own objects are planned as usual: unchanged, updated, deleted', () => {
    const same = event(MINE);
    const moved = event(MINE, web, { target_date: '2025-12-27' });
    const gone = event(MINE);
    const later: EventModel = { ...moved, fields: { ...moved.fields, start: '2025-12-30', end: '2025-12-31' } };
    const result = plan(
      input({ scheme: MINE, desired: [same, later], remote: [stored(same), stored(moved), stored(gone)] }),
    );
    expect(result.unchanged).toBe(1);
    expect(result.changes.map((c) => [c.op, c.uid])).toEqual([
      ['update', moved.uid],
      ['delete', gone.uid],
    ]);
    expect(deletes(result.changes)[0]).toMatchObject({
      issueId: gone.issueId,
      reason: 'issue-gone',
      projectId: web.id,
    });
  });
});

describe('scope (a --project shard of a calendar spanning projects)', () => {
  it("leaves the other projects' objects alone, counted in outOfScope, and deletes only in scope", () => {
    const webGone = event(MINE, web);
    const apiObject = event(MINE, api);
    const result = plan(
      input({ scheme: MINE, scope: new Set([web.id]), remote: [stored(webGone), stored(apiObject)] }),
    );
    expect(result.changes.map((c) => [c.op, c.uid])).toEqual([['delete', webGone.uid]]);
    expect(result.outOfScope).toBe(1);
    expect(result.owned).toBe(1);
  });

  it('never deletes out of scope, not even with allowMassDelete and nothing desired', () => {
    const apiObjects = Array.from({ length: MIN_GUARDED + 2 }, () => event(MINE, api));
    const result = plan(
      input({
        scheme: MINE,
        scope: new Set([web.id]),
        remote: apiObjects.map((m) => stored(m)),
        guard: { maxDeletePercent: 50, allowMassDelete: true },
      }),
    );
    expect(result.changes).toEqual([]);
    expect(result.withheld).toBeUndefined();
    expect(result.outOfScope).toBe(MIN_GUARDED + 2);
  });

  it('the mass-delete guard counts the events in scope only', () => {
    const webObjects = Array.from({ length: MIN_GUARDED + 2 }, () => event(MINE, web));
    const apiObjects = Array.from({ length: 30 }, () => event(MINE, api));
    // Deleting 7 of 12 in scope is 58% (> 50%), although it is 7 of 42 in the calendar.
    const result = plan(
      input({
        scheme: MINE,
        scope: new Set([web.id]),
        desired: webObjects.slice(0, 5),
        remote: [...webObjects, ...apiObjects].map((m) => stored(m)),
      }),
    );
    expect(result.withheld).toMatchObject({ reason: 'mass-delete' });
    expect(result.owned).toBe(MIN_GUARDED + 2);
  });

  it('an object without X-CALPLANEBOT-PROJECT-ID is out of scope (whose it is cannot be known)', () => {
    const untagged = event(MINE, web);
    const result = plan(
      input({ scheme: MINE, scope: new Set([web.id]), remote: [stored(untagged, withoutProjectMark)] }),
    );
    expect(result.changes).toEqual([]);
    expect(result.outOfScope).toBe(1);
  });

  it('matches the project mark without regard to case', () => {
    const upper = project({ id: web.id.toUpperCase(), identifier: 'WEB', name: 'Web' });
    const gone = event(MINE, upper);
    const result = plan(input({ scheme: MINE, scope: new Set([web.id.toLowerCase()]), remote: [stored(gone)] }));
    expect(deletes(result.changes).map((c) => c.uid)).toEqual([gone.uid]);
    expect(result.outOfScope).toBe(0);
  });

  it('updates and creates in scope as usual, and counts foreign objects apart from out-of-scope ones', () => {
    const webNew = event(MINE, web);
    const webOld = event(MINE, web);
    const renamed: EventModel = { ...webOld, fields: { ...webOld.fields, summary: 'Renamed' } };
    const apiObject = event(MINE, api);
    const legacy = event(LEGACY_SCHEME, api);
    const result = plan(
      input({
        scheme: MINE,
        scope: new Set([web.id]),
        desired: [webNew, renamed],
        remote: [stored(webOld), stored(apiObject), stored(legacy)],
      }),
    );
    expect(result.changes.map((c) => c.op).sort()).toEqual(['create', 'update']);
    expect(result.outOfScope).toBe(1);
    expect(result.foreign).toBe(1);
  });

  it('without a scope, every owned object is in play and outOfScope is 0', () => {
    const apiObject = event(MINE, api);
    const result = plan(input({ scheme: MINE, remote: [stored(apiObject)] }));
    expect(deletes(result.changes).map((c) => c.uid)).toEqual([apiObject.uid]);
    expect(result.outOfScope).toBe(0);
  });
});

describe("trackProject (a calendar spanning projects keeps each object's project mark right)", () => {
  it('updates an object whose X-CALPLANEBOT-PROJECT-ID is missing', () => {
    const model = event(MINE, web);
    const result = plan(
      input({ scheme: MINE, trackProject: true, desired: [model], remote: [stored(model, withoutProjectMark)] }),
    );
    expect(result.changes).toEqual([
      expect.objectContaining({ op: 'update', uid: model.uid, fields: [{ field: 'project', from: null, to: web.id }] }),
    ]);
    expect(result.unchanged).toBe(0);
  });

  it('updates an object marked for another project', () => {
    const model = event(MINE, web);
    const result = plan(
      input({
        scheme: MINE,
        trackProject: true,
        desired: [model],
        remote: [stored(model, (data) => data.replace(web.id, api.id))],
      }),
    );
    expect(result.changes).toEqual([
      expect.objectContaining({ op: 'update', fields: [{ field: 'project', from: api.id, to: web.id }] }),
    ]);
  });

  it('leaves a correctly marked object unchanged, whatever the case of the mark', () => {
    const model = event(MINE, web);
    expect(plan(input({ scheme: MINE, trackProject: true, desired: [model], remote: [stored(model)] })).unchanged).toBe(
      1,
    );
    const upper = plan(
      input({
        scheme: MINE,
        trackProject: true,
        desired: [model],
        remote: [stored(model, (data) => data.replace(web.id, web.id.toUpperCase()))],
      }),
    );
    expect(upper.changes).toEqual([]);
    expect(upper.unchanged).toBe(1);
  });

  it('without trackProject (a per-project calendar) a missing mark changes nothing', () => {
    const model = event(MINE, web);
    const result = plan(input({ scheme: MINE, desired: [model], remote: [stored(model, withoutProjectMark)] }));
    expect(result.changes).toEqual([]);
    expect(result.unchanged).toBe(1);
  });
});

describe('unselectedIssueIds (the filter no longer shows an item)', () => {
  it('deletes its event with reason not-selected', () => {
    const dropped = event(MINE);
    const gone = event(MINE);
    const undated = event(MINE);
    const result = plan(
      input({
        scheme: MINE,
        remote: [stored(dropped), stored(gone), stored(undated)],
        unselectedIssueIds: new Set([dropped.issueId]),
        undatedIssueIds: new Set([undated.issueId]),
      }),
    );
    expect(Object.fromEntries(deletes(result.changes).map((c) => [c.uid, c.reason]))).toEqual({
      [dropped.uid]: 'not-selected',
      [gone.uid]: 'issue-gone',
      [undated.uid]: 'no-target-date',
    });
  });

  it('works the same in the default calendars (a filter on the `projects` entry)', () => {
    const dropped = event(LEGACY_SCHEME);
    const result = plan(input({ remote: [stored(dropped)], unselectedIssueIds: new Set([dropped.issueId]) }));
    expect(deletes(result.changes)).toEqual([expect.objectContaining({ uid: dropped.uid, reason: 'not-selected' })]);
  });

  it('is withheld like any deletion when the listing was incomplete', () => {
    const dropped = event(MINE);
    const result = plan(
      input({
        scheme: MINE,
        remote: [stored(dropped)],
        unselectedIssueIds: new Set([dropped.issueId]),
        listingComplete: false,
      }),
    );
    expect(result.changes).toEqual([]);
    expect(result.withheld).toMatchObject({ reason: 'listing-incomplete' });
    expect(result.withheld?.deletes.map((d) => d.reason)).toEqual(['not-selected']);
  });

  it('counts toward the mass-delete guard', () => {
    const many = Array.from({ length: MIN_GUARDED + 2 }, () => event(MINE));
    const result = plan(
      input({
        scheme: MINE,
        desired: many.slice(0, 5),
        remote: many.map((m) => stored(m)),
        unselectedIssueIds: new Set(many.slice(5).map((m) => m.issueId)),
      }),
    );
    expect(result.withheld).toMatchObject({ reason: 'mass-delete' });
    expect(result.withheld?.deletes.every((d) => d.reason === 'not-selected')).toBe(true);
  });

  it('an item both unselected and still desired keeps its event (desired wins)', () => {
    const kept = event(MINE);
    const result = plan(
      input({ scheme: MINE, desired: [kept], remote: [stored(kept)], unselectedIssueIds: new Set([kept.issueId]) }),
    );
    expect(result.changes).toEqual([]);
    expect(result.unchanged).toBe(1);
  });
});
