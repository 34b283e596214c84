/**
 * The heart of calplanebot: given the events a project should have and what its calendar holds,
 * decide what to create, update and delete. Pure: data in, data out. `sync` applies the plan,
 * `diff` only prints it, so the two can never disagree.
 */

import type { RemoteObject } from '../caldav/store.js';
import { parseBasis } from '../event/basis.js';
import type { EventModel, FieldChange } from '../event/model.js';
import { fieldChanges, parseCalendarObject } from '../event/parse.js';
import { wallClockIn } from '../event/timezone.js';
import { LEGACY_SCHEME, type OwnedItem, objectNameForUid, type UidScheme } from '../event/uid.js';
import {
  decideWriteBack,
  describeDates,
  type PlanePatch,
  type Reviser,
  type WriteBackConflict,
  type WriteBackField,
} from './write-back.js';

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

/**
 * A person's edit of an object, for Plane (write-back): the object is claimed first (rewritten with
 * If-Match, so of two runs only one acts), then Plane is sent the change (apply.ts).
 */
export interface WriteBackChange extends ChangeBase {
  op: 'write-back';
  projectId: string;
  etag: string | null;
  /** The object as the app left it: restored when Plane could not be reached. */
  existing: string;
  /** The object Plane's values call for now: written back when Plane refuses the change. */
  event: EventModel;
  patch: PlanePatch;
  /** The work item's object after the change (desired.ts). */
  revise: Reviser;
  /** writeBack.completedState: the state a ticked-off task moves to, by name. */
  completedState?: string | undefined;
}

export type Change = CreateChange | UpdateChange | DeleteChange | WriteBackChange;

/** A change of the calendar's own (not one for Plane). */
export type CalendarChange = CreateChange | UpdateChange | DeleteChange;

/** An object both a person and Plane changed differently: Plane's values win, and the run says so. */
export interface PlannedConflict extends WriteBackConflict {
  uid: string;
  issueId: string;
  summary: string;
}

/** What write-back needs to know of a calendar whose entry has `writeBack`. */
export interface WriteBackPlan {
  fields: ReadonlySet<WriteBackField>;
  /** The object of each work item after a change in Plane, by UID. */
  revisers: ReadonlyMap<string, Reviser>;
  completedState?: string | undefined;
}

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
  /** The entry writes edits back to Plane; undefined: never (objects are only ever brought in line with Plane). */
  writeBack?: WriteBackPlan | undefined;
}

export type WithheldReason = 'listing-incomplete' | 'mass-delete';
/** Why changes for Plane were not made: an incomplete listing, or over sync.maxPlaneWrites. */
export type WithheldWritesReason = 'listing-incomplete' | 'max-plane-writes';

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
  /** Objects both sides changed (write-back): Plane's values are written (an update in `changes`). */
  conflicts: PlannedConflict[];
  /** Changes for Plane not made, with their objects left as the person left them. */
  withheldWrites: { reason: WithheldWritesReason; changes: WriteBackChange[] } | undefined;
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
  const conflicts: PlannedConflict[] = [];
  const heldWrites: WriteBackChange[] = [];
  let unchanged = 0;

  for (const event of input.desired) {
    const current = owned.get(event.uid);
    if (!current) {
      changes.push(createChange(event, input.calendarUrl));
      continue;
    }
    const decision = input.writeBack ? writeBackOf(event, current, input.writeBack) : undefined;
    for (const conflict of decision?.conflicts ?? [])
      conflicts.push({ ...conflict, uid: event.uid, issueId: event.issueId, summary: event.fields.summary });
    if (decision?.change) {
      // An incomplete listing writes nothing to Plane, and leaves the person's edit for the next run.
      if (input.listingComplete) changes.push(decision.change);
      else heldWrites.push(decision.change);
      continue;
    }
    const fields = fieldChanges(current.parsed.fields, event.fields, event.component);
    const component = event.component ?? 'vevent';
    if (current.parsed.component !== component)
      fields.unshift({
        field: 'component',
        from: current.parsed.component?.toUpperCase() ?? null,
        to: component.toUpperCase(),
      });
    const tagged = current.parsed.projectId ?? null;
    if (input.trackProject && tagged !== event.projectId.toLowerCase())
      fields.push({ field: 'project', from: tagged, to: event.projectId });
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
  const withheldWrites =
    heldWrites.length > 0 ? { reason: 'listing-incomplete' as const, changes: heldWrites } : undefined;
  return {
    changes,
    unchanged,
    foreign,
    duplicates,
    withheld,
    owned: owned.size,
    outOfScope,
    conflicts,
    withheldWrites,
  };
}

