/**
 * `handle-webhook`: one Plane delivery per process. The raw body comes on stdin, the headers as
 * options; it is verified before any request is made, then handled by the sync core.
 */
import { UsageError } from '../../errors.js';
import { cachedCalendar, cachedCalendars, invalidateDiscoveryCache } from '../../ops/discovery-cache.js';
import { recordedRun } from '../../ops/run-guard.js';
import { hasFailures } from '../../sync/report.js';
import { todayIn } from '../../views/filter.js';
import { handleDelivery, type WebhookReport } from '../../webhook/handle.js';
import { readBody } from '../../webhook/read-body.js';
import { MAX_BODY_BYTES, verifyDelivery } from '../../webhook/verify.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { describeChange, describeField, renderFailures } from '../render-report.js';
import { loadConfigFor } from '../run-context.js';
import { openServices } from '../services.js';

export interface HandleWebhookOptions {
  /** X-Plane-Signature; PLANE_SIGNATURE when absent or empty. */
  signature?: string;
  /** X-Plane-Event: must agree with the body. */
  event?: string;
  /** X-Plane-Delivery: echoed in the report. */
  delivery?: string;
}

type Stdin = AsyncIterable<Buffer | string> & { isTTY?: boolean };

export async function handleWebhookCommand(
  options: HandleWebhookOptions,
  output: Output,
  stdin: Stdin = process.stdin,
): Promise<ExitCode> {
  const { config } = await loadConfigFor(output);
  if (stdin.isTTY) {
    throw new UsageError('handle-webhook reads the delivery body on stdin, and stdin is a terminal', {
      hint: 'pipe the raw request body in: calplanebot handle-webhook --signature <hex> < body.json',
    });
  }
  const rawBody = await readBody(stdin, MAX_BODY_BYTES);
  const signature = nonEmpty(options.signature) ?? nonEmpty(process.env.PLANE_SIGNATURE);
  const delivery = verifyDelivery(rawBody, signature, config.webhook.secret, {
    allowUnsigned: config.webhook.allowUnsigned,
    event: options.event,
    deliveryId: options.delivery,
  });
  if (!config.webhook.secret)
    output.debug('no webhook secret configured and webhook.allowUnsigned is set: the delivery was not authenticated');

  const services = openServices(config, output);
  // A project delivery may mean its calendar changed: the discovery cache forgets that project.
  if (delivery.event === 'project') invalidateDiscoveryCache(services.stateDir, delivery.id);
  // Recorded in the run state (last-webhook.json) and logged; no overlap lock: deliveries run side by side.
  const recording = {
    kind: 'webhook' as const,
    services,
    log: output,
    calendarNameTemplate: config.caldav.calendarName,
  };
  const report = await recordedRun(recording, () =>
    handleDelivery(
      delivery,
      { ...services, editor: services.plane },
      {
        webUrl: config.plane.webUrl,
        workspaceSlug: config.plane.workspaceSlug,
        items: { timeZone: config.sync.timeZone, defaultDuration: config.sync.defaultDuration },
        calendarNameTemplate: config.caldav.calendarName,
        entries: config.calendars,
        today: todayIn(config.sync.timeZone, new Date()),
        projects: config.plane.projects,
        guard: { maxDeletePercent: config.sync.maxDeletePercent, allowMassDelete: false },
        planeWrites: { max: config.sync.maxPlaneWrites, allowMassWrite: false },
        knownCalendarUrl: (projectId) => cachedCalendar(services.stateDir, services.discovery.account, projectId)?.url,
        knownCalendars: () => cachedCalendars(services.stateDir, services.discovery.account),
      },
    ),
  );
  if (output.options.json) await output.json(report);
  else renderWebhookReport(report, output);
  // A gone issue's report has no identifier: name the project by id in failure lines.
  renderFailures(
    { ...report, projects: report.projects.map((p) => ({ ...p, identifier: p.identifier || `project ${p.id}` })) },
    output,
  );
  return hasFailures(report) ? ExitCode.Partial : ExitCode.Ok;
}

/** One line: what the delivery was and what it changed. Nothing on stdout under --quiet when nothing changed. */
export function renderWebhookReport(report: WebhookReport, output: Output): void {
  const c = output.colors;
  const t = report.totals;
  const changed = t.created + t.updated + t.deleted + (t.planeWrites ?? 0) + (t.conflicts ?? 0);
  if (output.options.quiet && changed === 0) return;
  const { event, action, id } = report.webhook;
  const subject = event === 'project' && report.projects[0]?.identifier ? report.projects[0].identifier : id;
  const head = `${c.bold('handle-webhook:')} ${event} ${action} ${subject}:`;
  const timing = c.dim(`(${report.requests.plane + report.requests.caldav} requests, ${report.durationMs} ms)`);
  if (report.webhook.nothingToDo !== null) {
    output.line(`${head} nothing to do; ${report.webhook.nothingToDo} ${timing}`);
    return;
  }
  output.line(`${head} ${summarize(report, output)} ${timing}`);
}

function summarize(report: WebhookReport, output: Output): string {
  const t = report.totals;
  const written = report.calendars.flatMap((c) => (c.planeChanges ?? []).filter((change) => change.applied));
  if (written.length > 0)
    return `${written.length} change(s) written to Plane: ${written.map((w) => `${w.summary}: ${w.fields.map(describeField).join('; ')}`).join(', ')}`;
  if ((t.conflicts ?? 0) > 0) return `${t.conflicts} conflict(s): Plane's values kept in the calendar`;
  const applied = report.calendars.flatMap((c) => c.changes.filter((change) => change.applied));
  if (applied.length === 1 && applied[0]) return describeChange(applied[0], output);
  if (applied.length > 0)
    return `${t.created} created, ${t.updated} updated, ${t.deleted} deleted; ${t.unchanged} unchanged`;
  if (t.failed > 0) return output.colors.red(`${t.failed} failed`);
  if (t.unchanged > 0) return 'unchanged: the event is up to date';
  if (t.skipped > 0) return 'no target date, so no event';
  return 'nothing to do';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
