/**
 * calplanebot as cron runs it: the built CLI (`bin/calplanebot.js` → dist/) as a separate
 * process, configured by a file, with or without a state dir, `--json` for the report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/sync/report.js';
import { CLI, scratchDir, writeConfig } from '../support/cli.js';
import { type ProcessSample, timedRun } from './measure.js';
import { type Server, WEB_URL, type Workspace } from './workspace.js';

export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

/** Variables that must not leak from the developer's shell into a measured run. */
const SCRUBBED = [
  'PLANE_API_KEY',
  'PLANE_BASE_URL',
  'PLANE_WORKSPACE_SLUG',
  'CALDAV_URL',
  'CALDAV_USERNAME',
  'CALDAV_PASSWORD',
  'PLANE_WEBHOOK_SECRET',
  'CALPLANEBOT_STATE_DIR',
  'CALPLANEBOT_LOG_FORMAT',
  'NODE_OPTIONS',
];

/**
 * A config file for this workspace and server, remembering in `stateDir` (a fresh empty one:
 * stateless). Through the recording proxies, unless `direct`.
 */
export function calplanebotConfig(
  workspace: Workspace,
  server: Server,
  stateDir: string,
  direct = false,
  calendars?: unknown[],
): string {
  return writeConfig({
    planeUrl: direct ? workspace.plane.url : workspace.planeProxy.url,
    apiKey: workspace.plane.apiKey,
    workspaceSlug: workspace.plane.workspaceSlug,
    caldavUrl: direct ? server.radicale.url : server.proxy.url,
    username: server.user.username,
    password: server.user.password,
    extra: {
      ...(calendars ? { calendars } : {}),
      sync: { stateDir },
      webhook: { secret: WEBHOOK_SECRET },
      // Generous timeouts: the machine may be busy, and a timeout would measure the retry, not the tool.
      http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 120_000 },
    },
  });
}

/**
 * A config for `export`: the Plane keys only (a config without `caldav` is valid for it), through
 * the recording proxy in front of the fake Plane, and the same web URL and HTTP settings as above.
 */
export function calplanebotExportConfig(workspace: Workspace, stateDir: string): string {
  const file = join(scratchDir('calplanebot-bench-config-'), 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: workspace.planeProxy.url,
      webUrl: WEB_URL,
      workspaceSlug: workspace.plane.workspaceSlug,
      apiKey: workspace.plane.apiKey,
    },
    sync: { stateDir },
    http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 120_000 },
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

export function freshStateDir(): string {
  return scratchDir('calplanebot-bench-state-');
}

export interface CliRun<R = RunReport> {
  sample: ProcessSample;
  /** The --json report, when the command printed one. */
  report: R | undefined;
}

export interface CliOptions {
  stdin?: string;
  /** Write a V8 CPU profile of the run into this directory. */
  profileDir?: string | undefined;
}

/** `calplanebot <args> --config <config> --json`, measured. */
export async function calplanebot<R = RunReport>(
  args: string[],
  config: string,
  options: CliOptions = {},
): Promise<CliRun<R>> {
  const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const env: Record<string, string | undefined> = { NO_COLOR: '1' };
  for (const key of SCRUBBED) env[key] = undefined;
  const sample = await timedRun(process.execPath, [...nodeArgs, CLI, ...args, '--config', config, '--json'], {
    env,
    stdin: options.stdin ?? '',
  });
  let report: R | undefined;
  try {
    report = JSON.parse(sample.stdout) as R;
  } catch {
    report = undefined;
  }
  return { sample, report };
}

/** `calplanebot --version` exactly as a health check calls it. */
export function calplanebotVersion(): Promise<ProcessSample> {
  return timedRun(process.execPath, [CLI, '--version']);
}

/** The floor any Node CLI starts from. */
export function nodeBaseline(): Promise<ProcessSample> {
  return timedRun(process.execPath, ['-e', '0']);
}

/**
 * Changes `share` of the issues (spread evenly over the projects) in a way every event shows:
 * the title. Returns how many changed.
 */
export function changeIssues(workspace: Workspace, share: number, round: number): number {
  let changed = 0;
  for (const project of workspace.projects) {
    const issues = workspace.plane.issues(project.id);
    const count = Math.max(1, Math.round(issues.length * share));
    // A different slice each round, so every round changes issues that are in sync.
    const start = (round * count) % issues.length;
    for (let i = 0; i < count; i += 1) {
      const issue = issues[(start + i) % issues.length];
      if (!issue) continue;
      workspace.plane.updateIssue(issue.id, { name: `${issue.name.replace(/ \(rev \d+\)$/, '')} (rev ${round + 1})` });
      changed += 1;
    }
  }
  return changed;
}
