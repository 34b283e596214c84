/**
 * Temporary directories the tests make, removed after the test file that made them (under
 * vitest, whose workers may never see a normal exit) or when the process exits (the demo and the
 * benchmark, which run outside it). Nothing is left in the system temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
const onRemove: Array<() => void> = [];

/** A new temp dir, `prefix` + random. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Told when the scratch dirs are removed (a cache of one of them must forget it). */
export function onScratchRemoved(forget: () => void): void {
  onRemove.push(forget);
}

function removeScratch(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const forget of onRemove) forget();
}

// Inside a test file, after it; anywhere else (also a program a test spawns, which inherits VITEST
// in its environment), at exit: vitest refuses a hook outside its runner.
try {
  afterAll(removeScratch);
} catch {
  process.once('exit', removeScratch);
}
