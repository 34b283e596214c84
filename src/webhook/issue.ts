/**
 * One issue, reconciled on its own: the sync's transform, planner and Writer applied to a single
 * event, read from its deterministic href instead of a calendar listing. Steady state: the issue
 * GET (its project expanded in the same request), one CalDAV GET, and a write only when a
 * managed field differs, plus CalDAV discovery (the calendar home) until it is cached.
 */
import type { CalendarStore, RemoteObject } from '../caldav/store.js';
import { HttpError, NotFoundError } from '../errors.js';
import { parseCalendarObject } from '../event/parse.js';
import { isOwnedUid, objectNameForUid, uidForIssue } from '../event/uid.js';
import type { PlaneIssue, PlaneProject, PlaneSource } from '../plane/types.js';
import { mapPool, type ApplyOutcome, type Writer } from '../sync/apply.js';
import { calendarSlug, projectIdOfCalendar } from '../sync/calendars.js';
import { plan, sameHref, type Plan } from '../sync/plan.js';
import { addIssue, recordOutcomes, recordPlan, resolveCalendar, type DesiredSet, type ProjectSyncContext } from '../sync/project-sync.js';
import { emptyProjectReport, type ProjectReport } from '../sync/report.js';
import { matchesSelector } from '../sync/run.js';

/** The Plane reads a webhook needs beyond the sync's. PlaneClient implements it. */
export interface WebhookPlane extends PlaneSource {
  getIssueWithProject(projectId: string, issueId: string): Promise<{ issue: PlaneIssue; project: PlaneProject } | null>;
  getProject(projectId: string): Promise<PlaneProject | null>;
}

export interface WebhookContext extends ProjectSyncContext {
  plane: WebhookPlane;
  writer: Writer;
  /** `plane.projects`: ids or identifiers to limit to; empty = every project. */
  selectors: string[];
  /** Where a project's calendar was last seen (the discovery cache), when known: no discovery needed. */
  knownCalendarUrl: (projectId: string) => string | undefined;
}

/** A calendar known to mirror a project (the discovery cache's record of an earlier run). */
export interface KnownCalendar {
  projectId: string;
  url: string;
}

/** Where an issue's event lives (or would), and what is there now. */
export interface Located {
  calendarUrl: string;
  object: RemoteObject | null;
}

/** A single object, so the mass-delete guard (a share of a calendar) has nothing to measure. */
const NO_GUARD = { maxDeletePercent: 100, allowMassDelete: true };

/**
 * Brings one issue's event in line with Plane: upsert when the issue is visible and dated,
 * delete the owned event when Plane answers 404 or the date is gone. Undefined when the issue's
 * project is outside `plane.projects`.
 */
export async function reconcileIssue(ctx: WebhookContext, issueId: string, projectId: string, known?: Located): Promise<ProjectReport | undefined> {
  const uid = uidForIssue(issueId);
  const [fetched, first] = await Promise.all([
    ctx.plane.getIssueWithProject(projectId, issueId),
    known ?? readAtHref(ctx, projectId, uid),
  ]);
  if (fetched && !isSelected(fetched.project, ctx.selectors)) return undefined;
  let located = first;
  if (!fetched) {
    // Gone in Plane: its event may sit in a calendar adopted by name, which the deterministic URL misses.
    if (!located.object && !known) located = (await searchProjectCalendars(ctx, projectId, uid, located.calendarUrl)) ?? located;
    if (located.object && !(await goneIssueSelected(ctx, projectId))) return undefined;
  }

  // A gone issue's project is not looked up (it would cost a request): its report names only the id.
  const report = emptyProjectReport(fetched?.project ?? { id: projectId, identifier: '', name: '' });
  // Only a calendar seen to exist is reported: the discovery cache takes it from the report.
  if (located.object) report.calendarUrl = located.calendarUrl;
  const desired: DesiredSet = { pages: 1, events: [], undated: new Set(), invalid: new Set(), listingComplete: true };
  if (fetched) addIssue(fetched.issue, fetched.project, ctx, desired, report);

  let result = planOne(located, desired);
  let outcomes = result.changes.length > 0 ? await ctx.writer.apply(result.changes, located.calendarUrl) : [];
  if (outcomes.some((o) => o.ok)) report.calendarUrl = located.calendarUrl;
  if (fetched && calendarMissing(outcomes)) {
    const retried = await intoResolvedCalendar(ctx, fetched.project, uid, desired, report);
    if (!retried) {
      recordPlan(result, report);
      return report; // the calendar could not be created: resolveCalendar reported why
    }
    ({ result, outcomes } = retried);
  }
  recordPlan(result, report);
  recordOutcomes(outcomes, report);
  return report;
}

/**
 * A `deleted` body names only the issue: look for its event at the deterministic href in every
 * calendar calplanebot manages: its own (`plane-{project id}`), those it marked when it adopted
 * them, and those the discovery cache saw a project in. The calendar says which project.
 */
