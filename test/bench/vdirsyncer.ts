/**
 * The tool people would otherwise use: vdirsyncer (Debian package) syncing a filesystem storage of
 * `.ics` files (one folder per calendar) to a CalDAV server. A temp config, a temp status dir;
 * `discover` answers its "create the collection?" prompts from stdin, then `sync` uploads.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProcessSample, timedRun } from './measure.js';

export const VDIRSYNCER = 'vdirsyncer';

/** The installed version, or a clear error saying how to install it. */
export function vdirsyncerVersion(): string {
  const probe = spawnSync(VDIRSYNCER, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'vdirsyncer is not installed, and the benchmark compares against it: apt-get install -y vdirsyncer',
    );
  }
  return probe.stdout.trim().replace(/^vdirsyncer, version /, '');
}

export interface VdirsyncerSetup {
  config: string;
  collections: number;
}

/** A config pairing `eventsDir` (one subfolder per calendar) with the CalDAV server at `url`. */
export function writeVdirsyncerConfig(
  work: string,
  eventsDir: string,
  server: { url: string; username: string; password: string },
  collections: number,
): VdirsyncerSetup {
  const status = join(work, 'status');
  mkdirSync(status, { recursive: true });
  const config = join(work, 'config');
  const quote = (s: string) => JSON.stringify(s);
  writeFileSync(
    config,
    [
      '[general]',
      `status_path = ${quote(`${status}/`)}`,
      '',
      '[pair bench]',
      'a = "events"',
      'b = "server"',
      'collections = ["from a"]',
      '',
      '[storage events]',
      'type = "filesystem"',
      `path = ${quote(`${eventsDir}/`)}`,
      'fileext = ".ics"',
      '',
      '[storage server]',
      'type = "caldav"',
      `url = ${quote(server.url)}`,
      `username = ${quote(server.username)}`,
      `password = ${quote(server.password)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { config, collections };
}

/** `discover`: creates the missing calendars on the server (one "y" per prompt). */
export async function vdirsyncerDiscover(setup: VdirsyncerSetup): Promise<ProcessSample> {
  const sample = await timedRun(VDIRSYNCER, ['-c', setup.config, 'discover'], {
    stdin: 'y\n'.repeat(setup.collections + 1),
  });
  assertOk(sample, 'discover');
  return sample;
}

export async function vdirsyncerSync(setup: VdirsyncerSetup): Promise<ProcessSample> {
  const sample = await timedRun(VDIRSYNCER, ['-c', setup.config, 'sync']);
  assertOk(sample, 'sync');
  return sample;
}

function assertOk(sample: ProcessSample, step: string): void {
  if (sample.code !== 0) throw new Error(`vdirsyncer ${step} exited ${sample.code}:\n${sample.stderr.slice(-2000)}`);
}
