/**
 * Incremental calendar reads (RFC 6578 sync-collection), end to end on the two servers that have
 * them, Radicale and Xandikos, and on a server without them (Radicale behind a proxy that refuses
 * the report, as such servers do). With a state dir, a run reads only what changed since the last
 * one; whatever happens to the saved token, the outcome is the one a full listing gives.
 * Built CLI, real servers, fake Plane.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import type { RunReport } from '../../src/sync/report.js';
import { freshStateHome, runCli, writeConfig } from '../support/cli.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { foreignEvent } from '../support/ical-text.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { startXandikos } from '../support/xandikos.js';

interface Server {
  name: string;
  start(): Promise<Radicale>;
  /** A token of the server's own form that it never gave out. */
  unknownToken: string;
}

const SERVERS: Server[] = [
  { name: 'Radicale', start: startRadicale, unknownToken: `http://radicale.org/ns/sync/${'0'.repeat(64)}` },
  { name: 'Xandikos', start: startXandikos, unknownToken: '0'.repeat(40) },
];

describe.each(SERVERS)('incremental reads on $name', (server) => {
  let dav: Radicale;
  let plane: FakePlane;
  let proxy: RecordingProxy;
  let reader: DavCalendarStore;
  let projects: FakeProject[];
  let config: string;

  beforeAll(async () => {
    dav = await server.start();
    plane = await startFakePlane({ rateLimitPerMinute: null, seed: 23 });
    proxy = await startRecordingProxy(dav.url);
    projects = [
      plane.addProject({ name: 'Alpha', identifier: 'ALPHA' }),
      plane.addProject({ name: 'Beta', identifier: 'BETA' }),
    ];
    for (const project of projects)
      for (let i = 1; i <= 3; i += 1)
        plane.addIssue(project.id, { name: `${project.identifier} task ${i}`, target_date: `2026-04-0${i}` });
    reader = directStore(dav); // past the proxy: never counted
    config = configThrough(proxy, dav, plane);
  });

  afterAll(async () => {
    await proxy?.close();
    await plane?.close();
    await dav?.stop();
  });

  const reports = () =>
    proxy.requests
      .filter((r) => r.method === 'REPORT')
      .map((r) =>
        r.body?.includes('sync-collection')
          ? 'sync-collection'
          : r.body?.includes('calendar-multiget')
            ? `multiget ${r.body.match(/<d:href>/g)?.length ?? 0}`
            : 'listing',
      );
  const calendarOf = async (project: FakeProject): Promise<CalendarRef> => {
    const found = (await reader.listCalendars()).find((c) => c.url.includes(`plane-${project.id}/`));
    if (!found) throw new Error(`no calendar for ${project.identifier}`);
    return found;
  };
  /** What a run with no state at all (a full listing of every calendar) would still change: nothing, if the state never misled. */
  const stillToDo = async () => {
    const result = await runCli(['diff', '--json', '--config', config], { env: { XDG_STATE_HOME: freshStateHome() } });
    expect(result.code, result.stderr).toBe(0);
    const { totals } = JSON.parse(result.stdout) as RunReport;
    return totals.created + totals.updated + totals.deleted;
  };

  async function sync(state: string, ...flags: string[]): Promise<RunReport & { stderr: string }> {
    proxy.reset();
    const result = await runCli(['sync', '--json', ...flags, '--config', config], {
      env: { XDG_STATE_HOME: state },
    });
    expect(result.code, result.stderr).toBe(0);
    return { ...(JSON.parse(result.stdout) as RunReport), stderr: result.stderr };
  }

  it('the upload confirms its own writes with one sync-collection per calendar, so the next run reads no calendar', async () => {
    const state = freshStateHome();
    expect((await sync(state)).totals.created).toBe(6);
    // Per calendar: its first token (an empty calendar), then what changed since: our creates alone.
    expect(reports()).toEqual(['sync-collection', 'sync-collection', 'sync-collection', 'sync-collection']);
    // Bytes: the deltas carry hrefs and ETags, no calendar data.
    const down = proxy.requests.filter((r) => r.method === 'REPORT').reduce((n, r) => n + (r.responseBytes ?? 0), 0);
    expect(down).toBeLessThan(4 * 1024);
    const next = await sync(state);
    expect(next.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 6, failed: 0 });
    expect(proxy.requests.map((r) => r.method)).toEqual(['PROPFIND']); // converged at the tokens the deltas gave
  });

  it('a delta naming an edited, a foreign and a deleted object: only the two that exist are fetched, and the outcome is a full listing’s', async () => {
    const state = freshStateHome();
    await sync(state);
    await sync(state);
    const beta = await calendarOf(projects[1]!);
    const [edited, deleted] = (await reader.list(beta)) as [RemoteObject, RemoteObject];
    await reader.update(edited.href, edited.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:moved by hand'), edited.etag);
    await reader.create(`${beta.url}someone-elses.ics`, foreignEvent());
    await reader.delete(deleted.href, deleted.etag);

    const run = await sync(state);
    expect(run.totals).toMatchObject({ created: 1, updated: 1, deleted: 0, unchanged: 4, failed: 0 });
    // What changed since, the two objects that exist, then the confirmation of our two writes.
    expect(reports()).toEqual(['sync-collection', 'multiget 2', 'sync-collection']);
    const betaPath = new URL(beta.url).pathname; // the run saw it through the proxy, on another port
    expect(run.calendars.find((c) => c.calendarUrl?.endsWith(betaPath))?.foreign).toBe(1);
    const objects = await reader.list(beta);
    expect(objects.some((o) => o.data.includes('UID:someone-else'))).toBe(true); // not ours: left alone
    expect(objects.some((o) => o.data.includes('moved by hand'))).toBe(false);
    expect(await stillToDo()).toBe(0);

    // Our own writes came back in that confirmation with the ETags their PUTs answered: converged.
    const after = await sync(state);
    expect(after.totals).toMatchObject({ created: 0, updated: 0, unchanged: 6 });
    expect(reports()).toEqual([]);
  });

  it('a token the server does not know (an expired one): the calendar is read whole, --verbose says why, nothing is lost', async () => {
    const state = freshStateHome();
    await sync(state);
    await sync(state);
    const alpha = await calendarOf(projects[0]!);
    const [edited] = (await reader.list(alpha)) as [RemoteObject];
    await reader.update(edited.href, edited.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:edited meanwhile'), edited.etag);
    const dir = join(state, 'calplanebot', 'snapshots');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const snapshot = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { token: string };
      writeFileSync(join(dir, file), JSON.stringify({ ...snapshot, token: server.unknownToken }));
    }

    const run = await sync(state, '--verbose');
    expect(run.totals).toMatchObject({ updated: 1, unchanged: 5, failed: 0 });
    // Refused (Radicale: 403 valid-sync-token; Xandikos: 500, not retried), the listing, then the
    // confirmation of the repair from the token read with the calendar list.
    expect(reports()).toEqual(['sync-collection', 'listing', 'sync-collection']);
    expect(run.stderr).toMatch(/Plane: Alpha: read whole: the server did not answer the sync-collection/);
    expect(await stillToDo()).toBe(0);
    await sync(state);
    expect(reports()).toEqual([]); // converged at a fresh token again
  });
});

