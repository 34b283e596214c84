#!/usr/bin/env node
// Makes sure the external programs the tests, the demo or the benchmark run are installed:
//   node test/support/ensure-servers.mjs [--tests] [--demo] [--bench]   (no flag: --tests)
// As root on Debian/Ubuntu it installs what is missing with apt-get, saying so on stderr; anywhere
// else it stops with the one install command for this system. Plain Node, no dependencies: it runs
// before `npm ci` has built anything (.ci/run) and as `pretest`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { installCommand, PROGRAMS, programsFor } from './install-plan.mjs';

function onPath(name) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

function isInstalled(name) {
  if (name !== 'time') return onPath(name);
  // The benchmark calls /usr/bin/time itself, and reads GNU time's report.
  const probe = spawnSync('/usr/bin/time', ['--version'], { encoding: 'utf8' });
  return !probe.error && `${probe.stdout}${probe.stderr}`.includes('GNU');
}

function readOsRelease() {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  return undefined;
}

function main(argv) {
  const unknown = argv.filter((arg) => !/^--(tests|demo|bench)$/.test(arg));
  if (unknown.length > 0) {
    console.error(`usage: ensure-servers.mjs [--tests] [--demo] [--bench] (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  const uses = argv.length === 0 ? ['tests'] : argv.map((arg) => arg.slice(2));
  const missing = programsFor(uses).filter((name) => !isInstalled(name));
  if (missing.length === 0) return 0;

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const plan = installCommand({ platform: process.platform, osRelease: readOsRelease(), isRoot, missing });
  const what = missing.map((name) => `  - ${PROGRAMS[name].purpose}`).join('\n');

  if (isRoot && plan.system === 'debian' && plan.notes.length === 0 && onPath('apt-get')) {
    console.error(
      `calplanebot: missing:\n${what}\ninstalling: apt-get install -y --no-install-recommends ${plan.packages.join(' ')}`,
    );
    try {
      const quiet = {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      };
      execFileSync('apt-get', ['update', '-qq'], quiet);
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages], quiet);
    } catch {
      console.error(`calplanebot: the install failed; run it yourself, then retry:\n  ${plan.command}`);
      return 1;
    }
    const still = missing.filter((name) => !isInstalled(name));
    if (still.length === 0) return 0;
    console.error(`calplanebot: still missing after the install: ${still.join(', ')}`);
    return 1;
  }

  const lines = [`calplanebot: missing:\n${what}`];
  const them = missing.length > 1 ? 'them' : 'it';
  if (plan.command)
    lines.push(`Install ${plan.notes.length > 0 ? `most of ${them}` : them}, then retry:\n  ${plan.command}`);
  if (plan.notes.length > 0)
    lines.push(`${plan.command ? 'And' : 'Install, then retry'}:\n${plan.notes.map((note) => `  ${note}`).join('\n')}`);
  console.error(lines.join('\n'));
  return 1;
}

process.exitCode = main(process.argv.slice(2));
