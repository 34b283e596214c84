import { describe, expect, it } from 'vitest';
import {
  isOwnedUid,
  issueIdFromUid,
  LEGACY_SCHEME,
  looksOwned,
  objectNameForUid,
  uidForIssue,
  uidScheme,
} from '../../../src/event/uid.js';

const ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

describe('uidForIssue', () => {
  it('uses the seed format', () => {
    expect(uidForIssue(ID)).toBe(`plane-issue-${ID}@calplanebot`);
  });
});

describe('isOwnedUid', () => {
  it.each([
    `plane-issue-${ID}@calplanebot`,
    `plane-issue-${ID.toUpperCase()}@calplanebot`,
    'plane-issue-00000000-0000-0000-0000-000000000000@calplanebot',
    'plane-issue-aBcDeF01-2345-6789-abcd-ABCDEF012345@calplanebot',
  ])('accepts %s', (uid) => {
    expect(isOwnedUid(uid)).toBe(true);
  });

  it.each([
    'plane-issue-123@calplanebot',
    'plane-issue-issue-uuid@calplanebot',
    `plane-issue-${ID}@calplanebot.example`,
    `plane-issue-${ID}@plane`,
    `plane-issue-${ID}`,
    `plane-issue-${ID}@calplanebot `,
    ` plane-issue-${ID}@calplanebot`,
    `plane-issue-${ID}@calplanebot\n`,
    `PLANE-ISSUE-${ID}@calplanebot`,
    `Plane-issue-${ID}@calplanebot`,
    `plane-issue-${ID}@CALPLANEBOT`,
    `plane-issue-${ID.replace(/-/g, '')}@calplanebot`,
    `plane-issue-{${ID}}@calplanebot`,
    `plane-issue-${ID.slice(0, -1)}g@calplanebot`,
    `plane-issue-${ID}0@calplanebot`,
    `xplane-issue-${ID}@calplanebot`,
    `plane-issue-${ID}@calplanebot@calplanebot`,
    '',
  ])('rejects %j', (uid) => {
    expect(isOwnedUid(uid)).toBe(false);
  });
});

describe('issueIdFromUid', () => {
  it('returns the issue id of an owned UID, as written', () => {
    expect(issueIdFromUid(`plane-issue-${ID}@calplanebot`)).toBe(ID);
    expect(issueIdFromUid(`plane-issue-${ID.toUpperCase()}@calplanebot`)).toBe(ID.toUpperCase());
  });

  it('returns null for any other UID', () => {
    expect(issueIdFromUid('plane-issue-123@calplanebot')).toBeNull();
    expect(issueIdFromUid('someone-else@example.com')).toBeNull();
  });

  it('round-trips uidForIssue', () => {
    expect(issueIdFromUid(uidForIssue(ID))).toBe(ID);
  });
});

describe('looksOwned', () => {
  it('is true for anything with our prefix, well-formed or not', () => {
    expect(looksOwned(`plane-issue-${ID}@calplanebot`)).toBe(true);
    expect(looksOwned('plane-issue-123@calplanebot')).toBe(true);
    expect(looksOwned('plane-issue-')).toBe(true);
  });

  it('is false otherwise', () => {
    expect(looksOwned('PLANE-ISSUE-x')).toBe(false);
    expect(looksOwned(' plane-issue-x')).toBe(false);
    expect(looksOwned('abc@example.com')).toBe(false);
  });
});

describe('objectNameForUid', () => {
  it('is the URL-encoded UID plus .ics', () => {
    expect(objectNameForUid(`plane-issue-${ID}@calplanebot`)).toBe(`plane-issue-${ID}%40calplanebot.ics`);
  });

  it('encodes path-unsafe characters of foreign UIDs', () => {
    expect(objectNameForUid('a/b c?d#e')).toBe('a%2Fb%20c%3Fd%23e.ics');
  });

  it('is deterministic and decodes back to the UID', () => {
    const uid = uidForIssue(ID);
    expect(objectNameForUid(uid)).toBe(objectNameForUid(uid));
    expect(decodeURIComponent(objectNameForUid(uid).slice(0, -4))).toBe(uid);
  });
});

describe('UID schemes: work items, cycles and modules', () => {
  it("the default calendars' scheme writes the seed format for work items and plane-{cycle,module}-{id}@calplanebot for blocks", () => {
    expect(LEGACY_SCHEME.uidFor(ID)).toBe(uidForIssue(ID));
    expect(LEGACY_SCHEME.uidFor(ID, 'issue')).toBe(uidForIssue(ID));
    expect(LEGACY_SCHEME.uidFor(ID, 'cycle')).toBe(`plane-cycle-${ID}@calplanebot`);
    expect(LEGACY_SCHEME.uidFor(ID, 'module')).toBe(`plane-module-${ID}@calplanebot`);
    expect(uidScheme('projects')).toBe(LEGACY_SCHEME);
  });

  it('another entry puts its id in the domain part', () => {
    const sprints = uidScheme('sprints');
    expect(sprints.uidFor(ID)).toBe(`plane-issue-${ID}@sprints.calplanebot`);
    expect(sprints.uidFor(ID, 'cycle')).toBe(`plane-cycle-${ID}@sprints.calplanebot`);
  });

  it.each(['issue', 'cycle', 'module'] as const)('itemOf reads back a %s UID of its own scheme only', (source) => {
    const sprints = uidScheme('sprints');
    expect(sprints.itemOf(sprints.uidFor(ID, source))).toEqual({ source, id: ID });
    expect(LEGACY_SCHEME.itemOf(LEGACY_SCHEME.uidFor(ID, source))).toEqual({ source, id: ID });
    expect(LEGACY_SCHEME.itemOf(sprints.uidFor(ID, source))).toBeNull();
    expect(sprints.itemOf(LEGACY_SCHEME.uidFor(ID, source))).toBeNull();
    expect(uidScheme('sprint').itemOf(sprints.uidFor(ID, source))).toBeNull();
  });

  it("issueIdOf is a work item's id only; a block is no work item", () => {
    expect(LEGACY_SCHEME.issueIdOf(uidForIssue(ID))).toBe(ID);
    expect(LEGACY_SCHEME.issueIdOf(LEGACY_SCHEME.uidFor(ID, 'cycle'))).toBeNull();
    expect(LEGACY_SCHEME.issueIdOf(LEGACY_SCHEME.uidFor(ID, 'module'))).toBeNull();
  });

  it.each([
    `plane-sprint-${ID}@calplanebot`,
    'plane-cycle-123@calplanebot',
    `plane-cycle-${ID}@calplanebot.example`,
    `plane-cycle-${ID}`,
    ` plane-cycle-${ID}@calplanebot`,
  ])('%j is no UID of ours', (uid) => {
    expect(LEGACY_SCHEME.itemOf(uid)).toBeNull();
  });

  it("block UIDs are not work-item UIDs for the seed's checks (uid-check leaves them alone)", () => {
    expect(isOwnedUid(LEGACY_SCHEME.uidFor(ID, 'cycle'))).toBe(false);
    expect(looksOwned(LEGACY_SCHEME.uidFor(ID, 'cycle'))).toBe(false);
  });
});
