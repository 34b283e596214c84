/**
 * `export`: every calendar of the config as one iCalendar file, for apps that subscribe to a URL
 * instead of speaking CalDAV (Google Calendar, Outlook). Plane is read exactly as `sync` reads it
 * (CalendarRun); what differs is what a calendar does with its share: it becomes a file, replaced
 * atomically and only when its bytes change. A calendar whose listing was incomplete keeps the
 * file it had: a feed is never published half-empty.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { CRLF } from '../event/ics.js';
import type { RequestStats } from '../http/fetcher.js';
import { writeFileAtomic } from '../ops/state-dir.js';
import type { PlaneSource } from '../plane/types.js';
import { CalendarRun } from '../sync/calendar-run.js';
import type { CalendarInput } from '../sync/calendar-sync.js';
import type { ItemDefaults } from '../sync/desired.js';
import { type CalendarReport, type ReportedError, reportedError, SCHEMA_VERSION } from '../sync/report.js';
import { planRun, type RunScope, selectionWarnings } from '../sync/run.js';
import type { CalendarTarget } from '../views/targets.js';
import { renderFeed } from './render.js';

export interface ExportDeps {
  plane: PlaneSource;
  stats: { plane: RequestStats };
}

export interface ExportSettings extends RunScope {
  webUrl: string;
  workspaceSlug: string;
  /** sync.timeZone and sync.defaultDuration, for timed items; default UTC and PT1H. */
  items?: ItemDefaults | undefined;
  /** The folder the files go to; `-`: the one file to stdout (`stdout` receives it). */
  out: string;
  /** Entry ids to export; empty = every entry. */
  calendarIds: string[];
  refreshInterval: string;
  /** Receives the file's bytes when `out` is `-`. */
  stdout?: ((bytes: string) => void) | undefined;
  onProgress?: ((message: string) => void) | undefined;
}

export type FeedStatus = 'written' | 'unchanged' | 'kept';

/** One file: where, how many objects, and whether it was written. */
export interface FeedReport {
  /** The entry's id. */
  id: string;
  name: string;
  projectId: string | null;
  project: string | null;
  /** The file, or `-` for stdout. */
  path: string;
  /** Objects in the file (for a `kept` file, what it still holds from before). */
  objects: number;
  /** Selected items without a target date: no object. */
  skipped: number;
  /** `written`: new bytes; `unchanged`: the file already held them; `kept`: a listing failed, the file was left as it was. */
  status: FeedStatus;
  bytes: number;
  errors: ReportedError[];
}

export interface ExportReport {
  schemaVersion: typeof SCHEMA_VERSION;
  files: FeedReport[];
  totals: { files: number; written: number; unchanged: number; kept: number; objects: number; failed: number };
  /** `.ics` files in the folder that no calendar of the config writes any more: left as they are. */
  strayFiles?: string[];
  durationMs: number;
  requests: { plane: number };
  warnings: string[];
}

export const STDOUT = '-';

/** `{id}.ics`, or `{id}-{identifier}.ics` (lower case) for a per-project entry. */
export function feedFileName(target: Pick<CalendarTarget, 'entry' | 'project'>): string {
  const project = target.project ? `-${target.project.identifier.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}` : '';
  return `${target.entry.id}${project}.ics`;
}

export async function runExport(deps: ExportDeps, settings: ExportSettings): Promise<ExportReport> {
  const started = performance.now();
  checkCalendarIds(settings);
  // A feed is read-only: its objects carry no write-back basis.
  const entries = settings.entries?.map(({ writeBack: _writeBack, ...entry }) => entry);
  const plan = await planRun(deps.plane, { ...settings, entries });
  const targets = plan.targets.filter(
    (t) => settings.calendarIds.length === 0 || settings.calendarIds.includes(t.entry.id),
  );
  if (settings.out === STDOUT && targets.length !== 1) {
    throw new UsageError(`--out - writes one calendar to stdout, and this selection has ${targets.length}`, {
      hint: 'name exactly one --calendar (and, for a per-project entry, one --project), or give --out a folder',
    });
  }
  if (settings.out !== STDOUT) mkdirSync(settings.out, { recursive: true });
  const files: FeedReport[] = [];
  const reconcile = async (target: CalendarTarget, input: CalendarInput, report: CalendarReport) => {
    files.push(writeFeed(target, input, report, settings));
  };
  const ctx = {
    plane: deps.plane,
    webUrl: settings.webUrl,
    workspaceSlug: settings.workspaceSlug,
    items: settings.items,
  };
  const run = new CalendarRun(targets, ctx, {
    entries: plan.entries,
    reconcile,
    select: plan.select,
    withCache: false,
    onProgress: settings.onProgress,
  });
  for (const project of run.projectsToRead(plan.selected)) await run.project(project);
  await run.shared();
  // A calendar that failed before its file (the unforeseen) has its report, not yet its line.
  for (const report of run.reports()) {
    if (!files.some((file) => file.id === report.id && file.projectId === report.projectId)) {
      const target = targets.find((t) => t.entry.id === report.id && (t.project?.id ?? null) === report.projectId);
      if (target) files.push(keptAsItWas(target, report, settings));
    }
  }
  const strays =
    settings.out === STDOUT || settings.calendarIds.length > 0 || settings.configuredProjects !== undefined
      ? []
      : strayFeeds(settings.out, plan.targets);
  const order = (file: FeedReport) =>
    targets.findIndex((t) => t.entry.id === file.id && (t.project?.id ?? null) === file.projectId);
  files.sort((a, b) => order(a) - order(b));
  return {
    schemaVersion: SCHEMA_VERSION,
    files,
    totals: {
      files: files.length,
      written: files.filter((f) => f.status === 'written').length,
      unchanged: files.filter((f) => f.status === 'unchanged').length,
      kept: files.filter((f) => f.status === 'kept').length,
      objects: files.reduce((n, f) => n + f.objects, 0),
      failed: files.filter((f) => f.errors.length > 0).length,
    },
    ...(strays.length > 0 ? { strayFiles: strays } : {}),
    durationMs: Math.round(performance.now() - started),
    requests: { plane: deps.stats.plane.requests },
    warnings: [...selectionWarnings(plan, settings, run), ...(strays.length > 0 ? [strayWarning(strays)] : [])],
  };
}

