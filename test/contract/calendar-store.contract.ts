/**
 * One contract, every CalendarStore: the memory store and the real Radicale-backed store must
 * behave alike, so tests of the sync engine on the memory store mean something.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CalendarRef, CalendarStore } from '../../src/caldav/store.js';
import { NotFoundError, PreconditionFailedError } from '../../src/errors.js';

const ics = (uid: string, summary: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//contract//test//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250102\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

export function describeCalendarStoreContract(name: string, makeStore: () => Promise<CalendarStore>): void {
  describe(`CalendarStore contract: ${name}`, () => {
    let store: CalendarStore;
    let calendar: CalendarRef;
    let n = 0;
    const href = (label: string) => `${calendar.url}${label}-${++n}.ics`;

    beforeAll(async () => {
      store = await makeStore();
      const url = await store.calendarUrlFor(`contract-${Date.now()}`);
      calendar = await store.createCalendar(url, 'Contract: test & <calendar>');
    });

    it('lists the created calendar with its display name, at the URL it was created at', async () => {
      const calendars = await store.listCalendars();
      const found = calendars.find((c) => c.url === calendar.url);
      expect(found?.displayName).toBe('Contract: test & <calendar>');
    });

    it('refuses a second calendar at the same URL', async () => {
      await expect(store.createCalendar(calendar.url, 'again')).rejects.toThrow();
    });

    it('creates, reads back, updates with the right ETag and deletes an object', async () => {
      const at = href('roundtrip');
      await store.create(at, ics('contract-1@test', 'one'));
      const read = await store.get(at);
      expect(read?.data).toContain('SUMMARY:one');
      expect(read?.etag).toBeTruthy();
      await store.update(at, ics('contract-1@test', 'two'), read?.etag ?? null);
      expect((await store.get(at))?.data).toContain('SUMMARY:two');
      const listed = (await store.list(calendar)).find((o) => o.href === at);
      expect(listed?.data).toContain('SUMMARY:two');
      await store.delete(at, listed?.etag ?? null);
      expect(await store.get(at)).toBeNull();
    });

    it('sync-collection: the initial sync gives a token; the delta from it names a change with its new ETag and a deletion', async () => {
      const kept = href('delta-kept');
      const gone = href('delta-gone');
      const { etag: keptEtag } = await store.create(kept, ics('contract-d1@test', 'kept'));
      const { etag: goneEtag } = await store.create(gone, ics('contract-d2@test', 'gone'));
      const initial = await store.changesSince(calendar, undefined);
      expect(initial.token).toBeTruthy();
      expect(initial.changed.map((c) => c.href)).toEqual(expect.arrayContaining([kept, gone]));
      expect(initial.changed.find((c) => c.href === kept)?.etag).toBe(keptEtag); // the PUT's ETag is the listed one

      const { etag: newEtag } = await store.update(kept, ics('contract-d1@test', 'kept and changed'), keptEtag);
      await store.delete(gone, goneEtag);
      const delta = await store.changesSince(calendar, initial.token);
      expect(delta.changed).toEqual([{ href: kept, etag: newEtag }]);
      expect(delta.removed).toEqual([gone]);
      expect(delta.token).not.toBe(initial.token);
      expect(await store.changesSince(calendar, delta.token)).toMatchObject({ changed: [], removed: [] });
    });

    it('sync-collection refuses a token it never gave; multiget returns what exists and leaves out the missing', async () => {
      await expect(store.changesSince(calendar, 'no-such-token')).rejects.toThrow();
      const at = href('multiget');
      await store.create(at, ics('contract-m1@test', 'fetched'));
      const found = await store.getMany(calendar, [at, href('missing')]);
      expect(found.map((o) => o.href)).toEqual([at]);
      expect(found[0]?.data).toContain('SUMMARY:fetched');
      expect(found[0]?.etag).toBeTruthy();
    });

    it('create fails with PreconditionFailedError when the href is taken (If-None-Match: *)', async () => {
      const at = href('taken');
      await store.create(at, ics('contract-2@test', 'first'));
      await expect(store.create(at, ics('contract-2@test', 'second'))).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await store.get(at))?.data).toContain('SUMMARY:first');
    });

    it('update and delete with a stale ETag fail with PreconditionFailedError and change nothing', async () => {
      const at = href('stale');
      await store.create(at, ics('contract-3@test', 'v1'));
      const v1 = await store.get(at);
      await store.update(at, ics('contract-3@test', 'v2'), v1?.etag ?? null);
      await expect(store.update(at, ics('contract-3@test', 'v3'), v1?.etag ?? null)).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await expect(store.delete(at, v1?.etag ?? null)).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await store.get(at))?.data).toContain('SUMMARY:v2');
    });

    it('deleting an object that is already gone counts as done', async () => {
      const at = href('gone');
      await store.create(at, ics('contract-4@test', 'x'));
      const etag = (await store.get(at))?.etag ?? null;
      await store.delete(at, etag);
      await expect(store.delete(at, etag)).resolves.toBeUndefined();
    });

    it('get returns null for a missing object; listing a missing calendar is NotFoundError', async () => {
      expect(await store.get(href('missing'))).toBeNull();
      const missing = { url: await store.calendarUrlFor(`nope-${Date.now()}`), displayName: 'nope' };
      await expect(store.list(missing)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('never writes blind: a null ETag is fetched first, and for a missing object nothing is written', async () => {
      const at = href('null-etag');
      await store.create(at, ics('contract-5@test', 'v1'));
      await store.update(at, ics('contract-5@test', 'v2'), null);
      expect((await store.get(at))?.data).toContain('SUMMARY:v2');

      const missing = href('null-etag-missing');
      await expect(store.update(missing, ics('contract-6@test', 'ghost'), null)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.get(missing)).toBeNull();

      await store.delete(at, null);
      expect(await store.get(at)).toBeNull();
      await expect(store.delete(at, null)).resolves.toBeUndefined();
    });

    it('marks a calendar with a project id, and lists the mark from then on', async () => {
      const projectId = '0f0e0d0c-0b0a-4908-8706-050403020100';
      const marked = await store.createCalendar(await store.calendarUrlFor(`contract-mark-${Date.now()}`), 'Marked');
      expect((await store.listCalendars()).find((c) => c.url === marked.url)?.projectId).toBeUndefined();
      await store.markCalendar(marked, projectId);
      const listed = (await store.listCalendars()).find((c) => c.url === marked.url);
      expect(listed).toMatchObject({ displayName: 'Marked', projectId });
      expect((await store.listCalendars()).find((c) => c.url === calendar.url)?.projectId).toBeUndefined();
    });

    it('keeps "@" in object names addressable (UIDs are used as names)', async () => {
      const at = `${calendar.url}${encodeURIComponent('plane-issue-x@calplanebot')}.ics`;
      await store.create(at, ics('plane-issue-x@calplanebot', 'at sign'));
      const listed = await store.list(calendar);
      expect(listed.some((o) => decodeURIComponent(o.href) === decodeURIComponent(at))).toBe(true);
    });
  });
}
