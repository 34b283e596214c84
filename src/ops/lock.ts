/**
 * The overlap lock: two `sync` runs on one host (cron plus a manual run) never overlap. It is a
 * proper-lockfile lock (an atomic mkdir of `sync.lock/` whose mtime the holder refreshes) with a
 * holder file inside it (`sync.lock/holder.json`: PID, host, start time), so a skipped run can say
 * who holds it and a lock left by a dead process on this host is taken over at once.
 *
 * Taking over is the dangerous part, so calplanebot does it itself, never proper-lockfile (whose
 * stale check is switched off): a lock dir without a holder file is live (its holder is between
 * mkdir and writing the file) unless it has not been refreshed for STALE_MS; a takeover happens
 * under a second, short mutex (`sync.takeover.lock`) and re-reads the holder there first, so two
 * runs that both found a dead lock cannot both take it, and neither removes a lock just created.
 * Across hosts nothing is shared: there the ETag preconditions keep concurrent runs safe.
 */
import { mkdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensureStateDir, readJsonFile, writeJsonFileAtomic } from './state-dir.js';

/** A holder that has not refreshed its lock for this long is gone (crashed, frozen, powered off). */
export const STALE_MS = 60_000;
/** The takeover mutex is held for a few file operations; one this old was left by a crash. */
const TAKEOVER_STALE_MS = 10_000;
const REFRESH_MS = 10_000;
const POLL_MS = 500;
const HOLDER_FILE = 'holder.json';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** Why a lock was taken over: its holder's process is gone (this host), or it stopped refreshing the lock. */
export type TakeoverReason = 'dead' | 'stale';

export type LockResult =
  | {
      kind: 'acquired';
      release: () => Promise<void>;
      tookOverFrom: { holder: LockHolder | undefined; reason: TakeoverReason } | undefined;
    }
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
  /** For tests: runs after a lock was judged dead or stale, before the takeover (where another run could get in). */
  beforeTakeover?: () => Promise<void>;
}

interface LockPaths {
  /** The directory proper-lockfile creates; the holder file lives inside it. */
  lockDir: string;
  holderFile: string;
  /** The mutex every takeover runs under. */
  takeoverDir: string;
}

function pathsFor(stateDir: string, name: string): LockPaths {
  const lockDir = join(stateDir, `${name}.lock`);
  return { lockDir, holderFile: join(lockDir, HOLDER_FILE), takeoverDir: join(stateDir, `${name}.takeover.lock`) };
}

