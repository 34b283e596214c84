/**
 * The seed's metrics for one run, computed from what the run already produced (its report and the
 * request counters). Pure: data in, data out.
 */
import type { RequestStats } from '../http/fetcher.js';
import type { Operation, SyncUnitReport } from '../sync/report.js';

export type WriteOperation = 'create' | 'update' | 'delete';

export interface ServiceMetrics {
  requests: number;
  retries: number;
  rateLimitWaits: number;
  /** Mean time to response headers; null when no request was made. */
  meanResponseMs: number | null;
}

export interface RunMetrics {
  /** Success/failure by operation type (writes attempted in this run). */
  operations: Record<WriteOperation, { succeeded: number; failed: number }>;
  /** Failures by the operation that failed, writes and reads alike ("failure rates by error type"). */
  errorsByOperation: Partial<Record<Operation, number>>;
  /** Mean time of one event write, retries and re-plans included; null when nothing was written. */
  meanProcessingMsPerEvent: number | null;
  plane: ServiceMetrics;
  caldav: ServiceMetrics;
  /** Peak resident memory of the process so far. */
  peakRssMb: number;
}

export interface RunStats {
  plane: RequestStats;
  caldav: RequestStats;
}

export function runMetrics(projects: readonly SyncUnitReport[], stats: RunStats): RunMetrics {
  const operations: RunMetrics['operations'] = {
    create: { succeeded: 0, failed: 0 },
    update: { succeeded: 0, failed: 0 },
    delete: { succeeded: 0, failed: 0 },
  };
  const errorsByOperation: RunMetrics['errorsByOperation'] = {};
  let timedWrites = 0;
  let writeMs = 0;
  for (const project of projects) {
    for (const change of project.changes) {
      // A planned change without a duration was never attempted (dry run, or the run stopped first).
      if (change.durationMs === undefined) continue;
      operations[change.op][change.applied ? 'succeeded' : 'failed'] += 1;
      timedWrites += 1;
      writeMs += change.durationMs;
    }
    for (const error of project.errors)
      errorsByOperation[error.operation] = (errorsByOperation[error.operation] ?? 0) + 1;
  }
  return {
    operations,
    errorsByOperation,
    meanProcessingMsPerEvent: timedWrites === 0 ? null : round(writeMs / timedWrites),
    plane: serviceMetrics(stats.plane),
    caldav: serviceMetrics(stats.caldav),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
  };
}

function serviceMetrics(stats: RequestStats): ServiceMetrics {
  return {
    requests: stats.requests,
    retries: stats.retries,
    rateLimitWaits: stats.rateLimitWaits,
    meanResponseMs: stats.requests === 0 ? null : round(stats.totalResponseMs / stats.requests),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
