/** Calendar entries → the calendars a run reconciles; which calendar URL belongs to which entry; strays. */
import { describe, expect, it } from 'vitest';
import type { CalendarRef } from '../../../src/caldav/store.js';
import { type CalendarEntry, type CalendarFilter, DEFAULT_VIEW_ID } from '../../../src/config/types.js';
import {
  calendarSlugFor,
  entryProjects,
  planTargets,
  strayCalendars,
  unknownProjectWarnings,
  viewOfCalendarUrl,
} from '../../../src/views/targets.js';
import { project } from '../../support/builders.js';

const HOME = 'https://dav.example.com/alice/';
const WEB_ID = '11111111-1111-4111-8111-111111111111';
const API_ID = '22222222-2222-4222-8222-222222222222';
const OPS_ID = '33333333-3333-4333-8333-333333333333';
const web = project({ id: WEB_ID, identifier: 'WEB', name: 'Web' });
const api = project({ id: API_ID, identifier: 'API', name: 'Api' });
const ops = project({ id: OPS_ID, identifier: 'OPS', name: 'Ops' });
const old = project({
  id: '44444444-4444-4444-8444-444444444444',
  identifier: 'OLD',
  name: 'Old',
  archived_at: '2025-01-01T00:00:00Z',
});
const ALL = [web, api, ops, old];
const ACTIVE = [web, api, ops];

const DEFAULT: CalendarEntry = { id: DEFAULT_VIEW_ID, name: 'Plane: {project}', perProject: true, filter: {} };
const entry = (
  id: string,
  perProject: boolean,
  filter: CalendarFilter = {},
  name = perProject ? `{identifier} ${id}` : `All ${id}`,
): CalendarEntry => ({ id, name, perProject, filter });
const cal = (slug: string, displayName = slug, projectId?: string): CalendarRef => ({
  url: `${HOME}${slug}/`,
  displayName,
  ...(projectId ? { projectId } : {}),
});

describe('calendarSlugFor', () => {
  it("keeps today's slug for the default entry and puts the entry id in every other", () => {
    expect(calendarSlugFor(DEFAULT_VIEW_ID, WEB_ID)).toBe(`plane-${WEB_ID}`);
    expect(calendarSlugFor('team', WEB_ID)).toBe(`plane-team-${WEB_ID}`);
    expect(calendarSlugFor('mine', undefined)).toBe('plane-mine');
  });
});

