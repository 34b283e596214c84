/**
 * A CalendarStore that remembers the run's own successful writes (what it PUT, with the ETag the
 * server answered, and what it deleted), so a calendar's snapshot can take them in without reading
 * them back (src/sync/calendar-snapshots.ts). Every writer of a run (the Writer, a re-plan after a
 * 412, write-back's claims) goes through it, so none is missed. A failed write records nothing:
 * whether it took effect or not, the next sync-collection delta says.
 */
import type {
  CalendarChanges,
  CalendarRef,
  CalendarStore,
  NewCalendarOptions,
  RemoteObject,
  WriteResult,
} from './store.js';

/** An object as the run left it: its data and ETag, or null when the run deleted it. */
export type OwnWrite = { data: string; etag: string | null } | null;

export class JournaledStore implements CalendarStore {
  private readonly written = new Map<string, OwnWrite>();

  constructor(private readonly inner: CalendarStore) {}

  /** The writes made inside `calendarUrl` since it was last asked, by href; forgotten here. */
  takeWrites(calendarUrl: string): Map<string, OwnWrite> {
    const taken = new Map<string, OwnWrite>();
    for (const [href, write] of this.written) {
      if (href.startsWith(calendarUrl) && !href.slice(calendarUrl.length).includes('/')) {
        taken.set(href, write);
        this.written.delete(href);
      }
    }
    return taken;
  }

  async create(href: string, data: string): Promise<WriteResult> {
    const result = await this.inner.create(href, data);
    this.written.set(href, { data, etag: result.etag });
    return result;
  }

  async update(href: string, data: string, etag: string | null): Promise<WriteResult> {
    const result = await this.inner.update(href, data, etag);
    this.written.set(href, { data, etag: result.etag });
    return result;
  }

  async delete(href: string, etag: string | null): Promise<void> {
    await this.inner.delete(href, etag);
    this.written.set(href, null);
  }

  listCalendars(): Promise<CalendarRef[]> {
    return this.inner.listCalendars();
  }

  createCalendar(url: string, displayName: string, options?: NewCalendarOptions): Promise<CalendarRef> {
    return this.inner.createCalendar(url, displayName, options);
  }

  renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    return this.inner.renameCalendar(calendar, displayName);
  }

  markCalendar(calendar: CalendarRef, projectId: string): Promise<void> {
    return this.inner.markCalendar(calendar, projectId);
  }

  calendarUrlFor(slug: string): Promise<string> {
    return this.inner.calendarUrlFor(slug);
  }

  list(calendar: CalendarRef): Promise<RemoteObject[]> {
    return this.inner.list(calendar);
  }

  changesSince(calendar: CalendarRef, token: string | undefined): Promise<CalendarChanges> {
    return this.inner.changesSince(calendar, token);
  }

  getMany(calendar: CalendarRef, hrefs: readonly string[]): Promise<RemoteObject[]> {
    return this.inner.getMany(calendar, hrefs);
  }

  get(href: string): Promise<RemoteObject | null> {
    return this.inner.get(href);
  }
}
