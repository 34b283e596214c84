/**
 * Event identity. This module alone decides which calendar objects calplanebot owns: nothing else
 * builds or parses UIDs.
 */

const UID_PREFIX = 'plane-issue-';
const UID_SUFFIX = '@calplanebot';
const HEX = '[0-9a-fA-F]';
// Hex digits in either case; prefix and suffix exactly as we write them.
const OWNED_UID = new RegExp(
  `^plane-issue-(${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12})@calplanebot$`,
);

/** The UID of the event that mirrors a Plane issue (the seed's format). */
export function uidForIssue(issueId: string): string {
  return `${UID_PREFIX}${issueId}${UID_SUFFIX}`;
}

/** True only for UIDs calplanebot created: the exact prefix, a canonical UUID, the exact suffix. */
export function isOwnedUid(uid: string): boolean {
  return OWNED_UID.test(uid);
}

/** The Plane issue UUID inside an owned UID, as written; null for any other UID. */
export function issueIdFromUid(uid: string): string | null {
  return OWNED_UID.exec(uid)?.[1] ?? null;
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
