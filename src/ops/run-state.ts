/**
 * What calplanebot remembers about its runs, for `health` and for whoever reads the state dir:
 * one small JSON file per kind of run (`last-sync.json`, `last-webhook.json`), written atomically
 * after each run. One file per kind so a webhook and a sync finishing together never overwrite each
 * other's record. Never required: without a writable state dir nothing is recorded.
 */
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { describeError, InterruptedError } from '../errors.js';
import {
  type CalendarReport,
  hasFailures,
  type ProjectReport,
  type SyncUnitReport,
  sumTotals,
  type Totals,
} from '../sync/report.js';
import { type RunMetrics, type RunStats, runMetrics } from './metrics.js';
import { ensureStateDir, readJsonFile, writeJsonFileAtomic } from './state-dir.js';

export const RUN_STATE_VERSION = 1;

export type RunKind = 'sync' | 'webhook';
/** success: everything done; partial: some events or projects failed (exit 3); failure: the run stopped (exit 1). */
export type RunOutcome = 'success' | 'partial' | 'failure' | 'interrupted';

export interface ProjectCounts {
  id: string;
  identifier: string;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  errors: number;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** What stopped a failed run (secrets masked). */
  error: string | null;
  projects: ProjectCounts[];
  totals: Totals;
  metrics: RunMetrics;
}

export interface KindState {
  schemaVersion: typeof RUN_STATE_VERSION;
  kind: RunKind;
  last: RunSummary;
  lastSuccessAt: string | null;
  /** Runs in a row that did not fully succeed (partial or failed); 0 after a success. */
  consecutiveFailures: number;
}

export interface RunRecordInput {
  kind: RunKind;
  startedAt: Date;
  finishedAt?: Date | undefined;
  /** The run's projects: all of them, or those it finished before it threw. */
  /** `calendars` absent: each project stands for its one calendar. */
  report?: { projects: ProjectReport[]; calendars?: CalendarReport[] | undefined } | undefined;
  /** What stopped the run, when it threw. */
  error?: unknown;
  stats: RunStats;
  /** Masks secrets in the error message before it is written to disk. */
  redact?: ((text: string) => string) | undefined;
}

export function runStateFile(stateDir: string, kind: RunKind): string {
  return join(stateDir, `last-${kind}.json`);
}

/** The recorded state of a kind of run; undefined when there is none (or it is unreadable). */
export function readRunState(stateDir: string, kind: RunKind): KindState | undefined {
  const state = readJsonFile<KindState>(runStateFile(stateDir, kind));
  return state?.schemaVersion === RUN_STATE_VERSION && state.last ? state : undefined;
}

/** How long a run waits for another run's update of the same file before it skips recording. */
export const RECORD_LOCK_WAIT_MS = 5_000;

/**
 * Records a finished run and returns the new state; undefined when there is no state dir or it
 * cannot be written (a CI runner): remembering is best-effort, the run's outcome does not depend on it.
 * The read-modify-write runs under a short lock, since webhook deliveries finish side by side; one
 * that cannot get it within RECORD_LOCK_WAIT_MS is not recorded, rather than lose another's update.
 */
export async function recordRun(
  stateDir: string | undefined,
  input: RunRecordInput,
  lockWaitMs = RECORD_LOCK_WAIT_MS,
): Promise<KindState | undefined> {
  if (!stateDir || !ensureStateDir(stateDir)) return undefined;
  const file = runStateFile(stateDir, input.kind);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false, // the file need not exist yet
      stale: 10_000, // the update takes milliseconds; a lock this old was left by a crash
      retries: { retries: 1000, factor: 1.3, minTimeout: 20, maxTimeout: 250, maxRetryTime: Math.max(1, lockWaitMs) },
      onCompromised: () => undefined, // the write below is atomic either way
    });
  } catch {
    return undefined;
  }
  try {
    const next = nextRunState(readRunState(stateDir, input.kind), input.kind, summarizeRun(input));
    writeJsonFileAtomic(file, next);
    return next;
  } catch {
    return undefined;
  } finally {
    await release().catch(() => undefined);
  }
}

/** Pure: the summary of one run. */
export function summarizeRun(input: RunRecordInput): RunSummary {
  const finishedAt = input.finishedAt ?? new Date();
  const projects = input.report?.projects ?? [];
  const calendars: readonly SyncUnitReport[] = input.report?.calendars ?? projects;
  const redact = input.redact ?? ((text: string) => text);
  return {
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.max(0, finishedAt.getTime() - input.startedAt.getTime()),
    outcome: outcomeOf(input),
    error: input.error === undefined ? null : redact(describeError(input.error)),
    projects: projects.map(countsOf),
    totals: sumTotals(calendars),
    metrics: runMetrics(calendars, input.stats),
  };
}

/** Pure: the state after `summary`, given what was recorded before. */
export function nextRunState(previous: KindState | undefined, kind: RunKind, summary: RunSummary): KindState {
  const succeeded = summary.outcome === 'success';
  return {
    schemaVersion: RUN_STATE_VERSION,
    kind,
    last: summary,
    lastSuccessAt: succeeded ? summary.finishedAt : (previous?.lastSuccessAt ?? null),
    consecutiveFailures: succeeded ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
  };
}

function outcomeOf(input: RunRecordInput): RunOutcome {
  if (input.error instanceof InterruptedError) return 'interrupted';
  if (input.error !== undefined || !input.report) return 'failure';
  return hasFailures(input.report) ? 'partial' : 'success';
}

function countsOf(project: ProjectReport): ProjectCounts {
  const { id, identifier, created, updated, deleted, unchanged, skipped, failed } = project;
  return { id, identifier, created, updated, deleted, unchanged, skipped, failed, errors: project.errors.length };
}
