/**
 * The heart of calplanebot: given the events a project should have and what its calendar holds,
 * decide what to create, update and delete. Pure: data in, data out. `sync` applies the plan,
 * `diff` only prints it, so the two can never disagree.
 */
import type { EventModel, FieldChange } from '../event/model.js';
import { fieldChanges, parseCalendarObject } from '../event/parse.js';
import { LEGACY_SCHEME, objectNameForUid, type OwnedItem, type UidScheme } from '../event/uid.js';
import type { RemoteObject } from '../caldav/store.js';

/**
 * `not-selected`: the issue exists and is dated, but the calendar's filter no longer shows it (or
 * the calendar no longer shows cycles or modules); `cycle-gone` / `module-gone`: Plane lists it no more.
 */
export type DeleteReason = 'issue-gone' | 'no-target-date' | 'not-selected' | 'cycle-gone' | 'module-gone';

interface ChangeBase {
  uid: string;
  issueId: string;
  href: string;
  summary: string;
  fields: FieldChange[];
}

export interface CreateChange extends ChangeBase {
  op: 'create';
  event: EventModel;
}

export interface UpdateChange extends ChangeBase {
  op: 'update';
  event: EventModel;
  etag: string | null;
  /** The stored object, so the update can keep what calendar apps added to it. */
  existing: string;
}

export interface DeleteChange extends ChangeBase {
  op: 'delete';
  etag: string | null;
  reason: DeleteReason;
  /** The object's X-CALPLANEBOT-PROJECT-ID (lower case), null when it has none. */
  projectId: string | null;
}

export type Change = CreateChange | UpdateChange | DeleteChange;

/** An owned UID found at more than one href: left alone by sync, reported (uid-check repairs it). */
export interface DuplicateUid {
  uid: string;
  hrefs: string[];
}

export interface DeleteGuard {
  /** Refuse deletions beyond this share of the calendar's owned events (when it holds > MIN_GUARDED). */
  maxDeletePercent: number;
  allowMassDelete: boolean;
}

export interface PlanInput {
  calendarUrl: string;
  /** Desired events of every issue that has a target date. */
  desired: EventModel[];
  /** Everything the calendar holds, owned or not. */
  remote: RemoteObject[];
  /** False when any Plane page failed: then nothing may be deleted. */
  listingComplete: boolean;
  /** Issues that exist but have no target date (their events go, with that reason). */
  undatedIssueIds: ReadonlySet<string>;
  /** Issues that exist but could not be turned into an event: their events stay as they are. */
  protectedIssueIds: ReadonlySet<string>;
  /** Issues that exist, dated, but the calendar's filter leaves out (their events go, with that reason). */
  unselectedIssueIds?: ReadonlySet<string> | undefined;
  guard: DeleteGuard;
  /** Which UIDs are this calendar's own; default: the default calendars'. */
  scheme?: UidScheme | undefined;
  /**
   * The projects (lower-case ids) whose share of a calendar spanning projects this plan covers,
   * read from each object's X-CALPLANEBOT-PROJECT-ID; the others' objects are left alone
   * (a `--project` shard). Undefined: the whole calendar.
   */
  scope?: ReadonlySet<string> | undefined;
  /** The calendar spans projects: an object whose project id is missing or another is brought in line. */
  trackProject?: boolean | undefined;
  /** Whether the calendar shows cycles and modules (their objects go when it does not). */
  blocks?: ReadonlySet<'cycle' | 'module'> | undefined;
}

export type WithheldReason = 'listing-incomplete' | 'mass-delete';

export interface Plan {
  changes: Change[];
  unchanged: number;
  /** Objects in the calendar that calplanebot does not own. */
  foreign: number;
  duplicates: DuplicateUid[];
  /** Deletions the planner wanted but refused to schedule, and why. */
  withheld: { reason: WithheldReason; deletes: DeleteChange[] } | undefined;
  /** Owned events in the calendar before the run (in scope). */
  owned: number;
  /** Owned events of projects outside `scope`: not this plan's business. */
  outOfScope: number;
}

/** Below this many owned events the mass-delete guard does not apply (deleting 3 of 4 is normal). */
export const MIN_GUARDED = 10;

interface OwnedObject {
  object: RemoteObject;
  parsed: ReturnType<typeof parseCalendarObject>;
}

