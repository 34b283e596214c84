import { describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { AuthError, HttpError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { checkCaldav, checkPlane, evaluateHealth, failureOf, type HealthInput } from '../../../src/ops/health.js';
import { type KindState, nextRunState, summarizeRun } from '../../../src/ops/run-state.js';

const planeOk = { ok: true, user: 'ada', rateLimitRemaining: 50, responseMs: 10 };
const caldavOk = { ok: true, homeUrl: 'http://dav/alice/', calendars: 2, managedCalendars: 1, responseMs: 10 };
const NOW = Date.parse('2025-12-01T12:00:00Z');

function syncState(outcomes: Array<'success' | 'failure'>, finishedAt = '2025-12-01T11:55:00Z'): KindState | undefined {
  let state: KindState | undefined;
  for (const outcome of outcomes) {
    const summary = summarizeRun({
      kind: 'sync',
      startedAt: new Date(Date.parse(finishedAt) - 1000),
      finishedAt: new Date(finishedAt),
      report: outcome === 'success' ? { projects: [], calendars: [] } : undefined,
      error: outcome === 'failure' ? new Error('Plane is down') : undefined,
      stats: { plane: new RequestStats(), caldav: new RequestStats() },
    });
    state = nextRunState(state, 'sync', summary);
  }
  return state;
}

const input = (overrides: Partial<HealthInput> = {}): HealthInput => ({
  plane: planeOk,
  caldav: caldavOk,
  sync: syncState(['success']),
  webhook: undefined,
  syncInProgress: undefined,
  stateDir: '/state/calplanebot',
  stateDirUsable: true,
  maxAgeMs: undefined,
  now: NOW,
  ...overrides,
});

describe('evaluateHealth', () => {
  it('is healthy when both sides answer and the last sync succeeded', () => {
    const report = evaluateHealth(input());
    expect(report).toMatchObject({ schemaVersion: 1, ok: true, consecutiveFailures: 0, problems: [], warnings: [] });
    expect(report.lastSync).toMatchObject({ outcome: 'success', lastSuccessAt: '2025-12-01T11:55:00.000Z' });
    expect(report.lastSync).not.toHaveProperty('projects');
  });

  it('is unhealthy when a side is down, naming it with its hint', () => {
    const report = evaluateHealth(
      input({
        caldav: {
          ok: false,
          reason: 'credentials-refused',
          message: 'PROPFIND answered 401',
          hint: 'check the CalDAV credentials',
          responseMs: 5,
        },
      }),
    );
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { check: 'caldav', message: 'CalDAV: PROPFIND answered 401', hint: 'check the CalDAV credentials' },
    ]);
  });

  it('is unhealthy from 3 failed syncs in a row (seed threshold), not from 2', () => {
    expect(evaluateHealth(input({ sync: syncState(['success', 'failure', 'failure']) })).ok).toBe(true);
    const report = evaluateHealth(input({ sync: syncState(['success', 'failure', 'failure', 'failure']) }));
    expect(report).toMatchObject({ ok: false, consecutiveFailures: 3 });
    expect(report.problems[0]).toMatchObject({
      check: 'consecutive-failures',
      message: expect.stringContaining('Plane is down'),
    });
  });

  it('with --max-age, is unhealthy when the last success is older, or there never was one', () => {
    expect(evaluateHealth(input({ maxAgeMs: 10 * 60_000 })).ok).toBe(true);
    expect(evaluateHealth(input({ maxAgeMs: 60_000 })).problems.map((p) => p.check)).toEqual(['max-age']);
    expect(evaluateHealth(input({ maxAgeMs: 60 * 60_000, sync: syncState(['failure']) })).problems[0]?.message).toBe(
      'no sync has succeeded yet',
    );
  });

  it('without a usable state dir the last sync is unknown: reported, never held against it, even with --max-age', () => {
    const report = evaluateHealth(input({ sync: undefined, stateDirUsable: false, maxAgeMs: 60_000 }));
    expect(report).toMatchObject({ ok: true, lastSync: null, consecutiveFailures: 0 });
    expect(report.warnings).toEqual(['last sync unknown: no run state in /state/calplanebot']);
  });

  it('with a usable state dir but no sync recorded, --max-age makes it unhealthy (a sync that always fails early)', () => {
    const report = evaluateHealth(input({ sync: undefined, maxAgeMs: 20 * 60_000 }));
    expect(report).toMatchObject({ ok: false, lastSync: null });
    expect(report.problems).toEqual([
      expect.objectContaining({ check: 'max-age', message: 'no sync recorded in /state/calplanebot' }),
    ]);
    // Without --max-age it is only worth a note.
    const plain = evaluateHealth(input({ sync: undefined }));
    expect(plain).toMatchObject({ ok: true, warnings: ['no sync recorded in /state/calplanebot yet'] });
  });

  it('low rate-limit headroom is a warning, not a failure', () => {
    const report = evaluateHealth(input({ plane: { ...planeOk, rateLimitRemaining: 3 } }));
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual(['only 3 Plane requests left in the current rate-limit window']);
  });
});

