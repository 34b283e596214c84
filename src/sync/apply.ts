/**
 * The only code that writes to a calendar. `diff` never constructs a Writer, so a dry run cannot
 * write by accident: the dry-run decision is made once, where the Writer is (not) built.
 */
import type { CalendarComponent, CalendarRef, CalendarStore, RemoteObject } from '../caldav/store.js';
import { PreconditionFailedError } from '../errors.js';
import { mergeEvent } from '../event/merge.js';
import { parseCalendarObject } from '../event/parse.js';
import { renderEvent } from '../event/render.js';
import { LEGACY_SCHEME, type UidScheme } from '../event/uid.js';
import { plan, type Change } from './plan.js';

export interface ApplyOutcome {
  change: Change;
  /** The write (or its re-planned successor) succeeded, or turned out not to be needed. */
  ok: boolean;
  error?: unknown;
  /** Not attempted: the run was interrupted first. */
  skipped?: boolean;
  /** A 412 made us re-read the object and plan it again. */
  replanned: boolean;
  /** Wall time of the write, the re-plan included. */
  durationMs: number;
}

export class Writer {
  constructor(
    private readonly store: CalendarStore,
    /** Parallel writes; Radicale serializes them anyway, latency-bound servers gain. */
    private readonly concurrency = 4,
    /** True once the run is interrupted: no further write is started. */
    private readonly stopped: () => boolean = () => false,
  ) {}

  createCalendar(url: string, displayName: string, component?: CalendarComponent): Promise<CalendarRef> {
    return this.store.createCalendar(url, displayName, { component });
  }

  renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    return this.store.renameCalendar(calendar, displayName);
  }

  markCalendar(calendar: CalendarRef, projectId: string): Promise<void> {
    return this.store.markCalendar(calendar, projectId);
  }

  /** Applies every change; one failure never stops the others. `scheme`: the calendar's UIDs, for a re-plan. */
  async apply(changes: Change[], calendarUrl: string, scheme: UidScheme = LEGACY_SCHEME): Promise<ApplyOutcome[]> {
    return mapPool(changes, this.concurrency, (change) => this.applyOne(change, calendarUrl, scheme));
  }

  private async applyOne(change: Change, calendarUrl: string, scheme: UidScheme): Promise<ApplyOutcome> {
    if (this.stopped()) return { change, ok: false, skipped: true, replanned: false, durationMs: 0 };
    const started = performance.now();
    const outcome = await this.attempt(change, calendarUrl, scheme);
    return { ...outcome, durationMs: Math.round(performance.now() - started) };
  }

  private async attempt(change: Change, calendarUrl: string, scheme: UidScheme): Promise<Omit<ApplyOutcome, 'durationMs'>> {
    try {
      await this.write(change);
      return { change, ok: true, replanned: false };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) return { change, ok: false, error, replanned: false };
    }
    // Someone changed the object between our listing and our write: read it again, plan once more.
    try {
      for (const next of await this.replan(change, calendarUrl, scheme)) await this.write(next);
      return { change, ok: true, replanned: true };
    } catch (error) {
      return { change, ok: false, error, replanned: true };
    }
  }

  private async replan(change: Change, calendarUrl: string, scheme: UidScheme): Promise<Change[]> {
    const current = (await this.store.get(change.href)) ?? (change.op === 'create' ? await this.findByUid(change.uid, calendarUrl) : null);
    const result = plan({
      calendarUrl,
      desired: change.op === 'delete' ? [] : [change.event],
      remote: current ? [current] : [],
      listingComplete: true,
      undatedIssueIds: new Set(),
      protectedIssueIds: new Set(),
      guard: { maxDeletePercent: 100, allowMassDelete: true },
      scheme,
    });
    return result.changes;
  }

  /**
   * A create refused while nothing is at its href: the UID lives in the calendar under another
   * name (Radicale's 409 no-uid-conflict, Nextcloud's 400 "uid already exists"). Find it there.
   */
  private async findByUid(uid: string, calendarUrl: string): Promise<RemoteObject | null> {
    const objects = await this.store.list({ url: calendarUrl, displayName: '' });
    return objects.find((o) => parseCalendarObject(o.data).uid === uid) ?? null;
  }

  private async write(change: Change): Promise<void> {
    switch (change.op) {
      case 'create':
        await this.store.create(change.href, renderEvent(change.event));
        return;
      case 'update':
        await this.store.update(change.href, mergeEvent(change.existing, change.event), change.etag);
        return;
      case 'delete':
        await this.store.delete(change.href, change.etag);
        return;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order in the result. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