/** What a lock dir says about its holder right now. */
type Verdict =
  | { kind: 'free' }
  | { kind: 'live'; holder: LockHolder | undefined }
  | { kind: 'takeover'; reason: TakeoverReason; holder: LockHolder | undefined };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireRunLock(stateDir: string | undefined, options: AcquireOptions): Promise<LockResult> {
  if (!stateDir || !ensureStateDir(stateDir)) return { kind: 'unavailable', reason: 'no writable state dir' };
  const paths = pathsFor(stateDir, options.command);
  const sleep = options.sleep ?? realSleep;
  const deadline = Date.now() + options.waitMs;
  let tookOverFrom: { holder: LockHolder | undefined; reason: TakeoverReason } | undefined;
  for (;;) {
    const attempt = await tryLock(paths, options);
    if (attempt.kind !== 'held') return attempt.kind === 'acquired' ? { ...attempt, tookOverFrom } : attempt;
    const verdict = judge(paths);
    if (verdict.kind === 'free') continue; // released meanwhile
    if (verdict.kind === 'takeover') {
      await options.beforeTakeover?.();
      const outcome = takeOver(paths, verdict);
      if (outcome === 'removed') tookOverFrom = { holder: verdict.holder, reason: verdict.reason };
      if (outcome !== 'busy') continue; // removed, or it changed under us: look again
    }
    if (Date.now() >= deadline) return { kind: 'held', holder: verdict.holder };
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

async function tryLock(paths: LockPaths, options: AcquireOptions): Promise<LockResult> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.lockDir, {
      lockfilePath: paths.lockDir,
      realpath: false,
      // Never stale to proper-lockfile: its removal (rmdir) would race, and fails on the holder file.
      stale: Number.POSITIVE_INFINITY,
      update: REFRESH_MS,
      onCompromised: () =>
        options.onCompromised?.(
          'the run lock was lost (not refreshed in time, or taken over); carrying on, ETags keep concurrent runs safe',
        ),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED' || code === 'EEXIST' || code === 'ENOTEMPTY')
      return { kind: 'held', holder: readHolder(paths) };
    return { kind: 'unavailable', reason: `the lock could not be taken: ${(error as Error).message}` };
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command,
  };
  keepingMtime(paths.lockDir, () => writeJsonFileAtomic(paths.holderFile, holder));
  return {
    kind: 'acquired',
    tookOverFrom: undefined,
    release: async () => {
      // proper-lockfile removes the dir with rmdir, so the holder file goes first; but only ours
      // (after a takeover the dir and its holder are someone else's).
      if (sameHolder(readHolder(paths), holder))
        keepingMtime(paths.lockDir, () => rmSync(paths.holderFile, { force: true }));
      await release().catch(() => undefined); // already released when compromised
    },
  };
}

/**
 * Writing in the lock dir changes its mtime, which proper-lockfile checks on its next refresh to
 * see whether the lock is still its own: put the mtime back. Best-effort: the lock is held either way.
 */
function keepingMtime(lockDir: string, change: () => void): void {
  try {
    const before = statSync(lockDir);
    try {
      change();
    } finally {
      utimesSync(lockDir, before.atime, before.mtime);
    }
  } catch {
    // Only the description of the holder is missing (or left behind for the next run to clear).
  }
}

function judge(paths: LockPaths, now = Date.now()): Verdict {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(paths.lockDir).mtimeMs;
  } catch (error) {
    // Unreadable is not free: better a skipped run than two.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'free' } : { kind: 'live', holder: undefined };
  }
  const holder = readHolder(paths);
  if (holder && holder.host === hostname() && !isAlive(holder.pid)) return { kind: 'takeover', reason: 'dead', holder };
  if (now - mtimeMs > STALE_MS) return { kind: 'takeover', reason: 'stale', holder };
  // Refreshed lately: live, even without a holder file (its run is between mkdir and writing it).
  return { kind: 'live', holder };
}

/**
 * Removes a dead or stale lock under the takeover mutex, after judging it again there: what was
 * seen outside may have been replaced since (a run that took over first, and its fresh lock).
 * 'busy': another run is taking over right now.
 */
function takeOver(paths: LockPaths, seen: Extract<Verdict, { kind: 'takeover' }>): 'removed' | 'changed' | 'busy' {
  if (!enterMutex(paths.takeoverDir)) return 'busy';
  try {
    const now = judge(paths);
    if (now.kind !== 'takeover' || now.reason !== seen.reason || !sameHolder(now.holder, seen.holder)) return 'changed';
    rmSync(paths.lockDir, { recursive: true, force: true });
    return 'removed';
  } catch {
    return 'busy'; // could not remove it: treat it as held
  } finally {
    rmSync(paths.takeoverDir, { recursive: true, force: true });
  }
}

function enterMutex(dir: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      mkdirSync(dir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      try {
        if (Date.now() - statSync(dir).mtimeMs <= TAKEOVER_STALE_MS) return false;
      } catch {
        continue; // gone meanwhile
      }
      rmSync(dir, { recursive: true, force: true }); // left by a run that died mid-takeover
    }
  }
  return false;
}

function sameHolder(a: LockHolder | undefined, b: LockHolder | undefined): boolean {
  if (!a || !b) return a === b;
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
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
  return {
    pid: holder.pid,
    host: holder.host,
    startedAt: String(holder.startedAt ?? ''),
    command: String(holder.command ?? ''),
  };
}

/**
 * Who holds the lock right now, without taking it (for `health`): undefined when nobody does, or
 * the lock is stale or its holder dead.
 */
export function currentLockHolder(stateDir: string, command: string): LockHolder | undefined {
  const verdict = judge(pathsFor(stateDir, command));
  if (verdict.kind !== 'live') return undefined;
  return verdict.holder ?? { pid: 0, host: 'unknown', startedAt: '', command };
}

/** For tests and tooling: the lock's files. */
export function lockFiles(stateDir: string, command: string): LockPaths {
  return pathsFor(stateDir, command);
}
