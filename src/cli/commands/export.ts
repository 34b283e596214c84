/** `export`: each calendar of the config as a subscribable `.ics` file (src/feed/). Needs Plane only. */
import { UsageError } from '../../errors.js';
import { type ExportReport, runExport, STDOUT } from '../../feed/export.js';
import { RequestStats } from '../../http/fetcher.js';
import { todayIn } from '../../views/filter.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { openPlane } from '../plane-service.js';
import { loadConfigFor } from '../run-context.js';

export interface ExportCommandOptions {
  out: string;
  calendar: string[];
  project: string[];
}

/** A feed needs no CalDAV server: these keys may be missing for `export` (sync still names them). */
const CALDAV_KEYS = ['caldav.serverUrl', 'caldav.username', 'caldav.password'];

export async function exportCommand(options: ExportCommandOptions, output: Output): Promise<ExitCode> {
  if (options.out === STDOUT && output.options.json) {
    throw new UsageError('--out - writes the feed on stdout, where --json would write its report', {
      hint: 'drop --json, or give --out a folder',
    });
  }
  const { config } = await loadConfigFor(output, CALDAV_KEYS);
  const stats = { plane: new RequestStats() };
  const limited = options.project.length > 0;
  const spinner = await output.spinner('Exporting the calendars');
  let report: ExportReport;
  try {
    report = await runExport(
      { plane: openPlane(config, output, stats.plane), stats },
      {
        webUrl: config.plane.webUrl,
        workspaceSlug: config.plane.workspaceSlug,
        items: { timeZone: config.sync.timeZone, defaultDuration: config.sync.defaultDuration },
        calendarNameTemplate: config.caldav.calendarName,
        entries: config.calendars,
        projects: limited ? options.project : config.plane.projects,
        configuredProjects: limited ? config.plane.projects : undefined,
        today: todayIn(config.sync.timeZone, new Date()),
        out: options.out,
        calendarIds: options.calendar,
        refreshInterval: config.export.refreshInterval,
        stdout: (bytes) => output.raw(bytes),
        onProgress: (message) => spinner.update(message),
      },
    );
  } finally {
    spinner.stop();
  }
  for (const warning of report.warnings) output.warn(warning);
  if (output.options.json) await output.json(report);
  else if (options.out !== STDOUT) renderExport(report, output);
  for (const file of report.files) {
    for (const error of file.errors)
      output.failure(
        `${file.path}: ${error.operation} failed: ${error.message}${file.status === 'kept' ? ' (the file was left as it was)' : ''}`,
        error.hint,
      );
  }
  return report.files.some((file) => file.errors.length > 0) ? ExitCode.Partial : ExitCode.Ok;
}

/** A line per file written (every file under --verbose), then the totals; nothing under --quiet when nothing was written. */
function renderExport(report: ExportReport, output: Output): void {
  const c = output.colors;
  const t = report.totals;
  if (output.options.quiet && t.written === 0) return;
  for (const file of report.files) {
    if (file.status === 'unchanged' && !output.options.verbose) continue;
    const mark =
      file.status === 'written' ? c.green('wrote') : file.status === 'kept' ? c.red('kept') : c.dim('unchanged');
    output.line(`${mark} ${file.path} ${c.dim(`(${file.objects} event(s), ${file.bytes} bytes)`)}`);
  }
  const timing = c.dim(`(${t.files} file(s), ${t.objects} event(s), ${report.durationMs} ms)`);
  output.line(
    `${c.bold('export:')} ${t.written} written, ${t.unchanged} unchanged${t.kept > 0 ? `, ${c.red(`${t.kept} kept as they were`)}` : ''} ${timing}`,
  );
}