export function plan(input: PlanInput): Plan {
  const scheme = input.scheme ?? LEGACY_SCHEME;
  const { owned, foreign, duplicates, outOfScope } = indexOwned(input.remote, input.calendarUrl, scheme, input.scope);
  const changes: Change[] = [];
  let unchanged = 0;

  for (const event of input.desired) {
    const current = owned.get(event.uid);
    if (!current) {
      changes.push(createChange(event, input.calendarUrl));
      continue;
    }
    const fields = fieldChanges(current.parsed.fields, event.fields, event.component);
    const component = event.component ?? 'vevent';
    if (current.parsed.component !== component) fields.unshift({ field: 'component', from: current.parsed.component?.toUpperCase() ?? null, to: component.toUpperCase() });
    const tagged = current.parsed.projectId ?? null;
    if (input.trackProject && tagged !== event.projectId.toLowerCase()) fields.push({ field: 'project', from: tagged, to: event.projectId });
    if (fields.length === 0) {
      unchanged += 1;
      continue;
    }
    changes.push({
      op: 'update',
      uid: event.uid,
      issueId: event.issueId,
      href: current.object.href,
      summary: event.fields.summary,
      fields,
      event,
      etag: current.object.etag,
      existing: current.object.data,
    });
  }

  const wanted = new Set(input.desired.map((e) => e.uid));
  const deletes: DeleteChange[] = [];
  for (const [uid, current] of owned) {
    if (wanted.has(uid)) continue;
    const item = scheme.itemOf(uid) ?? { source: 'issue' as const, id: '' };
    const issueId = item.id;
    if (input.protectedIssueIds.has(issueId)) continue;
    deletes.push({
      op: 'delete',
      uid,
      issueId,
      href: current.object.href,
      summary: current.parsed.fields?.summary ?? '',
      fields: [],
      etag: current.object.etag,
      reason: deleteReason(item, input),
      projectId: current.parsed.projectId ?? null,
    });
  }

  const withheld = withholdDeletes(deletes, owned.size, input);
  if (!withheld) changes.push(...deletes);
  return { changes, unchanged, foreign, duplicates, withheld, owned: owned.size, outOfScope };
}

function deleteReason({ source, id }: OwnedItem, input: PlanInput): DeleteReason {
  if (input.undatedIssueIds.has(id)) return 'no-target-date';
  if (input.unselectedIssueIds?.has(id)) return 'not-selected';
  if (source === 'issue') return 'issue-gone';
  return input.blocks?.has(source) ? `${source}-gone` : 'not-selected';
}

function createChange(event: EventModel, calendarUrl: string): CreateChange {
  return {
    op: 'create',
    uid: event.uid,
    issueId: event.issueId,
    href: `${calendarUrl}${objectNameForUid(event.uid)}`,
    summary: event.fields.summary,
    fields: fieldChanges(undefined, event.fields, event.component),
    event,
  };
}

/** The safety rails run before any write: an incomplete listing or a mass deletion deletes nothing. */
function withholdDeletes(deletes: DeleteChange[], ownedCount: number, input: PlanInput): Plan['withheld'] {
  if (deletes.length === 0) return undefined;
  if (!input.listingComplete) return { reason: 'listing-incomplete', deletes };
  const { maxDeletePercent, allowMassDelete } = input.guard;
  if (!allowMassDelete && ownedCount > MIN_GUARDED && (deletes.length / ownedCount) * 100 > maxDeletePercent) {
    return { reason: 'mass-delete', deletes };
  }
  return undefined;
}

/**
 * Owned objects by UID. When one UID sits at several hrefs the canonical href wins (else the
 * first seen) and the rest are reported, never touched.
 */
function indexOwned(remote: RemoteObject[], calendarUrl: string, scheme: UidScheme, scope: ReadonlySet<string> | undefined) {
  const byUid = new Map<string, OwnedObject[]>();
  let foreign = 0;
  let outOfScope = 0;
  for (const object of remote) {
    const parsed = parseCalendarObject(object.data);
    if (parsed.uid === null || scheme.itemOf(parsed.uid) === null) {
      foreign += 1;
      continue;
    }
    if (scope && !(parsed.projectId !== null && scope.has(parsed.projectId))) {
      outOfScope += 1;
      continue;
    }
    const list = byUid.get(parsed.uid) ?? [];
    list.push({ object, parsed });
    byUid.set(parsed.uid, list);
  }

  const owned = new Map<string, OwnedObject>();
  const duplicates: DuplicateUid[] = [];
  for (const [uid, list] of byUid) {
    const canonical = `${calendarUrl}${objectNameForUid(uid)}`;
    const chosen = list.find((o) => sameHref(o.object.href, canonical)) ?? list[0];
    if (!chosen) continue;
    owned.set(uid, chosen);
    if (list.length > 1) duplicates.push({ uid, hrefs: list.map((o) => o.object.href) });
  }
  return { owned, foreign, duplicates, outOfScope };
}

/** Servers differ in how they encode "@" and friends in hrefs; compare decoded paths. */
export function sameHref(a: string, b: string): boolean {
  return safeDecode(a) === safeDecode(b);
}

function safeDecode(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    return href;
  }
}
