/**
 * Runs once before the suite: a missing Radicale fails the whole run loudly, never a silent skip.
 * Also makes sure the CLI the end-to-end tests spawn has been built, and that the run leaves
 * nothing behind: every test file, worker and program it spawns gets one temp dir of the run's
 * (TMPDIR), which must be empty when the run ends (else the run fails, naming what was left).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  const runTemp = mkdtempSync(join(tmpdir(), 'calplanebot-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runTemp;
  try {
    checkPrerequisites();
  } catch (error) {
    rmSync(runTemp, { recursive: true, force: true });
    throw error;
  }
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // tsx keeps its compile cache in the temp dir (tsx-{uid}): a tool's, not a test's.
    const left = readdirSync(runTemp).filter((name) => !/^tsx-\d+$/.test(name));
    rmSync(runTemp, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here but still exits 0: fail the run by its exit code.
      console.error(
        `\nFAIL: the tests left ${left.length} thing(s) in the temp dir: ${left.sort().join(', ')}; remove them in the fixture that makes them (test/support/scratch.ts scratchDir does it for you)`,
      );
      process.exitCode = 1;
    }
  };
}

function checkPrerequisites(): void {
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
