/**
 * One issue, reconciled on its own in every calendar it belongs to (or leaves): the sync's
 * filter, transform, planner and Writer applied to a single object, read from its deterministic
 * href instead of a calendar listing. Steady state with the default calendars: the issue GET (its
 * project expanded in the same request), one CalDAV GET, and a write only when a managed field
 * differs, plus CalDAV discovery (the calendar home) until it is cached; each further calendar
 * costs one GET (and its write).
 */
import type { CalendarStore, RemoteObject } from '../caldav/store.js';
import { type CalendarEntry, DEFAULT_VIEW_ID } from '../config/types.js';
import { HttpError, NotFoundError } from '../errors.js';
import { parseCalendarObject } from '../event/parse.js';
import { LEGACY_SCHEME, objectNameForUid, type UidScheme, uidScheme } from '../event/uid.js';
import type { PlaneIssue, PlaneProject, PlaneSource, PlaneUser } from '../plane/types.js';
import { type ApplyOutcome, mapPool, type Writer } from '../sync/apply.js';
import {
  type CalendarSyncContext,
  recordOutcomes,
  recordPlan,
  resolveCalendar,
  spendPlaneWrites,
} from '../sync/calendar-sync.js';
import { projectIdOfCalendar } from '../sync/calendars.js';
import { addIssue, type DesiredSet, emptyDesired, writeBackPlan } from '../sync/desired.js';
import { type Plan, plan, sameHref } from '../sync/plan.js';
import { type CalendarReport, emptyCalendarReport } from '../sync/report.js';
import { compileSelection, type FilterContext, usesMe } from '../views/filter.js';
import { matchesSelector } from '../views/projects.js';
import { type CalendarTarget, planTargets, viewOfCalendarUrl } from '../views/targets.js';

/** The Plane reads a webhook needs beyond the sync's. PlaneClient implements it. */
export interface WebhookPlane extends PlaneSource {
  getIssueWithProject(projectId: string, issueId: string): Promise<{ issue: PlaneIssue; project: PlaneProject } | null>;
  getProject(projectId: string): Promise<PlaneProject | null>;
}