describe('planTargets', () => {
  it("the default entry: one calendar per project at today's URL, with today's UIDs, found the legacy way too", () => {
    const targets = planTargets([DEFAULT], { selected: [web, api], universe: [web, api] });
    expect(
      targets.map((t) => ({
        key: t.key,
        slug: t.slug,
        displayName: t.displayName,
        legacy: t.legacy,
        complete: t.complete,
        project: t.project?.identifier,
        projects: t.projects.map((p) => p.identifier),
      })),
    ).toEqual([
      {
        key: `projects/${WEB_ID}`,
        slug: `plane-${WEB_ID}`,
        displayName: 'Plane: Web',
        legacy: true,
        complete: true,
        project: 'WEB',
        projects: ['WEB'],
      },
      {
        key: `projects/${API_ID}`,
        slug: `plane-${API_ID}`,
        displayName: 'Plane: Api',
        legacy: true,
        complete: true,
        project: 'API',
        projects: ['API'],
      },
    ]);
    expect(targets[0]?.scheme.uidFor(WEB_ID)).toBe(`plane-issue-${WEB_ID}@calplanebot`);
  });

  it('another per-project entry: plane-{id}-{project id}, its own UIDs, a templated name, not legacy', () => {
    const [first, second] = planTargets([entry('team', true, {}, 'Team {project} ({identifier})')], {
      selected: [web, api],
      universe: [web, api],
    });
    expect(first).toMatchObject({
      key: `team/${WEB_ID}`,
      slug: `plane-team-${WEB_ID}`,
      displayName: 'Team Web (WEB)',
      legacy: false,
      complete: true,
    });
    expect(second).toMatchObject({
      key: `team/${API_ID}`,
      slug: `plane-team-${API_ID}`,
      displayName: 'Team Api (API)',
      legacy: false,
    });
    expect(first?.scheme.uidFor(WEB_ID)).toBe(`plane-issue-${WEB_ID}@team.calplanebot`);
    expect(first?.entry.id).toBe('team');
  });

  it('a combined entry: one calendar plane-{id} over every selected project, named as written', () => {
    const [target, ...rest] = planTargets([entry('mine', false, { assignees: ['me'] }, 'My work')], {
      selected: [web, api],
      universe: [web, api],
    });
    expect(rest).toEqual([]);
    expect(target).toMatchObject({
      key: 'mine',
      slug: 'plane-mine',
      displayName: 'My work',
      project: undefined,
      legacy: false,
      complete: true,
    });
    expect(target?.projects.map((p) => p.identifier)).toEqual(['WEB', 'API']);
    expect(target?.scheme.uidFor(WEB_ID)).toBe(`plane-issue-${WEB_ID}@mine.calplanebot`);
  });

  it('a combined calendar is incomplete when the run reads a strict subset of its projects (a --project shard)', () => {
    const [shard] = planTargets([entry('mine', false)], { selected: [web], universe: [web, api] });
    expect(shard).toMatchObject({ key: 'mine', complete: false });
    expect(shard?.projects).toEqual([web]);
    const [full] = planTargets([entry('mine', false)], { selected: [web, api], universe: [web, api] });
    expect(full?.complete).toBe(true);
  });

  it('a shard covering every project the entry names is complete for that entry', () => {
    const targets = planTargets(
      [entry('web-only', false, { projects: ['WEB'] }), entry('both', false, { projects: ['WEB', 'API'] })],
      { selected: [web], universe: [web, api] },
    );
    expect(targets.map((t) => [t.key, t.complete])).toEqual([
      ['web-only', true],
      ['both', false],
    ]);
  });

  it('per-project calendars are always complete: a shard reads all of each one it touches', () => {
    const targets = planTargets([DEFAULT, entry('team', true)], { selected: [web], universe: [web, api] });
    expect(targets.map((t) => [t.key, t.complete])).toEqual([
      [`projects/${WEB_ID}`, true],
      [`team/${WEB_ID}`, true],
    ]);
  });

  it("filter.projects names projects by identifier or UUID in any case, in the run's order", () => {
    const filter = { projects: ['api', WEB_ID.toUpperCase()] };
    const perProject = planTargets([entry('team', true, filter)], { selected: ACTIVE, universe: ACTIVE });
    expect(perProject.map((t) => t.project?.identifier)).toEqual(['WEB', 'API']);
    const [combined] = planTargets([entry('mine', false, filter)], { selected: ACTIVE, universe: ACTIVE });
    expect(combined?.projects.map((p) => p.identifier)).toEqual(['WEB', 'API']);
    expect(entryProjects(entry('x', false, { projects: [' Ops '] }), ACTIVE).map((p) => p.identifier)).toEqual(['OPS']);
  });

  it('filter.projects only narrows: a project the run did not select is not read for it', () => {
    const targets = planTargets(
      [entry('team', true, { projects: ['WEB', 'OPS'] }), entry('mine', false, { projects: ['OPS'] })],
      { selected: [web, api], universe: [web, api] },
    );
    expect(targets.map((t) => t.key)).toEqual([`team/${WEB_ID}`]); // no OPS calendar; the combined one has no project, so no calendar
  });

  it("a filter on the default entry filters today's calendars in place (same slugs, same UIDs)", () => {
    const filtered: CalendarEntry = { ...DEFAULT, filter: { projects: ['WEB'], stateGroups: ['started'] } };
    const [target, ...rest] = planTargets([filtered], { selected: [web, api], universe: [web, api] });
    expect(rest).toEqual([]);
    expect(target).toMatchObject({ key: `projects/${WEB_ID}`, slug: `plane-${WEB_ID}`, legacy: true });
    expect(target?.scheme.uidFor(WEB_ID)).toBe(`plane-issue-${WEB_ID}@calplanebot`);
  });

  it('several entries come out in config order', () => {
    const targets = planTargets([entry('mine', false), DEFAULT, entry('team', true)], {
      selected: [web],
      universe: [web],
    });
    expect(targets.map((t) => t.key)).toEqual(['mine', `projects/${WEB_ID}`, `team/${WEB_ID}`]);
  });
});

