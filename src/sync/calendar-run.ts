/**
 * The calendars of one run, fed project by project: each project's work items, read once, are
 * handed at once to the project's own calendars and gathered into the calendars it shares with
 * other projects, which get theirs when every project has been read. What a calendar then does
 * with its share (`reconcile`) is the caller's: `sync` writes a CalDAV calendar, `export` a file. Keeps the reports in the
 * order of the config's entries, and what the run's warnings need.
 */
import type { CalendarEntry } from '../config/types.js';
import { AuthError } from '../errors.js';
import type { PlaneProject } from '../plane/types.js';
import {
  compileSelection,
  type FilterContext,
  type IssueFilter,
  noteNames,
  unmatchedValues,
  usesMe,
} from '../views/filter.js';
import type { CalendarTarget } from '../views/targets.js';
import { listingKey, type ViewContext, viewKey } from './calendar-cache.js';
import type { CalendarInput, CalendarSyncContext } from './calendar-sync.js';
import { addListing, type DesiredSet, emptyDesired, type Listing, readListing } from './desired.js';
import { type CalendarReport, emptyCalendarReport, type ReportedError, reportedError } from './report.js';

/** A calendar spanning projects collects its desired objects project by project, as each is read. */
interface Gathering {
  target: CalendarTarget;
  report: CalendarReport;
  desired: DesiredSet;
  /** listingKey() of each of its projects read completely, for the calendar cache. */
  keys: string[];
  hasDated: boolean;
}

/** What reconciles one calendar with its share: a CalDAV calendar (syncCalendar), or a feed file. */
export type ReconcileCalendar = (target: CalendarTarget, input: CalendarInput, report: CalendarReport) => Promise<void>;

/** What a run reads Plane with and makes objects with. */
export type RunContext = Pick<CalendarSyncContext, 'plane' | 'webUrl' | 'workspaceSlug' | 'items'>;

export interface CalendarRunOptions {
  entries: readonly CalendarEntry[];
  reconcile: ReconcileCalendar;
  select: FilterContext;
  /** Project digests are computed only for a calendar cache. */
  withCache: boolean;
  /** Told of each calendar as it finishes (and stops the run on refused credentials). */
  onCalendarDone?: ((report: CalendarReport) => void) | undefined;
  onProgress?: ((message: string) => void) | undefined;
}

export class CalendarRun {
  private readonly filters: Map<CalendarEntry, IssueFilter>;
  private readonly done = new Map<CalendarTarget, CalendarReport>();
  private readonly gatherings: Gathering[];
  /** A failed listing by project id: said once per project, however many calendars it left wanting. */
  readonly listingErrors = new Map<string, ReportedError>();
  /** Assignees and labels seen on any work item, for the "matches nothing" warnings. */
  private readonly seen = { people: new Set<string>(), labels: new Set<string>() };
  private readonly wantsNames: boolean;
  private readonly finished = new Set<PlaneProject>();

  constructor(
    private readonly targets: readonly CalendarTarget[],
    private readonly ctx: RunContext,
    private readonly options: CalendarRunOptions,
  ) {
    this.filters = new Map(options.entries.map((entry) => [entry, compileSelection(entry, options.select)]));
    this.gatherings = targets
      .filter((t) => t.project === undefined)
      .map((target) => ({
        target,
        report: this.newReport(target),
        desired: emptyDesired(),
        keys: [],
        hasDated: false,
      }));
    this.wantsNames = options.entries.some((entry) => entry.filter.assignees || entry.filter.labels);
  }

  /** The selected projects some calendar shows, in order: only these are read. */
  projectsToRead(selected: readonly PlaneProject[]): PlaneProject[] {
    return selected.filter((project) => this.targets.some((t) => t.projects.includes(project)));
  }

  /** Whether the project was read and its own calendars synced (its share of the others waits for shared()). */
  finishedProject(project: PlaneProject): boolean {
    return this.finished.has(project);
  }

  /** One project: its own calendars synced, its share gathered. The unforeseen stays with its calendars. */
  async project(project: PlaneProject): Promise<void> {
    const own = this.targets.filter((t) => t.project === project);
    const sharing = this.gatherings.filter((g) => g.target.projects.includes(project));
    try {
      await this.read(project, own, sharing);
    } catch (error) {
      if (error instanceof AuthError) throw error; // refused credentials stop the run (see finish())
      const unforeseen = reportedError('sync-project', error);
      for (const target of own)
        if (!this.done.has(target)) this.finish(target, withError(this.newReport(target), unforeseen));
      for (const gathering of sharing) withError(gathering.report, unforeseen);
    }
    this.finished.add(project);
  }

  /** The calendars spanning projects, once every project has been read. */
  async shared(): Promise<void> {
    for (const { target, report, desired, keys, hasDated } of this.gatherings) {
      const cacheKey =
        keys.length === target.projects.length ? viewKey(keys, this.keyContext(target.entry)) : undefined;
      await this.sync(
        target,
        { cacheKey, complete: desired.listingComplete, hasDated, desired: () => desired },
        report,
      );
    }
  }

  /** Every calendar's report, in the order of the config's entries (and of the projects within one). */
  reports(): CalendarReport[] {
    return this.targets.flatMap((target) => this.done.get(target) ?? []);
  }

