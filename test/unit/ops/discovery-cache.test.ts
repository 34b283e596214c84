import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cachedCalendar,
  DISCOVERY_FILE,
  DISCOVERY_TTL_MS,
  discoveryAccount,
  invalidateDiscoveryCache,
  readDiscovery,
  rememberRun,
} from '../../../src/ops/discovery-cache.js';
import { emptyProjectReport, type ProjectReport } from '../../../src/sync/report.js';
import { scratchDir } from '../../support/scratch.js';

const account = discoveryAccount({ serverUrl: 'https://dav.example/', username: 'alice' });
const found = { principalUrl: 'https://dav.example/alice/', homeUrl: 'https://dav.example/calendars/alice/' };
const T0 = Date.parse('2025-12-01T10:00:00Z');
const stateDir = () => join(scratchDir('ops-cache-'), 'calplanebot');

function project(id: string, overrides: Partial<ProjectReport> = {}): ProjectReport {
  return {
    ...emptyProjectReport({ id, identifier: id.toUpperCase(), name: `Project ${id}` }),
    calendarUrl: `https://dav.example/calendars/alice/plane-${id}/`,
    ...overrides,
  };
}

const remember = (dir: string, projects: ProjectReport[], now: number, discovery = found) =>
  rememberRun(dir, account, { discovery, calendarNameTemplate: 'Plane: {project}', projects }, now);

describe('the discovery cache', () => {
  it('remembers the calendar home and each project calendar for an hour', () => {
    const dir = stateDir();
    remember(dir, [project('a')], T0);
    expect(readDiscovery(dir, account, T0 + 1000)).toEqual(found);
    expect(cachedCalendar(dir, account, 'a', T0 + 1000)).toEqual({
      url: 'https://dav.example/calendars/alice/plane-a/',
      displayName: 'Plane: Project a',
    });
    expect(readDiscovery(dir, account, T0 + DISCOVERY_TTL_MS + 1)).toBeUndefined();
    expect(cachedCalendar(dir, account, 'a', T0 + DISCOVERY_TTL_MS + 1)).toBeUndefined();
  });

  it('holds no secret and is ignored for another account', () => {
    const dir = stateDir();
    remember(dir, [project('a')], T0);
    expect(readFileSync(join(dir, DISCOVERY_FILE), 'utf8')).not.toContain('alice:');
    const bob = discoveryAccount({ serverUrl: 'https://dav.example/', username: 'bob' });
    expect(readDiscovery(dir, bob, T0)).toBeUndefined();
  });

  it('a discovery taken from the cache keeps its age, so the hour really ends', () => {
    const dir = stateDir();
    remember(dir, [], T0);
    remember(dir, [], T0 + DISCOVERY_TTL_MS - 1000); // the same discovery, reused
    expect(readDiscovery(dir, account, T0 + DISCOVERY_TTL_MS + 1)).toBeUndefined();
    remember(dir, [], T0 + DISCOVERY_TTL_MS + 2000, { ...found, homeUrl: 'https://dav.example/moved/' });
    expect(readDiscovery(dir, account, T0 + DISCOVERY_TTL_MS + 3000)?.homeUrl).toBe('https://dav.example/moved/');
  });

  it('a 404 on a calendar forgets that calendar and the discovery', () => {
    const dir = stateDir();
    remember(dir, [project('a'), project('b')], T0);
    remember(
      dir,
      [project('a', { errors: [{ operation: 'list-calendar', message: 'REPORT answered 404', status: 404 }] })],
      T0 + 1000,
    );
    expect(cachedCalendar(dir, account, 'a', T0 + 2000)).toBeUndefined();
    // b was not part of the second run: it stays, with the age it had.
    expect(cachedCalendar(dir, account, 'b', T0 + 2000)).toBeDefined();
    expect(cachedCalendar(dir, account, 'b', T0 + DISCOVERY_TTL_MS + 1)).toBeUndefined();
    expect(readDiscovery(dir, account, T0 + 2000)).toBeUndefined();
  });

  it('each project calendar ages on its own: a run refreshes only the projects it found', () => {
    const dir = stateDir();
    remember(dir, [project('a'), project('b')], T0);
    remember(dir, [project('a')], T0 + DISCOVERY_TTL_MS - 1000); // a run of project a alone (a shard, a webhook)
    expect(cachedCalendar(dir, account, 'a', T0 + DISCOVERY_TTL_MS + 1)).toBeDefined();
    expect(cachedCalendar(dir, account, 'b', T0 + DISCOVERY_TTL_MS + 1)).toBeUndefined();
    // An expired entry is dropped at the next write, not carried forward.
    remember(dir, [project('a')], T0 + DISCOVERY_TTL_MS + 1);
    const file = JSON.parse(readFileSync(join(dir, DISCOVERY_FILE), 'utf8')) as {
      calendars: { byProject: Record<string, { savedAt: number }> };
    };
    expect(Object.keys(file.calendars.byProject)).toEqual(['a']);
    expect(file.calendars.byProject.a!.savedAt).toBe(T0 + DISCOVERY_TTL_MS + 1);
  });

  it('a cache written in the old layout (one savedAt for all calendars) is not trusted', () => {
    const dir = stateDir();
    remember(dir, [], T0);
    const file = join(dir, DISCOVERY_FILE);
    const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    cache.calendars = {
      savedAt: T0,
      byProject: { a: { url: 'https://dav.example/calendars/alice/plane-a/', displayName: 'Plane: Project a' } },
    };
    writeFileSync(file, JSON.stringify(cache));
    expect(cachedCalendar(dir, account, 'a', T0 + 1000)).toBeUndefined();
  });

  it('a calendar that could not be created is not remembered', () => {
    const dir = stateDir();
    remember(
      dir,
      [
        project('a', {
          calendarCreated: true,
          errors: [{ operation: 'create-calendar', message: 'MKCALENDAR answered 403' }],
        }),
      ],
      T0,
    );
    expect(cachedCalendar(dir, account, 'a', T0)).toBeUndefined();
  });

  it('a project webhook forgets that project; no project forgets everything', () => {
    const dir = stateDir();
    remember(dir, [project('a'), project('b')], T0);
    invalidateDiscoveryCache(dir, 'a');
    expect(cachedCalendar(dir, account, 'a', T0)).toBeUndefined();
    expect(cachedCalendar(dir, account, 'b', T0)).toBeDefined();
    invalidateDiscoveryCache(dir);
    expect(existsSync(join(dir, DISCOVERY_FILE))).toBe(false);
    expect(readDiscovery(dir, account, T0)).toBeUndefined();
  });

  it('without a state dir nothing is read or written', () => {
    expect(readDiscovery(undefined, account)).toBeUndefined();
    expect(() =>
      rememberRun(undefined, account, { discovery: found, calendarNameTemplate: 'x', projects: [] }),
    ).not.toThrow();
  });
});