describe('viewOfCalendarUrl', () => {
  it('a combined calendar: the entry id, no project', () => {
    expect(viewOfCalendarUrl(`${HOME}plane-mine/`)).toEqual({ entryId: 'mine', projectId: undefined });
    expect(viewOfCalendarUrl(`${HOME}plane-release-2026/`)).toEqual({ entryId: 'release-2026', projectId: undefined });
    expect(viewOfCalendarUrl(`${HOME}plane-mine`)).toEqual({ entryId: 'mine', projectId: undefined });
  });

  it('a per-project calendar: the entry id and the project id (lower case)', () => {
    expect(viewOfCalendarUrl(`${HOME}plane-team-${WEB_ID}/`)).toEqual({ entryId: 'team', projectId: WEB_ID });
    expect(viewOfCalendarUrl(`${HOME}plane-my-team-${WEB_ID.toUpperCase()}/`)).toEqual({
      entryId: 'my-team',
      projectId: WEB_ID,
    });
  });

  it('a per-project calendar whose id round-trips through calendarSlugFor', () => {
    for (const id of ['a', 'team', 'q3-2026', 'x'.repeat(40)]) {
      expect(viewOfCalendarUrl(`${HOME}${calendarSlugFor(id, API_ID)}/`), id).toEqual({
        entryId: id,
        projectId: API_ID,
      });
      expect(viewOfCalendarUrl(`${HOME}${calendarSlugFor(id, undefined)}/`), id).toEqual({
        entryId: id,
        projectId: undefined,
      });
    }
  });

  it('a percent-encoded path is decoded first', () => {
    expect(viewOfCalendarUrl(`${HOME}plane%2Dmine/`)).toEqual({ entryId: 'mine', projectId: undefined });
  });

  it("today's plane-{project uuid} calendar is no entry's by URL (null): it is the default entry's by project", () => {
    expect(viewOfCalendarUrl(`${HOME}plane-${WEB_ID}/`)).toBeNull();
    expect(viewOfCalendarUrl(`${HOME}plane-${WEB_ID.toUpperCase()}/`)).toBeNull();
  });

  it('any other URL: null', () => {
    expect(viewOfCalendarUrl(`${HOME}personal/`)).toBeNull();
    expect(viewOfCalendarUrl(`${HOME}planes/`)).toBeNull();
    expect(viewOfCalendarUrl(`${HOME}plane-/`)).toBeNull();
    expect(viewOfCalendarUrl(`${HOME}plane-Mine/`)).toBeNull();
    expect(viewOfCalendarUrl(`${HOME}plane-mine/sub/`)).toBeNull();
    expect(viewOfCalendarUrl('not a url')).toBeNull();
  });
});

