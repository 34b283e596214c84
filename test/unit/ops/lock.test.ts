import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, currentLockHolder, lockFiles, STALE_MS } from '../../../src/ops/lock.js';

const stateDir = () => join(mkdtempSync(join(tmpdir(), 'ops-lock-')), 'calplanebot');

/** The PID of a process that has exited (and so cannot hold anything). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** A lock as another process leaves it: the lock dir (mtime = last refresh) and the holder file. */
function plantLock(dir: string, holder: { pid: number; host: string }, refreshedMsAgo = 0): void {
  mkdirSync(dir, { recursive: true });
  const files = lockFiles(dir, 'sync');
  mkdirSync(files.lockDir);
  const at = new Date(Date.now() - refreshedMsAgo);
  utimesSync(files.lockDir, at, at);
  writeFileSync(files.holderFile, JSON.stringify({ ...holder, startedAt: '2025-12-01T10:00:00.000Z', command: 'sync' }));
}

describe('the run lock', () => {
  it('is taken, names its holder, and is released', async () => {
    const dir = stateDir();
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(lock.kind).toBe('acquired');
    expect(currentLockHolder(dir, 'sync')).toMatchObject({ pid: process.pid, host: hostname(), command: 'sync' });
    if (lock.kind === 'acquired') await lock.release();
    expect(existsSync(lockFiles(dir, 'sync').lockDir)).toBe(false);
    expect(currentLockHolder(dir, 'sync')).toBeUndefined();
  });

  it('a second taker is told who holds it', async () => {
    const dir = stateDir();
    const first = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    const second = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(second).toMatchObject({ kind: 'held', holder: { pid: process.pid, host: hostname() } });
    if (first.kind === 'acquired') await first.release();
  });

  it('waits for a holder that lets go', async () => {
    const dir = stateDir();
    const first = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    const waited: number[] = [];
    let released = false;
    const second = await acquireRunLock(dir, {
      command: 'sync',
      waitMs: Number.POSITIVE_INFINITY,
      sleep: async (ms) => {
        waited.push(ms);
        if (waited.length === 3 && first.kind === 'acquired' && !released) {
          released = true;
          await first.release();
        }
      },
    });
    expect(second.kind).toBe('acquired');
    expect(waited).toHaveLength(3);
    if (second.kind === 'acquired') await second.release();
  });

  it('gives up waiting after the limit', async () => {
    const dir = stateDir();
    const first = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    const second = await acquireRunLock(dir, { command: 'sync', waitMs: 300 });
    expect(second.kind).toBe('held');
    if (first.kind === 'acquired') await first.release();
  });

  it('takes over at once from a dead process on this host', async () => {
    const dir = stateDir();
    const pid = deadPid();
    plantLock(dir, { pid, host: hostname() });
    expect(currentLockHolder(dir, 'sync')).toBeUndefined();
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(lock).toMatchObject({ kind: 'acquired', tookOverFrom: { pid, host: hostname() } });
    if (lock.kind === 'acquired') await lock.release();
  });

  it('leaves a live holder on another host alone until its lock is stale, then takes over', async () => {
    const dir = stateDir();
    plantLock(dir, { pid: 1, host: 'another-host' });
    expect(await acquireRunLock(dir, { command: 'sync', waitMs: 0 })).toMatchObject({ kind: 'held', holder: { host: 'another-host' } });

    const stale = stateDir();
    plantLock(stale, { pid: 1, host: 'another-host' }, STALE_MS + 5_000);
    expect(currentLockHolder(stale, 'sync')).toBeUndefined();
    const lock = await acquireRunLock(stale, { command: 'sync', waitMs: 0 });
    expect(lock.kind).toBe('acquired');
    if (lock.kind === 'acquired') await lock.release();
  });

  it('without a writable state dir there is no lock, and the run goes on', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ops-lock-'));
    writeFileSync(join(base, 'file'), '');
    expect(await acquireRunLock(join(base, 'file', 'calplanebot'), { command: 'sync', waitMs: 0 })).toMatchObject({ kind: 'unavailable' });
  });
});
