import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { CalendarRef } from '../../../src/caldav/store.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import {
  CALENDAR_CACHE_FILE,
  CalendarCache,
  calendarVersion,
  listingKey,
  openCalendarCache,
  viewKey,
} from '../../../src/sync/calendar-cache.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';
import { scratchDir } from '../../support/scratch.js';

const tempDir = () => scratchDir('calplanebot-calcache-');

const settings = syncSettings;

const stats = { plane: new RequestStats(), caldav: new RequestStats() };
const web = project({ identifier: 'WEB', name: 'Web' });

describe('listingKey', () => {
  const context = { project: web, webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };

  it('is the same for the same pages and context, and changes with any of them', () => {
    const base = listingKey(['d1', 'd2'], context);
    expect(listingKey(['d1', 'd2'], { ...context, project: { ...web } })).toBe(base);
    expect(listingKey(['d2', 'd1'], context)).not.toBe(base);
    expect(listingKey(['d1'], context)).not.toBe(base);
    expect(listingKey(['d1', 'd2'], { ...context, project: { ...web, name: 'Renamed' } })).not.toBe(base);
    expect(listingKey(['d1', 'd2'], { ...context, project: { ...web, identifier: 'WWW' } })).not.toBe(base);
    expect(listingKey(['d1', 'd2'], { ...context, webUrl: 'https://plane.example.com' })).not.toBe(base);
    expect(listingKey(['d1', 'd2'], { ...context, workspaceSlug: 'other' })).not.toBe(base);
  });
});

const counts = (foreign: number) => ({ unchanged: 3, skipped: 1, foreign });

describe('CalendarCache', () => {
  const calendar: CalendarRef = { url: 'memory://home/a/', displayName: 'A', ctag: '"1"' };

  it('matches only the same project, version and desired events', () => {
    const cache = new CalendarCache();
    cache.remember('p1', calendar, 'h1', counts(2));
    expect(cache.converged('p1', calendar, 'h1')).toMatchObject(counts(2));
    expect(cache.converged('p2', calendar, 'h1')).toBeUndefined();
    expect(cache.converged('p1', { ...calendar, ctag: '"2"' }, 'h1')).toBeUndefined();
    expect(cache.converged('p1', calendar, 'h2')).toBeUndefined();
    cache.forget(calendar.url);
    expect(cache.converged('p1', calendar, 'h1')).toBeUndefined();
  });

  it('never vouches for a calendar without ctag or sync-token', () => {
    const bare = { url: 'memory://home/b/', displayName: 'B' };
    const cache = new CalendarCache();
    cache.remember('p1', bare, 'h1', counts(0));
    expect(calendarVersion(bare)).toBeUndefined();
    expect(cache.converged('p1', bare, 'h1')).toBeUndefined();
    expect(calendarVersion({ ...bare, syncToken: 'tok' })).toBe('sync-token:tok');
  });

  it('persists in the state dir and drops what it cannot trust', () => {
    const dir = tempDir();
    const cache = openCalendarCache(dir);
    cache.remember('p1', calendar, 'h1', counts(0));
    cache.save();
    expect(openCalendarCache(dir).converged('p1', calendar, 'h1')).toBeDefined();

    const file = join(dir, CALENDAR_CACHE_FILE);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { producer: string };
    writeFileSync(file, JSON.stringify({ ...stored, producer: 'some-other-version' }));
    expect(openCalendarCache(dir).converged('p1', calendar, 'h1')).toBeUndefined();
    writeFileSync(file, '{ not json');
    expect(openCalendarCache(dir).converged('p1', calendar, 'h1')).toBeUndefined();
  });

  it('without a state dir remembers nothing past the process', () => {
    const cache = openCalendarCache(undefined);
    cache.remember('p1', calendar, 'h1', counts(0));
    expect(() => cache.save()).not.toThrow();
  });
});

