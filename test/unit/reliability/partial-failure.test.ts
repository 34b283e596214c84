/**
 * Partial-failure semantics of a run, on the memory store with failures injected per call:
 * one event or project failing never stops the others, the report names each failure with its
 * operation, UID and status, a failure never causes a deletion, a managed calendar that answers
 * 404 is found again, a calendar someone else just made is adopted, and a 401 stops the run.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { CalendarRef } from '../../../src/caldav/store.js';
import { AuthError, HttpError, NotFoundError } from '../../../src/errors.js';
import { uidForIssue } from '../../../src/event/uid.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';

const settings: SyncSettings = syncSettings({ guard: { maxDeletePercent: 100, allowMassDelete: true } });
const stats = { plane: new RequestStats(), caldav: new RequestStats() };

let plane: MemoryPlane;
let store: MemoryCalendarStore;
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });

beforeEach(() => {
  plane = new MemoryPlane();
  store = new MemoryCalendarStore();
  plane.projects.push(web, api);
  plane.issues.push(issue(web.id), issue(web.id), issue(web.id), issue(api.id), issue(api.id));
});

/** The store with one method replaced; everything else is the real memory store. */
function withFault<K extends keyof MemoryCalendarStore>(
  key: K,
  replacement: MemoryCalendarStore[K],
): MemoryCalendarStore {
  const faulty = Object.create(store) as MemoryCalendarStore;
  Object.defineProperty(faulty, key, { value: replacement });
  return faulty;
}

const run = (on: MemoryCalendarStore = store) => runSync({ plane, store: on, stats }, settings);
const eventsIn = async (name: string) => {
  const calendar = (await store.listCalendars()).find((c) => c.displayName === name)!;
  return store.list(calendar);
};

describe('one failure stops nothing else', () => {
  it('a write refused with 507 fails that event only; the report names operation, UID and status', async () => {
    await run();
    const [first, second] = plane.issues.filter((i) => i.project === web.id);
    plane.update(first!.id, { name: 'Renamed' });
    plane.update(second!.id, { name: 'Renamed too' });
    const full = uidForIssue(first!.id);
    const faulty = withFault('update', async (href: string, data: string, etag: string | null) => {
      if (data.includes(full))
        throw new HttpError('caldav', `PUT ${href} answered 507`, 507, 'PUT', href, { hint: 'quota full' });
      return store.update(href, data, etag);
    });
    const report = await run(faulty);
    const webReport = report.projects.find((p) => p.identifier === 'WEB')!;
    expect(webReport.errors).toEqual([
      expect.objectContaining({ operation: 'update', uid: full, issueId: first!.id, status: 507, hint: 'quota full' }),
    ]);
    expect(webReport.updated).toBe(1);
    expect(report.totals).toMatchObject({ updated: 1, failed: 1 });
  });

  it('a project whose calendar listing fails is reported; the next project syncs; nothing is deleted', async () => {
    await run();
    plane.remove(plane.issues.find((i) => i.project === web.id)!.id);
    plane.issues.push(issue(api.id));
    const faulty = withFault('list', async (calendar: CalendarRef) => {
      if (calendar.displayName === 'Plane: Web')
        throw new HttpError('caldav', 'REPORT failed: ECONNRESET', undefined, 'REPORT', calendar.url);
      return store.list(calendar);
    });
    const report = await run(faulty);
    const byId = Object.fromEntries(report.projects.map((p) => [p.identifier, p]));
    expect(byId.WEB!.errors).toEqual([
      expect.objectContaining({ operation: 'list-calendar', message: expect.stringContaining('ECONNRESET') }),
    ]);
    expect(byId.API!.created).toBe(1);
    expect(report.totals.deleted).toBe(0);
    expect(await eventsIn('Plane: Web')).toHaveLength(3);
  });
});

