/**
 * One calendar, end to end: find (or make) it, list it, plan against the objects its entry
 * selects, and (unless dry) apply. The run (calendar-run.ts) reads Plane once per project and hands each
 * calendar its desired objects; every failure is caught here and written into the calendar's
 * report, so one calendar can never stop the others.
 */
import {
  accepts,
  type CalendarComponent,
  type CalendarRef,
  type CalendarStore,
  type RemoteObject,
} from '../caldav/store.js';
import type { JournaledStore, OwnWrite } from '../caldav/write-journal.js';
import type { CalendarEntry } from '../config/types.js';
import { CalendarComponentError, describeError, NotFoundError } from '../errors.js';
import type { PlaneProject, PlaneSource } from '../plane/types.js';
import type { CalendarTarget } from '../views/targets.js';
import type { ApplyOutcome, Writer } from './apply.js';
import { type CalendarCache, type ConvergedCounts, calendarVersion } from './calendar-cache.js';
import type { SnapshotStore } from './calendar-snapshots.js';
import { matchCalendar } from './calendars.js';
import { type DesiredSet, type ItemDefaults, writeBackPlan } from './desired.js';
import { type CalendarRead, mergeChanges, readObjects } from './incremental-read.js';
import {
  type CalendarChange,
  capPlaneWrites,
  type DeleteChange,
  type DeleteGuard,
  type Plan,
  plan,
  sameHref,
} from './plan.js';
import { reportedError, type SyncUnitReport } from './report.js';

export interface CalendarSyncContext {
  plane: PlaneSource;
  store: CalendarStore;
  /** Undefined in a dry run: nothing is written, not even a missing calendar. */
  writer: Writer | undefined;
  calendars: CalendarRef[];
  webUrl: string;
  workspaceSlug: string;
  guard: DeleteGuard;
  onProgress?: ((message: string) => void) | undefined;
  /** Worth knowing, not a failure (a server that keeps no calendar mark); shown under --verbose. */
  onWarning?: ((message: string) => void) | undefined;
  /** Calendars left converged by an earlier run: their listing is skipped (src/sync/calendar-cache.ts). */
  calendarCache?: CalendarCache | undefined;
  /** What each calendar held when last read, for reading only what changed since (incremental-read.ts). */
  snapshots?: SnapshotStore | undefined;
  /** The store as the run writes through it, remembering its own writes for the snapshots. */
  journal?: JournaledStore | undefined;
  /** sync.timeZone and sync.defaultDuration: what a timed item falls back on. */
  items?: ItemDefaults | undefined;
  /** sync.maxPlaneWrites for the whole run (write-back), shared by its calendars. */
  planeWriteBudget?: PlaneWriteBudget | undefined;
}

/** How many changes for Plane the run may still make (sync.maxPlaneWrites, --allow-mass-write). */
export interface PlaneWriteBudget {
  /** sync.maxPlaneWrites. */
  max: number;
  remaining: number;
  /** --allow-mass-write: no limit. */
  unlimited: boolean;
}

/** What the run hands a calendar. */
export interface CalendarInput {
  /** The calendar-cache key of its complete listings; undefined: the calendar is listed whatever the cache says. */
  cacheKey: string | undefined;
  /** False when a project's listing failed: then nothing may be deleted. */
  complete: boolean;
  /** Whether any listed item is dated: an incomplete listing with none has nothing to do safely. */
  hasDated: boolean;
  /** Its desired objects, made when needed (a converged calendar never needs them). */
  desired: () => DesiredSet;
}

/** A shard of a calendar spanning projects plans only the share of the projects it read. */
function scopeOf(target: CalendarTarget): Set<string> | undefined {
  return target.complete ? undefined : new Set(target.projects.map((p) => p.id.toLowerCase()));
}

/** How progress lines name a calendar: its project, or its display name when it spans projects. */
function labelOf(target: CalendarTarget): string {
  return target.project?.identifier ?? target.displayName;
}

/** The cache's name for who a calendar belongs to: the project id for today's calendars (as before entries existed). */
function cacheOwner(target: CalendarTarget): string {
  return target.legacy && target.project ? target.project.id : `view:${target.key}`;
}

