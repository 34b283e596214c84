/**
 * Incremental calendar reads (RFC 6578) over the memory store, which keeps a change log like a
 * server: the snapshot and its delta give the very objects a full listing would, at the cost of
 * what changed; every doubt falls back to the listing.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { CalendarRef, RemoteObject } from '../../../src/caldav/store.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { calendarVersion, openCalendarCache } from '../../../src/sync/calendar-cache.js';
import { openSnapshots, SNAPSHOT_DIR, type SnapshotHead, SnapshotStore } from '../../../src/sync/calendar-snapshots.js';
import { mergeChanges, readObjects } from '../../../src/sync/incremental-read.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';
import { foreignEvent } from '../../support/ical-text.js';
import { scratchDir } from '../../support/scratch.js';

const object = (name: string, etag: string | null, data = `data of ${name}`): RemoteObject => ({
  href: `memory://home/cal/${name}`,
  etag,
  data,
});
const href = (name: string) => `memory://home/cal/${name}`;

describe('mergeChanges', () => {
  const snapshot = new Map<string, string | null>([
    [href('a.ics'), '"1"'],
    [href('b.ics'), '"1"'],
    [href('c.ics'), null],
  ]);

  it('keeps what the snapshot holds with the same ETag, fetches the rest, counts the removed it held', () => {
    const merged = mergeChanges(snapshot, {
      changed: [
        { href: href('a.ics'), etag: '"1"' }, // our own write, come back with the ETag its PUT answered
        { href: href('b.ics'), etag: '"2"' }, // someone's edit
        { href: href('c.ics'), etag: null }, // no ETag to compare: fetched
        { href: href('d.ics'), etag: '"1"' }, // new
      ],
      removed: [href('x.ics')], // never held: nothing to drop, nothing fresh
    });
    expect(merged).toEqual({ toFetch: [href('b.ics'), href('c.ics'), href('d.ics')], removed: [], fresh: 3 });
  });

  it('counts a removal of a held object as fresh', () => {
    expect(mergeChanges(snapshot, { changed: [], removed: [href('b.ics')] })).toEqual({
      toFetch: [],
      removed: [href('b.ics')],
      fresh: 1,
    });
  });
});

describe('readObjects', () => {
  let store: MemoryCalendarStore;
  let calendar: CalendarRef;
  let snapshots: SnapshotStore;
  let snapshotDir: string;
  const refresh = async () => (await store.listCalendars())[0] as CalendarRef;
  const notes: string[] = [];
  /** A snapshot of the calendar as it is now; with `version`, as a run that wrote nothing saves it. */
  const snapshotNow = async (withVersion = false) => {
    const now = await refresh();
    snapshots.save(now.url, {
      token: now.syncToken as string,
      version: withVersion ? calendarVersion(now) : undefined,
      objects: await store.list(now),
    });
  };

  beforeEach(async () => {
    store = new MemoryCalendarStore();
    const stateDir = scratchDir('calplanebot-snapshots-');
    snapshots = openSnapshots(stateDir);
    snapshotDir = join(stateDir, SNAPSHOT_DIR);
    notes.length = 0;
    calendar = await store.createCalendar('memory://home/cal/', 'Cal');
    store.putDirect(href('a.ics'), 'A1');
    store.putDirect(href('b.ics'), 'B1');
  });

  it('without a snapshot lists the calendar, at the token read before', async () => {
    calendar = await refresh();
    const read = await readObjects(store, calendar, snapshots, (n) => notes.push(n));
    expect(read).toMatchObject({ how: 'listing', token: calendar.syncToken, fresh: 0 });
    expect((await read.objects()).map((o) => o.data).sort()).toEqual(['A1', 'B1']);
    expect(notes).toEqual([]);
  });

  it('an unchanged ctag costs no request at all', async () => {
    await snapshotNow(true);
    store.reads.length = 0;
    const read = await readObjects(store, await refresh(), snapshots);
    expect(read.how).toBe('unchanged');
    expect((await read.objects()).map((o) => o.data).sort()).toEqual(['A1', 'B1']);
    expect(store.reads).toEqual([]);
  });

  it('reads only what changed: a changed, a new and a deleted object, each as a listing would give it', async () => {
    await snapshotNow();
    store.putDirect(href('a.ics'), 'A2');
    store.putDirect(href('c.ics'), 'C1 (another client’s object)');
    store.deleteDirect(href('b.ics'));
    store.reads.length = 0;
    const now = await refresh();
    const read = await readObjects(store, now, snapshots);
    expect(read).toMatchObject({ how: 'delta', token: now.syncToken, fresh: 3 });
    expect(sorted(await read.objects())).toEqual(sorted(await store.list(now)));
    expect(store.reads.slice(0, 2)).toEqual([
      { op: 'sync-collection', url: now.url, count: 3 },
      { op: 'multiget', url: now.url, count: 2 },
    ]);
  });

  it('nothing new in the delta: the data is read from the snapshot only when asked for', async () => {
    await snapshotNow();
    store.expireTokens(calendar.url); // moves the ctag, forgets no member
    const read = await readObjects(store, await refresh(), snapshots, (n) => notes.push(n));
    expect(read.how).toBe('listing'); // the old token is refused: read whole
    await snapshotNow();
    store.putDirect(href('a.ics'), 'A1'); // the same bytes again: the same ETag
    const again = await readObjects(store, await refresh(), snapshots);
    expect(again).toMatchObject({ how: 'delta', fresh: 0 });
    expect(again.sameAs).toBeDefined();
    expect((await again.objects()).map((o) => o.data).sort()).toEqual(['A1', 'B1']);
  });

  it('an expired token, a server without sync-collection, or a lost data file: read whole, and said why', async () => {
    await snapshotNow();
    store.putDirect(href('a.ics'), 'A2');
    store.expireTokens(calendar.url);
    const read = await readObjects(store, await refresh(), snapshots, (n) => notes.push(n));
    expect(read.how).toBe('listing');
    expect((await read.objects()).map((o) => o.data).sort()).toEqual(['A2', 'B1']);
    expect(notes).toEqual([expect.stringMatching(/^Cal: read whole: .*sync-collection.*answered 403/)]);

    await snapshotNow();
    store.putDirect(href('c.ics'), 'C1');
    for (const file of readdirSync(snapshotDir))
      if (file.endsWith('.jsonl')) writeFileSync(join(snapshotDir, file), 'torn');
    const lost = await readObjects(store, await refresh(), snapshots, (n) => notes.push(n));
    expect(lost.how).toBe('listing');
    expect((await lost.objects()).map((o) => o.data).sort()).toEqual(['A2', 'B1', 'C1']);
    expect(notes.at(-1)).toMatch(/no usable data file/);

    const plain = new MemoryCalendarStore('memory://home/', { syncCollection: false });
    await plain.createCalendar('memory://home/cal/', 'Cal');
    plain.putDirect(href('a.ics'), 'A1');
    const [listed] = await plain.listCalendars();
    expect(listed?.syncToken).toBeUndefined();
    const whole = await readObjects(plain, listed as CalendarRef, snapshots, (n) => notes.push(n));
    expect(whole).toMatchObject({ how: 'listing', token: undefined });
  });
});

