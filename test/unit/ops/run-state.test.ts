import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import {
  nextRunState,
  type RunRecordInput,
  readRunState,
  recordRun,
  runStateFile,
  summarizeRun,
} from '../../../src/ops/run-state.js';
import { emptyProjectReport, type ProjectReport } from '../../../src/sync/report.js';
import { scratchDir } from '../../support/scratch.js';

function stats(requests: number, totalMs: number, retries = 0): RequestStats {
  const s = new RequestStats();
  for (let i = 0; i < requests; i += 1) s.record('GET', totalMs / requests);
  s.retries = retries;
  return s;
}

function project(overrides: Partial<ProjectReport> = {}): ProjectReport {
  return { ...emptyProjectReport({ id: 'p1', identifier: 'WEB', name: 'Web' }), ...overrides };
}

const change = (op: 'create' | 'update' | 'delete', applied: boolean, durationMs?: number) => ({
  op,
  uid: `plane-issue-00000000-0000-4000-8000-00000000000${op.length}@calplanebot`,
  issueId: '00000000-0000-4000-8000-000000000001',
  summary: '[1] x',
  fields: [],
  applied,
  ...(durationMs === undefined ? {} : { durationMs }),
});

const input = (overrides: Partial<RunRecordInput> = {}): RunRecordInput => ({
  kind: 'sync',
  startedAt: new Date('2025-12-01T10:00:00Z'),
  finishedAt: new Date('2025-12-01T10:00:02.500Z'),
  report: { projects: [project({ created: 2, unchanged: 5 })] },
  stats: { plane: stats(2, 40), caldav: stats(4, 100, 1) },
  ...overrides,
});

describe('summarizeRun', () => {
  it('a run without errors is a success, with times, counts and the seed metrics', () => {
    const summary = summarizeRun(
      input({
        report: {
          projects: [
            project({
              created: 2,
              deleted: 1,
              unchanged: 5,
              changes: [change('create', true, 10), change('create', true, 20), change('delete', true, 60)],
            }),
          ],
        },
      }),
    );
    expect(summary).toMatchObject({
      startedAt: '2025-12-01T10:00:00.000Z',
      finishedAt: '2025-12-01T10:00:02.500Z',
      durationMs: 2500,
      outcome: 'success',
      error: null,
      totals: { created: 2, updated: 0, deleted: 1, unchanged: 5, skipped: 0, failed: 0 },
      projects: [{ id: 'p1', identifier: 'WEB', created: 2, deleted: 1, unchanged: 5, errors: 0 }],
    });
    expect(summary.metrics.operations).toEqual({
      create: { succeeded: 2, failed: 0 },
      update: { succeeded: 0, failed: 0 },
      delete: { succeeded: 1, failed: 0 },
    });
    expect(summary.metrics.meanProcessingMsPerEvent).toBe(30);
    expect(summary.metrics.plane).toEqual({ requests: 2, retries: 0, rateLimitWaits: 0, meanResponseMs: 20 });
    expect(summary.metrics.caldav).toEqual({ requests: 4, retries: 1, rateLimitWaits: 0, meanResponseMs: 25 });
    expect(summary.metrics.peakRssMb).toBeGreaterThan(0);
  });

  it('a run with a failed write is partial; failures are counted by operation', () => {
    const summary = summarizeRun(
      input({
        report: {
          projects: [
            project({
              failed: 1,
              changes: [change('update', false, 30), change('create', false)],
              errors: [
                { operation: 'update', message: 'PUT answered 507', uid: 'u', status: 507 },
                { operation: 'list-issues', message: 'Plane answered 500' },
              ],
            }),
          ],
        },
      }),
    );
    expect(summary.outcome).toBe('partial');
    // The create was planned but never attempted (no duration): it is not a failed operation.
    expect(summary.metrics.operations.update).toEqual({ succeeded: 0, failed: 1 });
    expect(summary.metrics.operations.create).toEqual({ succeeded: 0, failed: 0 });
    expect(summary.metrics.errorsByOperation).toEqual({ update: 1, 'list-issues': 1 });
    expect(summary.metrics.meanProcessingMsPerEvent).toBe(30);
  });

  it('a run that threw is a failure; its message is redacted before it is kept', () => {
    const error = new HttpError(
      'plane',
      'GET https://plane.test failed: token s3cr3t-token leaked',
      undefined,
      'GET',
      'https://plane.test',
    );
    const summary = summarizeRun(
      input({ report: undefined, error, redact: (text) => text.replaceAll('s3cr3t-token', '***') }),
    );
    expect(summary.outcome).toBe('failure');
    expect(summary.error).toBe('GET https://plane.test failed: token *** leaked');
    expect(summary.metrics.meanProcessingMsPerEvent).toBeNull();
  });
});

