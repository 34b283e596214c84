import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { cachedCalendar } from '../../../src/ops/discovery-cache.js';
import { acquireRunLock, lockFiles } from '../../../src/ops/lock.js';
import { type GuardedRunContext, guardedRun, type RunLog, recordedRun } from '../../../src/ops/run-guard.js';
import { readRunState } from '../../../src/ops/run-state.js';
import { emptyProjectReport, type ProjectReport } from '../../../src/sync/report.js';
import { asCalendar } from '../../support/builders.js';
import { scratchDir } from '../../support/scratch.js';

const ACCOUNT = 'test-account';

function context(
  stateDir: string,
): GuardedRunContext & { records: Array<Record<string, unknown>>; warnings: string[] } {
  const records: Array<Record<string, unknown>> = [];
  const warnings: string[] = [];
  const log: RunLog = {
    debug: () => undefined,
    warn: (text) => warnings.push(text),
    log: (record) => records.push(record),
    redacted: (text) => text,
  };
  return {
    kind: 'sync',
    services: {
      stateDir,
      stats: { plane: new RequestStats(), caldav: new RequestStats() },
      discovery: { account: ACCOUNT, current: () => undefined },
    },
    log,
    calendarNameTemplate: 'Plane: {project}',
    lockWaitMs: 0,
    records,
    warnings,
  };
}

const stateDir = () => join(scratchDir('ops-guard-'), 'calplanebot');

/** A project that created one event in its calendar. */
function finishedProject(id: string): ProjectReport {
  return {
    ...emptyProjectReport({ id, identifier: id.toUpperCase(), name: `Project ${id}` }),
    calendarUrl: `https://dav.example/alice/plane-${id}/`,
    created: 1,
    changes: [
      {
        op: 'create',
        uid: `plane-issue-00000000-0000-4000-8000-00000000000${id.length}@calplanebot`,
        issueId: `00000000-0000-4000-8000-00000000000${id.length}`,
        summary: 'x',
        fields: [],
        applied: true,
        durationMs: 12,
      },
    ],
  };
}

describe('guardedRun', () => {
  it('releases the lock when the run throws, so the same process can take it again', async () => {
    const dir = stateDir();
    const ctx = context(dir);
    await expect(guardedRun(ctx, async () => Promise.reject(new Error('Plane is down')))).rejects.toThrow(
      'Plane is down',
    );
    expect(existsSync(lockFiles(dir, 'sync').lockDir)).toBe(false);
    const again = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    expect(again.kind).toBe('acquired');
    if (again.kind === 'acquired') await again.release();
    expect(readRunState(dir, 'sync')).toMatchObject({
      consecutiveFailures: 1,
      last: { outcome: 'failure', error: 'Plane is down' },
    });
  });

  it('does not run, nor record, while another run holds the lock', async () => {
    const dir = stateDir();
    const held = await acquireRunLock(dir, { command: 'sync', waitMs: 0 });
    let ran = false;
    const outcome = await guardedRun(context(dir), async () => {
      ran = true;
      return { projects: [] };
    });
    expect(outcome).toMatchObject({ kind: 'skipped', holder: { pid: process.pid } });
    expect(ran).toBe(false);
    expect(readRunState(dir, 'sync')).toBeUndefined();
    if (held.kind === 'acquired') await held.release();
  });
});

describe('recordedRun', () => {
  it('a run stopped part-way still records, logs and caches the projects it finished', async () => {
    const dir = stateDir();
    const ctx = context(dir);
    const refused = new AuthError('caldav', 'B: PROPFIND answered 401', 401, 'PROPFIND', 'dav.example');
    await expect(
      recordedRun(ctx, async (onCalendarDone) => {
        onCalendarDone(asCalendar(finishedProject('a')));
        throw refused;
      }),
    ).rejects.toBe(refused);
    const state = readRunState(dir, 'sync');
    expect(state).toMatchObject({
      consecutiveFailures: 1,
      last: {
        outcome: 'failure',
        error: 'B: PROPFIND answered 401',
        totals: { created: 1 },
        projects: [{ id: 'a', created: 1 }],
      },
    });
    expect(state?.last.metrics.operations.create).toEqual({ succeeded: 1, failed: 0 });
    expect(ctx.records).toContainEqual(expect.objectContaining({ operation: 'create', project: 'A', success: true }));
    expect(ctx.records.at(-1)).toMatchObject({
      operation: 'sync',
      success: false,
      created: 1,
      error: 'B: PROPFIND answered 401',
    });
    expect(cachedCalendar(dir, ACCOUNT, 'a')).toMatchObject({ url: 'https://dav.example/alice/plane-a/' });
  });

  it('a run that finishes records its report, not what it reported along the way', async () => {
    const dir = stateDir();
    await recordedRun(context(dir), async (onCalendarDone) => {
      onCalendarDone(asCalendar(finishedProject('a')));
      return { projects: [finishedProject('a'), finishedProject('bb')] };
    });
    expect(readRunState(dir, 'sync')).toMatchObject({
      consecutiveFailures: 0,
      last: { outcome: 'success', totals: { created: 2 } },
    });
  });
});
