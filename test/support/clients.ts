/**
 * The calendar clients the e2e tests read calplanebot's output with (vdirsyncer, khal, …): a check
 * that fails loudly with the install command when one is missing, and a runner that gives each
 * client a home of its own, so it never reads the developer's configuration.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type CliResult, runProgram } from './cli.js';
import { installCommand, type ProgramName } from './install-plan.mjs';

function readOsRelease(): string | undefined {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  return undefined;
}

/** Fails the test, loudly and with the install command, when `name` is not installed; `purpose` says what the test reads with it. */
export function requireProgram(name: ProgramName, purpose: string): void {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return;
  const plan = installCommand({
    platform: process.platform,
    osRelease: readOsRelease(),
    isRoot: process.getuid?.() === 0,
    missing: [name],
  });
  throw new Error(
    `${name} is not installed, and this test reads ${purpose} with it.\n` +
      `Install it: ${plan.command ?? plan.notes.join('; ')}\n` +
      '(or run `node test/support/ensure-servers.mjs --tests`, which installs it as root on Debian; `npm test` does that first)',
  );
}

export interface ClientOptions {
  stdin?: string;
  /** Variables set on top of the runner's environment (e.g. TZ, for a client that reads dates in local time). */
  env?: Record<string, string>;
}

export interface ClientRunner {
  /** Runs a client to its end. */
  run(command: string, args: string[], options?: ClientOptions): Promise<CliResult>;
  /** Runs a client and expects it to succeed (its output in the failure message). */
  ok(command: string, args: string[], options?: ClientOptions): Promise<CliResult>;
}

/** Clients run in `work` with HOME and the XDG dirs under it, and a UTF-8 locale (click refuses ASCII). */
export function clientRunner(work: () => string): ClientRunner {
  const run = (command: string, args: string[], options: ClientOptions = {}) => {
    const home = join(work(), 'tool-home');
    mkdirSync(home, { recursive: true });
    const env = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CACHE_HOME: join(home, 'cache'),
      LC_ALL: 'C.UTF-8',
      LANG: 'C.UTF-8',
      ...options.env,
    };
    return runProgram(command, args, { env, cwd: work(), stdin: options.stdin });
  };
  return {
    run,
    async ok(command, args, options = {}) {
      const result = await run(command, args, options);
      expect(result.code, `${command} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    },
  };
}

/**
 * A khal config in `dir` with one calendar `name` (the vdir at `folder`), fixed ISO formats and UTC
 * (or `timeZone`, an IANA name, as khal's local and default zone), its database in `dir`: khal's
 * output is then the same on every machine.
 */
export function writeKhalConfig(dir: string, name: string, folder: string, timeZone = 'UTC'): string {
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      '[calendars]',
      `[[${name}]]`,
      `path = ${folder}`,
      'type = calendar',
      '',
      '[locale]',
      'timeformat = %H:%M',
      'dateformat = %Y-%m-%d',
      'longdateformat = %Y-%m-%d',
      'datetimeformat = %Y-%m-%d %H:%M',
      'longdatetimeformat = %Y-%m-%d %H:%M',
      `local_timezone = ${timeZone}`,
      `default_timezone = ${timeZone}`,
      '',
      '[default]',
      `default_calendar = ${name}`,
      '',
      '[sqlite]',
      `path = ${join(dir, 'khal.db')}`,
      '',
    ].join('\n'),
  );
  return config;
}

/**
 * A todoman config in `dir` (todoman reads a Python file): every vdir under `parent` is a list (the
 * folder name is the list's name), ISO formats, its cache in `dir`. Run it as
 * `todoman --config <it> --porcelain list …`; porcelain dates are epoch seconds, a date-only DUE
 * counted from local midnight (so give the run a TZ).
 */
export function writeTodomanConfig(dir: string, parent: string): string {
  const config = join(dir, 'todoman.py');
  const q = (s: string) => JSON.stringify(s);
  writeFileSync(
    config,
    [
      `path = ${q(join(parent, '*'))}`,
      'date_format = "%Y-%m-%d"',
      'time_format = "%H:%M"',
      'humanize = False',
      'color = "never"',
      `cache_path = ${q(join(dir, 'todoman-cache.sqlite3'))}`,
      '',
    ].join('\n'),
  );
  return config;
}
