/**
 * What a calendar should hold: Plane's listing of a project (its work items, and its cycles and
 * modules when a calendar shows them) turned into one calendar's desired objects, with the items
 * that call for none (undated, not selected) or cannot be made (invalid), which the planner needs
 * to tell a deletion's reason. Pure but for readListing, the one read of Plane.
 */
import { createHash } from 'node:crypto';
import { cycleToEvent, moduleToEvent } from '../event/blocks.js';
import type { EventModel } from '../event/model.js';
import { issueToEvent, type TransformContext } from '../event/transform.js';
import type { PlaneCycle, PlaneIssue, PlaneModule, PlaneProject, PlaneSource } from '../plane/types.js';
import type { IssueFilter } from '../views/filter.js';
import type { CalendarTarget } from '../views/targets.js';
import type { WriteBackPlan } from './plan.js';
import { reportedError, type SyncUnitReport } from './report.js';
import type { Reviser } from './write-back.js';

/** What making a calendar's objects reads besides Plane's answers. */
export interface ItemContext {
  webUrl: string;
  workspaceSlug: string;
  items?: ItemDefaults | undefined;
}

export interface ItemDefaults {
  /** The zone of a timed item whose project names none. */
  timeZone: string | undefined;
  /** A timed event's length when it is no span. */
  defaultDuration: string;
}

/** The transform's settings for one calendar: its entry's keys, and the run's defaults. */
export function transformContext(target: Pick<CalendarTarget, 'scheme' | 'entry'>, ctx: ItemContext): TransformContext {
  const { scheme, entry } = target;
  return {
    webUrl: ctx.webUrl,
    workspaceSlug: ctx.workspaceSlug,
    scheme,
    summary: entry.summary,
    dates: entry.dates,
    alarms: entry.alarms,
    as: entry.as,
    undated: entry.undated,
    times: entry.times,
    timeZone: ctx.items?.timeZone,
    defaultDuration: ctx.items?.defaultDuration,
    writeBack: entry.writeBack !== undefined,
  };
}

/** What the planner needs for a calendar whose entry writes back; undefined for any other. */
export function writeBackPlan(
  entry: Pick<CalendarTarget['entry'], 'writeBack'>,
  desired: DesiredSet,
): WriteBackPlan | undefined {
  const { writeBack } = entry;
  if (writeBack === undefined) return undefined;
  return { fields: new Set(writeBack.fields), revisers: desired.revisers, completedState: writeBack.completedState };
}

/** What Plane listed for a project, not yet turned into events: a converged calendar never needs them. */
export interface Listing {
  project: PlaneProject;
  issues: PlaneIssue[];
  /** Read only when a calendar of the project shows them. */
  cycles?: PlaneCycle[] | undefined;
  modules?: PlaneModule[] | undefined;
  /** A digest of the cycles and modules read, for the calendar cache of the calendars that show them. */
  blocksDigest?: string | undefined;
  /** One digest per page read, in order. */
  digests: string[];
  /** False when a page failed (`error`): then nothing may be deleted. */
  complete: boolean;
  error?: unknown;
}

export interface DesiredSet {
  /** Pages read per project: offset pagination can skip an item when the list shifts between pages. */
  pages: Map<string, number>;
  events: EventModel[];
  undated: Set<string>;
  invalid: Set<string>;
  /** Dated issues the calendar's filter leaves out. */
  unselected: Set<string>;
  listingComplete: boolean;
  /** Which of cycles and modules the calendar shows. */
  blocks: Set<'cycle' | 'module'>;
  /** A calendar that writes back: each work item's object as a change in Plane would make it, by UID. */
  revisers: Map<string, Reviser>;
}

export function emptyDesired(): DesiredSet {
  return {
    pages: new Map(),
    events: [],
    undated: new Set(),
    invalid: new Set(),
    unselected: new Set(),
    listingComplete: true,
    blocks: new Set(),
    revisers: new Map(),
  };
}
/** Which of a project's cycles and modules some calendar shows: one request per kind, only then. */
export interface BlockKinds {
  cycles: boolean;
  modules: boolean;
}

