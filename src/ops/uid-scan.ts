/**
 * `uid-check`, the reading: the managed calendars (found as `sync` finds them, calendars.ts) with
 * every object's UID, and the issues of every project (an event may sit in another project's
 * calendar, so the selected projects are not enough). Reads only.
 */
import type { CalendarStore } from '../caldav/store.js';
import { parseCalendarObject } from '../event/parse.js';
import { issueIdFromUid, isOwnedUid } from '../event/uid.js';
import type { PlaneProject, PlaneSource } from '../plane/types.js';
import { calendarDisplayName, calendarSlug, matchCalendar } from '../sync/calendars.js';
import { archivedSelections, archivedWarning, selectProjects } from '../sync/run.js';
import type { IssueFacts, ScannedCalendar, UidCheckInput } from './uid-check.js';

export interface ScanSettings {
  /** Project selectors (`--project`); empty = every active project. */
  projects: string[];
  calendarNameTemplate: string;
  /** Told about projects whose issues could not be listed, and about selected projects that are archived. */
  onWarning?: (message: string) => void;
}

export async function scanManagedCalendars(deps: { plane: PlaneSource; store: CalendarStore }, settings: ScanSettings): Promise<UidCheckInput> {
  const all = await deps.plane.listProjects();
  const selected = selectProjects(all, settings.projects);
  for (const project of archivedSelections(all, settings.projects)) settings.onWarning?.(archivedWarning(project));
  const refs = await deps.store.listCalendars();
  const scan = async (project: PlaneProject, reference: boolean): Promise<ScannedCalendar | undefined> => {
    const ownUrl = await deps.store.calendarUrlFor(calendarSlug(project.id));
    const match = matchCalendar(refs, ownUrl, calendarDisplayName(settings.calendarNameTemplate, project), project.id);
    if (match.kind !== 'found') return undefined; // never synced: nothing to check
    const objects = await deps.store.list(match.calendar);
    return {
      projectId: project.id,
      url: match.calendar.url,
      displayName: match.calendar.displayName,
      objects: objects.map((object) => ({ ...object, uid: parseCalendarObject(object.data).uid })),
      ...(reference ? { reference: true } : {}),
    };
  };
  const calendars: ScannedCalendar[] = [];
  for (const project of selected) {
    const calendar = await scan(project, false);
    if (calendar) calendars.push(calendar);
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

/** The active, unselected projects whose dated issues have events in the scanned calendars. */
function homesOutsideSelection(calendars: ScannedCalendar[], issues: ReadonlyMap<string, IssueFacts>, all: PlaneProject[], selected: PlaneProject[]): PlaneProject[] {
  const wanted = new Set<string>();
  for (const calendar of calendars) {
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
        for (const issue of page.issues) issues.set(issue.id.toLowerCase(), { projectId: project.id, dated: Boolean(issue.target_date) });
      }
    } catch (error) {
      if (selected.includes(project)) throw error;
      listingComplete = false;
      settings.onWarning?.(`could not list the issues of project ${project.identifier}; events whose issue seems gone are reported, not repaired`);
    }
  }
  return { issues, listingComplete };
}

/**
 * Offset pagination can skip an item when the list shifts while it is read: before calling an
 * owned event's issue gone, ask Plane for that one issue in the calendar's project.
 */
async function confirmUnlisted(plane: PlaneSource, calendars: ScannedCalendar[], issues: Map<string, IssueFacts>): Promise<void> {
  const asked = new Set<string>();
  for (const calendar of calendars) {
    for (const object of calendar.objects) {
      if (object.uid === null || !isOwnedUid(object.uid)) continue;
      const issueId = issueIdFromUid(object.uid) as string;
      const key = `${calendar.projectId}/${issueId.toLowerCase()}`;
      if (issues.has(issueId.toLowerCase()) || asked.has(key)) continue;
      asked.add(key);
      const issue = await plane.getIssue(calendar.projectId, issueId);
      if (issue) issues.set(issueId.toLowerCase(), { projectId: issue.project || calendar.projectId, dated: Boolean(issue.target_date) });
    }
  }
}