/** Feeds of calendars the config no longer has (an entry removed, a project gone): judged after a full export only. */
function strayFeeds(out: string, targets: readonly CalendarTarget[]): string[] {
  const expected = new Set(targets.map(feedFileName));
  return readdirSync(out)
    .filter((name) => name.endsWith('.ics') && !expected.has(name))
    .sort()
    .map((name) => join(out, name));
}

function strayWarning(strays: readonly string[]): string {
  return `${strays.length} feed file(s) belong to no calendar of the config any more and are left as they are: ${strays.join(', ')}; delete them (and unsubscribe) when you no longer want them`;
}

function checkCalendarIds(settings: ExportSettings): void {
  const known = (settings.entries ?? []).map((entry) => entry.id);
  const unknown = settings.calendarIds.filter((id) => known.length > 0 && !known.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(`unknown calendar ${unknown.map((id) => `"${id}"`).join(', ')}`, {
      hint: `--calendar takes an id of the config's calendars: ${known.join(', ')}`,
    });
  }
}

/** The file of one calendar: left as it was when a listing failed, else rendered and written when its bytes changed. */
function writeFeed(
  target: CalendarTarget,
  input: CalendarInput,
  report: CalendarReport,
  settings: ExportSettings,
): FeedReport {
  const path = settings.out === STDOUT ? STDOUT : join(settings.out, feedFileName(target));
  if (!input.complete) return keptAsItWas(target, report, settings);
  const desired = input.desired();
  const previous = path === STDOUT ? undefined : readIfThere(path);
  let text = renderFeed(desired.events, { name: target.displayName, refreshInterval: settings.refreshInterval });
  // An item that could not be made keeps what the file had for it (as sync keeps its event).
  if (desired.invalid.size > 0 && previous !== undefined)
    text = withKept(
      text,
      previous,
      [...desired.invalid].map((id) => target.scheme.uidFor(id)),
    );
  const bytes = Buffer.byteLength(text);
  if (path === STDOUT) {
    settings.stdout?.(text);
    return feedReport(target, report, settings, 'written', desired.events.length, bytes);
  }
  if (previous === text) return feedReport(target, report, settings, 'unchanged', desired.events.length, bytes);
  try {
    writeFileAtomic(path, text, 0o644);
  } catch (error) {
    report.errors.push(reportedError('write-feed', error));
    return keptAsItWas(target, report, settings);
  }
  return feedReport(target, report, settings, 'written', desired.events.length, bytes);
}

function feedReport(
  target: CalendarTarget,
  report: CalendarReport,
  settings: ExportSettings,
  status: FeedStatus,
  objects: number,
  bytes: number,
): FeedReport {
  return {
    id: target.entry.id,
    name: target.displayName,
    projectId: target.project?.id ?? null,
    project: target.project?.identifier ?? null,
    path: settings.out === STDOUT ? STDOUT : join(settings.out, feedFileName(target)),
    objects,
    skipped: report.skipped,
    status,
    bytes,
    errors: report.errors,
  };
}

/** A file left as it was: reported with what it still holds (nothing, when there is no file yet). */
function keptAsItWas(target: CalendarTarget, report: CalendarReport, settings: ExportSettings): FeedReport {
  const previous = settings.out === STDOUT ? undefined : readIfThere(join(settings.out, feedFileName(target)));
  const objects = previous?.match(/^BEGIN:VEVENT\r$/gm)?.length ?? 0;
  return feedReport(
    target,
    report,
    settings,
    'kept',
    objects,
    previous === undefined ? 0 : Buffer.byteLength(previous),
  );
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `text` with the VEVENTs of `uids` that `previous` held, before END:VCALENDAR. */
function withKept(text: string, previous: string, uids: string[]): string {
  const components = previous
    .split(/(?=BEGIN:VEVENT\r\n)/)
    .slice(1)
    .map((part) => part.slice(0, part.indexOf(`END:VEVENT${CRLF}`) + `END:VEVENT${CRLF}`.length));
  const kept = components.filter((component) =>
    uids.some((uid) => component.replace(/\r\n[ \t]/g, '').includes(`${CRLF}UID:${uid}${CRLF}`)),
  );
  // Before END:VCALENDAR, in the order the file had them (a function, so no "$" in them is taken for a pattern).
  return kept.length === 0 ? text : text.replace(/END:VCALENDAR\r\n$/, () => `${kept.join('')}END:VCALENDAR${CRLF}`);
}
