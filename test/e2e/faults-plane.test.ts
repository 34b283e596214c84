/**
 * Fault injection between the CLI and the fake Plane (transport faults and hostile answers through
 * the fault proxy, so every test can see that its fault was applied), and hostile configuration
 * through the real CLI.
 * For each fault: the exit code, nothing lost, no foreign object touched, no duplicate, and the
 * next clean run converges (faults-harness.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { uidForIssue } from '../../src/event/uid.js';
import { runCli } from '../support/cli.js';
import {
  cli,
  expectSafe,
  issuesPath,
  makeWorldReadable,
  prepare,
  type Run,
  type Scenario,
  STALL_MS,
  sync,
  useWorld,
  variantConfig,
  type World,
} from './faults-harness.js';

let world: World;
useWorld((started) => (world = started));

const listings = (s: Scenario) => world.planeProxy.requests.filter((r) => r.path.includes(issuesPath(s)));
const json = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const writes = () => world.dav.requests.filter((r) => ['PUT', 'DELETE', 'MKCALENDAR', 'PROPPATCH'].includes(r.method));

/** A failed or unusable listing: exit 3, the project's error names it, and nothing is written at all. */
async function expectListingFailure(s: Scenario, message: RegExp, status?: number): Promise<Run> {
  const run = await sync(world, s.project);
  expect(run.code, run.stderr).toBe(3);
  expect(run.errors).toEqual([expect.objectContaining({ operation: 'list-issues', ...(status ? { status } : {}) })]);
  expect(run.errors[0]!.message).toMatch(message);
  expect(run.report!.totals.deleted).toBe(0);
  expect(writes()).toEqual([]);
  expect(run.stderr).toMatch(/list-issues failed/);
  return run;
}

