/**
 * A sync stopped by a real SIGTERM (a Kubernetes deadline, a CI cancel) or SIGINT (Ctrl-C) in the
 * middle of a large first upload: it starts no further write, says on stderr which projects it
 * finished, records the run as interrupted, releases its lock and exits 143 / 130; the next run
 * finishes the job. Built CLI, real Radicale, fake Plane.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type CliResult, freshStateHome, isolatedEnv, runCli, writeConfig } from '../support/cli.js';
import { type FakePlane, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;

const PROJECTS = 4;
const ITEMS = 150;

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 7 });
  dav = await startRecordingProxy(radicale.url);
  for (let p = 0; p < PROJECTS; p += 1) {
    const project = plane.addProject({ name: `Interrupt ${p}`, identifier: `INT${p}` });
    for (let i = 0; i < ITEMS; i += 1)
      plane.addIssue(project.id, { name: `Item ${i}`, target_date: `2026-0${1 + (i % 9)}-1${i % 10}` });
  }
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

function config(): string {
  const user = radicale.users[0]!;
  return writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: dav.url,
    username: user.username,
    password: user.password,
  });
}

const puts = () => dav.requests.filter((r) => r.method === 'PUT').length;

/** `sync` in its own process, sent `signal` once it has written `after` objects. */
async function interruptedSync(
  file: string,
  stateHome: string,
  signal: NodeJS.Signals,
  after: number,
): Promise<CliResult & { putsAtSignal: number }> {
  const child = spawn(process.execPath, [CLI, '--config', file, 'sync'], {
    env: isolatedEnv({ NO_COLOR: '1', XDG_STATE_HOME: stateHome }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number>((resolve) =>
    child.on('close', (code, killedBy) => resolve(code ?? (killedBy ? -1 : -2))),
  );
  const deadline = Date.now() + 30_000;
  while (puts() < after) {
    if (Date.now() > deadline) throw new Error(`the sync wrote only ${puts()} objects in 30 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const putsAtSignal = puts();
  child.kill(signal);
  return { code: await closed, stdout, stderr, putsAtSignal };
}

describe('an interrupted sync', () => {
  it('SIGTERM mid-upload: no further write, says what it finished, records "interrupted", releases the lock, exits 143; the next run completes', async () => {
    const file = config();
    const stateHome = freshStateHome();
    dav.reset();
    const result = await interruptedSync(file, stateHome, 'SIGTERM', ITEMS + 20);

    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/interrupted by SIGTERM: stopped before its next write; finished INT0/);
    expect(result.stderr).toMatch(/the next run picks up the rest/);
    // Only the writes already in flight (the writer runs 4 at once) may land after the signal, and
    // those the writer started while the signal was on its way (it is handled between two turns of
    // the event loop, and a PUT to Radicale takes ~10 ms): a batch and a little, not the rest.
    expect(puts() - result.putsAtSignal).toBeLessThanOrEqual(6);
    expect(puts()).toBeLessThan(PROJECTS * ITEMS);

    const stateDir = join(stateHome, 'calplanebot');
    expect(existsSync(join(stateDir, 'sync.lock')), 'the lock is released').toBe(false);
    const last = JSON.parse(readFileSync(join(stateDir, 'last-sync.json'), 'utf8')) as {
      last: { outcome: string; error: string };
    };
    expect(last.last.outcome).toBe('interrupted');
    expect(last.last.error).toMatch(/SIGTERM/);

    const next = await runCli(['--json', '--config', file, 'sync'], { env: { XDG_STATE_HOME: stateHome } });
    expect(next.code, next.stderr).toBe(0);
    const report = JSON.parse(next.stdout) as { totals: { created: number; unchanged: number } };
    expect(report.totals.created + report.totals.unchanged).toBe(PROJECTS * ITEMS);
    // Every object the interrupted run wrote is kept; the next run writes only the rest.
    expect(report.totals.unchanged).toBe(puts() - report.totals.created);
  });

  it('SIGINT (Ctrl-C) exits 130 the same way', async () => {
    // A fresh account so the upload starts from nothing again.
    const user = radicale.users[1]!;
    const file = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: dav.url,
      username: user.username,
      password: user.password,
    });
    const stateHome = freshStateHome();
    dav.reset();
    const result = await interruptedSync(file, stateHome, 'SIGINT', 30);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/interrupted by SIGINT/);
    expect(puts() - result.putsAtSignal).toBeLessThanOrEqual(4);
    expect(existsSync(join(stateHome, 'calplanebot', 'sync.lock'))).toBe(false);
  });
});