export async function syncCalendar(
  target: CalendarTarget,
  input: CalendarInput,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<void> {
  if (!input.complete && !input.hasDated) return; // a listing failed and left nothing to do safely
  const resolved = await resolveCalendar(target, ctx, report);
  if (!resolved) return;
  const key = input.cacheKey;
  // A calendar made just now holds nothing yet: no record can be of it.
  const converged =
    key !== undefined && !report.calendarCreated
      ? ctx.calendarCache?.converged(cacheOwner(target), resolved, key)
      : undefined;
  if (converged) {
    report.unchanged = converged.unchanged;
    report.skipped = converged.skipped;
    report.foreign = converged.foreign;
    return;
  }
  // Made before the calendar is read, so that Plane's issues are garbage while that answer is awaited.
  const desired = input.desired();

  ctx.onProgress?.(`${labelOf(target)}: reading the calendar`);
  const listed = await readCalendar(target, resolved, ctx, report);
  if (!listed) return;
  const { calendar, read } = listed;
  let remote: RemoteObject[];
  try {
    remote = await read.objects(); // from the snapshot's data, when the read did not need it
  } catch (error) {
    report.errors.push(reportedError('list-calendar', error));
    report.failed += 1;
    return;
  }

  const result = plan({
    calendarUrl: report.calendarUrl ?? calendar.url,
    desired: desired.events,
    remote,
    listingComplete: desired.listingComplete,
    undatedIssueIds: desired.undated,
    protectedIssueIds: desired.invalid,
    unselectedIssueIds: desired.unselected,
    guard: ctx.guard,
    scheme: target.scheme,
    scope: scopeOf(target),
    trackProject: target.project === undefined,
    blocks: desired.blocks,
    writeBack: writeBackPlan(target.entry, desired),
  });
  try {
    await confirmGone(result, target, desired.pages, ctx);
  } catch (error) {
    withholdAllDeletes(result, 'listing-incomplete');
    report.errors.push(reportedError('list-issues', error));
  }
  spendPlaneWrites(result, ctx.planeWriteBudget);
  recordPlan(result, report, target.entry.writeBack !== undefined, ctx.planeWriteBudget);
  if (result.outOfScope > 0) report.outOfScope = result.outOfScope;

  let outcomes: ApplyOutcome[] = [];
  if (!ctx.writer) {
    countPlanned(result, report); // a dry run reports what it would do
  } else if (result.changes.length > 0) {
    ctx.onProgress?.(`${labelOf(target)}: writing ${result.changes.length} change(s)`);
    outcomes = await ctx.writer.apply(result.changes, report.calendarUrl ?? '', target.scheme);
    recordOutcomes(outcomes, report);
  }
  const writes = ctx.journal?.takeWrites(calendar.url) ?? new Map<string, OwnWrite>();
  const clean =
    !result.withheld && !result.withheldWrites && result.duplicates.length === 0 && report.errors.length === 0;
  const confirmed = await saveSnapshot(calendar, read, writes, ctx, clean && allApplied(outcomes));
  // Converged: nothing needed writing, or every write was confirmed (at the token its answer gave).
  const matches = clean && (result.changes.length === 0 || confirmed !== undefined);
  rememberConvergence(target, confirmed ? { ...calendar, syncToken: confirmed } : calendar, key, matches, ctx, report);
}

/** Every change written as planned, none of them for Plane (which would change the next listing anyway). */
function allApplied(outcomes: readonly ApplyOutcome[]): boolean {
  return outcomes.every((o) => o.ok && !o.skipped && !o.withheld && o.change.op !== 'write-back');
}

/**
 * The calendar as this run leaves it: what it read, with its own writes applied (calendar-snapshots.ts).
 * When every change was written (`confirm`), the server is asked what changed since the token the
 * calendar was read at: nothing but our own writes, each back with the ETag its PUT answered, means
 * the calendar is exactly the snapshot at the token that answer gives, which is returned (the
 * version the next run will find, if nobody touches it). Otherwise the snapshot stands at the
 * token read before the writes, and the next run's delta covers them.
 * Only a sync run saves (a dry run keeps the state dir as it was); without a token (a server
 * without sync-collection) there is nothing to save.
 */
async function saveSnapshot(
  calendar: CalendarRef,
  read: CalendarRead,
  writes: ReadonlyMap<string, OwnWrite>,
  ctx: CalendarSyncContext,
  confirm: boolean,
): Promise<string | undefined> {
  const { snapshots } = ctx;
  if (!snapshots?.enabled || !ctx.writer) return undefined;
  if (read.token === undefined) {
    snapshots.drop(calendar.url);
    return undefined;
  }
  if (read.sameAs && writes.size === 0) {
    // Nothing new and nothing written: the data file stands, the head moves on to the new token.
    snapshots.saveHead(calendar.url, { ...read.sameAs, token: read.token, version: calendarVersion(calendar) });
    return undefined;
  }
  const objects = new Map((await read.objects()).map((o) => [o.href, o]));
  for (const [href, write] of writes) {
    if (write === null) objects.delete(href);
    else objects.set(href, { href, ...write });
  }
  const confirmed =
    writes.size > 0 && confirm ? await ownWritesOnly(calendar, read.token, objects, writes, ctx) : undefined;
  const token = confirmed ?? read.token;
  const version = confirmed ? `sync-token:${confirmed}` : writes.size === 0 ? calendarVersion(calendar) : undefined;
  snapshots.save(calendar.url, { token, version, objects: [...objects.values()] });
  return confirmed;
}

/**
 * The token after our writes, when the delta since `token` holds our writes, each as we made it,
 * and nothing else; undefined otherwise (then the next run's delta tells). A delta that leaves out
 * one of our writes is odd, and proves nothing.
 */
async function ownWritesOnly(
  calendar: CalendarRef,
  token: string,
  objects: ReadonlyMap<string, RemoteObject>,
  writes: ReadonlyMap<string, OwnWrite>,
  ctx: CalendarSyncContext,
): Promise<string | undefined> {
  try {
    const changes = await ctx.store.changesSince(calendar, token);
    const etags = new Map([...objects].map(([href, o]) => [href, o.etag]));
    // Anything the objects do not already hold as they are is someone else's (a removal we made is not there).
    const foreign = mergeChanges(etags, changes).fresh > 0;
    const changed = new Set(changes.changed.map((c) => c.href));
    const removed = new Set(changes.removed);
    const allOurs = [...writes].every(([href, write]) => (write === null ? removed.has(href) : changed.has(href)));
    return !foreign && allOurs ? changes.token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Only a calendar known to match the listing's events is remembered (see calendar-cache.ts): one
 * whose listing needed no change, or whose changes were all written and confirmed (`calendar`
 * then carries the token they led to).
 */
function rememberConvergence(
  target: CalendarTarget,
  calendar: CalendarRef,
  key: string | undefined,
  matches: boolean,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): void {
  if (!ctx.calendarCache) return;
  // Every event of the listing in place: the unchanged ones and those just written.
  const counts: ConvergedCounts = {
    unchanged: report.unchanged + report.created + report.updated,
    skipped: report.skipped,
    foreign: report.foreign,
  };
  if (key !== undefined && matches) ctx.calendarCache.remember(cacheOwner(target), calendar, key, counts);
  else ctx.calendarCache.forget(calendar.url);
}

/**
 * The target's calendar: at its own URL; for the default entry also one marked for its project or
 * adopted by display name (calendars.ts). Missing: created (in a dry run, planned against empty).
 */
export async function resolveCalendar(
  target: Pick<CalendarTarget, 'slug' | 'displayName' | 'legacy' | 'project' | 'entry'>,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<CalendarRef | undefined> {
  const { displayName, project } = target;
  const component = componentOf(target.entry);
  try {
    const ownUrl = await ctx.store.calendarUrlFor(target.slug);
    const unfit = ctx.calendars.find((c) => sameHref(c.url, ownUrl) && !accepts(c, component));
    if (unfit) throw wrongComponent(unfit, component);
    // Only a calendar that takes the entry's component can be adopted.
    const candidates = ctx.calendars.filter((c) => accepts(c, component));
    const match = matchCalendar(candidates, ownUrl, displayName, target.legacy ? project?.id : undefined);
    if (match.kind === 'found') {
      report.calendarUrl = match.calendar.url;
      if (match.rename) await renameFound(match.calendar, match.rename, ctx, report);
      if (match.mark && ctx.writer && project) await markAdopted(match.calendar, project, ctx.writer, ctx);
      return match.calendar;
    }
    report.calendarUrl = match.url;
    report.calendarCreated = true;
    if (!ctx.writer) return { url: match.url, displayName }; // dry run: plan against an empty calendar
    return await createOrAdopt(match.url, displayName, component, ctx.writer, ctx, report);
  } catch (error) {
    report.calendarCreated = false; // it was not, whatever the attempt got to
    report.errors.push(reportedError('create-calendar', error));
    report.failed += 1;
    return undefined;
  }
}

/** Keeps the display name in step with the project; a dry run only reports the pending rename. */
async function renameFound(
  calendar: CalendarRef,
  displayName: string,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<void> {
  const pending = { from: calendar.displayName, to: displayName };
  if (!ctx.writer) {
    report.calendarRenamed = pending;
    return;
  }
  try {
    await ctx.writer.renameCalendar(calendar, displayName);
    calendar.displayName = displayName; // the shared list too: later projects see the new name
    report.calendarRenamed = pending;
  } catch (error) {
    report.errors.push(reportedError('rename-calendar', error));
  }
}

/**
 * A calendar adopted by display name is marked with the project id, so a later rename of the
 * project (or of caldav.calendarName) finds this calendar again instead of making a second one,
 * and no other project adopts it. Best-effort: a server that keeps no dead properties still syncs.
 */
async function markAdopted(
  calendar: CalendarRef,
  project: PlaneProject,
  writer: Writer,
  ctx: CalendarSyncContext,
): Promise<void> {
  try {
    await writer.markCalendar(calendar, project.id);
    calendar.projectId = project.id;
  } catch (error) {
    ctx.onWarning?.(
      `${project.identifier}: the CalDAV server did not keep calplanebot's mark on the adopted calendar "${calendar.displayName}" (${describeError(error)}); it is found by its display name only, so renaming the project will start a new calendar`,
    );
  }
}

/**
 * MKCALENDAR. When it fails because the calendar is there after all (a concurrent run made it, or
 * the server made it and its answer was lost, so the retry met "already exists"), adopt that one.
 */
async function createOrAdopt(
  url: string,
  displayName: string,
  component: CalendarComponent,
  writer: Writer,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<CalendarRef> {
  try {
    const created = await writer.createCalendar(url, displayName, component);
    ctx.calendars.push(created);
    return created;
  } catch (error) {
    const existing = (await refreshCalendars(ctx).catch(() => [])).find((c) => sameHref(c.url, url));
    if (!existing) throw error;
    if (!accepts(existing, component)) throw wrongComponent(existing, component);
    report.calendarCreated = false; // someone else's creation: list it, it may hold events already
    return existing;
  }
}

/** VTODO for a task list, VEVENT otherwise. */
export function componentOf(entry: Pick<CalendarEntry, 'as'>): CalendarComponent {
  return entry.as === 'tasks' ? 'VTODO' : 'VEVENT';
}

function wrongComponent(calendar: CalendarRef, component: CalendarComponent): CalendarComponentError {
  const holds = calendar.components?.join(', ') ?? 'other components';
  const what = component === 'VTODO' ? 'tasks' : 'events';
  return new CalendarComponentError(
    `the calendar "${calendar.displayName}" at ${calendar.url} takes only ${holds}, not the ${what} (${component}) this entry writes`,
    {
      hint: 'delete that calendar so calplanebot makes it again for the right component, or give the entry another id',
    },
  );
}

/** Reads the calendar list again, in place: every later project sees the fresh one too. */
async function refreshCalendars(ctx: CalendarSyncContext): Promise<CalendarRef[]> {
  const fresh = await ctx.store.listCalendars();
  ctx.calendars.splice(0, ctx.calendars.length, ...fresh);
  return fresh;
}

/**
 * What the project's calendar holds. A 404 on the listing means the calendar went away or moved
 * since the calendar list was read: the list is read again and the calendar resolved once more
 * (adopted where it now is, or created), then listed; a second failure is reported.
 */
async function readCalendar(
  target: CalendarTarget,
  calendar: CalendarRef,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<{ calendar: CalendarRef; read: CalendarRead } | undefined> {
  let failure: unknown;
  try {
    return { calendar, read: await listObjects(calendar, ctx, report) };
  } catch (error) {
    failure = error;
  }
  if (failure instanceof NotFoundError) {
    try {
      await refreshCalendars(ctx);
      const again = await resolveCalendar(target, ctx, report);
      if (!again) return undefined;
      return { calendar: again, read: await listObjects(again, ctx, report) };
    } catch (error) {
      failure = error;
    }
  }
  report.errors.push(reportedError('list-calendar', failure));
  report.failed += 1;
  return undefined;
}

async function listObjects(
  calendar: CalendarRef,
  ctx: CalendarSyncContext,
  report: SyncUnitReport,
): Promise<CalendarRead> {
  if (report.calendarCreated)
    return { objects: async () => [], token: await firstToken(calendar, ctx), how: 'listing', fresh: 0 };
  return readObjects(ctx.store, calendar, ctx.snapshots, ctx.onWarning);
}

/** A calendar just made is empty: its first sync-token, for its snapshot (none in a dry run, or without RFC 6578). */
async function firstToken(calendar: CalendarRef, ctx: CalendarSyncContext): Promise<string | undefined> {
  if (!ctx.writer || !ctx.snapshots?.enabled) return undefined;
  try {
    const { token, changed } = await ctx.store.changesSince(calendar, undefined);
    return changed.length === 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Plane pages by offset: an issue deleted while we read page 1 shifts page 2 by one, and the
 * first issue of page 2 is never seen. Before deleting the events of issues a multi-page listing
 * did not show, Plane is asked again, whichever way costs fewer requests: one GET per such issue
 * when there are no more of them than listing pages, else one more read of the whole listing
 * (the same number of requests as pages). An issue Plane shows the second time keeps its event.
 */
async function confirmGone(
  result: Plan,
  target: CalendarTarget,
  pages: ReadonlyMap<string, number>,
  ctx: CalendarSyncContext,
): Promise<void> {
  const byProject = new Map<string, DeleteChange[]>();
  for (const change of result.changes) {
    if (change.op !== 'delete' || change.reason !== 'issue-gone') continue;
    // A calendar spanning projects says whose an object is by its X-CALPLANEBOT-PROJECT-ID.
    const projectId = (target.project?.id ?? change.projectId)?.toLowerCase();
    if (projectId === undefined || (pages.get(projectId) ?? 0) <= 1) continue;
    byProject.set(projectId, [...(byProject.get(projectId) ?? []), change]);
  }
  const kept = new Set<DeleteChange>();
  for (const [projectId, gone] of byProject) {
    const count = pages.get(projectId) ?? 0;
    const stillThere = gone.length <= count ? await askEach(gone, projectId, ctx) : await listAgain(projectId, ctx);
    for (const change of gone) if (stillThere.has(change.issueId.toLowerCase())) kept.add(change);
  }
  if (kept.size === 0) return;
  result.changes = result.changes.filter((c) => !kept.has(c as DeleteChange));
  result.unchanged += kept.size;
}

async function askEach(gone: DeleteChange[], projectId: string, ctx: CalendarSyncContext): Promise<Set<string>> {
  const found = new Set<string>();
  for (const change of gone) {
    if (await ctx.plane.getIssue(projectId, change.issueId)) found.add(change.issueId.toLowerCase());
  }
  return found;
}

/** Every issue id of a second, complete listing; a failed page throws (and every delete is withheld). */
async function listAgain(projectId: string, ctx: CalendarSyncContext): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const page of ctx.plane.listIssues(projectId))
    for (const issue of page.issues) found.add(issue.id.toLowerCase());
  return found;
}

function withholdAllDeletes(result: Plan, reason: 'listing-incomplete'): void {
  const deletes = result.changes.filter((c): c is DeleteChange => c.op === 'delete');
  if (deletes.length === 0) return;
  result.changes = result.changes.filter((c) => c.op !== 'delete');
  result.withheld = { reason, deletes };
}

/** The run's cap on changes for Plane: what is over it is withheld, its objects left as they are. */
export function spendPlaneWrites(result: Plan, budget: PlaneWriteBudget | undefined): void {
  if (budget === undefined || budget.unlimited) return;
  budget.remaining -= capPlaneWrites(result, Math.max(0, budget.remaining));
}

/** The plan as the report shows it; `writeBack`: the calendar's entry writes back (its report says what went to Plane). */
export function recordPlan(result: Plan, report: SyncUnitReport, writeBack = false, budget?: PlaneWriteBudget): void {
  report.unchanged = result.unchanged;
  report.foreign = result.foreign;
  report.duplicates = result.duplicates;
  const own = result.changes.filter((c): c is CalendarChange => c.op !== 'write-back');
  report.changes = own.map((c) => ({
    op: c.op,
    uid: c.uid,
    issueId: c.issueId,
    summary: c.summary,
    fields: c.fields,
    ...(c.op === 'delete' ? { reason: c.reason } : {}),
    applied: false,
  }));
  if (result.withheld) {
    const { reason, deletes } = result.withheld;
    report.withheldDeletes = { reason, count: deletes.length };
    report.errors.push({
      operation: 'delete-guard',
      message:
        reason === 'mass-delete'
          ? `refused to delete ${deletes.length} of ${result.owned} events (over sync.maxDeletePercent)`
          : `kept ${deletes.length} event(s) that may be stale: the Plane listing was incomplete`,
      hint:
        reason === 'mass-delete'
          ? 'if Plane really lost these issues, run `calplanebot sync --allow-mass-delete`'
          : 'the next complete sync will remove them',
    });
  }
  if (writeBack) recordWriteBack(result, report, budget);
}

function recordWriteBack(result: Plan, report: SyncUnitReport, budget: PlaneWriteBudget | undefined): void {
  report.planeChanges = result.changes.flatMap((c) =>
    c.op === 'write-back'
      ? [{ uid: c.uid, issueId: c.issueId, summary: c.summary, fields: c.fields, applied: false }]
      : [],
  );
  report.planeConflicts = result.conflicts.map(({ uid, issueId, summary, field, calendar, plane }) => ({
    uid,
    issueId,
    summary,
    field,
    calendar,
    plane,
  }));
  report.planeWrites = 0;
  report.conflicts = result.conflicts.length;
  const withheld = result.withheldWrites;
  if (!withheld) return;
  report.withheldPlaneWrites = { reason: withheld.reason, count: withheld.changes.length };
  // An incomplete listing is reported as such already; the cap is this run's own refusal.
  if (withheld.reason === 'max-plane-writes') {
    report.errors.push({
      operation: 'write-guard',
      message: `withheld ${withheld.changes.length} change(s) for Plane: over sync.maxPlaneWrites (${budget?.max ?? 0} per run); those calendar edits are kept for a later run`,
      hint: 'if so many calendar edits are intended, run `calplanebot sync --allow-mass-write`',
    });
  }
}

function countPlanned(result: Plan, report: SyncUnitReport): void {
  for (const change of result.changes) {
    if (change.op === 'write-back') report.planeWrites = (report.planeWrites ?? 0) + 1;
    else tally(change.op, report);
  }
}

function tally(op: CalendarChange['op'], report: SyncUnitReport): void {
  if (op === 'create') report.created += 1;
  else if (op === 'update') report.updated += 1;
  else report.deleted += 1;
}

/** Writes the Writer's outcomes into the report entries that recordPlan made (same order, calendar changes and changes for Plane apart). */
export function recordOutcomes(outcomes: ApplyOutcome[], report: SyncUnitReport): void {
  let own = 0;
  let forPlane = 0;
  for (const outcome of outcomes) {
    const { change } = outcome;
    const entry = change.op === 'write-back' ? report.planeChanges?.[forPlane++] : report.changes[own++];
    if (!entry || outcome.skipped) continue; // interrupted before it (or, for Plane, another run acted): not written, not failed
    entry.durationMs = outcome.durationMs;
    for (const conflict of outcome.conflicts ?? []) {
      report.planeConflicts = [
        ...(report.planeConflicts ?? []),
        { uid: change.uid, issueId: change.issueId, summary: change.summary, ...conflict },
      ];
      report.conflicts = (report.conflicts ?? 0) + 1;
    }
    if (outcome.withheld) {
      // The first reason stands when several withheld changes for Plane (the count is of them all).
      const count = (report.withheldPlaneWrites?.count ?? 0) + 1;
      report.withheldPlaneWrites = { reason: report.withheldPlaneWrites?.reason ?? 'refused', count };
    } else if (outcome.ok) {
      // Superseded: another calendar's edit of the item was written first, not this calendar's.
      if (outcome.superseded) continue;
      entry.applied = true;
      if (change.op === 'write-back') report.planeWrites = (report.planeWrites ?? 0) + 1;
      else tally(change.op, report);
    } else {
      report.failed += 1;
      report.errors.push(reportedError(change.op, outcome.error, { uid: change.uid, issueId: change.issueId }));
    }
  }
}
