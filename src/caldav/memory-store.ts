/**
 * An in-memory CalendarStore that enforces ETags like a server does: the test double for the
 * sync engine, and the reference the store contract tests hold Radicale to.
 */
import { createHash } from 'node:crypto';
import { HttpError, NotFoundError, PreconditionFailedError } from '../errors.js';
import type {
  CalendarChanges,
  CalendarRef,
  CalendarStore,
  NewCalendarOptions,
  RemoteObject,
  WriteResult,
} from './store.js';

interface StoredCalendar {
  ref: CalendarRef;
  objects: Map<string, { etag: string; data: string }>;
  version: number;
  /** The version at which each object name last changed (sync-collection's memory). */
  changedAt: Map<string, number>;
  /** Versions before this one are forgotten: their tokens are refused, as a server expires old tokens. */
  oldestToken: number;
}

export interface MemoryStoreOptions {
  /** False: refuse markCalendar (403), as a server that keeps no dead properties would. */
  deadProperties?: boolean;
  /** False: no sync-token and no sync-collection (403), as a server without RFC 6578. */
  syncCollection?: boolean;
}

export class MemoryCalendarStore implements CalendarStore {
  private readonly calendars = new Map<string, StoredCalendar>();
  /** Every mutating call, in order, for tests that assert "nothing was written". */
  readonly writes: Array<{ op: 'mkcalendar' | 'rename' | 'mark' | 'put' | 'delete'; url: string }> = [];
  /** Every read of objects, for tests that count what a run downloaded. */
  readonly reads: Array<{ op: 'list' | 'multiget' | 'sync-collection' | 'get'; url: string; count: number }> = [];

  constructor(
    private readonly homeUrl = 'memory://home/',
    private readonly options: MemoryStoreOptions = {},
  ) {}

  async calendarUrlFor(slug: string): Promise<string> {
    return `${this.homeUrl}${encodeURIComponent(slug)}/`;
  }

  async listCalendars(): Promise<CalendarRef[]> {
    return [...this.calendars.values()].map((c) => ({
      ...c.ref,
      ctag: String(c.version),
      ...(this.syncs() ? { syncToken: tokenOf(c.version) } : {}),
    }));
  }

  async createCalendar(
    url: string,
    displayName: string,
    { component = 'VEVENT' }: NewCalendarOptions = {},
  ): Promise<CalendarRef> {
    if (this.calendars.has(url)) throw new PreconditionFailedError('caldav', `${url} exists`, 409, 'MKCALENDAR', url);
    const ref = { url, displayName, components: [component] };
    this.calendars.set(url, { ref, objects: new Map(), version: 0, changedAt: new Map(), oldestToken: 0 });
    this.writes.push({ op: 'mkcalendar', url });
    return ref;
  }