describe('Plane server errors', () => {
  it.each([500, 502, 503, 504])('the issue listing → %i once: retried, exit 0', async (code) => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      { status: code, body: code === 500 ? '{"error":"Something went wrong"}' : '<html>bad gateway</html>' },
      { times: 1 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report!.totals).toMatchObject({ created: 1, updated: 1, deleted: 1 });
    expect(world.planeProxy.faulted()).toEqual([expect.objectContaining({ status: code })]);
    expect(listings(s)).toHaveLength(2);
    await expectSafe(world, s, run);
  });

  it('the issue listing → 503 with Retry-After twice, then it clears: waited out, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      { status: 503, headers: { 'Retry-After': '1' }, body: '<html>maintenance</html>' },
      { times: 2 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/retrying GET .* in 150 ms \(HTTP 503/); // Retry-After 1 s, capped at the test's maxRetryAfterMs
    expect(world.planeProxy.faulted()).toHaveLength(2);
    await expectSafe(world, s, run);
  });

  it('a short 429 burst on the issue listing: waited out, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      {
        status: 429,
        headers: { 'Retry-After': '1' },
        body: '{"error_code":5900,"error_message":"RATE_LIMIT_EXCEEDED"}',
      },
      { times: 4 },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.planeProxy.faulted()).toHaveLength(4);
    expect(listings(s)).toHaveLength(5);
    await expectSafe(world, s, run);
  });

  it('the issue listing → 503 with Retry-After, always: the project fails (exit 3), nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      { status: 503, headers: { 'Retry-After': '1' }, body: '<html>maintenance</html>' },
    );
    const run = await expectListingFailure(s, /503/, 503);
    // 10 Retry-After waits in a row, then the 2 more attempts a 5xx gets, then given up: 13, bounded.
    expect(world.planeProxy.faulted()).toHaveLength(13);
    await expectSafe(world, s, run);
  });

  it('a 429 storm with Retry-After: waits, then the project fails (exit 3), nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      {
        status: 429,
        headers: { 'Retry-After': '3' },
        body: '{"error_code":5900,"error_message":"RATE_LIMIT_EXCEEDED"}',
      },
    );
    const run = await expectListingFailure(s, /rate-limiting/, 429);
    // 1 attempt plus the 10 waits the fetcher allows in a row: bounded, never a loop.
    expect(world.planeProxy.faulted()).toHaveLength(11);
    await expectSafe(world, s, run);
  });

  it('a 429 storm against a small http.maxRateLimitWaitMs: the run-wide budget is spent, then the request fails fast (exit 3)', async () => {
    const s = await prepare(world, 'Q');
    const config = variantConfig(world, (c) => (c.http!.maxRateLimitWaitMs = 300));
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      {
        status: 429,
        headers: { 'Retry-After': '3' },
        body: '{"error_code":5900,"error_message":"RATE_LIMIT_EXCEEDED"}',
      },
    );
    const run = await cli(world, ['sync', '--project', s.project.identifier], config);
    expect(run.code, run.stderr).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'list-issues', status: 429 })]);
    // Two waits of 150 ms fit in 300 ms; the third would not: 3 requests instead of 11.
    expect(world.planeProxy.faulted()).toHaveLength(3);
    expect(run.report!.totals.deleted).toBe(0);
    await expectSafe(world, s, run);
  });

  it('401 from Plane: not retried, exit 1, says to check the API key and names the host', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({}, { status: 401, body: '{"detail":"Authentication credentials were not provided."}' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('check the Plane API key');
    expect(run.stderr).toContain(new URL(world.planeProxy.url).host);
    expect(world.planeProxy.requests).toHaveLength(1);
    expect(writes()).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('403 from Plane (a key it does not accept): not retried, exit 1, says to check the API key and names the host', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({}, { status: 403, body: '{"detail":"Given API token is not valid"}' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.hint).toContain('check the Plane API key');
    expect(run.stderr).toContain(new URL(world.planeProxy.url).host);
    expect(world.planeProxy.faulted()).toHaveLength(1);
    expect(writes()).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('401 on the issue listing, after the project list worked: the run stops, exit 1, nothing written', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      { status: 401, body: '{"detail":"Authentication credentials were not provided."}' },
    );
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.hint).toContain('check the Plane API key');
    expect(writes()).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('the project list fails on every attempt: nothing can be done, exit 1, nothing written', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: '/projects/', method: 'GET' }, { status: 500, body: '{"error":"down"}' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.message).toMatch(/500/);
    expect(world.planeProxy.requests).toHaveLength(3);
    expect(writes()).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('an error page that echoes the request headers never shows the API key', async () => {
    const s = await prepare(world, 'Q');
    const echo = `<html><pre>X-Api-Key: ${world.plane.apiKey}\nAuthorization: Basic ${world.secrets[2]}</pre></html>`;
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      { status: 400, headers: { 'content-type': 'text/html' }, body: echo },
    );
    const run = await sync(world, s.project); // cli() fails the test if any secret reaches the output
    expect(run.code).toBe(3);
    expect(run.errors[0]!.message).toContain('***');
    await expectSafe(world, s, run);
  });
});

describe('Plane transport faults', () => {
  it('connection reset (once): retried, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { reset: 'before' }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.planeProxy.faulted()).toEqual([expect.objectContaining({ fault: 'reset before' })]);
    expect(listings(s)).toHaveLength(2);
    await expectSafe(world, s, run);
  });

  it('connection reset on every attempt of the issue listing: the project fails (exit 3), nothing written or deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { reset: 'before' });
    const run = await expectListingFailure(s, /failed: (ECONNRESET|UND_ERR_SOCKET)/);
    expect(run.errors[0]!.hint).toBe(`check that ${new URL(world.planeProxy.url).host} is reachable`);
    expect(world.planeProxy.faulted()).toHaveLength(3);
    await expectSafe(world, s, run);
  });

  it('Plane unreachable for the whole run (every connection reset): exit 1 at the project list, naming the host, nothing written', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({}, { reset: 'before' });
    const run = await sync(world, s.project);
    expect(run.code).toBe(1);
    expect(run.fatal?.message).toMatch(/GET .*\/projects\/ failed: (ECONNRESET|UND_ERR_SOCKET)/);
    expect(run.fatal?.hint).toBe(`check that ${new URL(world.planeProxy.url).host} is reachable`);
    expect(world.planeProxy.faulted()).toHaveLength(3);
    expect(writes()).toEqual([]);
    await expectSafe(world, s, run);
  });

  it('a stall past the timeout (once): retried, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { stallMs: STALL_MS }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/retrying GET .*no answer within/);
    expect(world.planeProxy.faulted()).toEqual([expect.objectContaining({ fault: 'stall before' })]);
    await expectSafe(world, s, run);
  });

  it('a stall past the timeout on every attempt of the issue listing: the project fails (exit 3), nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { stallMs: STALL_MS });
    const run = await expectListingFailure(s, /no answer within 2500 ms/);
    expect(world.planeProxy.faulted()).toHaveLength(3);
    await expectSafe(world, s, run);
  });

  it('the body is cut mid-way (once): retried, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { truncateAt: 100 }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(world.planeProxy.faulted()).toEqual([expect.objectContaining({ fault: 'truncate at 100', status: 200 })]);
    expect(listings(s)).toHaveLength(2);
    await expectSafe(world, s, run);
  });

  it('the body stalls mid-way, past the timeout (once): the timeout covers the body, retried, exit 0', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { stallBodyAt: 100, stallMs: STALL_MS }, { times: 1 });
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/retrying GET .*no answer within 2500 ms/);
    expect(world.planeProxy.faulted()).toEqual([expect.objectContaining({ fault: 'stall body at 100' })]);
    await expectSafe(world, s, run);
  });

  it('the body is cut on every attempt: the project fails (exit 3), nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, { truncateAt: 100 });
    const run = await expectListingFailure(s, /terminated|closed|socket/i);
    expect(world.planeProxy.faulted()).toHaveLength(3);
    await expectSafe(world, s, run);
  });
});