/**
 * Every page of the project's issues, as Plane sent them, with their digests when a calendar
 * cache will want them, and its cycles and modules when asked; a failed page ends the listing,
 * incomplete. Never throws.
 */
export async function readListing(
  project: PlaneProject,
  plane: PlaneSource,
  withDigests: boolean,
  blocks: BlockKinds = { cycles: false, modules: false },
): Promise<Listing> {
  const listing: Listing = { project, issues: [], digests: [], complete: false };
  try {
    for await (const page of plane.listIssues(project.id)) {
      listing.digests.push(withDigests ? page.digest() : '');
      for (const issue of page.issues) listing.issues.push(issue);
    }
    if (blocks.cycles) listing.cycles = await plane.listCycles(project.id);
    if (blocks.modules) listing.modules = await plane.listModules(project.id);
    if (withDigests && (blocks.cycles || blocks.modules))
      listing.blocksDigest = createHash('sha256')
        .update(JSON.stringify([listing.cycles ?? null, listing.modules ?? null]))
        .digest('hex');
    listing.complete = true;
  } catch (error) {
    listing.error = error;
  }
  return listing;
}

/** How a calendar shows a project's items: which it selects, and the UIDs it gives them. */
export interface Shape {
  target: Pick<CalendarTarget, 'scheme' | 'entry'>;
  select: IssueFilter;
}

/** The listing's issues as the objects they call for in one calendar (and those that call for none, or cannot be made). */
export function addListing(
  listing: Listing,
  shape: Shape,
  ctx: ItemContext,
  set: DesiredSet,
  report: SyncUnitReport,
): void {
  set.pages.set(listing.project.id.toLowerCase(), listing.digests.length);
  if (!listing.complete) set.listingComplete = false;
  for (const issue of listing.issues) addIssue(issue, listing.project, shape, ctx, set, report);
  const { entry } = shape.target;
  if (entry.cycles)
    addBlocks(
      'cycle',
      listing.cycles,
      (cycle, tc) => cycleToEvent(cycle, listing.project, tc),
      shape,
      ctx,
      set,
      report,
    );
  if (entry.modules)
    addBlocks(
      'module',
      listing.modules,
      (module, tc) => moduleToEvent(module, listing.project, tc),
      shape,
      ctx,
      set,
      report,
    );
}

/** A project's cycles or modules as blocks; one without both dates has none (and loses any it had). */
function addBlocks<T extends { id: string }>(
  kind: 'cycle' | 'module',
  items: readonly T[] | undefined,
  toEvent: (item: T, ctx: TransformContext) => EventModel | null,
  shape: Shape,
  ctx: ItemContext,
  set: DesiredSet,
  report: SyncUnitReport,
): void {
  set.blocks.add(kind);
  const tc = transformContext(shape.target, ctx);
  for (const item of items ?? []) {
    try {
      const event = toEvent(item, tc);
      if (event) set.events.push(event);
      else set.undated.add(item.id);
    } catch (error) {
      set.invalid.add(item.id);
      report.failed += 1;
      report.errors.push(
        reportedError('transform', error, { uid: shape.target.scheme.uidFor(item.id, kind), issueId: item.id }),
      );
    }
  }
}

export function addIssue(
  issue: PlaneIssue,
  project: PlaneProject,
  shape: Shape,
  ctx: ItemContext,
  set: DesiredSet,
  report: SyncUnitReport,
): void {
  const uid = shape.target.scheme.uidFor(issue.id);
  try {
    if (!shape.select(issue)) {
      set.unselected.add(issue.id);
      return;
    }
    const tc = transformContext(shape.target, ctx);
    const event = issueToEvent(issue, project, tc);
    if (event) {
      set.events.push(event);
      if (tc.writeBack) set.revisers.set(event.uid, (changes) => issueToEvent({ ...issue, ...changes }, project, tc));
    } else {
      set.undated.add(issue.id);
      report.skipped += 1;
    }
  } catch (error) {
    // A malformed issue is reported and its existing event kept; the rest of the project goes on.
    set.invalid.add(issue.id);
    report.failed += 1;
    report.errors.push(reportedError('transform', error, { uid, issueId: issue.id }));
  }
}
