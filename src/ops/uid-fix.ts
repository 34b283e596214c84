/**
 * `uid-check --fix`, the writing: each repair through the CalendarStore, conditional like every
 * write calplanebot makes (If-Match on delete, If-None-Match on create), one at a time. An action
 * on anything but an owned UID is refused before a request is made. An object the listing gave no
 * ETag is read again first: only when it still carries the UID the scan found is it repaired, with
 * the ETag just read; otherwise it is skipped (and reported).
 */
import type { CalendarStore } from '../caldav/store.js';
import { describeError, InternalError } from '../errors.js';
import { parseCalendarObject } from '../event/parse.js';
import { parseAnyOwnedUid } from '../event/uid.js';
import type { FixAction } from './uid-check.js';

export interface FixOutcome {
  action: FixAction;
  ok: boolean;
  /** Not attempted: the object is no longer what the scan found (ok is false). */
  skipped?: boolean;
  error?: string;
  hint?: string;
}

/** The object at an action's href cannot be confirmed to be what the scan found. */
class Unconfirmed extends Error {}

export async function applyFixes(
  store: CalendarStore,
  actions: FixAction[],
  onOutcome?: (outcome: FixOutcome) => void,
): Promise<FixOutcome[]> {
  const outcomes: FixOutcome[] = [];
  for (const action of actions) {
    if (parseAnyOwnedUid(action.uid) === null)
      throw new InternalError(`refusing to repair ${action.uid}: calplanebot does not own it`);
    let outcome: FixOutcome;
    try {
      await apply(store, await confirmed(store, action));
      outcome = { action, ok: true };
    } catch (error) {
      if (error instanceof Unconfirmed) {
        outcome = {
          action,
          ok: false,
          skipped: true,
          error: error.message,
          hint: 'skipped, nothing written: run uid-check again to see what is there now',
        };
        outcomes.push(outcome);
        onOutcome?.(outcome);
        continue;
      }
      const hint =
        error instanceof Error && 'hint' in error && typeof error.hint === 'string'
          ? error.hint
          : 'run uid-check again: the calendar changed since it was read';
      outcome = { action, ok: false, error: describeError(error), hint };
    }
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
}

/**
 * The action with an ETag to make it conditional: its own (If-Match then guarantees the object is
 * the one scanned), or, when the listing gave none, the one a fresh GET returns, after checking
 * that the object there still carries the scanned UID. A move then carries the data just read.
 */
async function confirmed(store: CalendarStore, action: FixAction): Promise<FixAction> {
  if (action.etag !== null) return action;
  const href = action.op === 'delete' ? action.href : action.from;
  const current = await store.get(href);
  if (!current) throw new Unconfirmed(`${href} no longer exists`);
  const uid = parseCalendarObject(current.data).uid;
  if (uid !== action.uid)
    throw new Unconfirmed(
      `${href} now holds ${uid === null ? 'an unreadable object' : `UID ${uid}`}, not ${action.uid}`,
    );
  if (current.etag === null)
    throw new Unconfirmed(`the server gives no ETag for ${href}, so it cannot be changed safely`);
  return action.op === 'delete'
    ? { ...action, etag: current.etag }
    : { ...action, etag: current.etag, data: current.data };
}

async function apply(store: CalendarStore, action: FixAction): Promise<void> {
  if (action.op === 'delete') {
    await store.delete(action.href, action.etag);
    return;
  }
  if (collectionOf(action.from) === collectionOf(action.to)) {
    // One UID may live once per calendar (RFC 4791 no-uid-conflict): free it before re-creating.
    // Should the create fail, the next sync writes the event anew.
    await store.delete(action.from, action.etag);
    await store.create(action.to, action.data);
  } else {
    await store.create(action.to, action.data);
    await store.delete(action.from, action.etag);
  }
}

function collectionOf(href: string): string {
  return href.slice(0, href.lastIndexOf('/') + 1);
}
