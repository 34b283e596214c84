/**
 * Which calendar mirrors which project. A project's calendar lives at a URL derived from the
 * project id (so renaming the project never makes a second calendar); a calendar the user made by
 * hand with the templated display name is adopted when there is exactly one.
 */
import type { CalendarRef } from '../caldav/store.js';
import type { PlaneProject } from '../plane/types.js';
import { sameHref } from './plan.js';

export function calendarSlug(projectId: string): string {
  return `plane-${projectId}`;
}

const OWN_CALENDAR = /\/plane-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/?$/;

/** The project id of a calendar at a calendarSlug() URL; null for any other calendar. */
export function projectIdFromCalendarUrl(url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  return OWN_CALENDAR.exec(path)?.[1] ?? null;
}

export function calendarDisplayName(template: string, project: Pick<PlaneProject, 'name' | 'identifier'>): string {
  return template.replaceAll('{project}', project.name).replaceAll('{identifier}', project.identifier);
}

export type CalendarMatch =
  | { kind: 'found'; calendar: CalendarRef; rename: string | undefined }
  | { kind: 'missing'; url: string; displayName: string };

/** Pure: decide from the listed calendars. `ownUrl` is where calplanebot would create it. */
export function matchCalendar(calendars: CalendarRef[], ownUrl: string, displayName: string): CalendarMatch {
  const own = calendars.find((c) => sameHref(c.url, ownUrl));
  if (own) {
    // Ours by URL: keep its name in step with the project (a renamed project renames its calendar).
    return { kind: 'found', calendar: own, rename: own.displayName === displayName ? undefined : displayName };
  }
  const byName = calendars.filter((c) => c.displayName === displayName);
  if (byName.length === 1 && byName[0]) return { kind: 'found', calendar: byName[0], rename: undefined };
  return { kind: 'missing', url: ownUrl, displayName };
}