describe('a listing that fails part-way', () => {
  it('page 2 fails on every attempt after page 1 was read: page-1 changes are written, every deletion is withheld (exit 3)', async () => {
    // 1,000 undated issues (no events, so cheap) push the oldest issues, renamed among them, onto page 2.
    const undated = Array.from({ length: 1000 }, (_, i) => ({ name: `Undated ${i}`, target_date: null }));
    const s = await prepare(world, 'Q', undated);
    world.planeProxy.inject(
      { pathIncludes: [issuesPath(s), 'cursor=1000:1:0'] },
      { status: 500, body: '{"error":"Something went wrong"}' },
    );
    const run = await sync(world, s.project);
    expect(run.code, run.stderr).toBe(3);
    expect(run.errors.map((e) => e.operation)).toEqual(['list-issues', 'delete-guard']);
    // gone's event, and those of steady and renamed, which page 2 would have shown: none is deleted.
    expect(run.report!.projects[0]!.withheldDeletes).toEqual({ reason: 'listing-incomplete', count: 3 });
    expect(run.report!.totals).toMatchObject({ created: 1, updated: 0, deleted: 0 });
    expect(world.planeProxy.faulted()).toHaveLength(3); // page 2, 3 attempts; page 1 answered
    expect(listings(s).filter((r) => !r.path.includes('cursor='))).toEqual([expect.objectContaining({ status: 200 })]);
    expect(world.dav.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    await expectSafe(world, s, run);
  });
});

describe('errors that are not the network', () => {
  it('an API key with a character HTTP headers cannot carry: exit 1 at once with the real reason, not retried, not "unreachable", the key not shown', async () => {
    const key = 'plane_api_k€y-typed-on-a-phone';
    const config = variantConfig(world, (c) => (c.plane!.apiKey = key));
    world.planeProxy.reset();
    const run = await cli(world, ['sync'], config);
    expect(run.code).toBe(1);
    expect(run.fatal?.message).toMatch(/GET .* failed: invalid x-api-key header/);
    expect(run.fatal?.hint).toMatch(/holds a character HTTP headers cannot carry/);
    expect(run.stderr).not.toMatch(/retrying|reachable/);
    expect(run.stdout + run.stderr).not.toContain('k€y');
    expect(world.planeProxy.requests).toEqual([]); // refused before anything was sent
  });
});

describe('hostile Plane answers', () => {
  it('HTML instead of JSON (a login page answering 200): exit 3, says so, nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject(
      { pathIncludes: issuesPath(s) },
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<!DOCTYPE html><html><body>Sign in</body></html>',
      },
    );
    const run = await expectListingFailure(s, /the body is HTML, not JSON/);
    await expectSafe(world, s, run);
  });

  it('truncated JSON in a complete answer: exit 3, says so, nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, json('{"results": [{"id": "abc", "name": "Half'));
    const run = await expectListingFailure(s, /not valid JSON, possibly truncated/);
    await expectSafe(world, s, run);
  });

  it('an envelope without "results": exit 3, says so, nothing deleted', async () => {
    const s = await prepare(world, 'Q');
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, json({ count: 0, next_page_results: false, items: [] }));
    const run = await expectListingFailure(s, /no "results" array/);
    await expectSafe(world, s, run);
  });

  it('an issue with a malformed date: that issue fails and keeps its event, the others sync (exit 3)', async () => {
    const s = await prepare(world, 'Q');
    const expand = ['state', 'labels', 'assignees'];
    const listed = world.plane.issues(s.project.id).filter((i) => world.plane.isVisible(i));
    const results = listed.map((i) => {
      const json = world.plane.issueJson(i.id, expand) as Record<string, unknown>;
      return i.id === s.issues.steady.id ? { ...json, target_date: '2025-02-30', name: 'Steady, but broken' } : json;
    });
    const envelope = {
      next_cursor: '1000:1:0',
      prev_cursor: '1000:-1:1',
      next_page_results: false,
      prev_page_results: false,
      count: results.length,
      total_results: results.length,
      results,
    };
    world.planeProxy.inject({ pathIncludes: issuesPath(s) }, json(envelope), { times: 1 });
    const before = (await world.reader.list(s.calendar)).find((o) => o.data.includes(uidForIssue(s.issues.steady.id)))!;

    const run = await sync(world, s.project);
    expect(run.code).toBe(3);
    expect(run.errors).toEqual([expect.objectContaining({ operation: 'transform', issueId: s.issues.steady.id })]);
    expect(run.errors[0]!.message).toContain('invalid target_date "2025-02-30"');
    expect(run.report!.totals).toMatchObject({ created: 1, updated: 1, deleted: 1, failed: 1 });
    const after = (await world.reader.list(s.calendar)).find((o) => o.data.includes(uidForIssue(s.issues.steady.id)));
    expect(after?.etag).toBe(before.etag); // kept exactly as it was
    await expectSafe(world, s, run);
  });
});

