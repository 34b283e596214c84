/**
 * `uid-check`, end to end: calendars in Radicale damaged the ways real calendars get damaged
 * (an app renamed an object, a copy landed in the wrong calendar, an issue went away, a broken
 * look-alike, someone else's event), then checked, dry-run repaired, and repaired.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import { objectNameForUid, uidForIssue } from '../../src/event/uid.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import type { UidProblem } from '../../src/ops/uid-check.js';
import type { RunReport } from '../../src/sync/report.js';
import { type CliResult, runCli, writeConfig } from '../support/cli.js';
import { type FakeIssue, type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type Radicale, startRadicale } from '../support/radicale.js';

interface UidCheckJson {
  schemaVersion: 1;
  ok: boolean;
  problems: Array<
    Omit<UidProblem, 'fixes'> & { fixes: Array<{ op: string; href?: string; from?: string; to?: string }> }
  >;
  fixes: {
    dryRun: boolean;
    actions: Array<{ op: string; href?: string; from?: string; to?: string; ok?: boolean; error?: string | null }>;
  } | null;
  remaining: number;
  scanned: { calendars: number; objects: number };
}

let radicale: Radicale;
let plane: FakePlane;
let dav: FaultProxy;
let config: string;
let reader: DavCalendarStore;
let web: FakeProject;
let api: FakeProject;
const issues: Record<string, FakeIssue> = {};
let webCal: CalendarRef;
let apiCal: CalendarRef;
const WRITES = ['PUT', 'DELETE', 'MKCALENDAR', 'PROPPATCH', 'MOVE', 'COPY'];
const FOREIGN = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Someone//EN',
  'BEGIN:VEVENT',
  'UID:team-meeting-42@example.com',
  'DTSTAMP:20251201T000000Z',
  'DTSTART:20251215T100000Z',
  'SUMMARY:Team meeting',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');
const LOOKALIKE = FOREIGN.replace('team-meeting-42@example.com', 'plane-issue-not-a-uuid@calplanebot').replace(
  'Team meeting',
  'Broken copy',
);

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 21 });
  dav = await startFaultProxy(radicale.url);
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
  web = plane.addProject({ name: 'Website', identifier: 'WEB' });
  api = plane.addProject({ name: 'Backend', identifier: 'API' });
  for (const name of ['renamed', 'copied', 'gone', 'undated', 'fine'])
    issues[name] = plane.addIssue(web.id, { name, target_date: '2025-12-20' });
  issues.strayed = plane.addIssue(api.id, { name: 'strayed', target_date: '2025-12-21' });
  const first = await runCli(['--config', config, 'sync']);
  expect(first.code, first.stderr).toBe(0);
  const calendars = await reader.listCalendars();
  webCal = calendars.find((c) => c.url.includes(`plane-${web.id}/`))!;
  apiCal = calendars.find((c) => c.url.includes(`plane-${api.id}/`))!;
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

const canonical = (calendar: CalendarRef, issue: FakeIssue) =>
  `${calendar.url}${objectNameForUid(uidForIssue(issue.id))}`;
/** The CLI talks to Radicale through the proxy: the same URL, seen by it. */
const seen = (url: string) => `${dav.url}${url.slice(radicale.url.length)}`;

