/**
 * Where calplanebot keeps what it remembers between runs (run state, caches, the lock), and how
 * it writes there. All of it is optional: without a writable state dir (a CI runner) every
 * command still works, it just remembers nothing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** sync.stateDir, else $XDG_STATE_HOME/calplanebot, else ~/.local/state/calplanebot. */
export function resolveStateDir(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'calplanebot');
}

/** Creates the dir (0700: it may reveal project names); false when that is not possible. */
export function ensureStateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return true;
  } catch {
    return false;
  }
}

/** Reads a JSON file; undefined when it is missing or unreadable (state is never required). */
export function readJsonFile<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Write-then-rename, so a crash or a concurrent reader never sees half a file. */
export function writeJsonFileAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