  async renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    this.calendarAt(calendar.url).ref.displayName = displayName;
    this.writes.push({ op: 'rename', url: calendar.url });
  }

  async markCalendar(calendar: CalendarRef, projectId: string): Promise<void> {
    const stored = this.calendarAt(calendar.url);
    if (this.options.deadProperties === false)
      throw new HttpError('caldav', `PROPPATCH ${calendar.url} answered 403`, 403, 'PROPPATCH', calendar.url);
    stored.ref.projectId = projectId;
    stored.version += 1;
    this.writes.push({ op: 'mark', url: calendar.url });
  }

  async list(calendar: CalendarRef): Promise<RemoteObject[]> {
    const stored = this.calendarAt(calendar.url);
    this.reads.push({ op: 'list', url: calendar.url, count: stored.objects.size });
    return [...stored.objects].map(([name, o]) => ({ href: `${calendar.url}${name}`, etag: o.etag, data: o.data }));
  }

  async changesSince(calendar: CalendarRef, token: string | undefined): Promise<CalendarChanges> {
    const stored = this.calendarAt(calendar.url);
    const since = token === undefined ? -1 : versionOf(token);
    if (!this.syncs() || since === undefined || since > stored.version || (since >= 0 && since < stored.oldestToken))
      throw new HttpError('caldav', `REPORT ${calendar.url}: valid-sync-token`, 403, 'REPORT', calendar.url);
    const changes: CalendarChanges = { token: tokenOf(stored.version), changed: [], removed: [] };
    for (const [name, at] of stored.changedAt) {
      if (at <= since) continue;
      const object = stored.objects.get(name);
      if (object) changes.changed.push({ href: `${calendar.url}${name}`, etag: object.etag });
      else if (since >= 0) changes.removed.push(`${calendar.url}${name}`);
    }
    this.reads.push({
      op: 'sync-collection',
      url: calendar.url,
      count: changes.changed.length + changes.removed.length,
    });
    return changes;
  }

  async getMany(calendar: CalendarRef, hrefs: readonly string[]): Promise<RemoteObject[]> {
    this.calendarAt(calendar.url);
    const found: RemoteObject[] = [];
    for (const href of hrefs) {
      const { calendar: stored, name } = this.locate(href);
      const o = stored.objects.get(name);
      if (o) found.push({ href, etag: o.etag, data: o.data });
    }
    this.reads.push({ op: 'multiget', url: calendar.url, count: found.length });
    return found;
  }

  /** Test helper: the server forgets its change history (every token given so far is refused). */
  expireTokens(calendarUrl: string): void {
    const stored = this.calendarAt(calendarUrl);
    stored.oldestToken = stored.version + 1;
    stored.version += 1;
  }

  async get(href: string): Promise<RemoteObject | null> {
    const { calendar, name } = this.locate(href);
    const o = calendar.objects.get(name);
    this.reads.push({ op: 'get', url: href, count: o ? 1 : 0 });
    return o ? { href, etag: o.etag, data: o.data } : null;
  }

  async create(href: string, data: string): Promise<WriteResult> {
    const { calendar, name } = this.locate(href);
    if (calendar.objects.has(name)) throw new PreconditionFailedError('caldav', `${href} exists`, 412, 'PUT', href);
    return this.put(calendar, name, href, data);
  }

  async update(href: string, data: string, etag: string | null): Promise<WriteResult> {
    // Like the DAV store: a null ETag is fetched first (404 when there is nothing), then written conditionally.
    const expected = etag ?? this.requireEtag(href);
    const { calendar, name } = this.locate(href);
    const current = calendar.objects.get(name);
    if (!current || current.etag !== expected)
      throw new PreconditionFailedError('caldav', `${href} changed or is gone`, 412, 'PUT', href);
    return this.put(calendar, name, href, data);
  }

  async delete(href: string, etag: string | null): Promise<void> {
    let expected: string;
    try {
      expected = etag ?? this.requireEtag(href);
    } catch (error) {
      if (error instanceof NotFoundError) return;
      throw error;
    }
    const { calendar, name } = this.locate(href);
    const current = calendar.objects.get(name);
    if (!current) return;
    if (current.etag !== expected) throw new PreconditionFailedError('caldav', `${href} changed`, 412, 'DELETE', href);
    calendar.objects.delete(name);
    this.touch(calendar, name);
    this.writes.push({ op: 'delete', url: href });
  }

  /** What the DAV store does for a server that listed no ETag: read it, never write blind. */
  private requireEtag(href: string): string {
    const { calendar, name } = this.locate(href);
    const current = calendar.objects.get(name);
    if (!current) throw new NotFoundError('caldav', `${href} no longer exists`, 404, 'GET', href);
    return current.etag;
  }

  /** Test helper: what a calendar app or another tool would do, without going through the sync. */
  putDirect(href: string, data: string): string {
    const { calendar, name } = this.locate(href);
    const etag = etagOf(data);
    calendar.objects.set(name, { etag, data });
    this.touch(calendar, name);
    return etag;
  }

  /** Test helper: what another client's DELETE would do. */
  deleteDirect(href: string): void {
    const { calendar, name } = this.locate(href);
    calendar.objects.delete(name);
    this.touch(calendar, name);
  }

  private put(calendar: StoredCalendar, name: string, href: string, data: string): WriteResult {
    const etag = etagOf(data);
    calendar.objects.set(name, { etag, data });
    this.touch(calendar, name);
    this.writes.push({ op: 'put', url: href });
    return { etag };
  }

  private touch(calendar: StoredCalendar, name: string): void {
    calendar.version += 1;
    calendar.changedAt.set(name, calendar.version);
  }

  private syncs(): boolean {
    return this.options.syncCollection !== false;
  }

  private calendarAt(url: string): StoredCalendar {
    const calendar = this.calendars.get(url);
    if (!calendar) throw new NotFoundError('caldav', `${url} does not exist`, 404, 'REPORT', url);
    return calendar;
  }

  private locate(href: string): { calendar: StoredCalendar; name: string } {
    const slash = href.lastIndexOf('/');
    return { calendar: this.calendarAt(href.slice(0, slash + 1)), name: href.slice(slash + 1) };
  }
}

function tokenOf(version: number): string {
  return `memory-sync:${version}`;
}

function versionOf(token: string): number | undefined {
  const match = /^memory-sync:(\d+)$/.exec(token);
  return match ? Number(match[1]) : undefined;
}

function etagOf(data: string): string {
  return `"${createHash('sha256').update(data).digest('hex').slice(0, 16)}"`;
}
