/**
 * `uid-check`, the judgement: given what the managed calendars hold and which issues exist, find
 * malformed owned-looking UIDs, duplicates, objects whose href is not their UID's, and orphans,
 * and say how each can be repaired. Pure. Only objects with an owned UID (uid.ts) ever get a fix;
 * a malformed or foreign one is reported and left alone.
 */

import type { RemoteObject } from '../caldav/store.js';
import { looksOwned, objectNameForUid, parseAnyOwnedUid, uidScheme } from '../event/uid.js';
import { sameHref } from '../sync/plan.js';

export type ProblemKind = 'malformed-uid' | 'duplicate' | 'href-mismatch' | 'orphan';
/** Why an orphan is one; `other-calendar` marks a duplicate sitting in another project's calendar. */
export type ProblemReason = 'issue-gone' | 'no-target-date' | 'wrong-project' | 'other-calendar';

export interface ScannedObject extends RemoteObject {
  /** The UID as parseCalendarObject read it; null when unreadable. */
  uid: string | null;
  /** Its X-CALPLANEBOT-PROJECT-ID, when it has one. */
  projectId?: string | null | undefined;
}

export interface ScannedCalendar {
  /** The `calendars` entry it belongs to (its UID rule); default: the default entry, `projects`. */
  view?: string | undefined;
  /** The project this calendar mirrors; null for a calendar spanning projects. */
  projectId: string | null;
  url: string;
  displayName: string;
  objects: ScannedObject[];
  /**
   * Read only to know where an event of an unselected project belongs (`--project`): a copy there
   * decides between moving and deleting, but nothing in this calendar is reported or repaired.
   */
  reference?: boolean;
}

export interface IssueFacts {
  projectId: string;
  /** Has a target date, so it should have an event. */
  dated: boolean;
}

export type FixAction =
  | { op: 'delete'; uid: string; href: string; etag: string | null }
  /** Re-home an object unchanged (its data kept whole, alarms and notes included). */
  | { op: 'move'; uid: string; from: string; etag: string | null; to: string; data: string };

export interface UidProblem {
  kind: ProblemKind;
  uid: string;
  hrefs: string[];
  /** URL of the calendar the problem is in. */
  calendar: string;
  calendarName: string;
  issueId: string | null;
  reason: ProblemReason | null;
  /** What `--fix` would do; empty when it must not touch it (not owned, or not certain). */
  fixes: FixAction[];
}

export interface UidCheckInput {
  calendars: ScannedCalendar[];
  /** Every known issue by lowercase id. */
  issues: ReadonlyMap<string, IssueFacts>;
  /** False when some project's issues could not be listed: then "issue gone" is not certain and gets no fix. */
  listingComplete: boolean;
}

interface Copy {
  calendar: ScannedCalendar;
  object: ScannedObject;
}

/** A calendar's entry; calendars of one entry share a UID rule, and are judged together. */
export function viewOf(calendar: Pick<ScannedCalendar, 'view'>): string {
  return calendar.view ?? 'projects';
}

export function findUidProblems(input: UidCheckInput): UidProblem[] {
  const problems: UidProblem[] = [];
  // By entry, then UID: one work item has one object per entry's calendars (another entry's copy is its own).
  const owned = new Map<string, Map<string, Copy[]>>();
  for (const calendar of input.calendars) {
    const scheme = uidScheme(viewOf(calendar));
    const ofView = owned.get(scheme.view) ?? new Map<string, Copy[]>();
    owned.set(scheme.view, ofView);
    for (const object of calendar.objects) {
      if (object.uid === null) continue;
      if (scheme.issueIdOf(object.uid) !== null) {
        ofView.set(object.uid, [...(ofView.get(object.uid) ?? []), { calendar, object }]);
      } else if (looksOwned(object.uid) && !calendar.reference) {
        // Malformed, or another entry's UID in this calendar: not this calendar's rule, never repaired.
        problems.push(
          problem(
            'malformed-uid',
            object.uid,
            [object.href],
            calendar,
            parseAnyOwnedUid(object.uid)?.issueId ?? null,
            null,
            [],
          ),
        );
      }
    }
  }
  for (const [view, ofView] of owned)
    for (const [uid, copies] of ofView) problems.push(...judgeUid(view, uid, copies, input));
  return problems;
}

