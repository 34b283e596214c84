import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, currentLockHolder, type LockResult, lockFiles, STALE_MS } from '../../../src/ops/lock.js';
import { scratchDir } from '../../support/scratch.js';

const stateDir = () => join(scratchDir('ops-lock-'), 'calplanebot');

/** The PID of a process that has exited (and so cannot hold anything). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/**
 * A lock as another process leaves it: the lock dir (mtime = last refresh) with its holder file
 * inside; `holder: undefined` is a lock whose taker has not written its holder file yet.
 */
function plantLock(dir: string, holder: { pid: number; host: string } | undefined, refreshedMsAgo = 0): void {
  mkdirSync(dir, { recursive: true });
  const files = lockFiles(dir, 'sync');
  mkdirSync(files.lockDir);
  if (holder)
    writeFileSync(
      files.holderFile,
      JSON.stringify({ ...holder, startedAt: '2025-12-01T10:00:00.000Z', command: 'sync' }),
    );
  const at = new Date(Date.now() - refreshedMsAgo);
  utimesSync(files.lockDir, at, at);
}

const release = async (lock: LockResult) => {
  if (lock.kind === 'acquired') await lock.release();
};

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

  it('keeps its holder file inside the lock dir, and leaves the dir mtime as proper-lockfile set it', async () => {
    const dir = stateDir();
    const files = lockFiles(dir, 'sync');
    expect(files.holderFile.startsWith(`${files.lockDir}/`)).toBe(true);
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(JSON.parse(readFileSync(files.holderFile, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    // Not the time of the holder write: proper-lockfile's refresh compares the mtime with its own.
    expect(readdirSync(files.lockDir)).toEqual(['holder.json']);
    const { mtimeMs } = statSync(files.lockDir);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statSync(files.lockDir).mtimeMs).toBe(mtimeMs);
    await release(lock);
    expect(existsSync(files.lockDir)).toBe(false);
  });

  it('takes over at once from a dead process on this host', async () => {
    const dir = stateDir();
    const pid = deadPid();
    plantLock(dir, { pid, host: hostname() });
    expect(currentLockHolder(dir, 'sync')).toBeUndefined();
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(lock).toMatchObject({
      kind: 'acquired',
      tookOverFrom: { reason: 'dead', holder: { pid, host: hostname() } },
    });
    expect(currentLockHolder(dir, 'sync')).toMatchObject({ pid: process.pid });
    await release(lock);
  });

  it('a lock dir whose taker has not written its holder yet is live, whatever dead holder lies around', async () => {
    // The gap the old layout had: B has made the lock dir and not yet written its holder, while a
    // holder file naming a dead PID is left from an earlier run killed by a signal.
    const dir = stateDir();
    plantLock(dir, undefined);
    const files = lockFiles(dir, 'sync');
    writeFileSync(
      join(dir, 'sync.lock.json'),
      JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2025-12-01T09:00:00.000Z', command: 'sync' }),
    );
    const before = statSync(files.lockDir).mtimeMs;
    expect(await acquireRunLock(dir, { command: 'sync', waitMs: 0 })).toEqual({ kind: 'held', holder: undefined });
    expect(statSync(files.lockDir).mtimeMs).toBe(before); // B's lock untouched
    expect(currentLockHolder(dir, 'sync')).toMatchObject({ pid: 0, host: 'unknown' });
  });

  it('a lock dir without a holder that nobody refreshed for the stale time is taken over', async () => {
    const dir = stateDir();
    plantLock(dir, undefined, STALE_MS + 5_000);
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(lock).toMatchObject({ kind: 'acquired', tookOverFrom: { reason: 'stale', holder: undefined } });
    await release(lock);
  });

  it('two runs taking over the same dead lock at once: exactly one wins', async () => {
    for (let round = 0; round < 10; round += 1) {
      const dir = stateDir();
      plantLock(dir, { pid: deadPid(), host: hostname() });
      const results = await Promise.all([1, 2, 3].map(() => acquireRunLock(dir, { command: 'sync', waitMs: 0 })));
      expect(results.map((r) => r.kind).sort()).toEqual(['acquired', 'held', 'held']);
      for (const result of results) await release(result);
    }
  });

  it('two processes taking over the same dead lock at once: exactly one wins', async () => {
    const dir = stateDir();
    plantLock(dir, { pid: deadPid(), host: hostname() });
    const go = join(dir, '..', 'go');
    const script = [
      `import { existsSync } from 'node:fs';`,
      `import { acquireRunLock } from ${JSON.stringify(fileURLToPath(new URL('../../../src/ops/lock.ts', import.meta.url)))};`,
      `while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 2));`,
      `const lock = await acquireRunLock(${JSON.stringify(dir)}, { command: 'sync', waitMs: 0 });`,
      `process.stdout.write(lock.kind);`,
      `await new Promise((r) => setTimeout(r, 1500));`, // hold it while the others look
      `if (lock.kind === 'acquired') await lock.release();`,
    ].join('\n');
    const children = [1, 2, 3, 4].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${out}`))));
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500)); // every child loaded and polling
    writeFileSync(go, '');
    expect((await Promise.all(children)).sort()).toEqual(['acquired', 'held', 'held', 'held']);
    expect(existsSync(lockFiles(dir, 'sync').lockDir)).toBe(false);
  }, 30_000);

  it.each([
    ['dead', () => ({ pid: deadPid(), host: hostname() }), 0],
    ['stale', () => ({ pid: 1, host: 'another-host' }), STALE_MS + 5_000],
  ] as const)(
    'a %s lock that another run took over first, after this one judged it, is left to that run',
    async (_reason, holder, age) => {
      const dir = stateDir();
      plantLock(dir, holder(), age);
      let other: LockResult | undefined;
      const late = await acquireRunLock(dir, {
        command: 'sync',
        waitMs: 0,
        // Between this run's judgement and its takeover, another run takes the lock over.
        beforeTakeover: async () => {
          other ??= await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
        },
      });
      expect(other).toMatchObject({ kind: 'acquired', tookOverFrom: { reason: _reason } });
      expect(late).toMatchObject({ kind: 'held', holder: { pid: process.pid } });
      expect(currentLockHolder(dir, 'sync')).toMatchObject({ pid: process.pid, host: hostname() });
      await release(other!);
    },
  );

  it('a takeover mutex left by a crashed run is cleared once it is old; a fresh one means "busy"', async () => {
    const dir = stateDir();
    plantLock(dir, { pid: deadPid(), host: hostname() });
    const { takeoverDir } = lockFiles(dir, 'sync');
    mkdirSync(takeoverDir);
    expect((await acquireRunLock(dir, { command: 'sync', waitMs: 0 })).kind).toBe('held');
    const old = new Date(Date.now() - 60_000);
    utimesSync(takeoverDir, old, old);
    const lock = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(lock).toMatchObject({ kind: 'acquired', tookOverFrom: { reason: 'dead' } });
    expect(existsSync(takeoverDir)).toBe(false);
    await release(lock);
  });

  it('leaves a live holder on another host alone until its lock is stale, then takes over', async () => {
    const dir = stateDir();
    plantLock(dir, { pid: 1, host: 'another-host' });
    expect(await acquireRunLock(dir, { command: 'sync', waitMs: 0 })).toMatchObject({
      kind: 'held',
      holder: { host: 'another-host' },
    });

    const stale = stateDir();
    plantLock(stale, { pid: 1, host: 'another-host' }, STALE_MS + 5_000);
    expect(currentLockHolder(stale, 'sync')).toBeUndefined();
    // Its holder file is inside: proper-lockfile's own stale removal (rmdir) would fail on it.
    const lock = await acquireRunLock(stale, { command: 'sync', waitMs: 0 });
    expect(lock).toMatchObject({
      kind: 'acquired',
      tookOverFrom: { reason: 'stale', holder: { host: 'another-host' } },
    });
    await release(lock);
  });

  it('without a writable state dir there is no lock, and the run goes on', async () => {
    const base = scratchDir('ops-lock-');
    writeFileSync(join(base, 'file'), '');
    expect(await acquireRunLock(join(base, 'file', 'calplanebot'), { command: 'sync', waitMs: 0 })).toMatchObject({
      kind: 'unavailable',
    });
  });
});
