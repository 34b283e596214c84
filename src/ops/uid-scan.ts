/**
 * `uid-check`, the reading: the managed calendars (found as `sync` finds them, calendars.ts) with
 * every object's UID, and the issues of every project (an event may sit in another project's
 * calendar, so the selected projects are not enough). Reads only.
 */
import type { CalendarRef, CalendarStore, RemoteObject } from '../caldav/store.js';
import { type CalendarEntry, DEFAULT_VIEW_ID } from '../config/types.js';
import { parseCalendarObject } from '../event/parse.js';
import { isOwnedUid, issueIdFromUid, uidScheme } from '../event/uid.js';
import type { PlaneProject, PlaneSource } from '../plane/types.js';
import { calendarDisplayName, calendarSlug, matchCalendar } from '../sync/calendars.js';
import { sameHref } from '../sync/plan.js';
import { archivedSelections, archivedWarning, selectProjects } from '../views/projects.js';
import { entryProjects, planTargets } from '../views/targets.js';
import { type IssueFacts, type ScannedCalendar, type ScannedObject, type UidCheckInput, viewOf } from './uid-check.js';

export interface ScanSettings {
  /** Project selectors (`--project`); empty = every active project. */
  projects: string[];
  calendarNameTemplate: string;
  /** The `calendars` entries; default: one calendar per project (the default entry). */
  entries?: readonly CalendarEntry[] | undefined;
  /** Told about projects whose issues could not be listed, and about selected projects that are archived. */
  onWarning?: (message: string) => void;
}

export async function scanManagedCalendars(
  deps: { plane: PlaneSource; store: CalendarStore },
  settings: ScanSettings,
): Promise<UidCheckInput> {
  const all = await deps.plane.listProjects();
  const selected = selectProjects(all, settings.projects);
  for (const project of archivedSelections(all, settings.projects)) settings.onWarning?.(archivedWarning(project));
  const refs = await deps.store.listCalendars();
  const entries = settings.entries ?? [
    { id: DEFAULT_VIEW_ID, name: settings.calendarNameTemplate, perProject: true, filter: {} },
  ];
  const defaultEntry = entries.find((entry) => entry.id === DEFAULT_VIEW_ID);
  const template = defaultEntry?.name ?? settings.calendarNameTemplate;
  const scan = async (project: PlaneProject, reference: boolean): Promise<ScannedCalendar | undefined> => {
    const ownUrl = await deps.store.calendarUrlFor(calendarSlug(project.id));
    const match = matchCalendar(refs, ownUrl, calendarDisplayName(template, project), project.id);
    if (match.kind !== 'found') return undefined; // never synced: nothing to check
    return scanned(match.calendar, await deps.store.list(match.calendar), { projectId: project.id, reference });
  };
  const calendars: ScannedCalendar[] = [];
  for (const project of defaultEntry ? entryProjects(defaultEntry, selected) : []) {
    const calendar = await scan(project, false);
    if (calendar) calendars.push(calendar);
  }
  // Every other entry's calendars, at their own URLs, each judged by its entry's UID rule.
  for (const target of planTargets(entries, { selected, universe: selected }).filter((t) => !t.legacy)) {
    const url = await deps.store.calendarUrlFor(target.slug);
    const ref = refs.find((c) => sameHref(c.url, url));
    if (ref)
      calendars.push(
        scanned(ref, await deps.store.list(ref), { projectId: target.project?.id ?? null, view: target.entry.id }),
      );
  }
  const { issues, listingComplete } = await indexIssues(deps.plane, all, selected, settings);
  await confirmUnlisted(deps.plane, calendars, issues);
  // An event of an unselected project found here goes to its own calendar, as a full scan would
  // move it (alarms kept), not deleted: read that calendar too, for reference only.
  for (const project of homesOutsideSelection(calendars, issues, all, selected)) {
    const calendar = await scan(project, true);
    if (calendar) calendars.push(calendar);
  }
  return { calendars, issues, listingComplete };
}

function scanned(
  calendar: CalendarRef,
  objects: RemoteObject[],
  where: { projectId: string | null; view?: string; reference?: boolean },
): ScannedCalendar {
  return {
    ...(where.view === undefined ? {} : { view: where.view }),
    projectId: where.projectId,
    url: calendar.url,
    displayName: calendar.displayName,
    objects: objects.map((object): ScannedObject => {
      const parsed = parseCalendarObject(object.data);
      return { ...object, uid: parsed.uid, projectId: parsed.projectId };
    }),
    ...(where.reference ? { reference: true } : {}),
  };
}

/** The active, unselected projects whose dated issues have events in the scanned calendars. */
function homesOutsideSelection(
  calendars: ScannedCalendar[],
  issues: ReadonlyMap<string, IssueFacts>,
  all: PlaneProject[],
  selected: PlaneProject[],
): PlaneProject[] {
  const wanted = new Set<string>();
  for (const calendar of calendars.filter((c) => viewOf(c) === DEFAULT_VIEW_ID)) {
    for (const object of calendar.objects) {
      if (object.uid === null || !isOwnedUid(object.uid)) continue;
      const facts = issues.get((issueIdFromUid(object.uid) as string).toLowerCase());
      if (facts?.dated && facts.projectId !== calendar.projectId) wanted.add(facts.projectId);
    }
  }
  return all.filter((p) => wanted.has(p.id) && !p.archived_at && !selected.includes(p));
}

/** Every active project's issues. A selected project that cannot be listed stops the check; another one only makes it cautious. */
async function indexIssues(plane: PlaneSource, all: PlaneProject[], selected: PlaneProject[], settings: ScanSettings) {
  const issues = new Map<string, IssueFacts>();
  let listingComplete = true;
  for (const project of all.filter((p) => !p.archived_at)) {
    try {
      for await (const page of plane.listIssues(project.id)) {
        for (const issue of page.issues)
          issues.set(issue.id.toLowerCase(), { projectId: project.id, dated: Boolean(issue.target_date) });
      }
    } catch (error) {
      if (selected.includes(project)) throw error;
      listingComplete = false;
      settings.onWarning?.(
        `could not list the issues of project ${project.identifier}; events whose issue seems gone are reported, not repaired`,
      );
    }
  }
  return { issues, listingComplete };
}

/**
 * Offset pagination can skip an item when the list shifts while it is read: before calling an
 * owned event's issue gone, ask Plane for that one issue in the calendar's project.
 */
async function confirmUnlisted(
  plane: PlaneSource,
  calendars: ScannedCalendar[],
  issues: Map<string, IssueFacts>,
): Promise<void> {
  const asked = new Set<string>();
  for (const calendar of calendars) {
    const scheme = uidScheme(viewOf(calendar));
    for (const object of calendar.objects) {
      const issueId = object.uid === null ? null : scheme.issueIdOf(object.uid);
      // A calendar spanning projects says whose an object is by its X-CALPLANEBOT-PROJECT-ID.
      const projectId = calendar.projectId ?? object.projectId ?? null;
      if (issueId === null || projectId === null) continue;
      const key = `${projectId}/${issueId.toLowerCase()}`;
      if (issues.has(issueId.toLowerCase()) || asked.has(key)) continue;
      asked.add(key);
      const issue = await plane.getIssue(projectId, issueId);
      if (issue)
        issues.set(issueId.toLowerCase(), { projectId: issue.project || projectId, dated: Boolean(issue.target_date) });
    }
  }
}