async function uidCheck(...args: string[]): Promise<CliResult & { json: UidCheckJson }> {
  const result = await runCli(['--config', config, '--json', 'uid-check', ...args]);
  try {
    return { ...result, json: JSON.parse(result.stdout) as UidCheckJson };
  } catch {
    throw new Error(`no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

function capture(name: string, text: string): void {
  if (process.env.OPS_CAPTURE_DIR) writeFileSync(join(process.env.OPS_CAPTURE_DIR, name), text);
}

async function object(href: string): Promise<RemoteObject | null> {
  return reader.get(href);
}

/** Moves an object the way a calendar app or a careless script would: same data, new place. */
async function relocate(from: string, to: string): Promise<void> {
  const found = (await object(from))!;
  await reader.delete(from, found.etag);
  await reader.create(to, found.data);
}

describe('uid-check', () => {
  it('finds nothing wrong in calendars that only sync has written', async () => {
    const run = await uidCheck();
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      schemaVersion: 1,
      ok: true,
      problems: [],
      remaining: 0,
      scanned: { calendars: 2, objects: 6 },
    });
  });

  it('reports each kind of damage; --fix --dry-run shows the repairs and writes nothing; --fix repairs only what it owns', async () => {
    // The damage.
    await relocate(canonical(webCal, issues.renamed!), `${webCal.url}renamed-by-an-app.ics`);
    await reader.create(canonical(apiCal, issues.copied!), (await object(canonical(webCal, issues.copied!)))!.data);
    await relocate(canonical(apiCal, issues.strayed!), canonical(webCal, issues.strayed!));
    plane.deleteIssue(issues.gone!.id);
    plane.updateIssue(issues.undated!.id, { target_date: null });
    await reader.create(`${webCal.url}broken.ics`, LOOKALIKE);
    await reader.create(`${webCal.url}meeting.ics`, FOREIGN);
    const foreignBefore = (await object(`${webCal.url}meeting.ics`))!;
    const lookalikeBefore = (await object(`${webCal.url}broken.ics`))!;

    const found = await uidCheck();
    capture('uid-check.json', found.stdout);
    expect(found.code).toBe(1);
    expect(found.json.ok).toBe(false);
    const kinds = found.json.problems.map((p) => `${p.kind}${p.reason ? `/${p.reason}` : ''} ${p.uid}`).sort();
    expect(kinds).toEqual(
      [
        `duplicate/other-calendar ${uidForIssue(issues.copied!.id)}`,
        `href-mismatch ${uidForIssue(issues.renamed!.id)}`,
        'malformed-uid plane-issue-not-a-uuid@calplanebot',
        `orphan/issue-gone ${uidForIssue(issues.gone!.id)}`,
        `orphan/no-target-date ${uidForIssue(issues.undated!.id)}`,
        `orphan/wrong-project ${uidForIssue(issues.strayed!.id)}`,
      ].sort(),
    );
    const duplicate = found.json.problems.find((p) => p.kind === 'duplicate')!;
    expect(duplicate).toMatchObject({
      calendar: seen(apiCal.url),
      hrefs: [seen(canonical(webCal, issues.copied!)), seen(canonical(apiCal, issues.copied!))],
    });
    expect(found.json.problems.find((p) => p.kind === 'malformed-uid')).toMatchObject({
      hrefs: [seen(`${webCal.url}broken.ics`)],
      fixes: [],
    });
    expect(found.stderr).toMatch(/6 problem\(s\).*uid-check --fix --dry-run/);

    const human = await runCli(['--config', config, 'uid-check']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^Plane: Website /m);
    expect(human.stdout).toMatch(/^ {2}href-mismatch +plane-issue-/m);
    expect(human.stdout).toMatch(/malformed-uid +plane-issue-not-a-uuid@calplanebot: .*not owned, left alone/);
    expect(human.stdout).toMatch(/^uid-check: 6 problem\(s\) in 2 calendar\(s\)/m);

    dav.reset();
    const dry = await uidCheck('--fix', '--dry-run');
    expect(dry.code).toBe(1);
    expect(dav.requests.filter((r) => WRITES.includes(r.method))).toEqual([]);
    expect(dry.json.fixes).toMatchObject({ dryRun: true });
    expect(dry.json.fixes!.actions).toContainEqual({
      op: 'move',
      from: seen(canonical(webCal, issues.strayed!)),
      to: seen(canonical(apiCal, issues.strayed!)),
    });
    const humanDry = await runCli(['--config', config, 'uid-check', '--fix', '--dry-run']);
    expect(humanDry.stdout).toContain(`would delete ${seen(canonical(apiCal, issues.copied!))}`);
    expect(dav.requests.filter((r) => WRITES.includes(r.method))).toEqual([]);

    // Someone edits the gone issue's event between the scan and its repair: If-Match keeps it.
    const goneHref = canonical(webCal, issues.gone!);
    dav.inject(
      { method: 'DELETE', pathIncludes: issues.gone!.id },
      {
        before: async () => {
          const current = (await object(goneHref))!;
          await reader.update(goneHref, current.data.replace('SUMMARY:', 'SUMMARY:Edited '), current.etag);
        },
      },
      { times: 1 },
    );
    dav.reset();
    const fixed = await uidCheck('--fix');
    expect(fixed.code).toBe(1); // the malformed look-alike and the edited orphan remain
    expect(fixed.json.remaining).toBe(2);
    expect(fixed.json.fixes!.actions).toContainEqual(
      expect.objectContaining({ op: 'delete', href: seen(goneHref), ok: false, error: expect.stringContaining('412') }),
    );
    expect(fixed.stderr).toMatch(/could not delete .*412/);
    expect((await object(goneHref))?.data).toContain('SUMMARY:Edited ');
    // Every write was conditional and on an owned object; nothing else was touched.
    const writes = dav.requests.filter((r) => WRITES.includes(r.method));
    expect(writes.map((r) => r.method).sort()).toEqual([
      'DELETE',
      'DELETE',
      'DELETE',
      'DELETE',
      'DELETE',
      'PUT',
      'PUT',
    ]);
    for (const write of writes) {
      // A delete names the ETag it read; a PUT here only ever creates (the new copy of a move).
      if (write.method === 'DELETE')
        expect(write.headers['if-match'], `${write.method} ${write.path}`).toMatch(/^"?[^"]+"?$/);
      else expect(write.headers['if-none-match'], `${write.method} ${write.path}`).toBe('*');
    }
    const touched = writes.map((r) => decodeURIComponent(r.path));
    expect(
      touched.every((path) => /plane-issue-[0-9a-f-]{36}@calplanebot\.ics$|renamed-by-an-app\.ics$/.test(path)),
    ).toBe(true);
    expect((await object(`${webCal.url}meeting.ics`))?.etag).toBe(foreignBefore.etag);
    expect((await object(`${webCal.url}broken.ics`))?.etag).toBe(lookalikeBefore.etag);

    // The repairs: at the right href, in the right calendar, once.
    expect(await object(`${webCal.url}renamed-by-an-app.ics`)).toBeNull();
    expect(await object(canonical(webCal, issues.renamed!))).not.toBeNull();
    expect(await object(canonical(apiCal, issues.copied!))).toBeNull();
    expect(await object(canonical(webCal, issues.copied!))).not.toBeNull();
    expect(await object(canonical(webCal, issues.strayed!))).toBeNull();
    expect(await object(canonical(apiCal, issues.strayed!))).not.toBeNull();
    expect(await object(canonical(webCal, issues.undated!))).toBeNull();

    // Run again: the edited orphan goes now; only the look-alike, which is not ours, stays.
    const again = await uidCheck('--fix');
    expect(again.json.remaining).toBe(1);
    expect(again.json.problems.map((p) => p.kind)).toEqual(['malformed-uid', 'orphan']);
    expect(again.stderr).toMatch(/1 problem\(s\) remain in the managed calendars.*calendar app/);
    expect(await object(goneHref)).toBeNull();
    expect((await object(`${webCal.url}broken.ics`))?.etag).toBe(lookalikeBefore.etag);

    // And sync agrees: nothing left to do.
    const sync = await runCli(['--config', config, '--json', 'sync']);
    expect(sync.code, sync.stderr).toBe(0);
    expect((JSON.parse(sync.stdout) as RunReport).totals).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  it('--project: an event of an unselected project found in a selected calendar is moved home (alarms kept), not deleted', async () => {
    const strayed = plane.addIssue(web.id, { name: 'strayed from WEB', target_date: '2025-12-22' });
    const synced = await runCli(['--config', config, 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const home = canonical(webCal, strayed);
    const withAlarm = (await object(home))!.data.replace(
      'END:VEVENT',
      'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:added by an app\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT',
    );
    await reader.delete(home, (await object(home))!.etag);
    await reader.create(canonical(apiCal, strayed), withAlarm);

    const fixed = await uidCheck('--fix', '--project', 'API');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.json.problems).toMatchObject([
      { kind: 'orphan', reason: 'wrong-project', calendar: seen(apiCal.url) },
    ]);
    expect(fixed.json.fixes!.actions).toEqual([
      { op: 'move', from: seen(canonical(apiCal, strayed)), to: seen(home), ok: true, skipped: false, error: null },
    ]);
    expect(fixed.json.scanned.calendars).toBe(1); // WEB's calendar was read for reference, not checked
    expect(await object(canonical(apiCal, strayed))).toBeNull();
    expect((await object(home))?.data).toContain('DESCRIPTION:added by an app');
  });

  it('--project limits the calendars checked', async () => {
    const run = await uidCheck('--project', 'API');
    expect(run.code).toBe(0);
    expect(run.json.scanned.calendars).toBe(1);
    const all = await uidCheck();
    expect(all.json.problems.map((p) => p.kind)).toEqual(['malformed-uid']);
  });
});