  /** Filter values no work item carries; only meaningful after a full run whose listings all succeeded. */
  unmatchedWarnings(): string[] {
    if (!this.wantsNames || this.listingErrors.size > 0) return [];
    return this.options.entries.flatMap((entry, index) => {
      const { assignees, labels } = unmatchedValues(entry.filter, this.seen);
      return [
        ...assignees.map(
          (who) =>
            `calendars[${index}].filter.assignees: no work item of the selected projects is assigned to "${who}" (ids, display names and emails match, in any case); the calendar "${entry.id}" may stay empty`,
        ),
        ...labels.map(
          (label) =>
            `calendars[${index}].filter.labels: no work item of the selected projects has the label "${label}"; the calendar "${entry.id}" may stay empty`,
        ),
      ];
    });
  }

  private async read(project: PlaneProject, own: CalendarTarget[], sharing: Gathering[]): Promise<void> {
    this.options.onProgress?.(`${project.identifier}: reading Plane`);
    const covering = [...own.map((t) => t.entry), ...sharing.map((g) => g.target.entry)];
    const blocks = {
      cycles: covering.some((entry) => entry.cycles === true),
      modules: covering.some((entry) => entry.modules === true),
    };
    const listing = await readListing(project, this.ctx.plane, this.options.withCache, blocks);
    const listingError = listing.error === undefined ? undefined : reportedError('list-issues', listing.error);
    if (listingError) this.listingErrors.set(project.id, listingError);
    if (this.wantsNames) for (const issue of listing.issues) noteNames(issue, this.seen);
    const key =
      listing.complete && this.options.withCache
        ? listingKey(listing.digests, { project, webUrl: this.ctx.webUrl, workspaceSlug: this.ctx.workspaceSlug })
        : undefined;
    const hasDated = listing.issues.some((issue) => issue.target_date);
    // A calendar showing cycles or modules also depends on those answers.
    const keyFor = (entry: CalendarEntry) =>
      key !== undefined && (entry.cycles || entry.modules) ? `${key}+${listing.blocksDigest ?? ''}` : key;
    // The calendars spanning projects take their share first, so the project's own calendars can free it.
    for (const gathering of sharing) {
      addListing(
        listing,
        this.shape(gathering.target),
        this.ctx,
        gathering.desired,
        withError(gathering.report, listingError),
      );
      const projectKey = keyFor(gathering.target.entry);
      if (projectKey !== undefined) gathering.keys.push(projectKey);
      gathering.hasDated ||= hasDated;
    }
    for (const target of own) {
      const report = withError(this.newReport(target), listingError);
      const projectKey = keyFor(target.entry);
      const cacheKey = projectKey === undefined ? undefined : viewKey([projectKey], this.keyContext(target.entry));
      await this.sync(
        target,
        {
          cacheKey,
          complete: listing.complete,
          hasDated,
          // The last calendar to make its objects lets go of the work items: they are not needed
          // while it plans and writes (a project of 20,000 items holds tens of MB of them).
          desired: () => this.desiredOf(listing, target, report, target === own.at(-1)),
        },
        report,
      );
    }
    listing.issues = []; // one project's work items in memory at a time
  }

  private desiredOf(listing: Listing, target: CalendarTarget, report: CalendarReport, last: boolean): DesiredSet {
    const desired = emptyDesired();
    addListing(listing, this.shape(target), this.ctx, desired, report);
    if (last) listing.issues = [];
    return desired;
  }

  private shape(target: CalendarTarget) {
    return { target, select: this.filters.get(target.entry) ?? (() => true) };
  }

  /** A calendar reports its own failures; this catches the unforeseen, so one calendar never stops the rest. */
  private async sync(target: CalendarTarget, input: CalendarInput, report: CalendarReport): Promise<void> {
    try {
      await this.options.reconcile(target, input, report);
    } catch (error) {
      withError(report, reportedError('sync-project', error));
    }
    this.finish(target, report);
  }

  private finish(target: CalendarTarget, report: CalendarReport): void {
    this.done.set(target, report);
    this.options.onCalendarDone?.(report);
    abortIfCredentialsRefused(report);
  }

  private newReport(target: CalendarTarget): CalendarReport {
    return emptyCalendarReport({ id: target.entry.id, name: target.displayName, project: target.project });
  }

  private keyContext(entry: CalendarEntry): ViewContext {
    const { select } = this.options;
    const timed = entry.times === 'timed' || entry.cycles === true;
    return {
      entry,
      today: entry.filter.window ? select.today : undefined,
      me: usesMe(entry.filter) ? select.me?.id : undefined,
      // What a timed item or a cycle's dates also depend on: the fallback zone and length, the projects' zones.
      ...(timed
        ? {
            extra: [
              this.ctx.items ?? null,
              this.targets.flatMap((t) => (t.entry === entry ? t.projects.map((p) => p.timezone ?? null) : [])),
            ],
          }
        : {}),
    };
  }
}

/** A failed listing (or the unforeseen): the calendar says so, and withholds its deletions. */
function withError(report: CalendarReport, error: ReportedError | undefined): CalendarReport {
  if (error && !report.errors.includes(error)) {
    report.errors.push(error);
    report.failed += 1;
  }
  return report;
}

/**
 * A 401 means the credentials themselves were refused (rotated mid-run, say): every later request
 * would fail the same way, so the run stops there with exit 1, like a refusal at its start.
 * A 403 stays with its calendar: it can be about that one project or calendar.
 */
function abortIfCredentialsRefused(report: CalendarReport): void {
  const refused = report.errors.find((error) => error.status === 401);
  if (!refused) return;
  const service = refused.operation === 'list-issues' || refused.operation === 'write-back' ? 'plane' : 'caldav';
  throw new AuthError(service, `${report.project ?? report.id}: ${refused.message}`, 401, refused.operation, '', {
    hint: refused.hint,
  });
}