describe('a server without sync-collection (Radicale behind a proxy that refuses the report)', () => {
  let dav: Radicale;
  let plane: FakePlane;
  let proxy: RecordingProxy;
  let config: string;

  beforeAll(async () => {
    dav = await startRadicale();
    plane = await startFakePlane({ rateLimitPerMinute: null, seed: 29 });
    proxy = await startRecordingProxy(dav.url);
    // What servers without RFC 6578 answer an unknown REPORT with: 403 supported-report (RFC 3253 §3.6).
    proxy.intercept(({ method, body }) =>
      method === 'REPORT' && body.toString('utf8').includes('sync-collection')
        ? {
            status: 403,
            headers: { 'content-type': 'application/xml; charset=utf-8' },
            body: '<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>',
          }
        : undefined,
    );
    const project = plane.addProject({ name: 'Gamma', identifier: 'GAMMA' });
    for (let i = 1; i <= 3; i += 1) plane.addIssue(project.id, { name: `task ${i}`, target_date: `2026-05-0${i}` });
    config = configThrough(proxy, dav, plane);
  });

  afterAll(async () => {
    await proxy?.close();
    await plane?.close();
    await dav?.stop();
  });

  it('every run stays correct: the calendar is listed whenever it changed, the refusal said under --verbose', async () => {
    const state = freshStateHome();
    const run = async (...flags: string[]) => {
      proxy.reset();
      const result = await runCli(['sync', '--json', ...flags, '--config', config], {
        env: { XDG_STATE_HOME: state },
      });
      expect(result.code, result.stderr).toBe(0);
      return { ...(JSON.parse(result.stdout) as RunReport), stderr: result.stderr };
    };
    const reports = () =>
      proxy.requests
        .filter((r) => r.method === 'REPORT')
        .map((r) => (r.body?.includes('sync-collection') ? `sync-collection ${r.status}` : 'listing'));
    expect((await run()).totals.created).toBe(3); // the new calendar's first token is refused: no snapshot
    expect((await run()).totals).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 0 });
    expect(reports()).toEqual(['listing']);
    await run();
    expect(proxy.requests.map((r) => r.method)).toEqual(['PROPFIND']); // converged: the calendar cache needs no RFC 6578

    // Radicale still names a sync-token in PROPFIND, so a snapshot was kept; its delta is refused.
    const reader = directStore(dav);
    const [calendar] = await reader.listCalendars();
    const [edited] = (await reader.list(calendar!)) as [RemoteObject];
    await reader.update(edited.href, edited.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:edited'), edited.etag);
    const repair = await run('--verbose');
    expect(repair.totals).toMatchObject({ updated: 1, unchanged: 2, failed: 0 });
    expect(reports()).toEqual(['sync-collection 403', 'listing', 'sync-collection 403']); // read, then the confirmation
    expect(repair.stderr).toMatch(/read whole: the server did not answer the sync-collection .*answered 403/);
    expect((await reader.list(calendar!)).some((o) => o.data.includes('SUMMARY:edited\r'))).toBe(false);
  });
});

/** A config for the fake Plane and the server's first user, with CalDAV through the recording proxy. */
function configThrough(proxy: RecordingProxy, dav: Radicale, plane: FakePlane): string {
  const user = dav.users[0]!;
  return writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: proxy.url,
    username: user.username,
    password: user.password,
  });
}
