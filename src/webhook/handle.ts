/**
 * One verified delivery, handled as a hint: whatever the body says, Plane's API is asked again
 * and the sync core decides. Issue deliveries reconcile that one issue; project deliveries sync
 * that project; everything else (cycle, module, issue_comment) changes no event.
 */
import type { CalendarStore } from '../caldav/store.js';
import type { CalendarEntry } from '../config/types.js';
import type { RequestStats } from '../http/fetcher.js';
import type { PlaneEditor } from '../plane/types.js';
import { Writer } from '../sync/apply.js';
import type { ItemDefaults } from '../sync/desired.js';
import type { DeleteGuard } from '../sync/plan.js';
import {
  type CalendarReport,
  type ProjectReport,
  projectsOfCalendars,
  type RunReport,
  SCHEMA_VERSION,
  sumTotals,
} from '../sync/report.js';
import { defaultEntries, type PlaneWriteGuard, planeWriteBudget, runSync, writesBack } from '../sync/run.js';
import { todayIn } from '../views/filter.js';
import type { Delivery, WebhookAction } from './delivery.js';
import {
  findOwnedEvents,
  isSelected,
  type KnownCalendar,
  reconcileIssue,
  type WebhookContext,
  type WebhookPlane,
} from './issue.js';

export interface WebhookDeps {
  plane: WebhookPlane;
  /** Plane's write side, for calendars with `writeBack`. */
  editor?: PlaneEditor | undefined;
  store: CalendarStore;
  stats: { plane: RequestStats; caldav: RequestStats };
}

export interface WebhookSettings {
  webUrl: string;
  workspaceSlug: string;
  /** sync.timeZone and sync.defaultDuration, for timed items; default UTC and PT1H. */
  items?: ItemDefaults | undefined;
  calendarNameTemplate: string;
  /** The `calendars` entries; default: one calendar per project. */
  entries?: readonly CalendarEntry[] | undefined;
  /** "YYYY-MM-DD" that filter windows count from; default: today in the process's zone. */
  today?: string | undefined;
  /** `plane.projects`; empty = every project. */
  projects: string[];
  /** For project deliveries, which run a whole project sync. */
  guard: DeleteGuard;
  /** sync.maxPlaneWrites (write-back). */
  planeWrites?: PlaneWriteGuard | undefined;
  /** A project's calendar URL from the discovery cache, when fresh; a stale one costs a retry, never a wrong write. */
  knownCalendarUrl?: ((projectId: string) => string | undefined) | undefined;
  /** Every project calendar the discovery cache knows, for a `deleted` body (which names no project). */
  knownCalendars?: (() => KnownCalendar[]) | undefined;
}

/** The sync's RunReport (schema 1) plus what the delivery was. */
export interface WebhookReport extends RunReport {
  webhook: {
    event: string;
    action: WebhookAction;
    /** `data.id`: the issue or project the delivery was about. */
    id: string;
    deliveryId: string | null;
    /** Why nothing was done (an event calplanebot does not mirror, a deleted project, …); null when handled. */
    nothingToDo: string | null;
  };
}

interface Handled {
  projects: ProjectReport[];
  calendars: CalendarReport[];
  nothingToDo: string | null;
}

export async function handleDelivery(
  delivery: Delivery,
  deps: WebhookDeps,
  settings: WebhookSettings,
): Promise<WebhookReport> {
  const started = performance.now();
  const entries = settings.entries ?? defaultEntries(settings.calendarNameTemplate);
  const ctx: WebhookContext = {
    plane: deps.plane,
    store: deps.store,
    writer: new Writer(deps.store, undefined, undefined, writesBack(entries) ? deps.editor : undefined),
    calendars: [],
    entries,
    today: settings.today ?? todayIn(undefined, new Date()),
    webUrl: settings.webUrl,
    workspaceSlug: settings.workspaceSlug,
    items: settings.items,
    guard: settings.guard,
    planeWriteBudget: planeWriteBudget(settings.planeWrites),
    selectors: settings.projects,
    knownCalendarUrl: settings.knownCalendarUrl ?? (() => undefined),
  };
  const handled = await dispatch(delivery, { ctx, deps, settings }, settings.knownCalendars ?? (() => []));
  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: false,
    projects: handled.projects,
    calendars: handled.calendars,
    totals: sumTotals(handled.calendars),
    durationMs: Math.round(performance.now() - started),
    requests: { plane: deps.stats.plane.requests, caldav: deps.stats.caldav.requests },
    webhook: {
      event: delivery.event,
      action: delivery.action,
      id: delivery.id,
      deliveryId: delivery.deliveryId,
      nothingToDo: handled.nothingToDo,
    },
  };
}