describe('a managed calendar that answers 404', () => {
  it('is looked up again once and listed where it now is', async () => {
    await run();
    let failed = false;
    const faulty = withFault('list', async (calendar: CalendarRef) => {
      if (!failed) {
        failed = true;
        throw new NotFoundError('caldav', 'REPORT answered 404', 404, 'REPORT', calendar.url);
      }
      return store.list(calendar);
    });
    const report = await run(faulty);
    expect(report.projects.flatMap((p) => p.errors)).toEqual([]);
    expect(report.totals).toMatchObject({ created: 0, deleted: 0, unchanged: 5 });
  });

  it('that is really gone is made again, with its events', async () => {
    // A calendar the user made by hand (adopted by its name) and deleted after the calendar list was read.
    const stale: CalendarRef = { url: 'memory://home/made-by-hand/', displayName: 'Plane: Web' };
    let lists = 0;
    const faulty = withFault('listCalendars', async () => {
      lists += 1;
      const fresh = await store.listCalendars();
      return lists === 1 ? [stale, ...fresh] : fresh;
    });
    const report = await run(faulty);
    const webReport = report.projects.find((p) => p.identifier === 'WEB')!;
    expect(webReport.errors).toEqual([]);
    expect(webReport.calendarCreated).toBe(true);
    expect(webReport.created).toBe(3);
  });
});

describe('a calendar someone else has just made', () => {
  it('is adopted when MKCALENDAR finds it already there, and listed, not assumed empty', async () => {
    const faulty = withFault('createCalendar', async (url: string, displayName: string) => {
      await store.createCalendar(url, displayName); // the other run's MKCALENDAR won
      const other = (await store.listCalendars()).find((c) => c.url === url)!;
      store.putDirect(
        `${url}${encodeURIComponent(uidForIssue(plane.issues[0]!.id))}.ics`,
        `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${uidForIssue(plane.issues[0]!.id)}\r\nSUMMARY:Theirs\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
      );
      throw new HttpError('caldav', `MKCALENDAR ${other.url} answered 405`, 405, 'MKCALENDAR', url);
    });
    const report = await run(faulty);
    expect(report.projects.flatMap((p) => p.errors)).toEqual([]);
    const webReport = report.projects.find((p) => p.identifier === 'WEB')!;
    expect(webReport.calendarCreated).toBe(false);
    expect(webReport).toMatchObject({ created: 2, updated: 1 });
    expect(await eventsIn('Plane: Web')).toHaveLength(3);
  });

  it("when it is not there after all, the MKCALENDAR failure is the project's error", async () => {
    const faulty = withFault('createCalendar', async (url: string) => {
      throw new HttpError('caldav', `MKCALENDAR ${url} answered 403`, 403, 'MKCALENDAR', url);
    });
    const report = await run(faulty);
    expect(report.projects.map((p) => p.errors[0]?.operation)).toEqual(['create-calendar', 'create-calendar']);
  });
});

describe('refused credentials', () => {
  it('a 401 in the middle of a run stops it (exit 1), keeping the hint', async () => {
    await run();
    const faulty = withFault('list', async (calendar: CalendarRef) => {
      throw new AuthError('caldav', `REPORT ${calendar.url} answered 401`, 401, 'REPORT', calendar.url, {
        hint: 'check the CalDAV credentials for dav.example.com',
      });
    });
    const error = await run(faulty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).exitCode).toBe(1);
    expect((error as AuthError).hint).toBe('check the CalDAV credentials for dav.example.com');
  });

  it('a 403 stays with its project: the others sync', async () => {
    await run();
    plane.issues.push(issue(api.id));
    const faulty = withFault('list', async (calendar: CalendarRef) => {
      if (calendar.displayName === 'Plane: Web')
        throw new AuthError('caldav', 'REPORT answered 403', 403, 'REPORT', calendar.url);
      return store.list(calendar);
    });
    const report = await run(faulty);
    expect(report.projects.find((p) => p.identifier === 'WEB')!.errors[0]).toMatchObject({
      operation: 'list-calendar',
      status: 403,
    });
    expect(report.projects.find((p) => p.identifier === 'API')!.created).toBe(1);
  });
});
