/** Runs the built CLI as a child process, as cron would, and captures what it says. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_BINDINGS, envVariablesFor } from '../../src/config/env.js';
import type { RunReport } from '../../src/sync/report.js';
import { onScratchRemoved, scratchDir } from './scratch.js';

export const CLI = fileURLToPath(new URL('../../bin/calplanebot.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
  cwd?: string;
}

/**
 * Every variable the CLI reads (they beat the config file): exported by a developer for their own
 * Plane and calendar, they would point a test or the demo at the real servers.
 */
export const CLI_ENV_VARIABLES: readonly string[] = [
  ...ENV_BINDINGS.flatMap((binding) => envVariablesFor(binding.key)),
  'PLANE_SIGNATURE',
  'CALPLANEBOT_LOG_FORMAT',
];

/**
 * The environment of a CLI run: this process's, less CLI_ENV_VARIABLES, plus `overrides` (which may
 * set any of them again). Each run gets its own empty state dir (like a CI runner) unless
 * `overrides` names XDG_STATE_HOME: runs never share a lock, a run state or a discovery cache by
 * accident, nor touch the developer's own.
 */
export function isolatedEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of CLI_ENV_VARIABLES) delete env[key];
  return { ...env, ...('XDG_STATE_HOME' in overrides ? {} : { XDG_STATE_HOME: freshStateHome() }), ...overrides };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runProgram(process.execPath, [CLI, ...args], {
    env: isolatedEnv({ NO_COLOR: '1', ...options.env }),
    cwd: options.cwd ?? tmpdir(),
    stdin: options.stdin,
  });
}

/** Runs any program to its end with `stdin` (or nothing) on its standard input, collecting its output. */
export function runProgram(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; cwd: string; stdin?: string | Buffer | undefined },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

let stateHomes: string | undefined;
onScratchRemoved(() => (stateHomes = undefined));

export { scratchDir };

/** A new empty directory to use as XDG_STATE_HOME (the state dir is `<it>/calplanebot`); removed with the scratch dirs. */
export function freshStateHome(): string {
  stateHomes ??= scratchDir('calplanebot-states-');
  return mkdtempSync(join(stateHomes, 'home-'));
}

export interface TestConfig {
  planeUrl: string;
  apiKey: string;
  workspaceSlug: string;
  caldavUrl: string;
  username: string;
  password: string;
  extra?: Record<string, unknown>;
}

/** Writes a config file into a fresh temp dir and returns its path. */
export function writeConfig(config: TestConfig): string {
  const dir = scratchDir('calplanebot-config-');
  const file = join(dir, 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: config.planeUrl,
      webUrl: 'https://plane.example.test',
      workspaceSlug: config.workspaceSlug,
      apiKey: config.apiKey,
    },
    caldav: { serverUrl: config.caldavUrl, username: config.username, password: config.password },
    http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 10000 },
    ...config.extra,
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

/** `calplanebot --json --config <config> …args` with its report parsed; a run that printed no JSON fails with its output. */
export async function runJson<R = RunReport>(config: string, ...args: string[]): Promise<CliResult & { report: R }> {
  const result = await runCli(['--json', '--config', config, ...args]);
  let report: R;
  try {
    report = JSON.parse(result.stdout) as R;
  } catch {
    throw new Error(`no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, report };
}
