/**
 * How a calendar's objects are read: from its snapshot (calendar-snapshots.ts) and what changed
 * since (RFC 6578 sync-collection, then a calendar-multiget of only the members whose ETag the
 * snapshot does not have), or whole (the calendar-query listing). The whole listing is the
 * fallback for anything not quite right: no snapshot, a server without sync-collection, a refused
 * or expired token (403/409 valid-sync-token), a multiget that fails, a snapshot whose data is
 * gone. The reason is told to `onNote` (shown under --verbose); the outcome is the same objects
 * either way.
 */
import type { CalendarChanges, CalendarRef, CalendarStore, RemoteObject } from '../caldav/store.js';
import { describeError, HttpError } from '../errors.js';
import { calendarVersion } from './calendar-cache.js';
import type { SnapshotHead, SnapshotStore } from './calendar-snapshots.js';

export interface CalendarRead {
  /** The calendar's objects. Read from the snapshot's data only when asked: a run that finds nothing new may never need them. */
  objects(): Promise<RemoteObject[]>;
  /** The sync-token the objects stand at, for the next snapshot; undefined when none is known. */
  token: string | undefined;
  /** unchanged: the snapshot as it was (no request); delta: snapshot + changes; listing: read whole. */
  how: 'unchanged' | 'delta' | 'listing';
  /** Members the delta brought that the snapshot did not hold as they are (0: the calendar is the snapshot). */
  fresh: number;
  /** The snapshot read from, when the objects are still exactly its objects (its data file stays valid). */
  sameAs?: SnapshotHead | undefined;
}

/** The objects of `calendar`, as cheaply as its snapshot allows. */
export async function readObjects(
  store: CalendarStore,
  calendar: CalendarRef,
  snapshots: SnapshotStore | undefined,
  onNote?: (message: string) => void,
): Promise<CalendarRead> {
  const note = (why: string) => onNote?.(`${calendar.displayName || calendar.url}: read whole: ${why}`);
  const listing = async (): Promise<CalendarRead> => {
    const objects = await store.list(calendar);
    return { objects: async () => objects, token: calendar.syncToken, how: 'listing', fresh: 0 };
  };
  const head = snapshots?.loadHead(calendar.url);
  if (!snapshots || !head) return listing();
  const NO_DATA = 'the snapshot has no usable data file';
  /** Objects still exactly the snapshot's: its data, read only when asked for (else the listing). */
  const fromSnapshot = (token: string, how: CalendarRead['how']): CalendarRead => {
    const read: CalendarRead = { token, how, fresh: 0, sameAs: head, objects: async () => [] };
    read.objects = once(async () => {
      const objects = snapshots.loadObjects(calendar.url, head);
      if (objects) return objects;
      note(NO_DATA);
      read.sameAs = undefined; // the data file has to be written again
      return store.list(calendar);
    });
    return read;
  };

  if (head.version !== undefined && head.version === calendarVersion(calendar))
    return fromSnapshot(head.token, 'unchanged');

  let changes: CalendarChanges;
  try {
    changes = await store.changesSince(calendar, head.token);
  } catch (error) {
    note(`the server did not answer the sync-collection from the saved token (${why(error)})`);
    return listing();
  }
  const { toFetch, removed, fresh } = mergeChanges(head.etags, changes);
  if (fresh === 0) return fromSnapshot(changes.token, 'delta');

  const objects = snapshots.loadObjects(calendar.url, head);
  if (!objects) {
    note(NO_DATA);
    return listing();
  }
  let fetched: RemoteObject[];
  try {
    fetched = await store.getMany(calendar, toFetch);
  } catch (error) {
    note(`the multiget of ${toFetch.length} changed object(s) failed (${why(error)})`);
    return listing();
  }
  // A member gone between the delta and the multiget is simply not there: the next delta names it.
  const stale = new Set([...removed, ...toFetch]);
  const merged = [...objects.filter((o) => !stale.has(o.href)), ...fetched.filter((o) => stale.has(o.href))];
  return { objects: async () => merged, token: changes.token, how: 'delta', fresh };
}

/**
 * A delta against the snapshot's ETags (pure): the members to fetch (new, or changed to an ETag
 * the snapshot does not have: someone else's edit, or any member without an ETag), the snapshot's
 * members removed, and `fresh`, how many of either. A member back with the very ETag the snapshot
 * has (our own write, or a change already read) costs nothing.
 */
export function mergeChanges(
  snapshot: ReadonlyMap<string, string | null>,
  changes: Pick<CalendarChanges, 'changed' | 'removed'>,
): { toFetch: string[]; removed: string[]; fresh: number } {
  const removed = changes.removed.filter((href) => snapshot.has(href));
  const toFetch = changes.changed
    .filter(({ href, etag }) => {
      const held = snapshot.get(href);
      return held === undefined || held === null || held !== etag;
    })
    .map(({ href }) => href);
  return { toFetch, removed, fresh: removed.length + toFetch.length };
}

/** A refusal by its status (a 403 here is RFC 6578's valid-sync-token, not a credentials problem). */
function why(error: unknown): string {
  return error instanceof HttpError && error.status !== undefined
    ? `it answered ${error.status}`
    : describeError(error);
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
