/**
 * `health`, end to end: the built CLI against Radicale and the fake Plane, each failure as a
 * monitor would meet it (a refused or missing key, a dead host, a bad certificate, refused CalDAV
 * credentials, no calendar home, failing syncs, an old last success).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/ops/health.js';
import { lockFiles } from '../../src/ops/lock.js';
import { type CliResult, freshStateHome, runCli, scratchDir, type TestConfig, writeConfig } from '../support/cli.js';
import { type FakePlane, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';

let radicale: Radicale;
let plane: FakePlane;
let tlsServer: HttpsServer;
let tlsUrl: string;
let base: TestConfig;

/**
 * A port nothing listens on: bound, then closed. Taken right before it is used: the test files run
 * side by side, and a port closed in beforeAll can be handed to another file's server meanwhile.
 */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function closedUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}

/** An HTTPS server whose certificate is self-signed, so no client trusts it. */
async function selfSignedServer(): Promise<HttpsServer> {
  const dir = scratchDir('calplanebot-health-tls-');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    throw new Error(
      `the TLS check needs the openssl command to make a self-signed certificate (apt-get install -y openssl): ${String(error)}`,
    );
  }
  const server = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (_req, res) => res.end('{}'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 5 });
  tlsServer = await selfSignedServer();
  tlsUrl = `https://127.0.0.1:${(tlsServer.address() as { port: number }).port}`;
  const user = radicale.users[0]!;
  base = {
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: radicale.url,
    username: user.username,
    password: user.password,
  };
  const project = plane.addProject({ name: 'Health', identifier: 'HLT' });
  plane.addIssue(project.id, { name: 'Check the monitors', target_date: '2025-12-27', priority: 'high' });
  plane.addIssue(project.id, { name: 'Rotate the keys', target_date: '2026-01-15' });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
  await plane?.close();
  await radicale?.stop();
});