function judgeUid(view: string, uid: string, copies: Copy[], input: UidCheckInput): UidProblem[] {
  const issueId = uidScheme(view).issueIdOf(uid) as string;
  const facts = input.issues.get(issueId.toLowerCase());
  const groups = groupByCalendar(copies);
  const reported = groups.filter(([calendar]) => !calendar.reference);
  if (!facts?.dated) {
    const reason = facts ? 'no-target-date' : 'issue-gone';
    const certain = facts !== undefined || input.listingComplete;
    return reported.map(([calendar, group]) =>
      problem('orphan', uid, hrefsOf(group), calendar, issueId, reason, certain ? group.map(deleteOf) : []),
    );
  }
  const home = input.calendars.find(
    (c) => viewOf(c) === view && (c.projectId === null || c.projectId === facts.projectId),
  );
  const homeGroup = groups.find(([calendar]) => calendar === home)?.[1];
  const problems: UidProblem[] = [];
  let rehomed = false;
  for (const [calendar, group] of reported) {
    if (calendar === home) continue;
    if (homeGroup) {
      const all = [...hrefsOf(homeGroup), ...hrefsOf(group)];
      problems.push(problem('duplicate', uid, all, calendar, issueId, 'other-calendar', group.map(deleteOf)));
    } else if (home && !rehomed) {
      // The event is only in the wrong calendar: carry it (with whatever apps added) to its own.
      rehomed = true;
      const [first, ...rest] = group as [Copy, ...Copy[]];
      const fixes = [...rest.map(deleteOf), moveOf(first, canonicalHref(home, uid))];
      problems.push(problem('orphan', uid, hrefsOf(group), calendar, issueId, 'wrong-project', fixes));
    } else {
      problems.push(problem('orphan', uid, hrefsOf(group), calendar, issueId, 'wrong-project', group.map(deleteOf)));
    }
  }
  if (home && homeGroup && !home.reference) problems.push(...judgeHome(uid, issueId, home, homeGroup));
  return problems;
}

/** In its own calendar: one copy, at the href its UID gives. */
function judgeHome(uid: string, issueId: string, home: ScannedCalendar, group: Copy[]): UidProblem[] {
  const canonical = canonicalHref(home, uid);
  const keep = group.find((copy) => sameHref(copy.object.href, canonical)) ?? (group[0] as Copy);
  const extras = group.filter((copy) => copy !== keep);
  const moveKeep = sameHref(keep.object.href, canonical) ? [] : [moveOf(keep, canonical)];
  if (extras.length > 0)
    return [problem('duplicate', uid, hrefsOf(group), home, issueId, null, [...extras.map(deleteOf), ...moveKeep])];
  if (moveKeep.length > 0) return [problem('href-mismatch', uid, hrefsOf(group), home, issueId, null, moveKeep)];
  return [];
}

function groupByCalendar(copies: Copy[]): Array<[ScannedCalendar, Copy[]]> {
  const groups = new Map<ScannedCalendar, Copy[]>();
  for (const copy of copies) groups.set(copy.calendar, [...(groups.get(copy.calendar) ?? []), copy]);
  return [...groups];
}

/** Where calplanebot puts an event: the calendar URL plus the UID-derived name (as plan.ts creates it). */
function canonicalHref(calendar: ScannedCalendar, uid: string): string {
  return `${calendar.url}${objectNameForUid(uid)}`;
}

function deleteOf(copy: Copy): FixAction {
  return { op: 'delete', uid: copy.object.uid as string, href: copy.object.href, etag: copy.object.etag };
}

function moveOf(copy: Copy, to: string): FixAction {
  return {
    op: 'move',
    uid: copy.object.uid as string,
    from: copy.object.href,
    etag: copy.object.etag,
    to,
    data: copy.object.data,
  };
}

function hrefsOf(group: Copy[]): string[] {
  return group.map((copy) => copy.object.href);
}

function problem(
  kind: ProblemKind,
  uid: string,
  hrefs: string[],
  calendar: ScannedCalendar,
  issueId: string | null,
  reason: ProblemReason | null,
  fixes: FixAction[],
): UidProblem {
  return { kind, uid, hrefs, calendar: calendar.url, calendarName: calendar.displayName, issueId, reason, fixes };
}
