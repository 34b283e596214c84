/**
 * Event identity. This module alone decides which calendar objects calplanebot owns: nothing else
 * builds or parses UIDs.
 */

const UID_PREFIX = 'plane-issue-';
const UID_SUFFIX = '@calplanebot';
const HEX = '[0-9a-fA-F]';
const UUID = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;
// Hex digits in either case; prefix and suffix exactly as we write them.
const OWNED_UID = new RegExp(`^plane-issue-(${UUID})@calplanebot$`);
/** Any calendar's UID: the default one's, or `…@{calendar id}.calplanebot`. */
const ANY_OWNED_UID = new RegExp(`^plane-issue-(${UUID})@(?:([a-z0-9][a-z0-9-]{0,39})\\.)?calplanebot$`);

/** What a calendar object mirrors: a work item, or (with `cycles` / `modules`) a cycle or module. */
export type ItemSource = 'issue' | 'cycle' | 'module';
export interface OwnedItem {
  source: ItemSource;
  /** The Plane id, as written in the UID. */
  id: string;
}

/** The calendar entry whose UIDs are today's (config/types.ts DEFAULT_VIEW_ID). */
const LEGACY_VIEW = 'projects';

/**
 * The UIDs of one calendar entry. The default entry keeps the seed's `plane-issue-{id}@calplanebot`;
 * every other entry puts its id in the domain part, so one work item shown in several calendars of
 * an account never has two objects with one UID (some servers and clients merge those).
 */
export interface UidScheme {
  /** The calendar entry's id. */
  readonly view: string;
  /** The UID of a work item's object (of a cycle's or module's, with `source`). */
  uidFor(id: string, source?: ItemSource): string;
  /** The issue id inside one of this entry's work-item UIDs, as written; null for any other UID. */
  issueIdOf(uid: string): string | null;
  /** The item inside any of this entry's UIDs (work item, cycle or module); null for any other UID. */
  itemOf(uid: string): OwnedItem | null;
}

function schemeWith(view: string, suffix: string): UidScheme {
  const pattern = new RegExp(`^plane-(issue|cycle|module)-(${UUID})${suffix.replaceAll('.', '\\.')}$`);
  const itemOf = (uid: string): OwnedItem | null => {
    const match = pattern.exec(uid);
    return match?.[1] && match[2] ? { source: match[1] as ItemSource, id: match[2] } : null;
  };
  return {
    view,
    uidFor: (id, source = 'issue') => `plane-${source}-${id}${suffix}`,
    issueIdOf: (uid) => {
      const item = itemOf(uid);
      return item?.source === 'issue' ? item.id : null;
    },
    itemOf,
  };
}

export function uidScheme(view: string): UidScheme {
  return view === LEGACY_VIEW ? LEGACY_SCHEME : schemeWith(view, `@${view}.calplanebot`);
}

export const LEGACY_SCHEME: UidScheme = schemeWith(LEGACY_VIEW, UID_SUFFIX);

/** The UID of the event that mirrors a Plane issue in the default calendars (the seed's format). */
export function uidForIssue(issueId: string): string {
  return `${UID_PREFIX}${issueId}${UID_SUFFIX}`;
}

/** True only for UIDs of the default calendars: the exact prefix, a canonical UUID, the exact suffix. */
export function isOwnedUid(uid: string): boolean {
  return OWNED_UID.test(uid);
}

/** The Plane issue UUID inside a default-calendar UID, as written; null for any other UID. */
export function issueIdFromUid(uid: string): string | null {
  return OWNED_UID.exec(uid)?.[1] ?? null;
}

/** Which calendar entry a UID of any of them belongs to, and its issue; null when it is no UID of ours. */
export function parseAnyOwnedUid(uid: string): { view: string; issueId: string } | null {
  const match = ANY_OWNED_UID.exec(uid);
  if (!match?.[1]) return null;
  return { issueId: match[1], view: match[2] ?? LEGACY_VIEW };
}

/** Starts like ours: lets `uid-check` spot owned-looking UIDs that are malformed. */
export function looksOwned(uid: string): boolean {
  return uid.startsWith(UID_PREFIX);
}

/**
 * The resource name of the object inside its calendar collection. It must be the UID itself:
 * Google forces resource name = UID, so any other name would not be found again.
 */
export function objectNameForUid(uid: string): string {
  return `${encodeURIComponent(uid)}.ics`;
}