function health(
  config: string,
  env: Record<string, string>,
  ...extra: string[]
): Promise<CliResult & { report: HealthReport }> {
  return runCli(['--config', config, '--json', 'health', ...extra], { env }).then((result) => {
    try {
      return { ...result, report: JSON.parse(result.stdout) as HealthReport };
    } catch {
      throw new Error(`no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
  });
}

const env = () => ({ XDG_STATE_HOME: freshStateHome() });

/** Writes a captured output where the closing note can quote it from, when asked to. */
function capture(name: string, text: string): void {
  if (process.env.OPS_CAPTURE_DIR) writeFileSync(join(process.env.OPS_CAPTURE_DIR, name), text);
}

describe('health', () => {
  it('is healthy after a successful sync: both sides, rate-limit headroom, the last sync and its metrics', async () => {
    const config = writeConfig(base);
    const state = env();
    plane.setRateLimit(60);
    try {
      const sync = await runCli(['--config', config, 'sync'], { env: state });
      expect(sync.code, sync.stderr).toBe(0);
      const run = await health(config, state);
      capture('health.json', run.stdout);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.report).toMatchObject({
        schemaVersion: 1,
        ok: true,
        plane: { ok: true, user: expect.any(String), rateLimitRemaining: expect.any(Number) },
        caldav: { ok: true, homeUrl: `${radicale.url}alice/`, calendars: 1, managedCalendars: 1 },
        lastSync: {
          outcome: 'success',
          error: null,
          totals: { created: 2, failed: 0 },
          metrics: { operations: { create: { succeeded: 2, failed: 0 } } },
        },
        consecutiveFailures: 0,
        syncInProgress: null,
        problems: [],
      });
      expect(run.report.plane.rateLimitRemaining).toBeLessThan(60);
      expect(run.report.lastSync?.metrics.plane.requests).toBeGreaterThan(0);
      expect(run.report.lastSync?.metrics.caldav.meanResponseMs).toEqual(expect.any(Number));
      expect(run.report.lastSync?.metrics.meanProcessingMsPerEvent).toEqual(expect.any(Number));
      expect(Date.parse(run.report.lastSync!.lastSuccessAt!)).not.toBeNaN();

      const human = await runCli(['--config', config, 'health'], { env: state });
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^plane\s+ok .*requests left/m);
      expect(human.stdout).toMatch(/^caldav\s+ok /m);
      expect(human.stdout).toMatch(/^last sync .*: success; .*; 0 consecutive failure/m);
      expect(human.stdout.trim().split('\n').at(-1)).toBe('healthy');
      expect((await runCli(['--config', config, '--quiet', 'health'], { env: state })).stdout).toBe('');
    } finally {
      plane.setRateLimit(null);
    }
  });

  it('an invalid Plane key (403) is unhealthy, exit 1, named and hinted, the key never printed', async () => {
    const config = writeConfig({ ...base, apiKey: 'plane_api_health_wrong_key_6d1f' });
    const run = await health(config, env());
    expect(run.code).toBe(1);
    expect(run.report).toMatchObject({ ok: false, plane: { ok: false, reason: 'invalid-key' }, caldav: { ok: true } });
    expect(run.stderr).toMatch(/Plane API key/);
    expect(run.stdout + run.stderr).not.toContain('health_wrong_key');
  });

  it('a key that does not reach Plane (401: missing, or stripped by a proxy) is told apart', async () => {
    plane.failNext({ pathIncludes: '/users/me/' }, { status: 401 });
    const run = await health(writeConfig(base), env());
    expect(run.code).toBe(1);
    expect(run.report.plane).toMatchObject({
      ok: false,
      reason: 'missing-key',
      message: expect.stringContaining('no API key'),
    });
  });

  it('a config without the Plane key or the CalDAV password: that side fails (exit 1, the health shape), not the config', async () => {
    const without = (key: 'apiKey' | 'password') => {
      const file = writeConfig(base);
      const body = JSON.parse(readFileSync(file, 'utf8')) as {
        plane: Record<string, unknown>;
        caldav: Record<string, unknown>;
      };
      delete (key === 'apiKey' ? body.plane : body.caldav)[key];
      writeFileSync(file, JSON.stringify(body));
      return file;
    };
    const noKey = await health(without('apiKey'), env());
    expect(noKey.code).toBe(1);
    expect(noKey.report).toMatchObject({
      schemaVersion: 1,
      ok: false,
      plane: {
        ok: false,
        reason: 'missing-key',
        message: 'plane.apiKey is not set',
        hint: expect.stringContaining('PLANE_API_KEY'),
      },
      caldav: { ok: true },
      problems: [expect.objectContaining({ check: 'plane' })],
    });
    const noPassword = await health(without('password'), env());
    expect(noPassword.code).toBe(1);
    expect(noPassword.report).toMatchObject({
      plane: { ok: true },
      caldav: { ok: false, reason: 'missing-password', hint: expect.stringContaining('CALDAV_PASSWORD_FILE') },
    });
    // Every other command still needs them: a config error, exit 2.
    const sync = await runCli(['--config', without('apiKey'), 'sync'], { env: env() });
    expect(sync.code).toBe(2);
    expect(sync.stderr).toMatch(/plane\.apiKey.*missing/);
  });

  it('an unreachable Plane and a Plane behind an untrusted certificate are told apart', async () => {
    const down = await health(writeConfig({ ...base, planeUrl: await closedUrl() }), env());
    expect(down.code).toBe(1);
    expect(down.report.plane).toMatchObject({
      ok: false,
      reason: 'unreachable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    const tls = await health(writeConfig({ ...base, planeUrl: tlsUrl }), env());
    expect(tls.code).toBe(1);
    expect(tls.report.plane).toMatchObject({ ok: false, reason: 'tls', hint: expect.stringContaining('certificate') });
    expect(tls.report.caldav.ok).toBe(true);
  });

  it('refused CalDAV credentials, an unreachable server and a server without a calendar home are told apart', async () => {
    const refused = await health(writeConfig({ ...base, password: 'wrong-caldav-password-health' }), env());
    expect(refused.code).toBe(1);
    expect(refused.report).toMatchObject({
      plane: { ok: true },
      caldav: { ok: false, reason: 'credentials-refused', hint: expect.stringContaining('CalDAV credentials') },
    });
    expect(refused.stdout + refused.stderr).not.toContain('wrong-caldav-password-health');

    const down = await health(writeConfig({ ...base, caldavUrl: await closedUrl() }), env());
    expect(down.report.caldav).toMatchObject({ ok: false, reason: 'unreachable' });

    // The fake Plane speaks no WebDAV: discovery finds no calendar home there.
    const notDav = await health(writeConfig({ ...base, caldavUrl: plane.url }), env());
    expect(notDav.code).toBe(1);
    expect(notDav.report.caldav).toMatchObject({
      ok: false,
      reason: 'no-calendar-home',
      hint: expect.stringContaining('caldav.serverUrl'),
    });
  });

  it('three failed syncs in a row make it unhealthy; a successful sync makes it healthy again', async () => {
    const config = writeConfig(base);
    const state = env();
    plane.failNext({ pathIncludes: '/workspaces/acme/projects/' }, { status: 500, times: Number.POSITIVE_INFINITY });
    let failing: Awaited<ReturnType<typeof health>>;
    try {
      for (let i = 1; i <= 2; i += 1) expect((await runCli(['--config', config, 'sync'], { env: state })).code).toBe(1);
      const two = await health(config, state);
      expect(two.report).toMatchObject({ ok: true, consecutiveFailures: 2 });
      expect(two.code).toBe(0);
      expect((await runCli(['--config', config, 'sync'], { env: state })).code).toBe(1);
      failing = await health(config, state);
    } finally {
      plane.clearFaults();
    }
    expect(failing.code).toBe(1);
    expect(failing.report.consecutiveFailures).toBe(3);
    expect(failing.report).toMatchObject({
      ok: false,
      lastSync: { outcome: 'failure', error: expect.stringContaining('500'), lastSuccessAt: null },
    });
    expect(failing.report.problems).toEqual([expect.objectContaining({ check: 'consecutive-failures' })]);
    expect(failing.stderr).toMatch(/the last 3 syncs did not succeed/);

    expect((await runCli(['--config', config, 'sync'], { env: state })).code).toBe(0);
    const healed = await health(config, state);
    expect(healed.code).toBe(0);
    expect(healed.report).toMatchObject({ ok: true, consecutiveFailures: 0, lastSync: { outcome: 'success' } });
  }, 120_000);

  it('--max-age: unhealthy when the last success is older; a bad duration is a usage error', async () => {
    const config = writeConfig(base);
    const state = env();
    expect((await runCli(['--config', config, 'sync'], { env: state })).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const old = await health(config, state, '--max-age', '1s');
    expect(old.code).toBe(1);
    expect(old.report).toMatchObject({
      ok: false,
      maxAgeMs: 1000,
      problems: [expect.objectContaining({ check: 'max-age' })],
    });
    expect(old.stderr).toMatch(/older than --max-age.*scheduled sync/);
    expect((await health(config, state, '--max-age', '2h')).code).toBe(0);
    const bad = await runCli(['--config', config, 'health', '--max-age', 'soon'], { env: state });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-age "soon" is not a duration/);
  });

  it('--max-age with a usable state dir that holds no sync record: unhealthy ("no sync recorded"), not "unknown"', async () => {
    const config = writeConfig(base);
    const state = env();
    // A sync that always fails before it records anything (a config it cannot load) leaves no record.
    const broken = await runCli(['--config', `${config}.moved-away`, 'sync'], { env: state });
    expect(broken.code).toBe(2);
    const run = await health(config, state, '--max-age', '20m');
    expect(run.code).toBe(1);
    expect(run.report).toMatchObject({
      ok: false,
      lastSync: null,
      problems: [expect.objectContaining({ check: 'max-age', message: expect.stringContaining('no sync recorded') })],
    });
    expect(run.stderr).toMatch(/no sync recorded/);
    // Without --max-age it is a note, not a problem.
    expect((await health(config, state)).code).toBe(0);
  });

  it('says when a sync is running right now', async () => {
    const config = writeConfig(base);
    const home = freshStateHome();
    const state = { XDG_STATE_HOME: home };
    plane.failNext({ pathIncludes: '/workspaces/acme/projects/' }, { delayMs: 2500 });
    const running = runCli(['--config', config, 'sync'], { env: state });
    const holder = lockFiles(join(home, 'calplanebot'), 'sync').holderFile;
    for (let i = 0; i < 300 && !existsSync(holder); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    const run = await health(config, state);
    expect(run.report.syncInProgress).toMatchObject({ pid: expect.any(Number), command: 'sync' });
    expect((await running).code).toBe(0);
  });
});
