/**
 * `uid-check --fix`, the writing: each repair through the CalendarStore, conditional like every
 * write calplanebot makes (If-Match on delete, If-None-Match on create), one at a time. An action
 * on anything but an owned UID is refused before a request is made.
 */
import type { CalendarStore } from '../caldav/store.js';
import { InternalError, describeError } from '../errors.js';
import { isOwnedUid } from '../event/uid.js';
import type { FixAction } from './uid-check.js';

export interface FixOutcome {
  action: FixAction;
  ok: boolean;
  error?: string;
  hint?: string;
}

export async function applyFixes(store: CalendarStore, actions: FixAction[], onOutcome?: (outcome: FixOutcome) => void): Promise<FixOutcome[]> {
  const outcomes: FixOutcome[] = [];
  for (const action of actions) {
    if (!isOwnedUid(action.uid)) throw new InternalError(`refusing to repair ${action.uid}: calplanebot does not own it`);
    let outcome: FixOutcome;
    try {
      await apply(store, action);
      outcome = { action, ok: true };
    } catch (error) {
      const hint = error instanceof Error && 'hint' in error && typeof error.hint === 'string' ? error.hint : 'run uid-check again: the calendar changed since it was read';
      outcome = { action, ok: false, error: describeError(error), hint };
    }
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
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