describe('strayCalendars', () => {
  const foreign = cal('personal', 'Personal');

  it("a default config reports none: its calendars, adopted ones and other people's are all kept", () => {
    const calendars = [
      cal(`plane-${WEB_ID}`, 'Plane: Web'),
      cal(`plane-${API_ID}`, 'Plane: Api'),
      cal('made-by-hand', 'Plane: Ops', OPS_ID),
      foreign,
    ];
    expect(strayCalendars(calendars, [DEFAULT], ALL)).toEqual([]);
  });

  it('the calendars of every configured entry are kept', () => {
    const entries = [DEFAULT, entry('team', true), entry('mine', false)];
    const calendars = [
      cal(`plane-${WEB_ID}`),
      cal(`plane-team-${WEB_ID}`),
      cal(`plane-team-${API_ID}`),
      cal('plane-mine'),
      foreign,
    ];
    expect(strayCalendars(calendars, entries, ALL)).toEqual([]);
  });

  it('names the calendars of an entry removed from the config, with URL and display name', () => {
    const calendars = [
      cal(`plane-${WEB_ID}`),
      cal('plane-mine', 'My work'),
      cal(`plane-team-${WEB_ID}`, 'WEB team'),
      foreign,
    ];
    expect(strayCalendars(calendars, [DEFAULT], ALL)).toEqual([
      { url: `${HOME}plane-mine/`, displayName: 'My work' },
      { url: `${HOME}plane-team-${WEB_ID}/`, displayName: 'WEB team' },
    ]);
  });

  it('names the old calendars when perProject is flipped, either way', () => {
    const calendars = [cal('plane-team'), cal(`plane-team-${WEB_ID}`)];
    expect(strayCalendars(calendars, [entry('team', true)], ALL).map((c) => c.url)).toEqual([`${HOME}plane-team/`]);
    expect(strayCalendars(calendars, [entry('team', false)], ALL).map((c) => c.url)).toEqual([
      `${HOME}plane-team-${WEB_ID}/`,
    ]);
  });

  it('names a per-project calendar whose project was dropped from filter.projects (identifier or UUID, any case)', () => {
    const calendars = [cal(`plane-team-${WEB_ID}`), cal(`plane-team-${API_ID}`), cal(`plane-team-${OPS_ID}`)];
    expect(
      strayCalendars(calendars, [entry('team', true, { projects: ['web', OPS_ID.toUpperCase()] })], ALL).map(
        (c) => c.url,
      ),
    ).toEqual([`${HOME}plane-team-${API_ID}/`]);
  });

  it("names today's calendars (by URL or by mark) when the config keeps no `projects` entry", () => {
    const adopted = cal('made-by-hand', 'Plane: Ops', OPS_ID);
    const calendars = [cal(`plane-${WEB_ID}`, 'Plane: Web'), adopted, cal('plane-mine'), foreign];
    expect(strayCalendars(calendars, [entry('mine', false)], ALL)).toEqual([
      { url: `${HOME}plane-${WEB_ID}/`, displayName: 'Plane: Web' },
      { url: `${HOME}made-by-hand/`, displayName: 'Plane: Ops' },
    ]);
  });

  it("names today's calendar of a project the `projects` entry's filter no longer names", () => {
    const filtered: CalendarEntry = { ...DEFAULT, filter: { projects: ['WEB'] } };
    const calendars = [cal(`plane-${WEB_ID}`), cal(`plane-${API_ID}`), cal('made-by-hand', 'Plane: Ops', OPS_ID)];
    expect(strayCalendars(calendars, [filtered], ALL).map((c) => c.url)).toEqual([
      `${HOME}plane-${API_ID}/`,
      `${HOME}made-by-hand/`,
    ]);
  });

  it('is judged on the config alone: the same whatever the run selected (a shard reports what a full run does)', () => {
    // strayCalendars takes every project of the workspace, never the run's selection: nothing to vary but the config.
    const calendars = [cal(`plane-team-${API_ID}`), cal('plane-mine')];
    expect(strayCalendars(calendars, [entry('team', true), entry('mine', false, { projects: ['WEB'] })], ALL)).toEqual(
      [],
    );
  });
});

describe('unknownProjectWarnings', () => {
  it('warns about a filter.projects value that names no project, with the entry index and the known identifiers', () => {
    const entries = [
      DEFAULT,
      entry('team', true, { projects: ['WEB', 'WBE', API_ID] }),
      entry('mine', false, { projects: ['nope'] }),
    ];
    const warnings = unknownProjectWarnings(entries, ALL);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^calendars\[1\]\.filter\.projects: .*"WBE"/);
    expect(warnings[0]).toContain('WEB, API, OPS');
    expect(warnings[0]).not.toContain('OLD'); // archived projects are not offered
    expect(warnings[1]).toMatch(/^calendars\[2\]\.filter\.projects: .*"nope"/);
  });

  it('is quiet when every value names a project (identifier or UUID, any case; an archived one counts as known)', () => {
    expect(
      unknownProjectWarnings([entry('team', true, { projects: ['web', API_ID.toUpperCase(), 'OLD'] })], ALL),
    ).toEqual([]);
    expect(unknownProjectWarnings([DEFAULT, entry('mine', false)], ALL)).toEqual([]);
  });

  it('says "none" when the workspace has no active project', () => {
    expect(unknownProjectWarnings([entry('team', true, { projects: ['WEB'] })], [])).toEqual([
      expect.stringContaining('known: none'),
    ]);
  });
});
