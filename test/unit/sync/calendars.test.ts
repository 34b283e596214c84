/** matchCalendar: which listed calendar mirrors a project, in the decided order (URL, mark, name). */
import { describe, expect, it } from 'vitest';
import type { CalendarRef } from '../../../src/caldav/store.js';
import { matchCalendar, projectIdOfCalendar } from '../../../src/sync/calendars.js';

const HOME = 'https://dav.example.com/alice/';
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const own = (id: string) => `${HOME}plane-${id}/`;
const cal = (url: string, displayName: string, projectId?: string): CalendarRef => ({
  url,
  displayName,
  ...(projectId ? { projectId } : {}),
});

describe('matchCalendar', () => {
  it("the calendar at the project's own URL wins, renamed to the templated name when it differs", () => {
    const mine = cal(own(A), 'Plane: Old name');
    const match = matchCalendar([cal(`${HOME}x/`, 'Plane: Web'), mine], own(A), 'Plane: Web', A);
    expect(match).toEqual({ kind: 'found', calendar: mine, rename: 'Plane: Web', mark: false });
  });

  it('a calendar marked for the project is found after a rename, and renamed with it; a name match elsewhere loses to it', () => {
    const adopted = cal(`${HOME}made-by-hand/`, 'Plane: Web', A);
    const lookalike = cal(`${HOME}lookalike/`, 'Plane: Web v2');
    const match = matchCalendar([lookalike, adopted], own(A), 'Plane: Web v2', A);
    expect(match).toEqual({ kind: 'found', calendar: adopted, rename: 'Plane: Web v2', mark: false });
  });

  it('the mark is compared without regard to case', () => {
    const adopted = cal(`${HOME}made-by-hand/`, 'Plane: Web', A.toUpperCase());
    expect(matchCalendar([adopted], own(A), 'Plane: Web', A)).toMatchObject({
      kind: 'found',
      calendar: adopted,
      rename: undefined,
    });
  });

  it('exactly one unclaimed calendar with the templated name is adopted and is to be marked', () => {
    const byHand = cal(`${HOME}made-by-hand/`, 'Plane: Web');
    expect(matchCalendar([byHand, cal(`${HOME}other/`, 'Other')], own(A), 'Plane: Web', A)).toEqual({
      kind: 'found',
      calendar: byHand,
      rename: undefined,
      mark: true,
    });
  });

  it("never adopts by name another project's own calendar (finding: project B took A's calendar and deleted its events)", () => {
    const ofA = cal(own(A), 'Plane: Web'); // A was renamed "Web Old"; its calendar is not renamed yet
    expect(matchCalendar([ofA], own(B), 'Plane: Web', B)).toEqual({
      kind: 'missing',
      url: own(B),
      displayName: 'Plane: Web',
    });
  });

  it('never adopts by name a calendar marked for another project', () => {
    const adoptedByA = cal(`${HOME}made-by-hand/`, 'Plane: Web', A);
    expect(matchCalendar([adoptedByA], own(B), 'Plane: Web', B)).toMatchObject({ kind: 'missing' });
  });

  it('two unclaimed calendars with the name are ambiguous: none is adopted', () => {
    const calendars = [cal(`${HOME}one/`, 'Plane: Web'), cal(`${HOME}two/`, 'Plane: Web')];
    expect(matchCalendar(calendars, own(A), 'Plane: Web', A)).toMatchObject({ kind: 'missing' });
    // …unless only one of them is unclaimed.
    calendars[0]!.projectId = B;
    expect(matchCalendar(calendars, own(A), 'Plane: Web', A)).toMatchObject({
      kind: 'found',
      calendar: calendars[1],
      mark: true,
    });
  });
});

describe('projectIdOfCalendar', () => {
  it('by URL first, then by mark; null for a calendar of the user', () => {
    expect(projectIdOfCalendar(cal(own(A), 'x', B))).toBe(A);
    expect(projectIdOfCalendar(cal(`${HOME}made-by-hand/`, 'x', B))).toBe(B);
    expect(projectIdOfCalendar(cal(`${HOME}family/`, 'Family'))).toBeNull();
  });
});
