/**
 * Calendar entries → the calendars a run reconciles ("targets"). Pure. Each target knows its
 * identity (URL slug, UID scheme), its display name, the projects whose items it shows this run,
 * and whether the run covers all of them (only then may it remove another project's events).
 *
 * Identity: the default entry (`projects`) keeps today's `plane-{project id}` calendars and UIDs;
 * any other entry lives at `plane-{id}` (or `plane-{id}-{project id}` per project).
 */
import type { CalendarRef } from '../caldav/store.js';
import { type CalendarEntry, DEFAULT_VIEW_ID } from '../config/types.js';
import { type UidScheme, uidScheme } from '../event/uid.js';
import type { PlaneProject } from '../plane/types.js';
import { calendarDisplayName, calendarSlug, projectIdOfCalendar, viewOfCalendarUrl } from '../sync/calendars.js';
import { matchesSelector } from './projects.js';

export interface CalendarTarget {
  entry: CalendarEntry;
  /** `{entry id}` or `{entry id}/{project id}`: how reports and caches name it. */
  key: string;
  /** The project of a per-project calendar; undefined for a calendar that spans projects. */
  project: PlaneProject | undefined;
  /** The projects whose items it shows, as far as this run reads them. */
  projects: PlaneProject[];
  /** False when the run reads only some of its projects (`--project`): the others' events are out of scope. */
  complete: boolean;
  slug: string;
  displayName: string;
  scheme: UidScheme;
  /** The default entry's calendar: found by project mark and display name too, as before entries existed. */
  legacy: boolean;
}

export { viewOfCalendarUrl };

export function calendarSlugFor(entryId: string, projectId: string | undefined): string {
  if (entryId === DEFAULT_VIEW_ID && projectId !== undefined) return calendarSlug(projectId);
  return projectId === undefined ? `plane-${entryId}` : `plane-${entryId}-${projectId}`;
}

/** The projects an entry draws from: those the run selected (plane.projects, or --project) that its filter names. */
export function entryProjects(entry: CalendarEntry, selected: readonly PlaneProject[]): PlaneProject[] {
  const named = entry.filter.projects;
  return named === undefined
    ? [...selected]
    : selected.filter((project) => named.some((selector) => matchesSelector(project, selector)));
}

export interface TargetOptions {
  /** The run's projects (selectProjects of --project or plane.projects). */
  selected: readonly PlaneProject[];
  /** The projects a full run would cover (selectProjects of plane.projects): a run reading fewer is a shard. */
  universe: readonly PlaneProject[];
}

export function planTargets(entries: readonly CalendarEntry[], options: TargetOptions): CalendarTarget[] {
  const targets: CalendarTarget[] = [];
  for (const entry of entries) {
    const scheme = uidScheme(entry.id);
    const legacy = entry.id === DEFAULT_VIEW_ID;
    const projects = entryProjects(entry, options.selected);
    if (entry.perProject) {
      for (const project of projects) {
        targets.push({
          entry,
          key: `${entry.id}/${project.id}`,
          project,
          projects: [project],
          complete: true,
          slug: calendarSlugFor(entry.id, project.id),
          displayName: calendarDisplayName(entry.name, project),
          scheme,
          legacy,
        });
      }
      continue;
    }
    if (projects.length === 0) continue;
    const reading = new Set(projects.map((p) => p.id));
    const complete = entryProjects(entry, options.universe).every((p) => reading.has(p.id));
    targets.push({
      entry,
      key: entry.id,
      project: undefined,
      projects,
      complete,
      slug: calendarSlugFor(entry.id, undefined),
      displayName: entry.name,
      scheme,
      legacy,
    });
  }
  return targets;
}

/** `filter.projects` values that name no project of the workspace: a typo would be a silently empty calendar. */
export function unknownProjectWarnings(entries: readonly CalendarEntry[], all: readonly PlaneProject[]): string[] {
  const warnings: string[] = [];
  entries.forEach((entry, index) => {
    for (const selector of entry.filter.projects ?? []) {
      if (!all.some((project) => matchesSelector(project, selector))) {
        warnings.push(
          `calendars[${index}].filter.projects: no project "${selector}" in this workspace (known: ${
            all
              .filter((p) => !p.archived_at)
              .map((p) => p.identifier)
              .join(', ') || 'none'
          })`,
        );
      }
    }
  });
  return warnings;
}

export interface StrayCalendar {
  url: string;
  displayName: string;
}

/**
 * Calendars calplanebot made (by URL or mark) that no entry of the config keeps any more: left as
 * they are, and named once per run so the user can remove them. Judged on the config alone, never
 * on what Plane shows this run, so a `--project` shard reports the same as a full run.
 */
export function strayCalendars(
  calendars: readonly CalendarRef[],
  entries: readonly CalendarEntry[],
  all: readonly PlaneProject[],
): StrayCalendar[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const namesProject = (entry: CalendarEntry, projectId: string) => {
    if (entry.filter.projects === undefined) return true;
    const project = all.find((p) => p.id.toLowerCase() === projectId.toLowerCase());
    return project !== undefined && entry.filter.projects.some((selector) => matchesSelector(project, selector));
  };
  const kept = (calendar: CalendarRef): boolean => {
    const legacyProject = projectIdOfCalendar(calendar);
    if (legacyProject !== null) {
      const entry = byId.get(DEFAULT_VIEW_ID);
      return entry !== undefined && namesProject(entry, legacyProject);
    }
    const view = viewOfCalendarUrl(calendar.url);
    if (view === null) return true; // not ours
    const entry = byId.get(view.entryId);
    if (!entry || entry.perProject !== (view.projectId !== undefined)) return false;
    return view.projectId === undefined || namesProject(entry, view.projectId);
  };
  return calendars.filter((calendar) => !kept(calendar)).map(({ url, displayName }) => ({ url, displayName }));
}
