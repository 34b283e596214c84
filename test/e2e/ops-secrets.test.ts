/**
 * No secret ever appears: every command, with --verbose, --json and --log-format json, on the
 * happy path and with servers that echo the credentials back in their error bodies. Distinctive
 * secrets make any leak findable; the run state and caches on disk are searched too.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import { lockFiles } from '../../src/ops/lock.js';
import { type CliResult, freshStateHome, runCli, writeConfig } from '../support/cli.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

const PLANE_KEY = 'plane-key-OPS-SECRET-Zq8Wv3Kx';
const DAV_USER = 'carol';
const DAV_PASSWORD = 'dav-pass-OPS-SECRET-Rt5Yh2Np';
const WEBHOOK_SECRET = 'webhook-secret-OPS-SECRET-Lm4Qs9Df';
const BASIC = Buffer.from(`${DAV_USER}:${DAV_PASSWORD}`).toString('base64');
const SECRETS = [PLANE_KEY, DAV_PASSWORD, WEBHOOK_SECRET, BASIC, encodeURIComponent(DAV_PASSWORD)];

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let config: string;
let project: FakeProject;
const home = freshStateHome();
const env = { XDG_STATE_HOME: home };
/** Human output with the request log; and every machine-readable channel at once (--json on stdout, JSON logs on stderr). */
const MODES = [['--verbose'], ['--verbose', '--json', '--log-format', 'json']];

beforeAll(async () => {
  radicale = await startRadicale([{ username: DAV_USER, password: DAV_PASSWORD }]);
  plane = await startFakePlane({ apiKey: PLANE_KEY, rateLimitPerMinute: null, seed: 9 });
  dav = await startRecordingProxy(radicale.url);
  config = writeConfig({
    planeUrl: plane.url,
    apiKey: PLANE_KEY,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: dav.url,
    username: DAV_USER,
    password: DAV_PASSWORD,
    extra: { webhook: { secret: WEBHOOK_SECRET } },
  });
  project = plane.addProject({ name: 'Secrets', identifier: 'SEC' });
  plane.addIssue(project.id, { name: 'One', target_date: '2025-12-20' });
  plane.addIssue(project.id, { name: 'Two', target_date: '2025-12-21' });
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

function expectNoSecret(result: CliResult, what: string): void {
  for (const secret of SECRETS) {
    expect(result.stdout, `${what}: stdout`).not.toContain(secret);
    expect(result.stderr, `${what}: stderr`).not.toContain(secret);
  }
}

async function everyMode(args: string[], stdin?: () => { body: string; extra: string[] }): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const mode of MODES) {
    const input = stdin?.();
    const result = await runCli(['--config', config, ...mode, ...args, ...(input?.extra ?? [])], {
      env,
      stdin: input?.body,
    });
    expectNoSecret(result, `${[...mode, ...args].join(' ')} (exit ${result.code})`);
    results.push(result);
  }
  return results;
}

function webhook(): { body: string; extra: string[] } {
  const issue = plane.issues(project.id)[0]!;
  const delivery = plane.webhookDelivery('issue', 'updated', issue.id, { secret: WEBHOOK_SECRET });
  return { body: delivery.body, extra: [`--signature=${delivery.headers['X-Plane-Signature']}`, '--event', 'issue'] };
}

/** A CalDAV server (or proxy) that echoes the request's credentials in its error body; `method` undefined: every request. */
function echoCredentials(method?: string): void {
  dav.intercept((req) =>
    method === undefined || req.method === method
      ? {
          status: 500,
          body: `<error>bad request from ${DAV_USER}:${DAV_PASSWORD} (Authorization: Basic ${BASIC})</error>`,
        }
      : undefined,
  );
}