describe('calendar snapshots in the state dir', () => {
  it('round-trips; a torn head, a data file of another head, or another URL is no snapshot', () => {
    const dir = scratchDir('calplanebot-snapshots-');
    const snapshots = openSnapshots(dir);
    const objects = [object('a.ics', '"1"'), object('b.ics', null, 'two\nlines, "quoted"')];
    snapshots.save('memory://home/cal/', { token: 't1', version: 'ctag:1', objects });
    const head = snapshots.loadHead('memory://home/cal/');
    expect(head).toMatchObject({ token: 't1', version: 'ctag:1' });
    expect(snapshots.loadObjects('memory://home/cal/', head as SnapshotHead)).toEqual(objects);
    expect(snapshots.loadHead('memory://home/other/')).toBeUndefined();

    // A head moved on with the same data; a data file of another head is refused.
    snapshots.saveHead('memory://home/cal/', { ...(head as SnapshotHead), token: 't2' });
    expect(snapshots.loadObjects('memory://home/cal/', head as SnapshotHead)).toEqual(objects);
    expect(snapshots.loadObjects('memory://home/cal/', { ...(head as SnapshotHead), dataId: 'other' })).toBeUndefined();

    const headFile = readdirSync(join(dir, SNAPSHOT_DIR)).find((f) => f.endsWith('.json')) as string;
    writeFileSync(join(dir, SNAPSHOT_DIR, headFile), '{"schemaVersion":2,"url":"memory://home/cal/",');
    expect(snapshots.loadHead('memory://home/cal/')).toBeUndefined();
    snapshots.drop('memory://home/cal/');
    expect(readdirSync(join(dir, SNAPSHOT_DIR))).toEqual([]);
    const none = new SnapshotStore(undefined);
    none.save('memory://home/cal/', { token: 't1', version: undefined, objects });
    expect(none.loadHead('memory://home/cal/')).toBeUndefined();
  });
});