interface Handling {
  ctx: WebhookContext;
  deps: WebhookDeps;
  settings: WebhookSettings;
}

function dispatch(delivery: Delivery, handling: Handling, knownCalendars: () => KnownCalendar[]): Promise<Handled> {
  switch (delivery.event) {
    case 'issue':
      return handleIssue(delivery, handling.ctx, knownCalendars);
    case 'project':
      return handleProject(delivery, handling);
    case 'cycle':
    case 'module':
      return handleBlock(delivery, handling);
    default:
      return Promise.resolve(nothing(`${delivery.event} deliveries change no event (calplanebot mirrors issues)`));
  }
}

/** An issue whose project no calendar shows: outside plane.projects, or every entry's filter.projects. */
const NOT_SHOWN = "the issue's project is not in plane.projects (or in no calendar's filter.projects)";

async function handleIssue(
  delivery: Delivery,
  ctx: WebhookContext,
  knownCalendars: () => KnownCalendar[],
): Promise<Handled> {
  if (delivery.projectId !== null)
    return handled(await reconcileIssue(ctx, delivery.id, delivery.projectId), NOT_SHOWN);
  // A `deleted` body carries only the id: find the event, then let the re-fetch decide.
  const found = await findOwnedEvents(ctx.store, delivery.id, knownCalendars(), ctx.entries);
  if (found.length === 0) return nothing('no calendar calplanebot manages holds an event for this issue');
  const calendars: CalendarReport[] = [];
  for (const { projectId, known } of found)
    calendars.push(...(await reconcileIssue(ctx, delivery.id, projectId, known)));
  return handled(calendars, NOT_SHOWN);
}

/** The projects' reports of a delivery: a project's default calendar, as `sync` reports it. */
function handled(calendars: CalendarReport[], otherwise: string): Handled {
  if (calendars.length === 0) return nothing(otherwise);
  return { projects: projectsOfCalendars(calendars), calendars, nothingToDo: null };
}

async function handleProject(delivery: Delivery, handling: Handling): Promise<Handled> {
  if (delivery.action === 'deleted') {
    return nothing(
      'the project was deleted; calplanebot never deletes calendars, so remove its calendar by hand if you no longer want it',
    );
  }
  return syncProjectShare(delivery.id, handling);
}

/**
 * A cycle or module changed: the share of its project in every calendar, when some calendar shows
 * that kind (its block may have moved, or gone). A body without a project (a deletion) is left to
 * the next sync.
 */
async function handleBlock(delivery: Delivery, handling: Handling): Promise<Handled> {
  const kind = delivery.event === 'cycle' ? 'cycles' : 'modules';
  if (!handling.ctx.entries.some((entry) => entry[kind] === true))
    return nothing(`no calendar shows ${kind} ("${kind}": true)`);
  if (delivery.projectId === null)
    return nothing(`the delivery names no project; the next sync updates the ${kind}' blocks`);
  return syncProjectShare(delivery.projectId, handling);
}

async function syncProjectShare(projectId: string, { ctx, deps, settings }: Handling): Promise<Handled> {
  const project = await ctx.plane.getProject(projectId);
  if (!project) return nothing('Plane does not show this project (deleted, or not visible to the API key)');
  if (project.archived_at)
    return nothing("the project is archived; sync leaves archived projects' calendars as they are");
  if (!isSelected(project, ctx.selectors)) return nothing('the project is not in plane.projects');
  // The project's share of every calendar, as `sync --project` does it.
  const run = await runSync(deps, {
    webUrl: settings.webUrl,
    workspaceSlug: settings.workspaceSlug,
    items: settings.items,
    calendarNameTemplate: settings.calendarNameTemplate,
    entries: ctx.entries,
    projects: [project.id],
    configuredProjects: settings.projects,
    today: ctx.today,
    guard: settings.guard,
    planeWrites: settings.planeWrites,
    dryRun: false,
  });
  return { projects: run.projects, calendars: run.calendars, nothingToDo: null };
}

function nothing(reason: string): Handled {
  return { projects: [], calendars: [], nothingToDo: reason };
}