describe('failureOf', () => {
  const network = (code: string) =>
    new HttpError('plane', 'GET https://plane.test/api/v1/users/me/ failed', undefined, 'GET', 'https://plane.test/', {
      cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) }),
    });

  it('tells a missing key (401) from an invalid one (403) on Plane, and refused credentials on CalDAV', () => {
    expect(failureOf(new AuthError('plane', 'no key', 401, 'GET', 'x'), 'plane').reason).toBe('missing-key');
    expect(failureOf(new AuthError('plane', 'bad key', 403, 'GET', 'x'), 'plane').reason).toBe('invalid-key');
    expect(failureOf(new AuthError('caldav', 'refused', 401, 'PROPFIND', 'x'), 'caldav').reason).toBe(
      'credentials-refused',
    );
  });

  it('tells TLS failures from an unreachable host and a timeout', () => {
    expect(failureOf(network('DEPTH_ZERO_SELF_SIGNED_CERT'), 'plane')).toMatchObject({
      reason: 'tls',
      hint: expect.stringContaining('certificate'),
    });
    expect(failureOf(network('ERR_SSL_WRONG_VERSION_NUMBER'), 'caldav').reason).toBe('tls');
    expect(failureOf(network('ECONNREFUSED'), 'plane').reason).toBe('unreachable');
    expect(failureOf(network('ENOTFOUND'), 'plane').reason).toBe('unreachable');
    const timeout = new HttpError('plane', 'no answer', undefined, 'GET', 'x', {
      cause: new DOMException('timed out', 'TimeoutError'),
    });
    expect(failureOf(timeout, 'plane').reason).toBe('timeout');
    expect(failureOf(new HttpError('plane', 'HTTP 500', 500, 'GET', 'x'), 'plane').reason).toBe('http-error');
  });
});

describe('checkPlane and checkCaldav', () => {
  it('report the key owner and the rate-limit headroom Plane sent', async () => {
    const plane = { currentUser: async () => ({ display_name: 'ada' }), rateLimitRemaining: 42 };
    expect(await checkPlane(plane)).toMatchObject({ ok: true, user: 'ada', rateLimitRemaining: 42 });
  });

  it('report a refused key with its reason and the headroom still known', async () => {
    const plane = {
      currentUser: async () => {
        throw new AuthError('plane', 'Plane rejected the API key', 403, 'GET', 'x', {
          hint: 'check the Plane API key',
        });
      },
      rateLimitRemaining: undefined,
    };
    expect(await checkPlane(plane)).toMatchObject({
      ok: false,
      reason: 'invalid-key',
      hint: 'check the Plane API key',
      rateLimitRemaining: null,
    });
  });

  it('count the calendars and those at calplanebot URLs', async () => {
    const store = new MemoryCalendarStore('http://dav/alice/');
    await store.createCalendar('http://dav/alice/plane-0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b/', 'Plane: Web');
    await store.createCalendar('http://dav/alice/personal/', 'Personal');
    expect(await checkCaldav(store, () => 'http://dav/alice/')).toMatchObject({
      ok: true,
      calendars: 2,
      managedCalendars: 1,
      homeUrl: 'http://dav/alice/',
    });
  });

  it("count adopted calendars that carry calplanebot's project mark as managed too", async () => {
    const store = new MemoryCalendarStore('http://dav/alice/');
    await store.createCalendar('http://dav/alice/plane-0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b/', 'Plane: Web');
    const adopted = await store.createCalendar('http://dav/alice/made-by-hand/', 'Plane: Api');
    await store.markCalendar(adopted, '1c0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b');
    await store.createCalendar('http://dav/alice/plane-lookalike/', 'Plane: Lookalike');
    expect(await checkCaldav(store, () => 'http://dav/alice/')).toMatchObject({
      ok: true,
      calendars: 3,
      managedCalendars: 2,
    });
  });

  it('count the calendars of every configured entry as managed, and no calendar of an entry that is gone', async () => {
    const store = new MemoryCalendarStore('http://dav/alice/');
    await store.createCalendar('http://dav/alice/plane-0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b/', 'Plane: Web');
    await store.createCalendar('http://dav/alice/plane-mine/', 'Plane: my work');
    await store.createCalendar('http://dav/alice/plane-hot-0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b/', 'Hot: WEB');
    await store.createCalendar('http://dav/alice/plane-removed/', 'Plane: removed');
    await store.createCalendar('http://dav/alice/personal/', 'Personal');
    expect(await checkCaldav(store, () => 'http://dav/alice/', ['projects', 'mine', 'hot'])).toMatchObject({
      ok: true,
      calendars: 5,
      managedCalendars: 3,
    });
    expect(await checkCaldav(store, () => 'http://dav/alice/')).toMatchObject({ managedCalendars: 1 });
  });

  it('a discovery that finds no calendar home says so', async () => {
    const store = new MemoryCalendarStore();
    store.calendarUrlFor = async () => {
      throw new HttpError('caldav', 'no calendar home found at http://dav/', undefined, 'PROPFIND', 'http://dav/');
    };
    expect(await checkCaldav(store, () => undefined)).toMatchObject({
      ok: false,
      reason: 'no-calendar-home',
      hint: expect.stringContaining('caldav.serverUrl'),
    });
  });
});
