/**
 * What surrounds every run that writes (`sync`, `handle-webhook`): the overlap lock, the run-state
 * record, the discovery cache and the structured log. The run itself knows nothing of these; a
 * command wraps it: `guardedRun(context, () => runSync(…))` takes the lock first (sync),
 * `recordedRun(context, () => handleDelivery(…))` only records (webhook deliveries run side by side).
 * A run that can stop part-way (a sync aborted by a 401) reports each finished project through the
 * callback it is given, so what it did before stopping is still recorded and logged.
 */
import type { DavDiscovery } from '../caldav/dav-store.js';
import { describeError } from '../errors.js';
import { calendarDisplayName } from '../sync/calendars.js';
import { type CalendarReport, calendarOfProject, type ProjectReport, projectsOfCalendars } from '../sync/report.js';
import { rememberRun } from './discovery-cache.js';
import { acquireRunLock, type LockHolder, type LockResult, STALE_MS } from './lock.js';
import type { RunStats } from './metrics.js';
import { operationRecords, runRecord } from './operation-log.js';
import { type RunKind, recordRun, runStateFile } from './run-state.js';

/** Where a guarded run reports; the CLI's Output is one. */
export interface RunLog {
  debug(text: string): void;
  warn(text: string): void;
  log(record: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; [field: string]: unknown }): void;
  /** Masks secrets in text written elsewhere (the run-state file). */
  redacted(text: string): string;
}

/** The parts of the services a guarded run needs (src/cli/services.ts provides them). */
export interface RunServices {
  stateDir: string;
  stats: RunStats;
  discovery: { account: string; current: () => DavDiscovery | undefined };
}

export interface RecordedRunContext {
  kind: RunKind;
  services: RunServices;
  log: RunLog;
  /** caldav.calendarName: names the calendars in log records and the cache. */
  calendarNameTemplate: string;
}

export interface GuardedRunContext extends RecordedRunContext {
  /** How long to wait for the overlap lock: 0 = skip the run if it is held, Infinity = until free. */
  lockWaitMs: number;
}

/** The run itself; `onCalendarDone` collects each finished calendar as it finishes. */
export type RecordedRunBody<R> = (onCalendarDone: (calendar: CalendarReport) => void) => Promise<R>;

/** What a run reports that is recorded. */
export interface RecordedReport {
  projects: ProjectReport[];
  /** Absent: each project stands for its one calendar (named by caldav.calendarName). */
  calendars?: CalendarReport[] | undefined;
}

export type GuardedOutcome<R> = { kind: 'ran'; report: R } | { kind: 'skipped'; holder: LockHolder | undefined };

/**
 * Runs `run` under the overlap lock, then records it (recordedRun). When another run holds the
 * lock beyond `lockWaitMs`, `run` is not called: 'skipped'. Without a writable state dir there is
 * no lock and the run goes ahead.
 */
export async function guardedRun<R extends RecordedReport>(
  ctx: GuardedRunContext,
  run: RecordedRunBody<R>,
): Promise<GuardedOutcome<R>> {
  const lock = await takeLock(ctx, ctx.lockWaitMs);
  if (lock.kind === 'held') return { kind: 'skipped', holder: lock.holder };
  try {
    return { kind: 'ran', report: await recordedRun(ctx, run) };
  } finally {
    if (lock.kind === 'acquired') await lock.release();
  }
}

/**
 * Runs `run` and records it: the run-state file of its kind, the discovery cache, one log record
 * per operation and one for the run. A run that throws is recorded as failed, with the projects it
 * had finished; the error goes on up.
 */
export async function recordedRun<R extends RecordedReport>(
  ctx: RecordedRunContext,
  run: RecordedRunBody<R>,
): Promise<R> {
  const startedAt = new Date();
  const finished: CalendarReport[] = [];
  try {
    const report = await run((calendar) => finished.push(calendar));
    await finish(ctx, startedAt, report, undefined);
    return report;
  } catch (error) {
    await finish(ctx, startedAt, { projects: projectsOfCalendars(finished), calendars: finished }, error);
    throw error;
  }
}

async function takeLock(ctx: RecordedRunContext, waitMs: number): Promise<LockResult> {
  const lock = await acquireRunLock(ctx.services.stateDir, {
    command: ctx.kind,
    waitMs,
    onCompromised: (message) => ctx.log.warn(message),
  });
  if (lock.kind === 'unavailable') ctx.log.debug(`run lock: ${lock.reason}; running without it`);
  if (lock.kind === 'acquired' && lock.tookOverFrom) {
    const { holder, reason } = lock.tookOverFrom;
    const of = holder
      ? `process ${holder.pid} on ${holder.host} (started ${holder.startedAt})`
      : 'a run that never named itself';
    const why =
      reason === 'dead' ? 'which is no longer running' : `which had not refreshed it for over ${STALE_MS / 1000} s`;
    ctx.log.warn(`took over the run lock of ${of}, ${why}`);
  }
  return lock;
}

async function finish(ctx: RecordedRunContext, startedAt: Date, report: RecordedReport, error: unknown): Promise<void> {
  const { projects } = report;
  const calendars =
    report.calendars ??
    projects.map((project) => calendarOfProject(project, calendarDisplayName(ctx.calendarNameTemplate, project)));
  const { stateDir, stats, discovery } = ctx.services;
  const failed = error !== undefined;
  const state = await recordRun(stateDir, {
    kind: ctx.kind,
    startedAt,
    report: { projects, calendars },
    error: failed ? error : undefined,
    stats,
    redact: (text) => ctx.log.redacted(text),
  });
  rememberRun(stateDir, discovery.account, {
    discovery: discovery.current(),
    calendarNameTemplate: ctx.calendarNameTemplate,
    projects,
  });
  for (const record of operationRecords(calendars)) ctx.log.log(record);
  const durationMs = Date.now() - startedAt.getTime();
  ctx.log.log(
    runRecord(ctx.kind, { projects, calendars, durationMs, error: failed ? describeError(error) : undefined }),
  );
  ctx.log.debug(
    state
      ? `run state: ${runStateFile(stateDir, ctx.kind)}`
      : `run state: could not be written in ${stateDir} (not writable, or busy); this run is not remembered`,
  );
}
