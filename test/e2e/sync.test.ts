/**
 * The built CLI, as a child process, against a real Radicale and the fake Plane. Each scenario
 * works on its own project (so its own calendar) and limits the run with --project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import type { RunReport } from '../../src/sync/report.js';
import { type CliResult, runCli, runJson, writeConfig } from '../support/cli.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let config: string;
let reader: DavCalendarStore;

const WRITE_METHODS = ['PUT', 'DELETE', 'MKCALENDAR', 'PROPPATCH', 'MKCOL', 'MOVE', 'COPY'];

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 7 });
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
  // Reads the calendars straight from Radicale, not through the proxy, so it never counts.
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

function cli(...args: string[]): Promise<CliResult & { report: RunReport }> {
  return runJson(config, ...args);
}

async function calendarOf(project: FakeProject): Promise<CalendarRef> {
  const found = (await reader.listCalendars()).find((c) => c.url.includes(`plane-${project.id}/`));
  if (!found) throw new Error(`no calendar for ${project.identifier}`);
  return found;
}

async function objectsOf(project: FakeProject): Promise<RemoteObject[]> {
  return reader.list(await calendarOf(project));
}

async function eventFor(project: FakeProject, issueId: string): Promise<RemoteObject | undefined> {
  return (await objectsOf(project)).find((o) => o.data.includes(`UID:plane-issue-${issueId}@calplanebot`));
}

function writesSince(): string[] {
  return dav.requests.filter((r) => WRITE_METHODS.includes(r.method)).map((r) => `${r.method} ${r.path}`);
}

let projectCounter = 0;
function newProject(name: string): FakeProject {
  projectCounter += 1;
  return plane.addProject({ name, identifier: `P${projectCounter}` });
}

describe('sync, end to end', () => {
  it('first sync creates the project calendar and one event per dated issue; the second writes nothing', async () => {
    const project = newProject('Web Application');
    const dated = plane.addIssue(project.id, {
      name: 'Implement login',
      target_date: '2025-12-27',
      priority: 'high',
      labels: ['backend', 'security'],
      assignees: [],
      state: 'In Progress',
    });
    plane.addIssue(project.id, { name: 'Second', target_date: '2026-01-15' });
    plane.addIssue(project.id, { name: 'No date', target_date: null });

    const first = await cli('sync', '--project', project.identifier);
    expect(first.code, first.stderr).toBe(0);
    const p = first.report.projects[0]!;
    expect(p).toMatchObject({
      identifier: project.identifier,
      calendarCreated: true,
      created: 2,
      skipped: 1,
      failed: 0,
    });

    const calendar = await calendarOf(project);
    expect(calendar.displayName).toBe('Plane: Web Application');
    const event = await eventFor(project, dated.id);
    expect(event?.data).toContain(`SUMMARY:[${dated.sequence_id}] Implement login`);
    expect(event?.data).toMatch(/DTSTART;VALUE=DATE:20251227/);
    expect(event?.data).toMatch(/DTEND;VALUE=DATE:20251228/);
    expect(event?.data).toContain('CATEGORIES:backend,security');
    expect(event?.data).toContain('COLOR:darkorange');
    expect(decodeURIComponent(event?.href ?? '')).toMatch(new RegExp(`/plane-issue-${dated.id}@calplanebot\\.ics$`));

    dav.reset();
    plane.resetRequests();
    const second = await cli('sync', '--project', project.identifier);
    expect(second.code).toBe(0);
    expect(second.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(writesSince()).toEqual([]);
    // The minimum: one projects page and one issues page from Plane; discovery, one calendar list and one listing from CalDAV.
    expect(plane.requests.map((r) => r.path.replace(/[0-9a-f-]{36}/g, ':id'))).toEqual([
      '/api/v1/workspaces/acme/projects/',
      '/api/v1/workspaces/acme/projects/:id/work-items/',
    ]);
    expect(second.report.requests.plane).toBe(2);
    expect(second.report.requests.caldav).toBe(dav.requests.length);
    // Discovery (the principal; then its calendar home, which on Radicale is the principal, so the
    // same Depth-1 PROPFIND lists the calendars), and one listing of the one calendar.
    expect(dav.requests.map((r) => r.method)).toEqual(['PROPFIND', 'PROPFIND', 'REPORT']);
  });

  it('follows renames, date moves, completion, date removal, deletion, archiving and new issues', async () => {
    const project = newProject('Lifecycle');
    const renamed = plane.addIssue(project.id, { name: 'Old name', target_date: '2025-12-01' });
    const moved = plane.addIssue(project.id, { name: 'Moves', target_date: '2025-12-27' });
    const completed = plane.addIssue(project.id, { name: 'Gets done', target_date: '2025-12-02' });
    const undated = plane.addIssue(project.id, { name: 'Loses its date', target_date: '2025-12-03' });
    const deleted = plane.addIssue(project.id, { name: 'Deleted', target_date: '2025-12-04' });
    const archived = plane.addIssue(project.id, { name: 'Archived', target_date: '2025-12-05' });
    expect((await cli('sync', '--project', project.identifier)).report.totals.created).toBe(6);

    plane.updateIssue(renamed.id, { name: 'New name' });
    plane.updateIssue(moved.id, { target_date: '2025-12-30' });
    plane.updateIssue(completed.id, { state: 'Done' });
    plane.updateIssue(undated.id, { target_date: null });
    plane.deleteIssue(deleted.id);
    plane.archiveIssue(archived.id);
    const fresh = plane.addIssue(project.id, { name: 'Brand new', target_date: '2026-02-01' });

    const run = await cli('sync', '--project', project.identifier);
    expect(run.code, run.stderr).toBe(0);
    const byIssue = Object.fromEntries(run.report.projects[0]!.changes.map((c) => [c.issueId, c]));
    expect(byIssue[renamed.id]?.fields).toContainEqual({
      field: 'summary',
      from: `[${renamed.sequence_id}] Old name`,
      to: `[${renamed.sequence_id}] New name`,
    });
    expect(byIssue[moved.id]?.fields).toContainEqual({ field: 'target_date', from: '2025-12-27', to: '2025-12-30' });
    expect(byIssue[completed.id]?.fields).toContainEqual({ field: 'status', from: 'CONFIRMED', to: 'CANCELLED' });
    expect(byIssue[undated.id]?.op).toBe('delete');
    expect(byIssue[deleted.id]?.op).toBe('delete');
    expect(byIssue[archived.id]?.op).toBe('delete');
    expect(byIssue[fresh.id]?.op).toBe('create');
    expect(run.report.totals).toMatchObject({ created: 1, updated: 3, deleted: 3, failed: 0 });

    expect((await eventFor(project, completed.id))?.data).toContain('STATUS:CANCELLED');
    expect((await eventFor(project, moved.id))?.data).toContain('DTSTART;VALUE=DATE:20251230');
    expect(await eventFor(project, deleted.id)).toBeUndefined();
    expect((await objectsOf(project)).length).toBe(4);

    dav.reset();
    expect((await cli('sync', '--project', project.identifier)).report.totals).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 4,
    });
    expect(writesSince()).toEqual([]);
  });

  it('never touches a foreign event, and keeps a VALARM a calendar app added across an update', async () => {
    const project = newProject('Shared calendar');
    const issue = plane.addIssue(project.id, { name: 'Has an alarm', target_date: '2025-12-10' });
    await cli('sync', '--project', project.identifier);
    const calendar = await calendarOf(project);

    const foreignHref = `${calendar.url}dentist.ics`;
    const foreign =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//Mac OS X//EN\r\nBEGIN:VEVENT\r\nUID:dentist-42@icloud.com\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20251210\r\nDTEND;VALUE=DATE:20251211\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    await reader.create(foreignHref, foreign);
    // A look-alike UID that is not ours (not a UUID): must be left alone too.
    await reader.create(
      `${calendar.url}lookalike.ics`,
      foreign.replace('dentist-42@icloud.com', 'plane-issue-not-a-uuid@calplanebot'),
    );
    const foreignBefore = await reader.get(foreignHref);

    const ours = (await eventFor(project, issue.id))!;
    const withAlarm = ours.data.replace(
      'END:VEVENT',
      'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nEND:VEVENT',
    );
    await reader.update(ours.href, withAlarm, ours.etag);

    plane.updateIssue(issue.id, { name: 'Has an alarm, renamed' });
    const run = await cli('sync', '--project', project.identifier);
    expect(run.report.totals).toMatchObject({ updated: 1, deleted: 0, created: 0 });
    expect(run.report.projects[0]!.foreign).toBe(2);

    const after = (await eventFor(project, issue.id))!;
    expect(after.data).toContain('Has an alarm\\, renamed'); // TEXT escaping of the comma
    expect(after.data).toContain('BEGIN:VALARM');
    expect(after.data).toContain('TRIGGER:-PT15M');
    expect(after.data).toContain('X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC');
    const foreignAfter = await reader.get(foreignHref);
    expect(foreignAfter?.etag).toBe(foreignBefore?.etag);
    expect(foreignAfter?.data).toBe(foreignBefore?.data);
    expect(await reader.get(`${calendar.url}lookalike.ics`)).not.toBeNull();
  });

  it('a failed Plane listing deletes nothing and exits 3', async () => {
    const project = newProject('Flaky');
    plane.addIssue(project.id, { name: 'Stays', target_date: '2025-12-11' });
    await cli('sync', '--project', project.identifier);

    plane.failNext({ pathIncludes: `/projects/${project.id}/work-items/` }, { status: 500, times: 10 });
    const run = await cli('sync', '--project', project.identifier);
    expect(run.code).toBe(3);
    expect(run.report.projects[0]!.errors[0]).toMatchObject({ operation: 'list-issues', status: 500 });
    expect(run.report.totals.deleted).toBe(0);
    expect(run.stderr).toMatch(/list-issues failed/);
    expect((await objectsOf(project)).length).toBe(1);
  });

  it('refuses a mass deletion (exit 3, events kept) unless --allow-mass-delete', async () => {
    const project = newProject('Mass delete');
    const issues = Array.from({ length: 12 }, (_, i) =>
      plane.addIssue(project.id, { name: `Task ${i}`, target_date: '2025-12-12' }),
    );
    await cli('sync', '--project', project.identifier);
    for (const issue of issues.slice(0, 8)) plane.deleteIssue(issue.id);

    const refused = await cli('sync', '--project', project.identifier);
    expect(refused.code).toBe(3);
    expect(refused.report.projects[0]!.withheldDeletes).toEqual({ reason: 'mass-delete', count: 8 });
    expect(refused.stderr).toContain('--allow-mass-delete');
    expect((await objectsOf(project)).length).toBe(12);

    const allowed = await cli('sync', '--project', project.identifier, '--allow-mass-delete');
    expect(allowed.code).toBe(0);
    expect(allowed.report.totals.deleted).toBe(8);
    expect((await objectsOf(project)).length).toBe(4);
  });

  it('diff writes nothing at all, and --exit-code says whether changes are pending', async () => {
    const project = newProject('Dry run');
    const issue = plane.addIssue(project.id, { name: 'Planned', target_date: '2025-12-13' });

    dav.reset();
    const pendingCalendar = await cli('diff', '--project', project.identifier, '--exit-code');
    expect(pendingCalendar.code).toBe(5);
    expect(pendingCalendar.report).toMatchObject({ dryRun: true, totals: { created: 1 } });
    expect(pendingCalendar.report.projects[0]!.calendarCreated).toBe(true);
    expect(writesSince()).toEqual([]);
    expect((await reader.listCalendars()).some((c) => c.url.includes(project.id))).toBe(false);

    await cli('sync', '--project', project.identifier);
    plane.updateIssue(issue.id, { target_date: '2025-12-20' });
    plane.addIssue(project.id, { name: 'Another', target_date: '2025-12-21' });
    dav.reset();
    const pending = await cli('diff', '--project', project.identifier, '--exit-code');
    expect(pending.code).toBe(5);
    expect(pending.report.totals).toMatchObject({ created: 1, updated: 1 });
    expect(pending.report.projects[0]!.changes.every((c) => !c.applied)).toBe(true);
    expect(writesSince()).toEqual([]);

    const human = await runCli(['--config', config, 'diff', '--project', project.identifier]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('target_date 2025-12-13 → 2025-12-20');
    expect(writesSince()).toEqual([]);

    await cli('sync', '--project', project.identifier);
    expect((await cli('diff', '--project', project.identifier, '--exit-code')).code).toBe(0);
  });

  it('a calendar made by hand with the templated name is adopted, marked, and follows a project rename: no second calendar', async () => {
    const project = newProject('Hand Made');
    const home = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
    const byHand = await reader.createCalendar(`${home}my-hand-made-${projectCounter}/`, 'Plane: Hand Made');
    const first = plane.addIssue(project.id, { name: 'One', target_date: '2026-01-10' });
    const second = plane.addIssue(project.id, { name: 'Two', target_date: '2026-01-11' });
    const viaProxy = byHand.url.replace(radicale.url, dav.url);

    const adopted = await cli('sync', '--project', project.identifier);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.report.projects[0]).toMatchObject({
      calendarUrl: viaProxy,
      calendarCreated: false,
      calendarRenamed: null,
      created: 2,
    });
    // Radicale keeps calplanebot's dead property, and the calendar list reads it back.
    expect((await reader.listCalendars()).find((c) => c.url === byHand.url)?.projectId).toBe(project.id);

    plane.renameProject(project.id, 'Hand Made v2');
    const renamed = await cli('sync', '--project', project.identifier);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.report.projects[0]).toMatchObject({
      calendarUrl: viaProxy,
      calendarCreated: false,
      calendarRenamed: { from: 'Plane: Hand Made', to: 'Plane: Hand Made v2' },
      deleted: 0,
      created: 0,
    });
    const calendars = await reader.listCalendars();
    expect(
      calendars
        .filter((c) => c.displayName.startsWith('Plane: Hand Made') || c.url.includes(project.id))
        .map((c) => [c.url, c.displayName]),
    ).toEqual([[byHand.url, 'Plane: Hand Made v2']]);
    const uids = (await reader.list(byHand)).map((o) => /^UID:(.*)\r$/m.exec(o.data)?.[1]).sort();
    expect(uids).toEqual([first.id, second.id].map((id) => `plane-issue-${id}@calplanebot`).sort());

    dav.reset();
    const again = await cli('sync', '--project', project.identifier);
    expect(again.report.projects[0]).toMatchObject({
      calendarUrl: viaProxy,
      calendarRenamed: null,
      created: 0,
      updated: 0,
      deleted: 0,
    });
    expect(writesSince()).toEqual([]);
  });

  it('diff --exit-code counts a calendar to create or to rename as a pending change', async () => {
    const project = newProject('Calendar Only');
    plane.addIssue(project.id, { name: 'No date yet', target_date: null });

    const missing = await cli('diff', '--project', project.identifier, '--exit-code');
    expect(missing.code, missing.stderr).toBe(5);
    expect(missing.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(missing.report.projects[0]).toMatchObject({ calendarCreated: true, calendarRenamed: null });
    const human = await runCli(['--config', config, 'diff', '--project', project.identifier]);
    expect(human.stdout).toContain(`${project.identifier} Calendar Only (calendar would be created)`);
    expect(human.stdout).toMatch(/diff: 1 calendar\(s\) to create or rename;/);

    expect((await cli('sync', '--project', project.identifier)).code).toBe(0);
    expect((await cli('diff', '--project', project.identifier, '--exit-code')).code).toBe(0);

    plane.renameProject(project.id, 'Calendar Only v2');
    dav.reset();
    const rename = await cli('diff', '--project', project.identifier, '--exit-code');
    expect(rename.code, rename.stderr).toBe(5);
    expect(rename.report.projects[0]).toMatchObject({
      calendarCreated: false,
      calendarRenamed: { from: 'Plane: Calendar Only', to: 'Plane: Calendar Only v2' },
    });
    expect(writesSince()).toEqual([]);
    const humanRename = await runCli(['--config', config, 'diff', '--project', project.identifier]);
    expect(humanRename.stdout).toContain(
      '(calendar would be renamed "Plane: Calendar Only" → "Plane: Calendar Only v2")',
    );

    expect((await cli('sync', '--project', project.identifier)).report.projects[0]!.calendarRenamed).toEqual({
      from: 'Plane: Calendar Only',
      to: 'Plane: Calendar Only v2',
    });
    expect((await cli('diff', '--project', project.identifier, '--exit-code')).code).toBe(0);
    expect((await calendarOf(project)).displayName).toBe('Plane: Calendar Only v2');
  });

  it('writes the same bytes whatever the time zone of the machine', async () => {
    const project = newProject('Time zones');
    // Dates where a local-time Date would slip a day: year ends, a leap day, a month end.
    const dates = ['2025-12-31', '2026-01-01', '2028-02-29', '2026-03-31'];
    const issues = dates.map((date, i) => plane.addIssue(project.id, { name: `Midnight ${i}`, target_date: date }));
    const storedBytes = async (): Promise<string[]> =>
      (await objectsOf(project)).sort((a, b) => a.href.localeCompare(b.href)).map((o) => o.data);
    const syncUnder = async (TZ: string): Promise<void> => {
      const run = await runCli(['--json', '--config', config, 'sync', '--project', project.identifier], {
        env: { TZ },
      });
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as RunReport).totals).toMatchObject({ created: dates.length, failed: 0 });
    };

    await syncUnder('Pacific/Kiritimati'); // UTC+14
    const east = await storedBytes();
    expect(east).toHaveLength(dates.length);
    const first = (await eventFor(project, issues[0]!.id))!;
    expect(first.data).toContain('DTSTART;VALUE=DATE:20251231');
    expect(first.data).toContain('DTEND;VALUE=DATE:20260101');

    // Remove the events behind calplanebot's back, so the next sync writes them all again.
    for (const object of await objectsOf(project)) await reader.delete(object.href, object.etag);
    expect(await objectsOf(project)).toEqual([]);

    await syncUnder('Pacific/Pago_Pago'); // UTC−11: 25 hours behind
    expect(await storedBytes()).toEqual(east);
  });

  it('human output is quiet under --quiet when nothing changed, and lists changes otherwise', async () => {
    const project = newProject('Quiet');
    plane.addIssue(project.id, { name: 'Q', target_date: '2025-12-14' });
    const loud = await runCli(['--config', config, 'sync', '--project', project.identifier]);
    expect(loud.stdout).toMatch(/\+ \[\d+\] Q 2025-12-14/);
    const quiet = await runCli(['--config', config, '--quiet', 'sync', '--project', project.identifier]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
  });

  it('an unknown --project is a usage error (exit 2) that lists the known ones', async () => {
    const run = await runCli(['--config', config, 'sync', '--project', 'NOPE']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown project "NOPE".*P1/s);
  });
});

describe('failures a cron job must explain', () => {
  it('a wrong CalDAV password exits 1, says to check the credentials, and never prints the password', async () => {
    const bad = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: radicale.url,
      username: 'alice',
      password: 'not-the-password-QX7',
    });
    const run = await runCli(['--config', bad, 'sync']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/check the CalDAV credentials/);
    expect(run.stderr + run.stdout).not.toContain('not-the-password-QX7');
  });

  it('a wrong Plane key exits 1, says to check the key, and never prints it', async () => {
    const bad = writeConfig({
      planeUrl: plane.url,
      apiKey: 'plane_api_wrongwrongwrong',
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: radicale.url,
      username: 'alice',
      password: radicale.users[0]!.password,
    });
    const run = await runCli(['--config', bad, '--json', 'sync']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Plane API key/);
    expect(run.stderr + run.stdout).not.toContain('wrongwrongwrong');
    expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, error: { exitCode: 1 } });
  });

  it('an unreachable CalDAV server exits 1 with the host to check', async () => {
    const bad = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: 'http://127.0.0.1:9/',
      username: 'alice',
      password: 'x-password-1',
    });
    const run = await runCli(['--config', bad, 'sync']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/127\.0\.0\.1:9/);
  });

  it('a config error exits 2 naming the key and the file', async () => {
    const bad = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: radicale.url,
      username: 'alice',
      password: 'pw-12345',
      extra: { sync: { maxDeletePercent: 'fifty' } },
    });
    const run = await runCli(['--config', bad, 'sync']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sync.maxDeletePercent');
    expect(run.stderr).toContain(bad);
  });
});
