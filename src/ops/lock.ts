/**
 * The overlap lock: two `sync` runs on one host (cron plus a manual run) never overlap. It is a
 * proper-lockfile lock (an atomic mkdir whose mtime the holder refreshes; a lock nobody refreshed
 * for STALE_MS is taken over) plus a holder file beside it naming the PID, host and start time, so
 * a lock left by a dead process on this host is taken over at once and a skipped run can say who
 * holds it. Across hosts nothing is shared: there the ETag preconditions keep concurrent runs safe.
 */
import { rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensureStateDir, readJsonFile, writeJsonFileAtomic } from './state-dir.js';

/** A holder that has not refreshed its lock for this long is gone (crashed, frozen, powered off). */
export const STALE_MS = 60_000;
const REFRESH_MS = 10_000;
const POLL_MS = 500;

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export type LockResult =
  | { kind: 'acquired'; release: () => Promise<void>; tookOverFrom: LockHolder | undefined }
  | { kind: 'held'; holder: LockHolder | undefined }
  /** No writable state dir: the run goes ahead without a lock. */
  | { kind: 'unavailable'; reason: string };

export interface AcquireOptions {
  /** What the holder is doing, for the holder file ("sync"). */
  command: string;
  /** How long to wait for a held lock: 0 = not at all, Infinity = until it is free. */
  waitMs: number;
  /** Told when the lock is lost mid-run (the run carries on). */
  onCompromised?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

interface LockPaths {
  /** The directory proper-lockfile creates. */
  lockDir: string;
  holderFile: string;
}

function pathsFor(stateDir: string, name: string): LockPaths {
  return { lockDir: join(stateDir, `${name}.lock`), holderFile: join(stateDir, `${name}.lock.json`) };
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireRunLock(stateDir: string | undefined, options: AcquireOptions): Promise<LockResult> {
  if (!stateDir || !ensureStateDir(stateDir)) return { kind: 'unavailable', reason: 'no writable state dir' };
  const paths = pathsFor(stateDir, options.command);
  const sleep = options.sleep ?? realSleep;
  const deadline = Date.now() + options.waitMs;
  let tookOverFrom: LockHolder | undefined;
  for (;;) {
    const attempt = await tryLock(paths, options);
    if (attempt.kind !== 'held') return attempt.kind === 'acquired' ? { ...attempt, tookOverFrom } : attempt;
    const dead = deadHolder(paths);
    if (dead) {
      tookOverFrom = dead;
      rmSync(paths.lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= deadline) return attempt;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

async function tryLock(paths: LockPaths, options: AcquireOptions): Promise<LockResult> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.holderFile, {
      lockfilePath: paths.lockDir,
      realpath: false,
      stale: STALE_MS,
      update: REFRESH_MS,
      onCompromised: () => options.onCompromised?.('the run lock was lost (not refreshed in time, or taken over); carrying on, ETags keep concurrent runs safe'),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return { kind: 'held', holder: readHolder(paths) };
    return { kind: 'unavailable', reason: `the lock could not be taken: ${(error as Error).message}` };
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: options.command };
  try {
    writeJsonFileAtomic(paths.holderFile, holder);
  } catch {
    // The lock itself is held; only the description of its holder is missing.
  }
  return {
    kind: 'acquired',
    tookOverFrom: undefined,
    release: async () => {
      rmSync(paths.holderFile, { force: true });
      await release().catch(() => undefined); // already released when compromised
    },
  };
}

/** The holder, when its lock is on this host and its process no longer exists. */
function deadHolder(paths: LockPaths): LockHolder | undefined {
  const holder = readHolder(paths);
  if (!holder || holder.host !== hostname() || isAlive(holder.pid)) return undefined;
  // Read once more just before the takeover: a new holder may have replaced the dead one meanwhile.
  const again = readHolder(paths);
  return again && again.pid === holder.pid && again.startedAt === holder.startedAt ? holder : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readHolder(paths: LockPaths): LockHolder | undefined {
  const holder = readJsonFile<Partial<LockHolder>>(paths.holderFile);
  if (!holder || typeof holder.pid !== 'number' || typeof holder.host !== 'string') return undefined;
  return { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt ?? ''), command: String(holder.command ?? '') };
}

/**
 * Who holds the lock right now, without taking it (for `health`): undefined when nobody does, or
 * the lock is stale or its holder dead.
 */
export function currentLockHolder(stateDir: string, command: string): LockHolder | undefined {
  const paths = pathsFor(stateDir, command);
  try {
    if (Date.now() - statSync(paths.lockDir).mtimeMs > STALE_MS) return undefined;
  } catch {
    return undefined;
  }
  if (deadHolder(paths)) return undefined;
  return readHolder(paths) ?? { pid: 0, host: 'unknown', startedAt: '', command };
}

/** For tests and tooling: the lock's files. */
export function lockFiles(stateDir: string, command: string): LockPaths {
  return pathsFor(stateDir, command);
}
