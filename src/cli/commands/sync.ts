/** `sync` and `diff`: one planner, two outcomes. `diff` runs the same code with dryRun set. */
import { loadRunContext } from '../run-context.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { renderFailures, renderReport } from '../render-report.js';
import { hasFailures } from '../../sync/report.js';
import { runSync } from '../../sync/run.js';

export interface SyncCommandOptions {
  project?: string[];
  allowMassDelete?: boolean;
  exitCode?: boolean;
}

export async function syncCommand(options: SyncCommandOptions, output: Output, dryRun: boolean): Promise<ExitCode> {
  const { config, services } = await loadRunContext(output);
  const spinner = await output.spinner(dryRun ? 'Comparing Plane with the calendars' : 'Syncing Plane to the calendars');
  try {
    const report = await runSync(services, {
      webUrl: config.plane.webUrl,
      workspaceSlug: config.plane.workspaceSlug,
      calendarNameTemplate: config.caldav.calendarName,
      projects: options.project && options.project.length > 0 ? options.project : config.plane.projects,
      guard: { maxDeletePercent: config.sync.maxDeletePercent, allowMassDelete: Boolean(options.allowMassDelete) },
      dryRun,
      onProgress: (message) => spinner.update(message),
    });
    spinner.stop();
    if (output.options.json) output.json(report);
    else renderReport(report, output);
    renderFailures(report, output);

    if (hasFailures(report)) return ExitCode.Partial;
    const pending = report.totals.created + report.totals.updated + report.totals.deleted;
    if (dryRun && options.exitCode && pending > 0) return ExitCode.ChangesPending;
    return ExitCode.Ok;
  } finally {
    spinner.stop();
  }
}
