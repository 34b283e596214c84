/**
 * Which calendar mirrors which project. A project's calendar lives at a URL derived from the
 * project id (so renaming the project never makes a second calendar); a calendar the user made by
 * hand with the templated display name is adopted when there is exactly one, and then marked on
 * the server with the project id (CalendarStore.markCalendar) so it is recognised again after the
 * project or the template is renamed. A calendar that is another project's, by URL or by mark, is
 * never adopted.
 */
import type { CalendarRef } from '../caldav/store.js';
import type { PlaneProject } from '../plane/types.js';
import { sameHref } from './plan.js';

export function calendarSlug(projectId: string): string {
  return `plane-${projectId}`;
}

const UUID_TEXT = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const OWN_CALENDAR = new RegExp(`/plane-(${UUID_TEXT})/?$`);
/** `plane-{entry}` or `plane-{entry}-{project}`: another `calendars` entry's (views/targets.ts calendarSlugFor). */
const VIEW_CALENDAR = new RegExp(`/plane-([a-z0-9][a-z0-9-]{0,39}?)(?:-(${UUID_TEXT}))?/?$`);

function pathOf(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
}

/** The project id of a calendar at a calendarSlug() URL; null for any other calendar. */
function projectIdFromCalendarUrl(url: string): string | null {
  return OWN_CALENDAR.exec(pathOf(url) ?? '')?.[1] ?? null;
}

/** Which entry (and project) a calendar at another entry's URL was made for; null for any other URL (the default ones' included). */
export function viewOfCalendarUrl(url: string): { entryId: string; projectId: string | undefined } | null {
  const path = pathOf(url);
  const match = path === null ? null : VIEW_CALENDAR.exec(path);
  if (!match?.[1] || projectIdFromCalendarUrl(url) !== null) return null;
  return { entryId: match[1], projectId: match[2]?.toLowerCase() };
}

export function calendarDisplayName(template: string, project: Pick<PlaneProject, 'name' | 'identifier'>): string {
  return template.replaceAll('{project}', project.name).replaceAll('{identifier}', project.identifier);
}

/**
 * The project a calendar belongs to: by its URL (`plane-{id}/`), else by calplanebot's mark;
 * null for a calendar calplanebot has not made or adopted.
 */
export function projectIdOfCalendar(calendar: CalendarRef): string | null {
  const fromUrl = projectIdFromCalendarUrl(calendar.url);
  if (fromUrl !== null) return fromUrl;
  // A mark on another entry's calendar is not the default entry's (an older run may have put it there).
  return viewOfCalendarUrl(calendar.url) === null ? (calendar.projectId ?? null) : null;
}

export type CalendarMatch =
  /** `mark`: adopted by display name and not marked yet; `rename`: the display name to set. */
  | { kind: 'found'; calendar: CalendarRef; rename: string | undefined; mark: boolean }
  | { kind: 'missing'; url: string; displayName: string };

/**
 * Pure: decide from the listed calendars. `ownUrl` is where calplanebot would create it; `projectId`
 * is given for the default entry's calendars, which may also be found by mark or name. In order:
 * the calendar at `ownUrl`; a calendar marked for this project; exactly one calendar with the
 * templated name that belongs to no other project. The first two have their name kept in step
 * with the project (a renamed project renames its calendar).
 */
export function matchCalendar(
  calendars: CalendarRef[],
  ownUrl: string,
  displayName: string,
  projectId: string | undefined,
): CalendarMatch {
  const found = (calendar: CalendarRef, mark: boolean): CalendarMatch => ({
    kind: 'found',
    calendar,
    rename: calendar.displayName === displayName ? undefined : displayName,
    mark,
  });
  const own = calendars.find((c) => sameHref(c.url, ownUrl));
  if (own) return found(own, false);
  // A calendar of a `calendars` entry other than the default is found at its own URL only.
  if (projectId === undefined) return { kind: 'missing', url: ownUrl, displayName };
  const owner = (c: CalendarRef) => projectIdOfCalendar(c)?.toLowerCase() ?? null;
  const wanted = projectId.toLowerCase();
  // Another entry's calendar (plane-{entry}[-{project}]) is never the default one, whatever its name or mark.
  const candidates = calendars.filter((c) => viewOfCalendarUrl(c.url) === null);
  const marked = candidates.filter((c) => owner(c) === wanted);
  const markedChoice = marked.find((c) => c.displayName === displayName) ?? marked[0];
  if (markedChoice) return found(markedChoice, false);
  const byName = candidates.filter((c) => c.displayName === displayName && owner(c) === null);
  if (byName.length === 1 && byName[0]) return found(byName[0], true);
  return { kind: 'missing', url: ownUrl, displayName };
}