/**
 * The three-way decision for one object (write-back.ts), when both it and the desired event carry a
 * basis: a change for Plane, and any conflicts (which the ordinary update below resolves to Plane).
 */
function writeBackOf(
  event: EventModel,
  current: OwnedObject,
  writeBack: WriteBackPlan,
): { change?: WriteBackChange; conflicts: WriteBackConflict[] } | undefined {
  const { fields, component } = current.parsed;
  // The common case, cheaply: the object is as written from Plane's values of now.
  if (
    fields !== undefined &&
    fields.base === event.fields.base &&
    fields.start === event.fields.start &&
    fields.end === event.fields.end &&
    fields.status === event.fields.status
  )
    return undefined;
  const plane = parseBasis(event.fields.base);
  const revise = writeBack.revisers.get(event.uid);
  // An object that does not parse as ours writes nothing to Plane.
  if (
    fields === undefined ||
    plane === undefined ||
    revise === undefined ||
    component !== (event.component ?? 'vevent')
  )
    return undefined;
  // A timed item is compared in its own zone, whatever zone an app saved it in (UTC, its own).
  const zone = event.fields.timeZone;
  const inZone = (value: string) => (zone === undefined ? value : wallClockIn(value, fields.timeZone, zone));
  const shown = { start: inZone(fields.start), end: inZone(fields.end), status: fields.status };
  const decision = decideWriteBack({ fields: writeBack.fields, stored: parseBasis(fields.base), shown, plane });
  if (decision.patch === undefined) return { conflicts: decision.conflicts };
  const change: WriteBackChange = {
    op: 'write-back',
    uid: event.uid,
    issueId: event.issueId,
    projectId: event.projectId,
    href: current.object.href,
    summary: event.fields.summary,
    fields: patchFields(decision.patch, plane),
    etag: current.object.etag,
    existing: current.object.data,
    event,
    patch: decision.patch,
    revise,
    ...(writeBack.completedState === undefined ? {} : { completedState: writeBack.completedState }),
  };
  return { change, conflicts: decision.conflicts };
}

/** How the report shows a change for Plane: Plane's field names, from Plane's value to the calendar's. */
function patchFields(
  patch: PlanePatch,
  plane: { target: string | null; start: string | null; group: string | null },
): FieldChange[] {
  const fields: FieldChange[] = [];
  if (patch.dates) {
    if ((patch.dates.target ?? '') !== (plane.target ?? ''))
      fields.push({ field: 'target_date', from: plane.target, to: patch.dates.target });
    if ((patch.dates.start ?? '') !== (plane.start ?? ''))
      fields.push({ field: 'start_date', from: plane.start, to: patch.dates.start });
    if (fields.length === 0)
      fields.push({ field: 'dates', from: describeDates(plane), to: describeDates(patch.dates) });
  }
  if (patch.completion)
    fields.push({
      field: 'state',
      from: plane.group,
      to: patch.completion === 'done' ? 'completed' : 'the default state',
    });
  return fields;
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

/**
 * sync.maxPlaneWrites: the changes for Plane past the first `allowed` are withheld (their objects
 * left as the person left them, for a later run). Returns how many stay planned.
 */
export function capPlaneWrites(result: Plan, allowed: number): number {
  const writes = result.changes.filter((c): c is WriteBackChange => c.op === 'write-back');
  if (writes.length <= allowed) return writes.length;
  const over = new Set(writes.slice(allowed));
  result.changes = result.changes.filter((c) => !over.has(c as WriteBackChange));
  const held = result.withheldWrites?.changes ?? [];
  result.withheldWrites = { reason: 'max-plane-writes', changes: [...held, ...over] };
  return allowed;
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
function indexOwned(
  remote: RemoteObject[],
  calendarUrl: string,
  scheme: UidScheme,
  scope: ReadonlySet<string> | undefined,
) {
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
