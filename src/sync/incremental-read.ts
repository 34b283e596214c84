/**
 * How a calendar's objects are read: from its snapshot (calendar-snapshots.ts) and what changed
 * since (RFC 6578 sync-collection, then a calendar-multiget of only the members whose ETag the
 * snapshot does not have), or whole (the calendar-query listing). The whole listing is the
 * fallback for anything not quite right: no snapshot, a server without sync-collection, a refused
 * or expired token (403/409 valid-sync-token), a multiget that fails. The reason is told to
 * `onNote` (shown under --verbose); the outcome is the same objects either way.
 */
import type { CalendarChanges, CalendarRef, CalendarStore, RemoteObject } from '../caldav/store.js';
import { describeError, HttpError } from '../errors.js';
import { calendarVersion } from './calendar-cache.js';
import type { CalendarSnapshot } from './calendar-snapshots.js';

export interface CalendarRead {
  objects: RemoteObject[];
  /** The sync-token the objects stand at, for the next snapshot; undefined when none is known. */
  token: string | undefined;
  /** unchanged: the snapshot as it was (no request); delta: snapshot + changes; listing: read whole. */
  how: 'unchanged' | 'delta' | 'listing';
  /** Members the delta brought that the snapshot did not hold as they are (0: the calendar is the snapshot). */
  fresh: number;
}

/** The objects of `calendar`, as cheaply as its snapshot allows. */
export async function readObjects(
  store: CalendarStore,
  calendar: CalendarRef,
  snapshot: CalendarSnapshot | undefined,
  onNote?: (message: string) => void,
): Promise<CalendarRead> {
  const listing = async (why: string | undefined): Promise<CalendarRead> => {
    if (why) onNote?.(`${calendar.displayName || calendar.url}: read whole: ${why}`);
    return { objects: await store.list(calendar), token: calendar.syncToken, how: 'listing', fresh: 0 };
  };
  if (!snapshot) return listing(undefined);
  const version = calendarVersion(calendar);
  if (snapshot.version !== undefined && snapshot.version === version)
    return { objects: snapshot.objects, token: snapshot.token, how: 'unchanged', fresh: 0 };

  let changes: CalendarChanges;
  try {
    changes = await store.changesSince(calendar, snapshot.token);
  } catch (error) {
    return listing(`the server did not answer the sync-collection from the saved token (${why(error)})`);
  }
  const merged = mergeChanges(snapshot.objects, changes);
  if (merged.toFetch.length > 0) {
    let fetched: RemoteObject[];
    try {
      fetched = await store.getMany(calendar, merged.toFetch);
    } catch (error) {
      return listing(`the multiget of ${merged.toFetch.length} changed object(s) failed (${why(error)})`);
    }
    // A member gone between the delta and the multiget is simply not there: the next delta names it.
    for (const object of fetched) if (merged.pending.has(object.href)) merged.objects.set(object.href, object);
  }
  return { objects: [...merged.objects.values()], token: changes.token, how: 'delta', fresh: merged.fresh };
}

/** A refusal by its status (a 403 here is RFC 6578's valid-sync-token, not a credentials problem). */
function why(error: unknown): string {
  return error instanceof HttpError && error.status !== undefined
    ? `it answered ${error.status}`
    : describeError(error);
}

/**
 * The snapshot with a delta applied (pure): removed members dropped; a changed member kept when
 * the snapshot has it with the very ETag the delta gives (our own write, or a change already read),
 * else to be fetched. `fresh` counts what the snapshot did not already hold.
 */
export function mergeChanges(
  snapshot: readonly RemoteObject[],
  changes: Pick<CalendarChanges, 'changed' | 'removed'>,
): { objects: Map<string, RemoteObject>; toFetch: string[]; pending: Set<string>; fresh: number } {
  const objects = new Map(snapshot.map((o) => [o.href, o]));
  let fresh = 0;
  for (const href of changes.removed) if (objects.delete(href)) fresh += 1;
  const toFetch: string[] = [];
  for (const { href, etag } of changes.changed) {
    const held = objects.get(href);
    if (held && held.etag !== null && held.etag === etag) continue;
    objects.delete(href);
    toFetch.push(href);
  }
  fresh += toFetch.length;
  return { objects, toFetch, pending: new Set(toFetch), fresh };
}
