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
import { selectProjects } from '../sync/run.js';
import type { IssueFacts, ScannedCalendar, UidCheckInput } from './uid-check.js';

export interface ScanSettings {
  /** Project selectors (`--project`); empty = every active project. */
  projects: string[];
  calendarNameTemplate: string;
  /** Told about projects whose issues could not be listed. */
  onWarning?: (message: string) => void;
}

export async function scanManagedCalendars(deps: { plane: PlaneSource; store: CalendarStore }, settings: ScanSettings): Promise<UidCheckInput> {
  const all = await deps.plane.listProjects();
  const selected = selectProjects(all, settings.projects);
  const refs = await deps.store.listCalendars();
  const calendars: ScannedCalendar[] = [];
  for (const project of selected) {
    const ownUrl = await deps.store.calendarUrlFor(calendarSlug(project.id));
    const match = matchCalendar(refs, ownUrl, calendarDisplayName(settings.calendarNameTemplate, project), project.id);
    if (match.kind !== 'found') continue; // never synced: nothing to check
    const objects = await deps.store.list(match.calendar);
    calendars.push({
      projectId: project.id,
      url: match.calendar.url,
      displayName: match.calendar.displayName,
      objects: objects.map((object) => ({ ...object, uid: parseCalendarObject(object.data).uid })),
    });
  }
  const { issues, listingComplete } = await indexIssues(deps.plane, all, selected, settings);
  await confirmUnlisted(deps.plane, calendars, issues);
  return { calendars, issues, listingComplete };
}

/** Every active project's issues. A selected project that cannot be listed stops the check; another one only makes it cautious. */
async function indexIssues(plane: PlaneSource, all: PlaneProject[], selected: PlaneProject[], settings: ScanSettings) {
  const issues = new Map<string, IssueFacts>();
  let listingComplete = true;
  for (const project of all.filter((p) => !p.archived_at)) {
    try {
      for await (const page of plane.listIssues(project.id)) {
        for (const issue of page) issues.set(issue.id.toLowerCase(), { projectId: project.id, dated: Boolean(issue.target_date) });
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
