/**
 * Operations, end to end (the built CLI against Radicale and the fake Plane): the overlap lock
 * between real processes, two unlocked syncs racing on the same calendars (ETags), the run state,
 * the discovery cache and the JSON log lines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RemoteObject } from '../../src/caldav/store.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import { DISCOVERY_FILE } from '../../src/ops/discovery-cache.js';
import { lockFiles, STALE_MS } from '../../src/ops/lock.js';
import { type KindState, runStateFile } from '../../src/ops/run-state.js';
import type { RunReport } from '../../src/sync/report.js';
import { CLI, type CliResult, freshStateHome, isolatedEnv, runCli, writeConfig } from '../support/cli.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let config: string;
let reader: DavCalendarStore;

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 11 });
  dav = await startRecordingProxy(radicale.url);
  const user = radicale.users[0]!;
  config = writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: dav.url,
    username: user.username,
    password: user.password,
  });
  reader = new DavCalendarStore({
    serverUrl: radicale.url,
    username: user.username,
    password: user.password,
    http: createHttpClient({
      service: 'caldav',
      policy: { timeoutMs: 10_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
    }),
  });
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

let counter = 0;
function newProject(name: string, issues = 2): FakeProject {
  counter += 1;
  const project = plane.addProject({ name, identifier: `OPS${counter}` });
  for (let i = 0; i < issues; i += 1) plane.addIssue(project.id, { name: `${name} ${i}`, target_date: '2025-12-20' });
  return project;
}

/** A state home for a test; the state dir is `<home>/calplanebot`. */
function stateHome(): { env: Record<string, string>; dir: string } {
  const home = freshStateHome();
  return { env: { XDG_STATE_HOME: home }, dir: join(home, 'calplanebot') };
}

function sync(project: FakeProject, env: Record<string, string>, ...extra: string[]): Promise<CliResult> {
  return runCli(['--config', config, ...extra, 'sync', '--project', project.identifier], { env });
}

