/**
 * Where calplanebot keeps what it remembers between runs (run state, caches, the lock), and how
 * it writes there. All of it is optional: without a writable state dir (a CI runner) every
 * command still works, it just remembers nothing.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** sync.stateDir, else $XDG_STATE_HOME/calplanebot, else ~/.local/state/calplanebot. */
export function resolveStateDir(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  const xdg = env.XDG_STATE_HOME;
  const base = xdg?.startsWith('/') ? xdg : join(homedir(), '.local', 'state');
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

/**
 * Whether runs could keep state in `dir` (without creating it): it is a writable directory, or
 * the nearest existing parent is one. `health` uses it to tell "no sync recorded" from "cannot know".
 */
export function stateDirUsable(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    try {
      if (!statSync(current).isDirectory()) return false;
      accessSync(current, constants.W_OK | constants.X_OK);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) return false;
    }
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

/**
 * Write, fsync, rename: a crash or a concurrent reader never sees half a file, and a power cut
 * after the rename does not leave an empty one. The temp name is unique beyond the PID (two pods
 * that are both PID 1 may share a volume); a failed write leaves no temp file behind.
 */
export function writeJsonFileAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

/**
 * Writes `text` to a temporary file beside `path`, flushes it to disk (unless `durable` is false:
 * a cache that may be lost), then renames it over `path`.
 */
export function writeFileAtomic(path: string, text: string, mode: number, { durable = true } = {}): void {
  writeAtomicWith(path, mode, durable, (fd) => writeFileSync(fd, text)); // loops until all is written
}

/** The same, for a file written a piece at a time by `write` (no string of all of it). */
export function writeAtomicWith(path: string, mode: number, durable: boolean, write: (fd: number) => void): void {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      fchmodSync(fd, mode); // the mode asked for, whatever the umask (a feed must be readable by the web server)
      write(fd);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
