/** `sync` and `diff`: one planner, two outcomes. `diff` runs the same code with dryRun set. */

import { parseDuration } from '../../ops/duration.js';
import { watchInterrupts } from '../../ops/interrupt.js';
import type { LockHolder } from '../../ops/lock.js';
import { guardedRun } from '../../ops/run-guard.js';
import { calendarChanges, hasFailures, type RunReport } from '../../sync/report.js';
import { runSync, type SyncSettings } from '../../sync/run.js';
import { todayIn } from '../../views/filter.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { renderFailures, renderReport } from '../render-report.js';
import { loadRunContext } from '../run-context.js';

export interface SyncCommandOptions {
  project?: string[];
  allowMassDelete?: boolean;
  /** sync: pass sync.maxPlaneWrites (write-back). */
  allowMassWrite?: boolean;
  exitCode?: boolean;
  /** sync: wait for a run in progress instead of skipping; true = until it ends, or a duration. */
  wait?: boolean | string;
}

export async function syncCommand(options: SyncCommandOptions, output: Output, dryRun: boolean): Promise<ExitCode> {
  const lockWaitMs = waitMs(options.wait);
  const { config, services } = await loadRunContext(output);
  const spinner = await output.spinner(
    dryRun ? 'Comparing Plane with the calendars' : 'Syncing Plane to the calendars',
  );
  try {
    const limited = options.project !== undefined && options.project.length > 0;
    const settings: SyncSettings = {
      webUrl: config.plane.webUrl,
      workspaceSlug: config.plane.workspaceSlug,
      items: { timeZone: config.sync.timeZone, defaultDuration: config.sync.defaultDuration },
      calendarNameTemplate: config.caldav.calendarName,
      entries: config.calendars,
      projects: limited ? (options.project ?? []) : config.plane.projects,
      configuredProjects: limited ? config.plane.projects : undefined,
      today: todayIn(config.sync.timeZone, new Date()),
      guard: { maxDeletePercent: config.sync.maxDeletePercent, allowMassDelete: Boolean(options.allowMassDelete) },
      planeWrites: { max: config.sync.maxPlaneWrites, allowMassWrite: Boolean(options.allowMassWrite) },
      dryRun,
      onProgress: (message) => spinner.update(message),
      onWarning: (message) => output.debug(message),
    };
    let report: RunReport;
    // Plane's write side, for calendars with `writeBack` (a dry run never builds a Writer to use it).
    const deps = { ...services, editor: services.plane };
    if (dryRun) {
      report = await runSync(deps, settings);
    } else {
      // Only sync takes the overlap lock and is recorded in the run state; diff writes nothing.
      const ctx = {
        kind: 'sync' as const,
        services,
        log: output,
        calendarNameTemplate: config.caldav.calendarName,
        lockWaitMs,
      };
      // Ctrl-C or SIGTERM: no further write, the run recorded as interrupted, the lock released (exit 130/143).
      const interruption = watchInterrupts((signal) => spinner.update(`${signal}: finishing the write in progress`));
      const outcome = await guardedRun(ctx, (onCalendarDone) =>
        runSync(deps, { ...settings, onCalendarDone, interruption }),
      ).finally(() => interruption.dispose());
      if (outcome.kind === 'skipped') {
        spinner.stop();
        await reportSkipped(outcome.holder, output);
        return ExitCode.Ok;
      }
      report = outcome.report;
    }
    spinner.stop();
    for (const warning of report.warnings ?? []) output.warn(warning);
    if (output.options.json) await output.json(report);
    else renderReport(report, output);
    renderFailures(report, output);

    if (hasFailures(report)) return ExitCode.Partial;
    // A calendar to create or rename is a pending change too: sync would write it; so is a change for Plane.
    const pending =
      report.totals.created +
      report.totals.updated +
      report.totals.deleted +
      calendarChanges(report) +
      (report.totals.planeWrites ?? 0);
    if (dryRun && options.exitCode && pending > 0) return ExitCode.ChangesPending;
    return ExitCode.Ok;
  } finally {
    spinner.stop();
  }
}

/** `--wait` alone waits until the run in progress ends; `--wait 10m` at most that long. */
function waitMs(wait: boolean | string | undefined): number {
  if (wait === undefined || wait === false) return 0;
  return wait === true ? Number.POSITIVE_INFINITY : parseDuration(wait, '--wait');
}

/** Another run holds the lock: not a failure (cron overlapping a manual run), exit 0. */
async function reportSkipped(holder: LockHolder | undefined, output: Output): Promise<void> {
  const by = holder ? ` (process ${holder.pid} on ${holder.host}, since ${holder.startedAt})` : '';
  if (output.options.json)
    await output.json({ schemaVersion: 1, skipped: true, reason: 'another run in progress', holder: holder ?? null });
  output.notice(`skipped: another run in progress${by}`);
}