export async function findOwnedEvents(store: CalendarStore, issueId: string, known: readonly KnownCalendar[] = []): Promise<Array<{ projectId: string; located: Located }>> {
  const uid = uidForIssue(issueId);
  const calendars = (await store.listCalendars()).flatMap((calendar) => {
    const projectId = projectIdOfCalendar(calendar) ?? known.find((k) => sameHref(k.url, calendar.url))?.projectId;
    return projectId ? [{ projectId, calendarUrl: calendar.url }] : [];
  });
  const reads = await mapPool(calendars, 4, async ({ projectId, calendarUrl }) => ({
    projectId,
    located: { calendarUrl, object: await getOrNull(store, `${calendarUrl}${objectNameForUid(uid)}`) },
  }));
  return reads.filter(({ located }) => located.object !== null && parseCalendarObject(located.object.data).uid === uid);
}

/** The event at its deterministic href, in the calendar last seen for the project or else at calplanebot's own URL. */
async function readAtHref(ctx: WebhookContext, projectId: string, uid: string): Promise<Located> {
  const calendarUrl = ctx.knownCalendarUrl(projectId) ?? (await ctx.store.calendarUrlFor(calendarSlug(projectId)));
  return { calendarUrl, object: atOwnHref(await getOrNull(ctx.store, `${calendarUrl}${objectNameForUid(uid)}`), uid) };
}

/**
 * What sits at the issue's href is planned only when it is the issue's event, or someone else's
 * object (counted as foreign, never touched). Another issue's event there is not this issue's
 * business: planned against this issue, it would look like an event whose issue is gone.
 */
function atOwnHref(object: RemoteObject | null, uid: string): RemoteObject | null {
  if (!object) return null;
  const found = parseCalendarObject(object.data).uid;
  return found === null || found === uid || !isOwnedUid(found) ? object : null;
}

/** The gone issue's event in another calendar of its project (adopted and marked): one listing, one GET each. */
async function searchProjectCalendars(ctx: WebhookContext, projectId: string, uid: string, alreadyRead: string): Promise<Located | undefined> {
  const wanted = projectId.toLowerCase();
  const candidates = (await ctx.store.listCalendars()).filter((c) => projectIdOfCalendar(c)?.toLowerCase() === wanted && !sameHref(c.url, alreadyRead));
  for (const calendar of candidates) {
    const object = await getOrNull(ctx.store, `${calendar.url}${objectNameForUid(uid)}`);
    if (object && parseCalendarObject(object.data).uid === uid) return { calendarUrl: calendar.url, object };
  }
  return undefined;
}

/**
 * `plane.projects` holds for a gone issue too. A selector that is the project id decides at once;
 * an identifier needs the project (one request, and only when there is an event to delete).
 */
async function goneIssueSelected(ctx: WebhookContext, projectId: string): Promise<boolean> {
  if (ctx.selectors.length === 0) return true;
  if (ctx.selectors.some((selector) => selector.trim().toLowerCase() === projectId.toLowerCase())) return true;
  const project = await ctx.plane.getProject(projectId);
  return project !== null && isSelected(project, ctx.selectors);
}

/** An object inside a calendar that does not exist does not exist either, whichever way a store says it. */
async function getOrNull(store: CalendarStore, href: string): Promise<RemoteObject | null> {
  try {
    return await store.get(href);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

function planOne(located: Located, desired: DesiredSet): Plan {
  return plan({
    calendarUrl: located.calendarUrl,
    desired: desired.events,
    remote: located.object ? [located.object] : [],
    listingComplete: desired.listingComplete,
    undatedIssueIds: desired.undated,
    protectedIssueIds: desired.invalid,
    guard: NO_GUARD,
  });
}

/**
 * A create that found no collection (404, or 409 as Radicale answers a PUT into a missing one):
 * the project's calendar is not at its own URL — not made yet, or adopted by display name.
 */
function calendarMissing(outcomes: ApplyOutcome[]): boolean {
  return outcomes.some(
    (o) => !o.ok && o.change.op === 'create' && !o.replanned && (o.error instanceof NotFoundError || (o.error instanceof HttpError && o.error.status === 409)),
  );
}

/** Finds (or creates) the project's calendar the way sync does, then plans and writes there. */
async function intoResolvedCalendar(
  ctx: WebhookContext,
  project: PlaneProject,
  uid: string,
  desired: DesiredSet,
  report: ProjectReport,
): Promise<{ result: Plan; outcomes: ApplyOutcome[] } | undefined> {
  ctx.calendars.splice(0, ctx.calendars.length, ...(await ctx.store.listCalendars()));
  const calendar = await resolveCalendar(project, ctx, report);
  if (!calendar) return undefined;
  const object = report.calendarCreated ? null : await getOrNull(ctx.store, `${calendar.url}${objectNameForUid(uid)}`);
  const result = planOne({ calendarUrl: calendar.url, object }, desired);
  return { result, outcomes: await ctx.writer.apply(result.changes, calendar.url) };
}

export function isSelected(project: Pick<PlaneProject, 'id' | 'identifier'>, selectors: string[]): boolean {
  return selectors.length === 0 || selectors.some((selector) => matchesSelector(project, selector));
}