describe('nextRunState', () => {
  const ok = summarizeRun(input());
  const failed = summarizeRun(input({ report: undefined, error: new Error('down') }));
  const partial = summarizeRun(
    input({ report: { projects: [project({ errors: [{ operation: 'delete-guard', message: 'refused' }] })] } }),
  );

  it('counts runs in a row that did not fully succeed, and a success resets the count', () => {
    let state = nextRunState(undefined, 'sync', ok);
    expect(state).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: ok.finishedAt });
    state = nextRunState(state, 'sync', failed);
    state = nextRunState(state, 'sync', partial);
    state = nextRunState(state, 'sync', failed);
    expect(state).toMatchObject({ consecutiveFailures: 3, lastSuccessAt: ok.finishedAt, last: { outcome: 'failure' } });
    state = nextRunState(state, 'sync', ok);
    expect(state.consecutiveFailures).toBe(0);
  });

  it('with no success ever, the last success stays unknown', () => {
    expect(nextRunState(undefined, 'sync', failed)).toMatchObject({ consecutiveFailures: 1, lastSuccessAt: null });
  });
});

describe('recordRun', () => {
  it('writes one file per kind, private to the user, and reads it back', async () => {
    const dir = join(scratchDir('ops-state-'), 'calplanebot');
    await recordRun(dir, input({ report: undefined, error: new Error('down') }));
    const state = await recordRun(dir, input({ report: undefined, error: new Error('down again') }));
    await recordRun(dir, input({ kind: 'webhook' }));
    expect(state?.consecutiveFailures).toBe(2);
    expect(readRunState(dir, 'sync')).toEqual(state);
    expect(readRunState(dir, 'webhook')?.consecutiveFailures).toBe(0);
    expect(JSON.parse(readFileSync(runStateFile(dir, 'sync'), 'utf8')).last.error).toBe('down again');
    expect(statSync(runStateFile(dir, 'sync')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['last-sync.json', 'last-webhook.json']); // no lock or temp file left
  });

  it('runs finishing side by side in separate processes each count: no update is lost', async () => {
    const dir = join(scratchDir('ops-state-'), 'calplanebot');
    const go = join(dir, '..', 'go');
    const module = JSON.stringify(fileURLToPath(new URL('../../../src/ops/run-state.ts', import.meta.url)));
    const fetcher = JSON.stringify(fileURLToPath(new URL('../../../src/http/fetcher.ts', import.meta.url)));
    const script = [
      `import { existsSync } from 'node:fs';`,
      `import { recordRun } from ${module};`,
      `import { RequestStats } from ${fetcher};`,
      `while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 2));`,
      `for (let i = 0; i < 5; i += 1) {`,
      `  const state = await recordRun(${JSON.stringify(dir)}, { kind: 'webhook', startedAt: new Date(), error: new Error('down'), stats: { plane: new RequestStats(), caldav: new RequestStats() } });`,
      `  if (!state) throw new Error('not recorded');`,
      `}`,
    ].join('\n');
    const children = [1, 2, 3, 4].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500)); // every child loaded and polling
    writeFileSync(go, '');
    await Promise.all(children);
    expect(readRunState(dir, 'webhook')?.consecutiveFailures).toBe(20);
  }, 30_000);

  it('while another update holds the lock past the bounded wait, the run is not recorded (and nothing is overwritten)', async () => {
    const dir = join(scratchDir('ops-state-'), 'calplanebot');
    const before = await recordRun(dir, input({ report: undefined, error: new Error('down') }));
    mkdirSync(`${runStateFile(dir, 'sync')}.lock`); // another process is mid-update
    const started = Date.now();
    expect(await recordRun(dir, input(), 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(readRunState(dir, 'sync')).toEqual(before);
  });

  it('without a writable state dir it records nothing and does not throw', async () => {
    const base = scratchDir('ops-state-');
    const file = join(base, 'a-file');
    writeFileSync(file, 'not a directory');
    expect(await recordRun(join(file, 'calplanebot'), input())).toBeUndefined();
    expect(await recordRun(undefined, input())).toBeUndefined();
  });

  it('an unreadable or foreign state file counts as no state', async () => {
    const dir = scratchDir('ops-state-');
    writeFileSync(runStateFile(dir, 'sync'), '{ not json');
    expect(readRunState(dir, 'sync')).toBeUndefined();
    writeFileSync(runStateFile(dir, 'sync'), JSON.stringify({ schemaVersion: 99, last: {} }));
    expect(readRunState(dir, 'sync')).toBeUndefined();
    expect((await recordRun(dir, input()))?.consecutiveFailures).toBe(0);
  });
});