describe('hostile configuration, through the real CLI', () => {
  const variant = (edit: (config: Record<string, Record<string, unknown>>) => void): string => {
    const config = JSON.parse(readFileSync(world.config, 'utf8')) as Record<string, Record<string, unknown>>;
    edit(config);
    const file = world.config.replace(/\.json$/, `.${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  };

  it.each([
    [
      'a URL without a scheme',
      (c: Record<string, Record<string, unknown>>) => (c.caldav!.serverUrl = 'dav.example.com/dav'),
      'caldav.serverUrl',
      /did you mean "https:\/\/dav\.example\.com\/dav"/,
    ],
    [
      'a wrong type',
      (c: Record<string, Record<string, unknown>>) => (c.http!.retries = 'three'),
      'http.retries',
      /expected a number, got string/,
    ],
    [
      'an empty required string',
      (c: Record<string, Record<string, unknown>>) => (c.plane!.workspaceSlug = ''),
      'plane.workspaceSlug',
      /missing/,
    ],
    [
      'an empty plane.baseUrl (never Plane Cloud by default)',
      (c: Record<string, Record<string, unknown>>) => (c.plane!.baseUrl = ''),
      'plane.baseUrl',
      /plane\.baseUrl: is empty/,
    ],
    [
      'http:// to a non-loopback host',
      (c: Record<string, Record<string, unknown>>) => (c.plane!.baseUrl = 'http://plane.example.com'),
      'plane.baseUrl',
      /clear text/,
    ],
    [
      'credentials in a URL',
      (c: Record<string, Record<string, unknown>>) =>
        (c.caldav!.serverUrl = `https://alice:${String(c.caldav!.password)}@dav.example.com/`),
      'caldav.serverUrl',
      /must not contain credentials/,
    ],
  ])('%s: exit 2 naming the key, nothing contacted', async (_name, edit, key, message) => {
    world.dav.reset();
    world.planeProxy.reset();
    const file = variant(edit);
    const run = await runCli(['--config', file, 'sync']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(key);
    expect(run.stderr).toMatch(message);
    for (const secret of world.secrets) expect(run.stderr + run.stdout).not.toContain(secret);
    expect(world.dav.requests).toEqual([]);
    expect(world.planeProxy.requests).toEqual([]);
  });

  it('an unknown key warns (naming it and the likely one) and the run goes on', async () => {
    const file = variant((c) => (c.caldav!.pasword = 'oops-not-used'));
    const run = await cli(world, ['diff'], file);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/unknown key "caldav\.pasword".*did you mean "caldav\.password"/);
    expect(run.stderr).not.toContain('oops-not-used');
  });

  it('a world-readable config that holds secrets gets a warning naming the keys, never the values', async () => {
    const file = variant(() => undefined);
    makeWorldReadable(file);
    const run = await cli(world, ['diff'], file);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /holds secrets \(plane\.apiKey, caldav\.password\) and is readable by every user; run: chmod 600/,
    );
  });

  it('secrets can come from *_FILE variables instead of the config file', async () => {
    const file = variant((c) => {
      delete c.plane!.apiKey;
      delete c.caldav!.password;
    });
    const dir = file.replace(/[^/]+$/, '');
    writeFileSync(`${dir}api-key`, `${world.plane.apiKey}\n`, { mode: 0o600 });
    writeFileSync(`${dir}dav-password`, `${world.radicale.users[0]!.password}\n`, { mode: 0o600 });
    const run = await runCli(['--json', '--config', file, 'diff'], {
      env: { PLANE_API_KEY_FILE: `${dir}api-key`, CALDAV_PASSWORD_FILE: `${dir}dav-password` },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, dryRun: true });
    for (const secret of world.secrets) expect(run.stderr + run.stdout).not.toContain(secret);
  });
});