export interface WebhookContext extends CalendarSyncContext {
  plane: WebhookPlane;
  writer: Writer;
  /** The `calendars` entries. */
  entries: readonly CalendarEntry[];
  /** "YYYY-MM-DD" in sync.timeZone, for filter windows. */
  today: string;
  /** `plane.projects`: ids or identifiers to limit to; empty = every project. */
  selectors: string[];
  /** Where a project's default calendar was last seen (the discovery cache), when known: no discovery needed. */
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
 * Brings one issue in line with Plane in every calendar of its project: upsert where the issue is
 * visible, dated and selected, delete the owned object where Plane answers 404, the date is gone
 * or the calendar's filter no longer shows it. Empty when the issue's project is outside
 * `plane.projects`. `known`: where a `deleted` body's event was found, in one calendar.
 */
export async function reconcileIssue(
  ctx: WebhookContext,
  issueId: string,
  projectId: string,
  known?: Known,
): Promise<CalendarReport[]> {
  const fetched = await ctx.plane.getIssueWithProject(projectId, issueId);
  if (fetched && !isSelected(fetched.project, ctx.selectors)) return [];
  // `plane.projects` holds for a gone issue too; asked once, and only when there is an event to delete.
  let selected: Promise<boolean> | undefined;
  const goneAllowed = () => (selected ??= goneIssueSelected(ctx, projectId));
  const select = await filterContext(ctx);
  // A gone issue's project is not looked up (it would cost a request): its reports name only the id.
  const project = fetched?.project ?? { id: projectId, identifier: '', name: '', archived_at: null };
  const targets = planTargets(ctx.entries, { selected: [project], universe: [project] }).filter(
    (t) => fetched || !known || sameView(t, known),
  );
  const reports: CalendarReport[] = [];
  for (const target of targets) {
    const report = emptyCalendarReport({ id: target.entry.id, name: target.displayName, project: target.project });
    const shape = { target, select: compileSelection(target.entry, select) };
    const desired = emptyDesired();
    if (fetched) addIssue(fetched.issue, fetched.project, shape, ctx, desired, report);
    const done = await reconcileIn(
      ctx,
      target,
      issueId,
      projectId,
      fetched?.project,
      desired,
      report,
      known && sameView(target, known) ? known.located : undefined,
      goneAllowed,
    );
    if (!done) return [];
    reports.push(report);
  }
  return reports;
}

/** Where a `deleted` body's event was found: the calendar entry it belongs to, and the object. */
export interface Known {
  view: string;
  located: Located;
}

function sameView(target: CalendarTarget, known: Known): boolean {
  return target.entry.id === known.view;
}

/** "me" costs a request, and only when a filter says it. */
async function filterContext(ctx: WebhookContext): Promise<FilterContext> {
  let me: PlaneUser | undefined;
  if (ctx.entries.some((entry) => usesMe(entry.filter))) me = await ctx.plane.currentUser();
  return { me, today: ctx.today };
}

/** False when a gone issue's project turns out to be outside `plane.projects`: nothing is written. */
async function reconcileIn(
  ctx: WebhookContext,
  target: CalendarTarget,
  issueId: string,
  projectId: string,
  project: PlaneProject | undefined,
  desired: DesiredSet,
  report: CalendarReport,
  known: Located | undefined,
  goneAllowed: () => Promise<boolean>,
): Promise<boolean> {
  const uid = target.scheme.uidFor(issueId);
  let located = known ?? (await readAtHref(ctx, target, projectId, uid));
  if (!project && target.legacy && !located.object && !known) {
    // Gone in Plane: its event may sit in a calendar adopted by name, which the deterministic URL misses.
    located = (await searchProjectCalendars(ctx, projectId, uid, located.calendarUrl)) ?? located;
  }
  if (!project && located.object && !(await goneAllowed())) return false;
  // Only a calendar seen to exist is reported: the discovery cache takes it from the report.
  if (located.object) report.calendarUrl = located.calendarUrl;
  let result = planOne(located, desired, target);
  spendPlaneWrites(result, ctx.planeWriteBudget);
  let outcomes =
    result.changes.length > 0 ? await ctx.writer.apply(result.changes, located.calendarUrl, target.scheme) : [];
  if (outcomes.some((o) => o.ok)) report.calendarUrl = located.calendarUrl;
  if (project && calendarMissing(outcomes)) {
    const retried = await intoResolvedCalendar(ctx, target, uid, desired, report);
    if (!retried) {
      recordPlan(result, report, writesBack(target), ctx.planeWriteBudget);
      return true; // the calendar could not be created: resolveCalendar reported why
    }
    ({ result, outcomes } = retried);
  }
  recordPlan(result, report, writesBack(target), ctx.planeWriteBudget);
  recordOutcomes(outcomes, report);
  return true;
}

/**
 * A `deleted` body names only the issue: look for its event at the deterministic href in every
 * calendar calplanebot manages: its own (`plane-{project id}`), those it marked when it adopted
 * them, and those the discovery cache saw a project in. The calendar says which project.
 */
export async function findOwnedEvents(
  store: CalendarStore,
  issueId: string,
  known: readonly KnownCalendar[] = [],
  entries: readonly CalendarEntry[] = [],
): Promise<Array<{ projectId: string; known: Known }>> {
  const keepsDefault = entries.length === 0 || entries.some((entry) => entry.id === DEFAULT_VIEW_ID);
  const calendars = (await store.listCalendars()).flatMap(
    (calendar): Array<{ projectId: string | undefined; calendarUrl: string; scheme: UidScheme }> => {
      const projectId = projectIdOfCalendar(calendar) ?? known.find((k) => sameHref(k.url, calendar.url))?.projectId;
      if (projectId && !keepsDefault) return [];
      if (projectId) return [{ projectId, calendarUrl: calendar.url, scheme: LEGACY_SCHEME }];
      // Another entry's calendar: the object names its project (X-CALPLANEBOT-PROJECT-ID).
      const view = viewOfCalendarUrl(calendar.url);
      if (!view || !entries.some((entry) => entry.id === view.entryId)) return [];
      return [{ projectId: view.projectId, calendarUrl: calendar.url, scheme: uidScheme(view.entryId) }];
    },
  );
  const reads = await mapPool(
    calendars,
    4,
    async ({ projectId, calendarUrl, scheme }): Promise<{ projectId: string; known: Known } | undefined> => {
      const uid = scheme.uidFor(issueId);
      const object = await getOrNull(store, `${calendarUrl}${objectNameForUid(uid)}`);
      const parsed = object ? parseCalendarObject(object.data) : undefined;
      if (!object || parsed?.uid !== uid) return undefined;
      const owner = projectId ?? parsed.projectId;
      return owner ? { projectId: owner, known: { view: scheme.view, located: { calendarUrl, object } } } : undefined;
    },
  );
  return reads.filter((read): read is { projectId: string; known: Known } => read !== undefined);
}

/** The event at its deterministic href, in the calendar last seen for the project (default calendars) or else at calplanebot's own URL. */
async function readAtHref(
  ctx: WebhookContext,
  target: CalendarTarget,
  projectId: string,
  uid: string,
): Promise<Located> {
  const calendarUrl =
    (target.legacy ? ctx.knownCalendarUrl(projectId) : undefined) ?? (await ctx.store.calendarUrlFor(target.slug));
  return {
    calendarUrl,
    object: atOwnHref(await getOrNull(ctx.store, `${calendarUrl}${objectNameForUid(uid)}`), uid, target.scheme),
  };
}

/**
 * What sits at the issue's href is planned only when it is the issue's event, or someone else's
 * object (counted as foreign, never touched). Another issue's event there is not this issue's
 * business: planned against this issue, it would look like an event whose issue is gone.
 */
function atOwnHref(object: RemoteObject | null, uid: string, scheme: UidScheme): RemoteObject | null {
  if (!object) return null;
  const found = parseCalendarObject(object.data).uid;
  return found === null || found === uid || scheme.issueIdOf(found) === null ? object : null;
}

/** The gone issue's event in another calendar of its project (adopted and marked): one listing, one GET each. */
async function searchProjectCalendars(
  ctx: WebhookContext,
  projectId: string,
  uid: string,
  alreadyRead: string,
): Promise<Located | undefined> {
  const wanted = projectId.toLowerCase();
  const candidates = (await ctx.store.listCalendars()).filter(
    (c) => projectIdOfCalendar(c)?.toLowerCase() === wanted && !sameHref(c.url, alreadyRead),
  );
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

function planOne(located: Located, desired: DesiredSet, target: CalendarTarget): Plan {
  return plan({
    calendarUrl: located.calendarUrl,
    desired: desired.events,
    remote: located.object ? [located.object] : [],
    listingComplete: desired.listingComplete,
    undatedIssueIds: desired.undated,
    protectedIssueIds: desired.invalid,
    unselectedIssueIds: desired.unselected,
    guard: NO_GUARD,
    scheme: target.scheme,
    trackProject: target.project === undefined,
    writeBack: writeBackPlan(target.entry, desired),
  });
}

function writesBack(target: CalendarTarget): boolean {
  return target.entry.writeBack !== undefined;
}

/**
 * A create that found no collection (404, or 409 as Radicale answers a PUT into a missing one):
 * the project's calendar is not at its own URL — not made yet, or adopted by display name.
 */
function calendarMissing(outcomes: ApplyOutcome[]): boolean {
  return outcomes.some(
    (o) =>
      !o.ok &&
      o.change.op === 'create' &&
      !o.replanned &&
      (o.error instanceof NotFoundError || (o.error instanceof HttpError && o.error.status === 409)),
  );
}

/** Finds (or creates) the project's calendar the way sync does, then plans and writes there. */
async function intoResolvedCalendar(
  ctx: WebhookContext,
  target: CalendarTarget,
  uid: string,
  desired: DesiredSet,
  report: CalendarReport,
): Promise<{ result: Plan; outcomes: ApplyOutcome[] } | undefined> {
  ctx.calendars.splice(0, ctx.calendars.length, ...(await ctx.store.listCalendars()));
  const calendar = await resolveCalendar(target, ctx, report);
  if (!calendar) return undefined;
  const object = report.calendarCreated ? null : await getOrNull(ctx.store, `${calendar.url}${objectNameForUid(uid)}`);
  const result = planOne({ calendarUrl: calendar.url, object }, desired, target);
  return { result, outcomes: await ctx.writer.apply(result.changes, calendar.url, target.scheme) };
}

export function isSelected(project: Pick<PlaneProject, 'id' | 'identifier'>, selectors: string[]): boolean {
  return selectors.length === 0 || selectors.some((selector) => matchesSelector(project, selector));
}