describe('no secret in any output', () => {
  it('sync (human request log, --json report and JSON log lines)', async () => {
    const syncs = await everyMode(['sync']);
    expect(syncs.map((r) => r.code)).toEqual([0, 0]);
    // The verbose request log names URLs, and the JSON log has the run record: both were there to leak.
    expect(syncs[0]!.stderr).toMatch(/PROPFIND .* → 207/);
    expect(syncs[1]!.stderr).toMatch(/"operation":"sync"/);
  });

  it.each([[['diff']], [['health']], [['uid-check', '--fix']]])('%j', async (args) => {
    expect((await everyMode(args)).map((r) => r.code)).toEqual([0, 0]);
  });

  it('export (files and stdout): feeds, reports and request logs hold no secret', async () => {
    const out = mkdtempSync(join(tmpdir(), 'calplanebot-secrets-export-'));
    try {
      expect((await everyMode(['export', '--out', out])).map((r) => r.code)).toEqual([0, 0]);
      const stdout = await runCli(['--config', config, 'export', '--out', '-', '--project', project.identifier], {
        env,
      });
      expect(stdout.code, stdout.stderr).toBe(0);
      expectNoSecret(stdout, 'export --out -');
      for (const name of readdirSync(out))
        for (const secret of SECRETS) expect(readFileSync(join(out, name), 'utf8'), name).not.toContain(secret);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('uid-check --fix repairing something: the repair lines name hrefs and UIDs, never a secret', async () => {
    const reader = new DavCalendarStore({
      serverUrl: radicale.url,
      username: DAV_USER,
      password: DAV_PASSWORD,
      http: createHttpClient({
        service: 'caldav',
        policy: { timeoutMs: 10_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
      }),
    });
    const calendar = (await reader.listCalendars()).find((c) => c.url.includes(`plane-${project.id}/`))!;
    for (const mode of MODES) {
      // The damage: an app renamed an owned event (href-mismatch, repaired by a move).
      const [event] = await reader.list(calendar);
      await reader.delete(event!.href, event!.etag);
      await reader.create(`${calendar.url}renamed-by-an-app.ics`, event!.data);
      const result = await runCli(['--config', config, ...mode, 'uid-check', '--fix'], { env });
      expectNoSecret(result, `${mode.join(' ')} uid-check --fix (exit ${result.code})`);
      expect(result.code, result.stderr).toBe(0);
      if (mode.includes('--log-format'))
        expect(result.stderr).toMatch(/"message":"Repaired","operation":"uid-fix-move"/);
      else expect(result.stdout).toMatch(/^fixed: move .*renamed-by-an-app\.ics → /m);
    }
  });

  it('a sync skipped because another run holds the lock', async () => {
    const { lockDir, holderFile } = lockFiles(join(home, 'calplanebot'), 'sync');
    mkdirSync(lockDir, { recursive: true });
    // This test process is alive: the holder is live, so every sync is skipped.
    writeFileSync(
      holderFile,
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: 'sync' }),
    );
    try {
      const results = await everyMode(['sync']);
      expect(results.map((r) => r.code)).toEqual([0, 0]);
      expect(results[0]!.stderr).toMatch(/^skipped: another run in progress/m);
      expect(results[1]!.stdout).toContain('"skipped": true');
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
  });

  it('handle-webhook', async () => {
    expect((await everyMode(['handle-webhook'], webhook)).map((r) => r.code)).toEqual([0, 0]);
  });

  it('a Plane that echoes the API key back in errors: sync and uid-check mask it', async () => {
    plane.failNext(
      { pathIncludes: '/projects/' },
      { status: 500, body: { error: `invalid X-Api-Key ${PLANE_KEY}` }, times: Number.POSITIVE_INFINITY },
    );
    try {
      const syncs = await everyMode(['sync']);
      expect(syncs.every((r) => r.code === 1)).toBe(true);
      expect(syncs[0]!.stderr).toContain('invalid X-Api-Key ***');
      expect((await everyMode(['uid-check'])).every((r) => r.code === 1)).toBe(true);
    } finally {
      plane.clearFaults();
    }
  });

  it('a Plane that echoes the API key back in errors: health masks it', async () => {
    plane.failNext(
      { pathIncludes: '/users/me/' },
      { status: 500, body: { error: `key ${PLANE_KEY} refused` }, times: Number.POSITIVE_INFINITY },
    );
    try {
      expect((await everyMode(['health'])).every((r) => r.code === 1)).toBe(true);
    } finally {
      plane.clearFaults();
    }
  });

  it.each([[['sync']], [['diff']], [['health']], [['uid-check']]])(
    'a CalDAV server that echoes the credentials back in errors: %j masks them',
    async (args) => {
      echoCredentials('PROPFIND');
      try {
        const results = await everyMode(args);
        expect(results.every((r) => r.code === 1)).toBe(true);
        expect(results[0]!.stderr).toContain('bad request from carol:***');
      } finally {
        dav.intercept(undefined);
      }
    },
  );

  it('a CalDAV server that echoes the credentials back in errors: handle-webhook masks them', async () => {
    echoCredentials();
    try {
      const results = await everyMode(['handle-webhook'], webhook);
      expect(results.every((r) => r.code !== 0)).toBe(true);
    } finally {
      dav.intercept(undefined);
    }
  });

  it('nothing calplanebot keeps on disk holds a secret', () => {
    const dir = join(home, 'calplanebot');
    // Calendar snapshots (snapshots/*.json) included: they hold events, never credentials.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      statSync(join(dir, f)).isFile(),
    );
    expect(files).toEqual(expect.arrayContaining(['last-sync.json', 'last-webhook.json', 'discovery.json']));
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const secret of SECRETS) expect(text, file).not.toContain(secret);
    }
    // The failed runs were recorded, their error messages masked.
    const state = JSON.parse(readFileSync(join(dir, 'last-sync.json'), 'utf8')) as {
      consecutiveFailures: number;
      last: { error: string };
    };
    expect(state.consecutiveFailures).toBeGreaterThan(0);
    expect(state.last.error).toContain('***');
  });
});
