/**
 * Runs once before the suite: a missing Radicale fails the whole run loudly, never a silent skip.
 * Also makes sure the CLI the end-to-end tests spawn has been built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const probe = spawnSync('radicale', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Radicale is not installed, and the end-to-end tests need a real CalDAV server.\n' +
        'Install it with `apt-get install -y radicale` (or run `npm test`, which installs it on Debian as root).',
    );
  }
  const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  if (!existsSync(cli)) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does this) before vitest.');
  }
}