function reportOf(result: CliResult): RunReport {
  try {
    return JSON.parse(result.stdout) as RunReport;
  } catch {
    throw new Error(`no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

async function eventsOf(project: FakeProject): Promise<RemoteObject[]> {
  const calendar = (await reader.listCalendars()).find((c) => c.url.includes(`plane-${project.id}/`));
  if (!calendar) throw new Error(`no calendar for ${project.identifier}`);
  return reader.list(calendar);
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the overlap lock', () => {
  it('a second sync while one runs exits 0 with "skipped: another run in progress", and is not recorded', async () => {
    const project = newProject('Overlap');
    const { env, dir } = stateHome();
    // The first run holds the lock for a while, then fails: a skipped run recorded at any moment
    // would show (as a success before it: a last success; after it: the last outcome; as a failure: a count of 2).
    plane.failNext(
      { pathIncludes: '/api/v1/workspaces/acme/projects/', method: 'GET' },
      { delayMs: 2500, status: 401 },
    );
    const first = sync(project, env, '--json');
    await until(() => existsSync(lockFiles(dir, 'sync').holderFile), 'the first sync to hold the lock');

    const second = await sync(project, env, '--json');
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^skipped: another run in progress \(process \d+ on .+, since .+\)$/m);
    expect(JSON.parse(second.stdout)).toMatchObject({
      schemaVersion: 1,
      skipped: true,
      reason: 'another run in progress',
      holder: { host: hostname() },
    });

    const done = await first;
    expect(done.code, done.stderr).toBe(1);
    const state = JSON.parse(readFileSync(runStateFile(dir, 'sync'), 'utf8')) as KindState;
    expect(state).toMatchObject({
      consecutiveFailures: 1,
      lastSuccessAt: null,
      last: { outcome: 'failure', error: expect.stringContaining('401') },
    });
    expect(existsSync(lockFiles(dir, 'sync').lockDir)).toBe(false);
  });

  it('with --wait the second sync waits for the first, then runs', async () => {
    const project = newProject('Wait');
    const { env, dir } = stateHome();
    plane.failNext({ pathIncludes: '/api/v1/workspaces/acme/projects/', method: 'GET' }, { delayMs: 2000 });
    const first = sync(project, env, '--json');
    await until(() => existsSync(lockFiles(dir, 'sync').holderFile), 'the first sync to hold the lock');
    const second = await runCli(['--config', config, '--json', 'sync', '--wait', '--project', project.identifier], {
      env,
    });
    const a = await first;
    expect(a.code).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('skipped');
    // It ran after the first had created the events.
    expect(reportOf(a).totals.created).toBe(2);
    expect(reportOf(second).totals).toMatchObject({ created: 0, unchanged: 2 });
  });

  it('a lock left by a dead process on this host is taken over at once, with a warning', async () => {
    const project = newProject('Dead holder');
    const { env, dir } = stateHome();
    // Above Linux's largest pid_max (2^22): no such process can exist.
    mkdirSync(lockFiles(dir, 'sync').lockDir, { recursive: true });
    writeFileSync(
      lockFiles(dir, 'sync').holderFile,
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: '2025-12-01T10:00:00.000Z', command: 'sync' }),
    );
    const run = await sync(project, env, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/took over the run lock of process 4194321 on .*no longer running/);
    expect(reportOf(run).totals.created).toBe(2);
  });

  it('a sync killed outright (SIGKILL, an OOM kill) leaves its lock with its holder; the next run takes it over at once', async () => {
    const project = newProject('Killed');
    const { env, dir } = stateHome();
    plane.failNext({ pathIncludes: '/api/v1/workspaces/acme/projects/', method: 'GET' }, { delayMs: 5000 });
    const child = spawn(process.execPath, [CLI, '--config', config, 'sync', '--project', project.identifier], {
      env: isolatedEnv({ XDG_STATE_HOME: env.XDG_STATE_HOME }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await until(() => existsSync(lockFiles(dir, 'sync').holderFile), 'the sync to hold the lock');
    child.kill('SIGKILL'); // SIGTERM is handled: the run stops cleanly and releases the lock (interrupt.test.ts)
    await exited;
    // proper-lockfile's exit handler could not rmdir it (the holder is inside): a dead-PID holder stays.
    expect(JSON.parse(readFileSync(lockFiles(dir, 'sync').holderFile, 'utf8'))).toMatchObject({
      pid: child.pid,
      host: hostname(),
    });
    const run = await sync(project, env, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`took over the run lock of process ${child.pid} on .*no longer running`));
    expect(reportOf(run).totals.created).toBe(2);
    expect(existsSync(lockFiles(dir, 'sync').lockDir)).toBe(false);
  });

  it('a stale lock (not refreshed for longer than the stale time) is taken over', async () => {
    const project = newProject('Stale');
    const { env, dir } = stateHome();
    const { lockDir, holderFile } = lockFiles(dir, 'sync');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(
      holderFile,
      JSON.stringify({ pid: 1, host: 'some-other-host', startedAt: '2025-12-01T10:00:00.000Z', command: 'sync' }),
    );
    const old = new Date(Date.now() - STALE_MS - 10_000);
    utimesSync(lockDir, old, old);
    const run = await sync(project, env, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(reportOf(run).totals.created).toBe(2);
  });

  it('without a writable state dir sync still works, and health says the last sync is unknown', async () => {
    const project = newProject('No state');
    const base = freshStateHome();
    writeFileSync(join(base, 'not-a-dir'), '');
    const env = { XDG_STATE_HOME: join(base, 'not-a-dir') };
    const run = await sync(project, env, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(reportOf(run).totals.created).toBe(2);
    const health = await runCli(['--config', config, '--json', 'health'], { env });
    expect(health.code, health.stderr).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({
      ok: true,
      lastSync: null,
      consecutiveFailures: 0,
      warnings: [expect.stringContaining('last sync unknown')],
    });
  });

  it('diff takes no lock: it runs while a sync holds it', async () => {
    const project = newProject('Diff beside');
    const { env, dir } = stateHome();
    plane.failNext({ pathIncludes: '/api/v1/workspaces/acme/projects/', method: 'GET' }, { delayMs: 2000 });
    const first = sync(project, env);
    await until(() => existsSync(lockFiles(dir, 'sync').holderFile), 'the sync to hold the lock');
    const diff = await runCli(['--config', config, '--json', 'diff', '--project', project.identifier], { env });
    expect(diff.code).toBe(0);
    expect(reportOf(diff).dryRun).toBe(true);
    expect((await first).code).toBe(0);
  });
});

describe('a run stopped part-way', () => {
  it('credentials refused mid-run: exit 1, and what the finished projects did is recorded, logged and cached', async () => {
    const done = newProject('Done first', 2);
    const refused = newProject('Refused', 1);
    const { env, dir } = stateHome();
    // The second project's calendar is created after the first project's events: its MKCALENDAR is refused.
    dav.intercept(({ method, path }) =>
      method === 'MKCALENDAR' && path.includes(refused.id) ? { status: 401, body: 'credentials rotated' } : undefined,
    );
    let run: CliResult;
    try {
      run = await runCli(
        [
          '--config',
          config,
          '--log-format',
          'json',
          'sync',
          '--project',
          done.identifier,
          '--project',
          refused.identifier,
        ],
        { env },
      );
    } finally {
      dav.intercept(undefined);
    }
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      lines.filter((l) => l.operation === 'create' && l.success === true && l.project === done.identifier),
    ).toHaveLength(2);
    expect(lines).toContainEqual(expect.objectContaining({ operation: 'sync', success: false, created: 2 }));
    const state = JSON.parse(readFileSync(runStateFile(dir, 'sync'), 'utf8')) as KindState;
    expect(state).toMatchObject({
      consecutiveFailures: 1,
      last: { outcome: 'failure', totals: { created: 2 }, metrics: { operations: { create: { succeeded: 2 } } } },
    });
    expect(state.last.projects.map((p) => p.identifier)).toEqual([done.identifier, refused.identifier]);
    const cache = JSON.parse(readFileSync(join(dir, DISCOVERY_FILE), 'utf8')) as {
      calendars: { byProject: Record<string, unknown> };
    };
    expect(Object.keys(cache.calendars.byProject)).toEqual([done.id]);
  });
});

describe('project selection', () => {
  it('--project naming an archived project syncs the others and says so on stderr and in --json', async () => {
    const live = newProject('Still live', 1);
    const archived = newProject('Archived', 1);
    plane.archiveProject(archived.id);
    const run = await runCli(
      ['--config', config, '--json', 'sync', '--project', live.identifier, '--project', archived.identifier],
      { env: stateHome().env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`warning: project ${archived.identifier} is archived in Plane: it is not synced`),
    );
    const report = reportOf(run);
    expect(report.projects.map((p) => p.identifier)).toEqual([live.identifier]);
    expect(report.warnings).toEqual([expect.stringContaining(`project ${archived.identifier} is archived`)]);
  });
});

describe('two hosts, no shared lock: ETags keep concurrent syncs safe', () => {
  it('two syncs racing on the same calendars end with exactly one event per issue, and the next run changes nothing', async () => {
    const existing = newProject('Race existing', 3);
    await sync(existing, stateHome().env);
    const moved = plane.issues(existing.id)[0]!;
    plane.updateIssue(moved.id, { target_date: '2026-01-05' });
    for (let i = 0; i < 25; i += 1) plane.addIssue(existing.id, { name: `Race new ${i}`, target_date: '2026-01-10' });
    const fresh = newProject('Race fresh', 10); // its calendar does not exist yet: MKCALENDAR races too

    // Force the collisions: each run's MKCALENDAR, and its create of one event, are held until the
    // other run's has arrived, so both were planned on the same (empty) listing.
    const racer = fresh.id;
    const contested = plane.issues(existing.id).at(-1)!.id;
    const proxy = await startFaultProxy(radicale.url);
    proxy.inject({ method: 'MKCALENDAR', pathIncludes: racer }, { barrier: 2 }, { times: 2 });
    proxy.inject({ method: 'PUT', bodyIncludes: contested }, { barrier: 2 }, { times: 2 });
    const user = radicale.users[0]!;
    const racing = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: proxy.url,
      username: user.username,
      password: user.password,
    });
    const args = [
      '--config',
      racing,
      '--json',
      'sync',
      '--project',
      existing.identifier,
      '--project',
      fresh.identifier,
    ];
    let a: CliResult;
    let b: CliResult;
    try {
      [a, b] = await Promise.all([runCli(args, { env: stateHome().env }), runCli(args, { env: stateHome().env })]);
    } finally {
      await proxy.close();
    }
    expect(
      proxy
        .faulted()
        .map((r) => r.method)
        .sort(),
    ).toEqual(['MKCALENDAR', 'MKCALENDAR', 'PUT', 'PUT']);
    // Both PUTs of the contested event were If-None-Match creates: exactly one got in.
    expect(
      proxy.requests
        .filter((r) => r.method === 'PUT' && r.fault)
        .map((r) => r.status)
        .sort(),
    ).toEqual([201, 412]);
    // What is guaranteed: no duplicate, nothing lost. The loser of the MKCALENDAR race reports it (exit 3), never crashes.
    for (const run of [a, b]) expect([0, 3], run.stderr).toContain(run.code);

    for (const project of [existing, fresh]) {
      const events = await eventsOf(project);
      const uids = events.map((e) => /UID:(\S+)/.exec(e.data)?.[1]);
      const expected = plane.issues(project.id).map((i) => `plane-issue-${i.id}@calplanebot`);
      expect(uids.sort()).toEqual(expected.sort());
    }
    expect((await eventsOf(existing)).find((e) => e.data.includes(moved.id))?.data).toContain(
      'DTSTART;VALUE=DATE:20260105',
    );

    const next = await runCli(['--config', config, ...args.slice(2)], { env: stateHome().env });
    expect(next.code, next.stderr).toBe(0);
    expect(reportOf(next).totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 28 + 10 });
  });
});

describe('the discovery cache', () => {
  it('the next run skips discovery (only the calendar list is asked for), and a cached home that moved is rediscovered', async () => {
    const project = newProject('Cache');
    const { env, dir } = stateHome();
    const propfinds = () => dav.requests.filter((r) => r.method === 'PROPFIND').map((r) => r.path);
    dav.reset();
    expect((await sync(project, env)).code).toBe(0);
    expect(propfinds()).toContain('/'); // discovery starts at the configured URL
    dav.reset();
    expect((await sync(project, env)).code).toBe(0);
    expect(propfinds()).toEqual(['/alice/']); // the calendar home's listing, nothing else

    const file = join(dir, DISCOVERY_FILE);
    const realHome = (JSON.parse(readFileSync(file, 'utf8')) as { discovery: { homeUrl: string } }).discovery.homeUrl;
    // A home that is gone (404 from Radicale), and one that is no longer this user's (403).
    for (const wrongHome of [`${realHome}gone/`, realHome.replace(/\/[^/]+\/$/, '/moved-away/')]) {
      const cache = JSON.parse(readFileSync(file, 'utf8')) as { discovery: { homeUrl: string } };
      cache.discovery.homeUrl = wrongHome;
      writeFileSync(file, JSON.stringify(cache));
      const run = await sync(project, env, '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(reportOf(run).totals).toMatchObject({ unchanged: 2, created: 0 });
      expect((JSON.parse(readFileSync(file, 'utf8')) as typeof cache).discovery.homeUrl).toBe(realHome);
    }
  });
});

describe('structured logs', () => {
  it('--log-format json writes one JSON line per operation with the seed fields, then the run', async () => {
    const project = newProject('Logs', 3);
    const { env } = stateHome();
    const run = await sync(project, env, '--json', '--log-format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const events = lines.filter((l) => l.operation === 'create');
    expect(events).toHaveLength(3);
    for (const line of events) {
      expect(line).toMatchObject({
        level: 'info',
        operation: 'create',
        calendar_name: 'Plane: Logs',
        success: true,
        project: project.identifier,
      });
      expect(Date.parse(String(line.time))).not.toBeNaN();
      expect(String(line.event_uid)).toBe(`plane-issue-${String(line.issue_id)}@calplanebot`);
      expect(line.processing_time_ms).toEqual(expect.any(Number));
    }
    expect(lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'Sync completed',
      operation: 'sync',
      created: 3,
      success: true,
    });
    // The --json report on stdout carries each write's duration too.
    expect(reportOf(run).projects[0]!.changes.every((c) => typeof c.durationMs === 'number')).toBe(true);
  });

  it('a failed write is a line with success false and the error; the run exits 3 and is recorded partial', async () => {
    const project = newProject('Logs failing', 2);
    const { env, dir } = stateHome();
    const victim = plane.issues(project.id)[0]!;
    dav.intercept(({ method, body }) =>
      method === 'PUT' && body.toString('utf8').includes(victim.id)
        ? { status: 507, body: 'quota exceeded' }
        : undefined,
    );
    try {
      const run = await sync(project, env, '--log-format', 'json');
      expect(run.code).toBe(3);
      const lines = run.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          operation: 'create',
          issue_id: victim.id,
          success: false,
          error: expect.stringContaining('507'),
        }),
      );
      expect(lines).toContainEqual(expect.objectContaining({ operation: 'create', success: true }));
      expect(lines).toContainEqual(expect.objectContaining({ operation: 'sync', success: false }));
      const state = JSON.parse(readFileSync(runStateFile(dir, 'sync'), 'utf8')) as KindState;
      expect(state).toMatchObject({
        consecutiveFailures: 1,
        last: { outcome: 'partial', metrics: { operations: { create: { succeeded: 1, failed: 1 } } } },
      });
    } finally {
      dav.intercept(undefined);
    }
  });

  it('the default human format says nothing on stderr when all goes well; a bad --log-format is a usage error', async () => {
    const project = newProject('Quiet logs', 1);
    const run = await sync(project, stateHome().env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const bad = await runCli(['--config', config, '--log-format', 'xml', 'sync']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/log-format/);
  });
});