describe('runSync with snapshots (memory store)', () => {
  const stats = { plane: new RequestStats(), caldav: new RequestStats() };
  const web = project({ identifier: 'WEB', name: 'Web' });
  let plane: MemoryPlane;
  let store: MemoryCalendarStore;
  let dir: string;
  const run = (overrides: Partial<SyncSettings> = {}) =>
    runSync(
      { plane, store, stats, calendarCache: openCalendarCache(dir), snapshots: openSnapshots(dir) },
      syncSettings(overrides),
    );
  const readsOf = async (action: () => Promise<unknown>) => {
    store.reads.length = 0;
    await action();
    return store.reads.map((r) => `${r.op}:${r.count}`);
  };
  const calendarUrl = async () => ((await store.listCalendars())[0] as CalendarRef).url;

  beforeEach(() => {
    plane = new MemoryPlane();
    store = new MemoryCalendarStore();
    dir = scratchDir('calplanebot-snapruns-');
    plane.projects.push(web);
    plane.issues.push(issue(web.id), issue(web.id), issue(web.id), issue(web.id, { target_date: null }));
  });

  it('the initial upload confirms its own writes with one delta, so the next run reads nothing at all', async () => {
    // The new calendar's first token, then what changed since: our three creates, with their ETags.
    expect(await readsOf(async () => expect((await run()).totals.created).toBe(3))).toEqual([
      'sync-collection:0',
      'sync-collection:3',
    ]);
    expect(existsSync(join(dir, SNAPSHOT_DIR))).toBe(true);
    const writes = store.writes.length;
    let report: Awaited<ReturnType<typeof run>> | undefined;
    expect(await readsOf(async () => (report = await run()))).toEqual([]); // converged at the token the delta gave
    expect(report?.totals).toMatchObject({ created: 0, updated: 0, unchanged: 3, skipped: 1, failed: 0 });
    expect(store.writes.length).toBe(writes);
  });

  it('a write someone else makes right after ours is not taken for ours: not confirmed, read next run', async () => {
    // Another client adds an event to the calendar as soon as our first PUT lands.
    const create = store.create.bind(store);
    let raced = false;
    store.create = async (href, data) => {
      const result = await create(href, data);
      if (!raced) {
        raced = true;
        store.putDirect(href.replace(/[^/]+$/, 'someone-elses.ics'), foreignEvent());
      }
      return result;
    };
    await run();
    expect(await readsOf(run)).toEqual(['sync-collection:4', 'multiget:1']); // ours come back known: one fetched
    expect(await readsOf(run)).toEqual([]);
  });

  it('a delta that leaves out our own writes proves nothing: the calendar is not taken as converged', async () => {
    const changesSince = store.changesSince.bind(store);
    store.changesSince = async (calendar, token) => ({ ...(await changesSince(calendar, token)), changed: [] });
    await run();
    store.changesSince = changesSince;
    expect(await readsOf(run)).toEqual(['sync-collection:3']); // read again (and found as written)
    expect(await readsOf(run)).toEqual([]);
  });

  it('a Plane change is planned against the snapshot (no listing), and its write confirmed at once', async () => {
    await run();
    const target = plane.issues.find((i) => i.target_date) ?? plane.issues[0];
    plane.update(target?.id ?? '', { name: 'Renamed in Plane' });
    let report: Awaited<ReturnType<typeof run>> | undefined;
    expect(await readsOf(async () => (report = await run()))).toEqual(['sync-collection:1']);
    expect(report?.totals).toMatchObject({ updated: 1, unchanged: 2 });
    expect(await readsOf(run)).toEqual([]);
  });

  it('an edit made in the calendar after our writes is downloaded alone and repaired', async () => {
    await run();
    const url = await calendarUrl();
    const [first] = await store.list({ url, displayName: '' });
    store.putDirect(first?.href ?? '', (first?.data ?? '').replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:edited in an app'));
    let report: Awaited<ReturnType<typeof run>> | undefined;
    // What changed since the snapshot (the edit), that object alone, then the confirmation of the repair.
    expect(await readsOf(async () => (report = await run()))).toEqual([
      'sync-collection:1',
      'multiget:1',
      'sync-collection:1',
    ]);
    expect(report?.totals).toMatchObject({ updated: 1, unchanged: 2 });
    expect((await store.list({ url, displayName: '' })).some((o) => o.data.includes('edited in an app'))).toBe(false);
  });

  it('a foreign object and a deletion in the delta: the foreign one is read and left alone, the deleted event made again', async () => {
    await run();
    await run();
    const url = await calendarUrl();
    const objects = await store.list({ url, displayName: '' });
    store.putDirect(`${url}someone-elses.ics`, foreignEvent());
    store.deleteDirect(objects[0]?.href ?? '');
    const report = await run();
    expect(report.totals).toMatchObject({ created: 1, deleted: 0, unchanged: 2 });
    expect(report.calendars[0]?.foreign).toBe(1);
    expect((await store.list({ url, displayName: '' })).some((o) => o.data.includes('UID:someone-else'))).toBe(true);
  });

  it('an expired token costs one full listing, and the result is the same', async () => {
    await run();
    await run();
    const url = await calendarUrl();
    store.putDirect(`${url}someone-elses.ics`, foreignEvent());
    store.expireTokens(url);
    let report: Awaited<ReturnType<typeof run>> | undefined;
    expect(await readsOf(async () => (report = await run()))).toEqual(['list:4']); // the refused delta read nothing
    expect(report?.totals).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(report?.calendars[0]?.foreign).toBe(1);
    expect(await readsOf(run)).toEqual([]);
  });

  it('a data file lost while the head stands: read whole once, and the snapshot written again in full', async () => {
    await run();
    for (const file of readdirSync(join(dir, SNAPSHOT_DIR)))
      if (file.endsWith('.jsonl')) writeFileSync(join(dir, SNAPSHOT_DIR, file), 'torn');
    const target = plane.issues.find((i) => i.target_date);
    plane.update(target?.id ?? '', {}); // only updated_at moves: the calendar must be compared, nothing written
    expect(await readsOf(run)).toEqual(['list:3']);
    plane.update(target?.id ?? '', {});
    expect(await readsOf(run)).toEqual([]); // compared against the snapshot again: its data is whole
  });

  it('a dry run reads through the snapshot but never saves one', async () => {
    await run({ dryRun: true });
    expect(existsSync(join(dir, SNAPSHOT_DIR))).toBe(false);
  });
});

function sorted(objects: RemoteObject[]): RemoteObject[] {
  return [...objects].sort((a, b) => a.href.localeCompare(b.href));
}