describe('runSync with the calendar cache (memory store)', () => {
  let plane: MemoryPlane;
  let store: MemoryCalendarStore;
  let dir: string;
  const run = (overrides: Partial<SyncSettings> = {}) =>
    runSync({ plane, store, stats, calendarCache: openCalendarCache(dir) }, settings(overrides));

  beforeEach(() => {
    plane = new MemoryPlane();
    store = new MemoryCalendarStore();
    dir = tempDir();
    plane.projects.push(web);
    plane.issues.push(issue(web.id), issue(web.id), issue(web.id, { target_date: null }));
  });

  it('lists after a run that wrote, then skips the listing while neither side changes', async () => {
    const list = vi.spyOn(store, 'list');
    expect((await run()).totals.created).toBe(2); // new calendar: nothing listed, nothing remembered
    await run(); // wrote last time: listed, found converged, remembered
    expect(list).toHaveBeenCalledTimes(1);
    const skipped = await run();
    expect(list).toHaveBeenCalledTimes(1);
    expect(skipped.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2, skipped: 1, failed: 0 });
  });

  it('repairs an edit made in the calendar (its ctag changed)', async () => {
    await run();
    await run();
    const calendar = (await store.listCalendars())[0]!;
    const [object] = await store.list(calendar);
    store.putDirect(object!.href, object!.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:edited in a calendar app'));
    const repaired = await run();
    expect(repaired.totals.updated).toBe(1);
    expect((await store.list(calendar)).some((o) => o.data.includes('edited in a calendar app'))).toBe(false);
  });

  it('an issue change that changes no event (a comment) costs one listing and no write, then skips again', async () => {
    await run();
    await run();
    const target = plane.issues.find((i) => i.target_date)!;
    plane.update(target.id, {}); // only updated_at moves, as a comment makes it
    const list = vi.spyOn(store, 'list');
    const writes = store.writes.length;
    expect((await run()).totals).toMatchObject({ created: 0, updated: 0, unchanged: 2, skipped: 1 });
    expect(list).toHaveBeenCalledTimes(1);
    expect(store.writes.length).toBe(writes);
    await run();
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('lists again when Plane changed, and writes exactly that change', async () => {
    await run();
    await run();
    const target = plane.issues.find((i) => i.target_date)!;
    plane.update(target.id, { name: 'Renamed in Plane' });
    const list = vi.spyOn(store, 'list');
    const report = await run();
    expect(list).toHaveBeenCalledTimes(1);
    expect(report.totals).toMatchObject({ updated: 1, unchanged: 1 });
    expect(store.writes.at(-1)?.op).toBe('put');
  });

  it('a dry run uses the cache but never saves it', async () => {
    await run();
    await run({ dryRun: true });
    const list = vi.spyOn(store, 'list');
    await run({ dryRun: true }); // nothing saved by the dry run before: still listed
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('does not remember a calendar whose run reported a problem', async () => {
    await run();
    const calendar = (await store.listCalendars())[0]!;
    const [object] = await store.list(calendar);
    store.putDirect(`${calendar.url}copy.ics`, object!.data); // the same owned UID twice: a duplicate
    const list = vi.spyOn(store, 'list');
    expect((await run()).projects[0]?.duplicates).toHaveLength(1);
    expect((await run()).projects[0]?.duplicates).toHaveLength(1); // reported again: listed again
    expect(list).toHaveBeenCalledTimes(2);
  });
});

describe('viewKey', () => {
  const plain = { id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} };
  const view = (entry: Partial<typeof plain> & Record<string, unknown>) => ({
    entry: { ...plain, ...entry },
    today: undefined,
    me: undefined,
  });

  it("keeps the default calendars' key as it was before entries (upgrading costs no listing)", () => {
    expect(viewKey(['k1'], view({}))).toBe('k1');
  });

  it('changes with anything that changes the objects: a filter, a summary, spans, hiding completed items', () => {
    const keys = [
      view({ filter: { labels: ['x'] } }),
      view({ summary: '{name}' }),
      view({ dates: 'span' }),
      view({ completed: 'hide' }),
      view({ alarms: ['-PT15H'] }),
    ].map((v) => viewKey(['k1'], v));
    expect(keys.every((key) => key !== 'k1')).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    // The calendar's display name is not in its objects: renaming it keeps the key.
    expect(viewKey(['k1'], view({ name: 'Other {project}' }))).toBe('k1');
  });
});
