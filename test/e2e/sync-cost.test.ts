/**
 * What a run costs on the wire, and that the savings never cost correctness: a no-op sync with its
 * state dir lists no calendar (src/sync/calendar-cache.ts), a stateless one needs calendars + 2
 * CalDAV requests (discovery brings the calendar list along), and a calendar edited by someone else
 * (its sync-token changed) is read incrementally and repaired on the next run. Built CLI, real Radicale, fake Plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import type { RunReport } from '../../src/sync/report.js';
import { freshStateHome, runCli, writeConfig } from '../support/cli.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let reader: DavCalendarStore;
let projects: FakeProject[];

const configFor = (caldavUrl: string) => {
  const user = radicale.users[0]!;
  return writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl,
    username: user.username,
    password: user.password,
  });
};

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 11 });
  dav = await startRecordingProxy(radicale.url);
  projects = [
    plane.addProject({ name: 'Alpha', identifier: 'ALPHA' }),
    plane.addProject({ name: 'Beta', identifier: 'BETA' }),
  ];
  for (const project of projects) {
    for (let i = 1; i <= 3; i += 1)
      plane.addIssue(project.id, { name: `${project.identifier} task ${i}`, target_date: `2026-03-0${i}` });
  }
  // Reads and edits straight in Radicale, past the proxy, so it never counts.
  reader = directStore(radicale);
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

async function sync(config: string, stateHome: string): Promise<RunReport> {
  const result = await runCli(['sync', '--json', '--config', config], { env: { XDG_STATE_HOME: stateHome } });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

const methods = () => dav.requests.map((r) => r.method);
const writes = () => dav.requests.filter((r) => !['PROPFIND', 'REPORT', 'GET'].includes(r.method));

async function calendarOf(project: FakeProject): Promise<CalendarRef> {
  const found = (await reader.listCalendars()).find((c) => c.url.includes(`plane-${project.id}/`));
  if (!found) throw new Error(`no calendar for ${project.identifier}`);
  return found;
}

describe('the cost of a run', () => {
  it('with its state dir, a no-op run lists no calendar; an edit in a calendar is read alone and repaired next time', async () => {
    const config = configFor(dav.url);
    const state = freshStateHome();
    expect((await sync(config, state)).totals.created).toBe(6);
    // The first run wrote, and then asked each calendar what changed since (RFC 6578): only its own
    // writes (their ETags as the PUTs answered), so both are remembered as converged at once.
    dav.reset();
    const noop = await sync(config, state);
    expect(noop.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 6, failed: 0 });
    expect(methods()).toEqual(['PROPFIND']); // the calendar list, for the ctags; discovery came from the state dir
    expect(noop.requests.plane).toBe(1 + projects.length);

    // Someone edits an event of Beta in a calendar app: Beta's ctag changes, Alpha's does not.
    const beta = await calendarOf(projects[1]!);
    const [edited] = (await reader.list(beta)) as [RemoteObject];
    await reader.update(
      edited.href,
      edited.data.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:changed in a calendar app'),
      edited.etag,
    );

    dav.reset();
    const repair = await sync(config, state);
    expect(repair.totals).toMatchObject({ updated: 1, unchanged: 5, failed: 0 });
    // Beta only: what changed since its token, then that one object (a multiget), never the whole
    // calendar; after the repair, the confirmation that nothing but it changed.
    const reports = dav.requests.filter((r) => r.method === 'REPORT');
    expect(reports.map((r) => (r.body?.includes('sync-collection') ? 'sync-collection' : 'multiget'))).toEqual([
      'sync-collection',
      'multiget',
      'sync-collection',
    ]);
    expect(reports.every((r) => r.path.includes(`plane-${projects[1]!.id}`))).toBe(true);
    expect(reports[1]?.body?.match(/<d:href>/g)).toHaveLength(1);
    expect(writes().map((r) => r.method)).toEqual(['PUT']);
    const restored = (await reader.list(beta)).find((o) => o.href === edited.href);
    expect(restored?.data).not.toContain('changed in a calendar app');

    // A change in Plane is planned against the snapshot of a calendar nobody touched (Alpha): no
    // listing, only the confirmation of the write; Beta, confirmed last run, is not read at all.
    plane.updateIssue(plane.issues(projects[0]!.id)[0]!.id, { name: 'Renamed in Plane' });
    dav.reset();
    const renamed = await sync(config, state);
    expect(renamed.totals).toMatchObject({ updated: 1, unchanged: 5, failed: 0 });
    expect(methods()).toEqual(['PROPFIND', 'PUT', 'REPORT']);
    expect(dav.requests.at(-1)?.path).toContain(`plane-${projects[0]!.id}`);
  });

  it.each([
    ['the server root', ''],
    ['the principal', 'alice/'],
  ])(
    'stateless (a fresh state dir every run), a no-op run needs calendars + 2 CalDAV requests, configured with %s',
    async (_label, path) => {
      const config = configFor(`${dav.url}${path}`);
      await sync(config, freshStateHome());
      dav.reset();
      const noop = await sync(config, freshStateHome());
      expect(noop.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
      expect(methods()).toEqual(['PROPFIND', 'PROPFIND', ...projects.map(() => 'REPORT')]);
      expect(noop.requests.caldav).toBe(projects.length + 2);
    },
  );

  it('three calendars over the same projects cost Plane the single-calendar minimum; a no-op lists no calendar with a state dir', async () => {
    const user = radicale.users[0]!;
    const base = {
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: dav.url,
      username: user.username,
      password: user.password,
    };
    const three = writeConfig({
      ...base,
      extra: {
        calendars: [
          { id: 'projects', perProject: true },
          { id: 'everything', name: 'Plane: everything' },
          {
            id: 'alpha-early',
            perProject: true,
            name: 'Early {identifier}',
            filter: { projects: ['ALPHA'], priorities: ['none', 'low', 'medium', 'high', 'urgent'] },
          },
        ],
      },
    });
    const counts: Record<string, { plane: number; caldav: number }> = {};
    for (const [name, config] of [
      ['1 calendar', configFor(dav.url)],
      ['3 calendars', three],
    ] as const) {
      const state = freshStateHome();
      await sync(config, state);
      await sync(config, state); // converged already (the first run confirmed its writes): a no-op
      dav.reset();
      const stateful = await sync(config, state);
      expect(stateful.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
      expect(stateful.requests.plane).toBe(1 + projects.length); // the projects page + each project's page, once
      expect(methods()).toEqual(['PROPFIND']);
      counts[`${name}, state dir`] = stateful.requests;
      dav.reset();
      const stateless = await sync(config, freshStateHome());
      expect(stateless.requests.plane).toBe(1 + projects.length);
      counts[`${name}, stateless`] = stateless.requests;
    }
    // Each calendar is one REPORT when nothing remembers it: 2 (default) vs 2 + 1 + 1.
    expect(counts['1 calendar, stateless']?.caldav).toBe(2 + projects.length);
    expect(counts['3 calendars, stateless']?.caldav).toBe(2 + projects.length + 2);
    if (process.env.OPS_CAPTURE_DIR) console.log(JSON.stringify(counts));
  });
});
