#!/usr/bin/env node
// Makes sure the real CalDAV server the tests and the demo need is installed. As root on Debian
// it installs it (saying so); anywhere else it stops with the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (has('radicale')) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/etc/debian_version') && has('apt-get')) {
  console.error('calplanebot: Radicale (the CalDAV server the tests use) is missing; installing it: apt-get install -y radicale');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-qq', 'radicale'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error('calplanebot: installing radicale failed; run `apt-get update && apt-get install -y radicale` and retry');
    process.exit(1);
  }
  if (has('radicale')) process.exit(0);
}

console.error(`calplanebot: Radicale is required but not installed. Install it, then retry:
  Debian/Ubuntu: sudo apt-get install -y radicale
  Fedora:        sudo dnf install -y radicale
  macOS:         brew install radicale
  any system:    python3 -m pip install --user radicale`);
process.exit(1);
