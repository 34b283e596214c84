/**
 * The only code that writes to a calendar. `diff` never constructs a Writer, so a dry run cannot
 * write by accident: the dry-run decision is made once, where the Writer is (not) built.
 */
import type { CalendarComponent, CalendarRef, CalendarStore, RemoteObject } from '../caldav/store.js';
import { InternalError, PreconditionFailedError } from '../errors.js';
import { mergeEvent } from '../event/merge.js';
import { parseCalendarObject } from '../event/parse.js';
import { renderEvent } from '../event/render.js';
import { LEGACY_SCHEME, type UidScheme } from '../event/uid.js';
import type { PlaneEditor } from '../plane/types.js';
import { type CalendarChange, type Change, plan, type WriteBackChange } from './plan.js';
import type { WriteBackConflict } from './write-back.js';
import { PlaneWriter } from './write-back-apply.js';

export interface ApplyOutcome {
  change: Change;
  /** The write (or its re-planned successor) succeeded, or turned out not to be needed. */
  ok: boolean;
  error?: unknown;
  /** Not attempted: the run was interrupted first (or, for a change for Plane, another run acted first). */
  skipped?: boolean;
  /** A change for Plane not sent: Plane refused an earlier one of the project with 403. */
  withheld?: boolean;
  /** A change for Plane not sent because another calendar's edit of the item was written first in this run. */
  superseded?: boolean;
  /** A change for Plane that met another calendar's edit of the same item, written first in this run (which won). */
  conflicts?: WriteBackConflict[];
  /** A 412 made us re-read the object and plan it again. */
  replanned: boolean;
  /** Wall time of the write, the re-plan included. */
  durationMs: number;
}

export class Writer {
  /** Changes for Plane (write-back); undefined when no calendar writes back, and then none is ever planned. */
  private readonly planeWriter: PlaneWriter | undefined;

  constructor(
    private readonly store: CalendarStore,
    /** Parallel writes; Radicale serializes them anyway, latency-bound servers gain. */
    private readonly concurrency = 4,
    /** True once the run is interrupted: no further write is started. */
    private readonly stopped: () => boolean = () => false,
    /** Plane's write side, for calendars with `writeBack`. */
    editor?: PlaneEditor,
  ) {
    this.planeWriter = editor === undefined ? undefined : new PlaneWriter(editor, store);
  }

  createCalendar(url: string, displayName: string, component?: CalendarComponent): Promise<CalendarRef> {
    return this.store.createCalendar(url, displayName, { component });
  }

  renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    return this.store.renameCalendar(calendar, displayName);
  }

  markCalendar(calendar: CalendarRef, projectId: string): Promise<void> {
    return this.store.markCalendar(calendar, projectId);
  }

  /**
   * Applies every change; one failure never stops the others. `scheme`: the calendar's UIDs, for a
   * re-plan. The calendar's own changes go in parallel; changes for Plane one at a time after them
   * (Plane's rate limit is per key, and a 403 stops the rest of a project's).
   */
  async apply(changes: Change[], calendarUrl: string, scheme: UidScheme = LEGACY_SCHEME): Promise<ApplyOutcome[]> {
    const own = changes.filter((change): change is CalendarChange => change.op !== 'write-back');
    const done = new Map<Change, ApplyOutcome>();
    const outcomes = await mapPool(own, this.concurrency, (change) => this.applyOne(change, calendarUrl, scheme));
    for (const outcome of outcomes) done.set(outcome.change, outcome);
    for (const change of changes)
      if (change.op === 'write-back') done.set(change, await this.timed(change, () => this.writeBack(change)));
    return changes.map((change) => done.get(change) as ApplyOutcome);
  }

  private applyOne(change: CalendarChange, calendarUrl: string, scheme: UidScheme): Promise<ApplyOutcome> {
    return this.timed(change, () => this.attempt(change, calendarUrl, scheme));
  }

  private async timed(change: Change, run: () => Promise<Omit<ApplyOutcome, 'durationMs'>>): Promise<ApplyOutcome> {
    if (this.stopped()) return { change, ok: false, skipped: true, replanned: false, durationMs: 0 };
    const started = performance.now();
    const outcome = await run();
    return { ...outcome, durationMs: Math.round(performance.now() - started) };
  }

  private async writeBack(change: WriteBackChange): Promise<Omit<ApplyOutcome, 'durationMs'>> {
    try {
      if (!this.planeWriter) throw new InternalError('a change for Plane was planned, but the run has no Plane writer');
      const { kind, conflicts } = await this.planeWriter.write(change);
      // Superseded: the item's change was made (from another calendar's edit); nothing more to do here.
      return {
        change,
        ok: kind === 'written' || kind === 'superseded',
        skipped: kind === 'lost-race',
        withheld: kind === 'withheld',
        superseded: kind === 'superseded',
        replanned: false,
        conflicts,
      };
    } catch (error) {
      return { change, ok: false, error, replanned: false };
    }
  }

  private async attempt(
    change: CalendarChange,
    calendarUrl: string,
    scheme: UidScheme,
  ): Promise<Omit<ApplyOutcome, 'durationMs'>> {
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

  private async replan(change: CalendarChange, calendarUrl: string, scheme: UidScheme): Promise<Change[]> {
    const current =
      (await this.store.get(change.href)) ??
      (change.op === 'create' ? await this.findByUid(change.uid, calendarUrl) : null);
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
    if (change.op === 'write-back')
      throw new InternalError('a re-plan of a calendar change planned a change for Plane');
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
