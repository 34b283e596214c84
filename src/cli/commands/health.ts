/** `health`: Plane, CalDAV and the last sync, for monitors and humans. Exit 0 healthy, 1 unhealthy. */
import { envVariablesFor } from '../../config/env.js';
import { formatAge, parseDuration } from '../../ops/duration.js';
import { checkCaldav, checkPlane, evaluateHealth, type HealthReport, type SideHealth } from '../../ops/health.js';
import { currentLockHolder } from '../../ops/lock.js';
import { readRunState } from '../../ops/run-state.js';
import { stateDirUsable } from '../../ops/state-dir.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { loadConfigFor } from '../run-context.js';
import { openServices } from '../services.js';

export interface HealthCommandOptions {
  maxAge?: string;
}

export async function healthCommand(options: HealthCommandOptions, output: Output): Promise<ExitCode> {
  const maxAgeMs = options.maxAge === undefined ? undefined : parseDuration(options.maxAge, '--max-age');
  // A missing key or password is that side's failure (exit 1, the health shape), not a config error.
  const { config } = await loadConfigFor(output, [PLANE_KEY, CALDAV_PASSWORD]);
  // No discovery cache: discovering the calendar home is one of the things checked.
  const services = openServices(config, output, { discoveryCache: false });
  const [plane, caldav] = await Promise.all([
    config.plane.apiKey
      ? checkPlane(services.plane)
      : { ...missing(PLANE_KEY, 'missing-key'), rateLimitRemaining: null },
    config.caldav.password
      ? checkCaldav(
          services.store,
          () => services.discovery.current()?.homeUrl,
          config.calendars.map((entry) => entry.id),
        )
      : missing(CALDAV_PASSWORD, 'missing-password'),
  ]);
  const { stateDir } = services;
  const report = evaluateHealth({
    plane,
    caldav,
    sync: readRunState(stateDir, 'sync'),
    webhook: readRunState(stateDir, 'webhook'),
    syncInProgress: currentLockHolder(stateDir, 'sync'),
    stateDir,
    stateDirUsable: stateDirUsable(stateDir),
    maxAgeMs,
    now: Date.now(),
  });
  if (output.options.json) await output.json(report);
  else if (!(output.options.quiet && report.ok)) renderHealth(report, output);
  for (const problem of report.problems) output.failure(problem.message, problem.hint ?? undefined);
  return report.ok ? ExitCode.Ok : ExitCode.Failure;
}

const PLANE_KEY = 'plane.apiKey';
const CALDAV_PASSWORD = 'caldav.password';

/** A side that was not asked: its secret is not configured. */
function missing(key: string, reason: 'missing-key' | 'missing-password'): SideHealth {
  const where = [...envVariablesFor(key), `${key} in the config file`].join(' or ');
  return { ok: false, reason, message: `${key} is not set`, hint: `set ${where}`, responseMs: 0 };
}

function renderHealth(report: HealthReport, output: Output): void {
  const { plane, caldav } = report;
  const left =
    plane.rateLimitRemaining === null ? '' : `; ${plane.rateLimitRemaining} requests left in the rate-limit window`;
  output.line(side('plane', plane, `key of ${plane.user || 'an unnamed user'}${left}`, output));
  output.line(
    side(
      'caldav',
      caldav,
      `${caldav.homeUrl}: ${caldav.calendars} calendar(s), ${caldav.managedCalendars} created by calplanebot`,
      output,
    ),
  );
  output.line(`${'last sync'.padEnd(10)}${describeLastSync(report)}`);
  if (report.syncInProgress) {
    const { pid, host, startedAt } = report.syncInProgress;
    output.line(`${'running'.padEnd(10)}sync by process ${pid} on ${host} since ${startedAt}`);
  }
  for (const warning of report.warnings) output.line(`${'note'.padEnd(10)}${warning}`);
  const c = output.colors;
  output.line(report.ok ? c.green('healthy') : c.red(`unhealthy: ${report.problems.length} problem(s)`));
}

function side(name: string, health: SideHealth, okText: string, output: Output): string {
  const c = output.colors;
  const status = health.ok ? c.green('ok  ') : c.red('FAIL');
  const detail = health.ok ? okText : `${health.reason}: ${health.message ?? ''}`;
  return `${name.padEnd(10)}${status} ${detail} ${c.dim(`(${health.responseMs} ms)`)}`;
}

function describeLastSync(report: HealthReport): string {
  const last = report.lastSync;
  if (!last) return `unknown (no run state in ${report.stateDir})`;
  const ago = formatAge(Date.now() - Date.parse(last.finishedAt));
  const t = last.totals;
  const success = last.lastSuccessAt ? `last success ${last.lastSuccessAt}` : 'no success yet';
  return `${last.finishedAt} (${ago} ago): ${last.outcome}; ${t.created} created, ${t.updated} updated, ${t.deleted} deleted; ${report.consecutiveFailures} consecutive failure(s); ${success}`;
}
