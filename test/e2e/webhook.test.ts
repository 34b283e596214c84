/**
 * `handle-webhook`, the built CLI as a child process, against a real Radicale and the fake Plane.
 * The fake serializes and signs bodies exactly as Plane does (json.dumps bytes, HMAC over them);
 * the body goes to the CLI on stdin and the headers as options, as a receiver would pass them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { CalendarRef, RemoteObject } from '../../src/caldav/store.js';
import { objectNameForUid, uidForIssue } from '../../src/event/uid.js';
import type { WebhookReport } from '../../src/webhook/handle.js';
import { type CliResult, runCli, scratchDir, writeConfig } from '../support/cli.js';
import {
  type FakeIssue,
  type FakePlane,
  type FakeProject,
  signWebhook,
  startFakePlane,
  type WebhookDelivery,
} from '../support/fake-plane.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy, WRITE_METHODS } from '../support/recording-proxy.js';

const SECRET = 'plane_wh_5f1d0c9e8b7a69584736251403f2e1d0';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let config: string;
let reader: DavCalendarStore;
let homeUrl: string;

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 11 });
  dav = await startRecordingProxy(radicale.url);
  config = configWith({ webhook: { secret: SECRET } });
  reader = directStore(radicale);
  homeUrl = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

function configWith(extra: Record<string, unknown>): string {
  const user = radicale.users[0]!;
  return writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: dav.url,
    username: user.username,
    password: user.password,
    extra,
  });
}

interface Delivered extends CliResult {
  json: unknown;
  report: WebhookReport;
}

/** Pipes the body to `handle-webhook --json`, the headers as options, like the receiver does. */
async function deliver(
  delivery: WebhookDelivery,
  options: { config?: string; signature?: string; json?: boolean; env?: Record<string, string> } = {},
): Promise<Delivered> {
  const headers = delivery.headers;
  const args = [
    ...(options.json === false ? [] : ['--json']),
    '--config',
    options.config ?? config,
    'handle-webhook',
    `--signature=${options.signature ?? headers['X-Plane-Signature'] ?? ''}`,
    `--event=${headers['X-Plane-Event'] ?? ''}`,
    `--delivery=${headers['X-Plane-Delivery'] ?? ''}`,
  ];
  dav.reset();
  plane.resetRequests();
  const result = await runCli(args, { stdin: Buffer.from(delivery.body, 'utf8'), env: options.env });
  let json: unknown;
  try {
    json = options.json === false ? undefined : JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { ...result, json, report: json as WebhookReport };
}

function issueDelivery(
  action: 'created' | 'updated' | 'deleted' | 'create' | 'update' | 'delete',
  issue: FakeIssue,
  field?: string,
): WebhookDelivery {
  return plane.webhookDelivery('issue', action, issue.id, {
    secret: SECRET,
    deliveryId: randomUUID(),
    activity: field ? { field } : {},
  });
}

function writes(): string[] {
  return dav.requests
    .filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
}

function davMethods(): string[] {
  return dav.requests.map((r) => r.method);
}

let counter = 0;
function newProject(name: string): FakeProject {
  counter += 1;
  return plane.addProject({ name, identifier: `WH${counter}` });
}

async function calendarOf(project: FakeProject): Promise<CalendarRef | undefined> {
  return (await reader.listCalendars()).find((c) => c.url.endsWith(`/plane-${project.id}/`));
}

async function eventOf(project: FakeProject, issueId: string): Promise<RemoteObject | null> {
  return reader.get(`${homeUrl}plane-${project.id}/${objectNameForUid(uidForIssue(issueId))}`);
}

/** A project whose calendar holds the issue's event already (made by one created delivery). */
async function projectWithEvent(name: string, input: Parameters<FakePlane['addIssue']>[1] = {}) {
  const project = newProject(name);
  const issue = plane.addIssue(project.id, { name: 'Seeded', target_date: '2026-03-01', ...input });
  const seeded = await deliver(issueDelivery('created', issue));
  expect(seeded.code, seeded.stderr).toBe(0);
  expect(await eventOf(project, issue.id)).not.toBeNull();
  return { project, issue };
}

describe('handle-webhook: issue deliveries', () => {
  it('created: makes the project calendar and the event, and reports the delivery', async () => {
    const project = newProject('Webhooks Created');
    const issue = plane.addIssue(project.id, {
      name: 'Ship the hook',
      target_date: '2026-02-14',
      priority: 'urgent',
      labels: ['infra'],
    });
    const delivery = issueDelivery('created', issue);

    const result = await deliver(delivery);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).toMatchObject({
      schemaVersion: 1,
      dryRun: false,
      totals: { created: 1, updated: 0, deleted: 0, failed: 0 },
      webhook: {
        event: 'issue',
        action: 'created',
        id: issue.id,
        deliveryId: delivery.headers['X-Plane-Delivery'],
        nothingToDo: null,
      },
    });
    expect(result.report.projects).toHaveLength(1);
    expect(result.report.projects[0]).toMatchObject({
      id: project.id,
      identifier: project.identifier,
      calendarCreated: true,
      created: 1,
    });
    expect(result.report.projects[0]!.changes[0]).toMatchObject({ op: 'create', issueId: issue.id, applied: true });

    expect((await calendarOf(project))?.displayName).toBe('Plane: Webhooks Created');
    const event = await eventOf(project, issue.id);
    expect(event?.data).toContain(`SUMMARY:[${issue.sequence_id}] Ship the hook`);
    expect(event?.data).toContain('DTSTART;VALUE=DATE:20260214');
    expect(event?.data).toContain('COLOR:red');
    expect(event?.data).toContain('CATEGORIES:infra');
    expect(result.report.requests.caldav).toBe(dav.requests.length);
    expect(result.report.requests.plane).toBe(plane.requests.length);
  });

  it('updated: one Plane GET, one CalDAV GET and one PUT (plus discovery) bring the event up to date', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Updated');
    plane.updateIssue(issue.id, { target_date: '2026-03-05' });

    const result = await deliver(issueDelivery('updated', issue, 'target_date'));
    expect(result.code, result.stderr).toBe(0);
    const change = result.report.projects[0]!.changes[0]!;
    expect(change).toMatchObject({ op: 'update', applied: true });
    expect(change.fields).toContainEqual({ field: 'target_date', from: '2026-03-01', to: '2026-03-05' });
    expect((await eventOf(project, issue.id))?.data).toContain('DTSTART;VALUE=DATE:20260305');

    // The request budget of one update delivery, by method.
    expect(plane.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`)).toEqual([
      'GET /api/v1/workspaces/acme/projects/:id/work-items/:id/',
    ]);
    expect(plane.requests[0]!.query.expand).toBe('state,labels,assignees,project');
    const byMethod = dav.countByMethod();
    expect(byMethod).toMatchObject({ GET: 1, PUT: 1 });
    expect(byMethod.PROPFIND ?? 0).toBeLessThanOrEqual(2); // discovery: principal, calendar home (none once cached)
    expect(Object.keys(byMethod).sort()).toEqual(byMethod.PROPFIND ? ['GET', 'PROPFIND', 'PUT'] : ['GET', 'PUT']);
    expect(result.report.requests).toEqual({ plane: 1, caldav: dav.requests.length });
    expect(result.report.requests.plane + result.report.requests.caldav).toBeLessThanOrEqual(5);
  });

  it('with the discovery cache warm (an earlier run in the same state dir), an update costs 3 requests', async () => {
    const state = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'calplanebot-webhook-state-')) };
    const project = newProject('Webhooks Cached');
    const issue = plane.addIssue(project.id, { name: 'Cached', target_date: '2026-03-01' });
    expect((await deliver(issueDelivery('created', issue), { env: state })).code).toBe(0);
    plane.updateIssue(issue.id, { target_date: '2026-03-06' });

    const result = await deliver(issueDelivery('updated', issue, 'target_date'), { env: state });
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.totals.updated).toBe(1);
    expect(davMethods()).toEqual(['GET', 'PUT']); // no discovery, no calendar listing
    expect(plane.requests).toHaveLength(1);
    expect(result.report.requests).toEqual({ plane: 1, caldav: 2 });
    rmSync(state.XDG_STATE_HOME, { recursive: true, force: true });
  });

  it('accepts the older action spellings (create, update, delete)', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Old Spelling');
    plane.updateIssue(issue.id, { name: 'Renamed' });
    const updated = await deliver(issueDelivery('update', issue, 'name'));
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.report.webhook.action).toBe('updated');
    expect((await eventOf(project, issue.id))?.data).toContain(`SUMMARY:[${issue.sequence_id}] Renamed`);

    const fresh = plane.addIssue(project.id, { name: 'Fresh', target_date: '2026-04-01' });
    expect((await deliver(issueDelivery('create', fresh))).report.totals.created).toBe(1);

    const gone = issueDelivery('delete', issue);
    plane.deleteIssue(issue.id);
    const deleted = await deliver(gone);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.report.webhook.action).toBe('deleted');
    expect(await eventOf(project, issue.id)).toBeNull();
  });

  it('field-by-field deliveries of one PATCH: the first writes, the second finds nothing to do', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Duplicates');
    // One PATCH of {state, target_date}: Plane sends one delivery per field, each with the full object.
    plane.updateIssue(issue.id, { state: 'Done', target_date: '2026-03-09' });
    const byState = issueDelivery('updated', issue, 'state');
    const byDate = issueDelivery('updated', issue, 'target_date');
    expect(byState.body).not.toBe(byDate.body);

    const first = await deliver(byState);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.totals).toMatchObject({ updated: 1, unchanged: 0 });
    expect(first.report.projects[0]!.changes[0]!.fields.map((f) => f.field).sort()).toEqual([
      'description',
      'dtend',
      'status',
      'target_date',
    ]); // the state's name is in the description
    expect(writes()).toHaveLength(1);
    const afterFirst = await eventOf(project, issue.id);

    const second = await deliver(byDate);
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 1 });
    expect(writes()).toEqual([]);
    expect(davMethods().filter((m) => m !== 'PROPFIND')).toEqual(['GET']);
    const afterSecond = await eventOf(project, issue.id);
    expect(afterSecond?.etag).toBe(afterFirst?.etag);
    expect(afterSecond?.data).toContain('STATUS:CANCELLED');
  });

  it('an update whose re-fetch answers 404 (deleted, archived, draft) deletes the owned event', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Refetch');
    const archived = plane.addIssue(project.id, { name: 'To archive', target_date: '2026-03-02' });
    expect((await deliver(issueDelivery('created', archived))).code).toBe(0);

    // The bodies are made while the issues exist (Plane sends nothing after a hard delete), then they go.
    const stale = issueDelivery('updated', issue, 'name');
    const staleArchived = issueDelivery('updated', archived, 'archived_at');
    plane.deleteIssue(issue.id);
    plane.archiveIssue(archived.id);

    const result = await deliver(stale);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.projects[0]!.changes).toEqual([
      expect.objectContaining({ op: 'delete', issueId: issue.id, applied: true }),
    ]);
    expect(await eventOf(project, issue.id)).toBeNull();
    expect(writes()).toEqual([
      `DELETE ${decodeURIComponent(new URL(`${homeUrl}plane-${project.id}/${objectNameForUid(uidForIssue(issue.id))}`).pathname)}`,
    ]);

    expect((await deliver(staleArchived)).report.totals.deleted).toBe(1);
    expect(await eventOf(project, archived.id)).toBeNull();
  });

  it('an issue that loses its target date loses its event', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Undated');
    plane.updateIssue(issue.id, { target_date: null });
    const result = await deliver(issueDelivery('updated', issue, 'target_date'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.projects[0]).toMatchObject({ deleted: 1, skipped: 1 });
    expect(await eventOf(project, issue.id)).toBeNull();
  });

  it('a deleted body (only data.id): finds the event across the managed calendars and deletes it once Plane says 404', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Deleted');
    await projectWithEvent('Webhooks Bystander');
    const delivery = issueDelivery('deleted', issue);
    expect(JSON.parse(delivery.body).data).toEqual({ id: issue.id });
    plane.deleteIssue(issue.id);

    const result = await deliver(delivery);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.projects).toHaveLength(1);
    expect(result.report.projects[0]).toMatchObject({ id: project.id, deleted: 1 });
    expect(await eventOf(project, issue.id)).toBeNull();
    // The project came from the calendar's slug: one lookup in it, one in every other managed calendar.
    const managed = (await reader.listCalendars()).filter((c) => /\/plane-[0-9a-f-]{36}\/$/.test(c.url)).length;
    expect(davMethods().filter((m) => m === 'GET')).toHaveLength(managed);
    expect(writes()).toHaveLength(1);
    expect(plane.requests).toHaveLength(1);
    expect(plane.requests[0]!.path).toContain(`/projects/${project.id}/work-items/${issue.id}/`);
  });

  it('a deleted body whose issue still exists deletes nothing', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Not Deleted');
    const before = await eventOf(project, issue.id);

    const result = await deliver(issueDelivery('deleted', issue));
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.totals).toMatchObject({ deleted: 0, unchanged: 1 });
    expect(writes()).toEqual([]);
    expect((await eventOf(project, issue.id))?.etag).toBe(before?.etag);
  });

  it('a deleted body for an issue no calendar holds: nothing to do, no Plane request', async () => {
    const project = newProject('Webhooks Never Synced');
    const issue = plane.addIssue(project.id, { name: 'Never synced', target_date: '2026-05-01' });
    const result = await deliver(issueDelivery('deleted', issue));
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.webhook.nothingToDo).toMatch(/no calendar/);
    expect(result.report.projects).toEqual([]);
    expect(writes()).toEqual([]);
    expect(plane.requests).toEqual([]);
  });

  it('never touches foreign objects: not in the calendar, not even one sitting at its own href', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Foreign');
    const calendar = (await calendarOf(project))!;
    const foreignHref = `${calendar.url}dentist.ics`;
    await reader.create(foreignHref, ics('dentist-appointment@example.com', 'Dentist'));
    // Someone else's object exactly where calplanebot would put another issue's event.
    const squatted = plane.addIssue(project.id, { name: 'Squatted', target_date: '2026-03-03' });
    const squatHref = `${calendar.url}${objectNameForUid(uidForIssue(squatted.id))}`;
    await reader.create(squatHref, ics('not-ours@example.com', 'Mine'));
    const foreignBefore = await reader.get(foreignHref);
    const squatBefore = await reader.get(squatHref);

    plane.updateIssue(issue.id, { name: 'Changed' });
    expect((await deliver(issueDelivery('updated', issue, 'name'))).report.totals.updated).toBe(1);

    const onSquat = await deliver(issueDelivery('created', squatted));
    expect(onSquat.code).toBe(3); // the create lost to an object it does not own: reported, nothing overwritten
    expect(onSquat.report.projects[0]!.errors[0]).toMatchObject({ operation: 'create', issueId: squatted.id });
    expect(onSquat.stderr).toMatch(/create .* failed/);

    const staleSquat = issueDelivery('updated', squatted, 'name');
    plane.deleteIssue(squatted.id);
    const gone = await deliver(staleSquat);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.report.projects[0]).toMatchObject({ deleted: 0, foreign: 1 });

    expect(await reader.get(foreignHref)).toEqual(foreignBefore);
    expect(await reader.get(squatHref)).toEqual(squatBefore);
  });

  it('keeps what calendar apps added to the event (alarms, notes) when it updates it', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Client State');
    const stored = (await eventOf(project, issue.id))!;
    const withAlarm = stored.data.replace(
      'END:VEVENT',
      'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Heads up\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT',
    );
    await reader.update(stored.href, withAlarm, stored.etag);
    plane.updateIssue(issue.id, { target_date: '2026-03-20' });

    expect((await deliver(issueDelivery('updated', issue, 'target_date'))).report.totals.updated).toBe(1);
    const after = (await eventOf(project, issue.id))!.data;
    expect(after).toContain('DTSTART;VALUE=DATE:20260320');
    expect(after).toContain('TRIGGER:-PT15M');
  });

  it('a calendar adopted by its display name is found by listing, and the event goes there', async () => {
    const project = newProject('Webhooks Adopted');
    const adopted = await reader.createCalendar(`${homeUrl}my-own-calendar-${counter}/`, 'Plane: Webhooks Adopted');
    const issue = plane.addIssue(project.id, { name: 'Into the adopted one', target_date: '2026-06-01' });
    const result = await deliver(issueDelivery('created', issue));
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.projects[0]).toMatchObject({
      calendarUrl: adopted.url.replace(radicale.url, dav.url),
      calendarCreated: false,
      created: 1,
    });
    expect(await calendarOf(project)).toBeUndefined();
    expect((await reader.list(adopted)).map((o) => o.data).join()).toContain(`UID:${uidForIssue(issue.id)}`);
  });

  it('a calendar adopted by display name is marked; a 404 re-fetch and a deleted body both find the event there', async () => {
    const project = newProject('Webhooks Adopted Gone');
    const adopted = await reader.createCalendar(`${homeUrl}adopted-gone-${counter}/`, 'Plane: Webhooks Adopted Gone');
    const viaProxy = adopted.url.replace(radicale.url, dav.url);
    const refetched = plane.addIssue(project.id, { name: 'Re-fetched', target_date: '2026-06-02' });
    const deletedBody = plane.addIssue(project.id, { name: 'Deleted body', target_date: '2026-06-03' });
    for (const issue of [refetched, deletedBody])
      expect((await deliver(issueDelivery('created', issue))).report.projects[0]).toMatchObject({
        calendarUrl: viaProxy,
        created: 1,
      });
    expect((await reader.listCalendars()).find((c) => c.url === adopted.url)?.projectId).toBe(project.id);
    const hrefIn = (issueId: string) => `${adopted.url}${objectNameForUid(uidForIssue(issueId))}`;

    const stale = issueDelivery('updated', refetched, 'name');
    plane.deleteIssue(refetched.id);
    const gone = await deliver(stale);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.report.projects[0]).toMatchObject({ id: project.id, calendarUrl: viaProxy, deleted: 1, failed: 0 });
    expect(writes()).toEqual([`DELETE ${decodeURIComponent(new URL(hrefIn(refetched.id)).pathname)}`]);
    expect(await reader.get(hrefIn(refetched.id))).toBeNull();

    const body = issueDelivery('deleted', deletedBody);
    plane.deleteIssue(deletedBody.id);
    const deleted = await deliver(body);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.report.projects).toEqual([
      expect.objectContaining({ id: project.id, calendarUrl: viaProxy, deleted: 1 }),
    ]);
    expect(await reader.get(hrefIn(deletedBody.id))).toBeNull();
    expect(await calendarOf(project)).toBeUndefined(); // never a second calendar at calplanebot's own URL
  });

  it('a gone issue in a project outside plane.projects keeps its event; selected by identifier, it goes', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Gone Unselected');
    const other = newProject('Webhooks Gone Selected');
    const limitedTo = (projects: string[]) =>
      configWith({
        webhook: { secret: SECRET },
        plane: {
          baseUrl: plane.url,
          webUrl: 'https://plane.example.test',
          workspaceSlug: plane.workspaceSlug,
          apiKey: plane.apiKey,
          projects,
        },
      });
    const elsewhere = limitedTo([other.identifier]);
    const stale = issueDelivery('updated', issue, 'name');
    const body = issueDelivery('deleted', issue);
    plane.deleteIssue(issue.id);
    const before = await eventOf(project, issue.id);
    expect(before).not.toBeNull();

    for (const delivery of [stale, body]) {
      const left = await deliver(delivery, { config: elsewhere });
      expect(left.code, left.stderr).toBe(0);
      expect(left.report.projects).toEqual([]);
      expect(left.report.webhook.nothingToDo).toMatch(/plane\.projects/);
      expect(writes()).toEqual([]);
      // The identifier needs the project: one more Plane request, made only because selectors are set.
      expect(plane.requests.map((r) => r.path.replace(/[0-9a-f-]{36}/g, ':id'))).toContain(
        '/api/v1/workspaces/acme/projects/:id/',
      );
    }
    expect((await eventOf(project, issue.id))?.etag).toBe(before?.etag);

    const selected = await deliver(stale, { config: limitedTo([project.identifier.toLowerCase()]) });
    expect(selected.code, selected.stderr).toBe(0);
    expect(selected.report.projects[0]).toMatchObject({ id: project.id, deleted: 1 });
    expect(await eventOf(project, issue.id)).toBeNull();
  });

  it("another issue's event sitting at a gone issue's href is not deleted as that issue's", async () => {
    const { project, issue } = await projectWithEvent('Webhooks Misplaced');
    const neighbour = plane.addIssue(newProject('Webhooks Misplaced Other').id, {
      name: 'Neighbour',
      target_date: '2026-03-04',
    });
    // An event of a live issue of another project, sitting at this issue's href (a client that moved it, a restore).
    const own = (await eventOf(project, issue.id))!;
    await reader.delete(own.href, own.etag);
    await reader.create(own.href, own.data.replaceAll(uidForIssue(issue.id), uidForIssue(neighbour.id)));
    const misplaced = await reader.get(own.href);
    expect(misplaced?.data).toContain(`UID:${uidForIssue(neighbour.id)}`);

    const stale = issueDelivery('updated', issue, 'name');
    plane.deleteIssue(issue.id);
    const result = await deliver(stale);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.totals).toMatchObject({ deleted: 0, failed: 0 });
    expect(writes()).toEqual([]);
    expect(await reader.get(own.href)).toEqual(misplaced);
  });
});

describe('handle-webhook: verification end to end', () => {
  it('a wrong signature exits 4, makes no request at all and changes nothing', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Forged');
    const before = await eventOf(project, issue.id);
    plane.updateIssue(issue.id, { target_date: '2026-12-31' });
    const delivery = issueDelivery('updated', issue, 'target_date');

    const forged = signWebhook(delivery.body, 'plane_wh_not-the-right-secret');
    const result = await deliver(delivery, { signature: forged });
    expect(result.code).toBe(4);
    expect(result.json).toMatchObject({ schemaVersion: 1, error: { exitCode: 4 } });
    expect(result.stderr).toMatch(/webhook delivery rejected: the signature does not match the body/);
    expect(result.stderr).not.toContain(SECRET);
    expect(dav.requests).toEqual([]);
    expect(plane.requests).toEqual([]);
    expect((await eventOf(project, issue.id))?.etag).toBe(before?.etag);

    const tampered = { ...delivery, body: delivery.body.replace('2026-12-31', '2027-01-01') };
    expect((await deliver(tampered)).code).toBe(4);
    expect((await deliver(delivery, { signature: '' })).code).toBe(4);
    expect(dav.requests).toEqual([]);
  });

  it('takes the signature from PLANE_SIGNATURE when --signature is absent', async () => {
    const delivery = plane.webhookDelivery('project', 'deleted', randomUUID(), { secret: SECRET });
    const args = ['--json', '--config', config, 'handle-webhook'];
    const viaEnv = await runCli(args, {
      stdin: delivery.body,
      env: { PLANE_SIGNATURE: delivery.headers['X-Plane-Signature']! },
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect((await runCli(args, { stdin: delivery.body })).code).toBe(4);
  });

  it('with no secret configured it refuses, saying how to configure one, unless allowUnsigned is set', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Unsigned');
    plane.updateIssue(issue.id, { name: 'Unsigned change' });
    const delivery = plane.webhookDelivery('issue', 'updated', issue.id, {});
    expect(delivery.headers['X-Plane-Signature']).toBeUndefined();

    const refused = await deliver(delivery, { config: configWith({}) });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(
      /no webhook secret is configured.*webhook\.secret.*PLANE_WEBHOOK_SECRET.*allowUnsigned/s,
    );
    expect(dav.requests).toEqual([]);

    const accepted = await deliver(delivery, { config: configWith({ webhook: { allowUnsigned: true } }) });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((await eventOf(project, issue.id))?.data).toContain('Unsigned change');

    // A configured secret wins over the opt-out.
    expect(
      (await deliver(delivery, { config: configWith({ webhook: { secret: SECRET, allowUnsigned: true } }) })).code,
    ).toBe(4);
  });

  it('the secret can come from PLANE_WEBHOOK_SECRET_FILE', async () => {
    const file = join(scratchDir('calplanebot-secret-'), 'secret');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const delivery = plane.webhookDelivery('project', 'deleted', randomUUID(), { secret: SECRET });
    const result = await deliver(delivery, { config: configWith({}), env: { PLANE_WEBHOOK_SECRET_FILE: file } });
    expect(result.code, result.stderr).toBe(0);
  });

  it('an X-Plane-Event header that disagrees with the signed body is refused', async () => {
    const { issue } = await projectWithEvent('Webhooks Header Mismatch');
    const delivery = issueDelivery('updated', issue);
    const result = await deliver({ ...delivery, headers: { ...delivery.headers, 'X-Plane-Event': 'project' } });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/X-Plane-Event says "project" but the body says "issue"/);
  });

  it('a body over 1 MiB is refused with exit 4', async () => {
    const body = `{"event": "issue", "padding": "${'x'.repeat(1024 * 1024)}"}`;
    const result = await deliver({
      body,
      headers: { 'X-Plane-Signature': signWebhook(body, SECRET), 'X-Plane-Event': 'issue' },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/larger than 1048576 bytes/);
  });

  it('hostile payloads that name real issues and projects, signed or not: exit 0 or 4, never a crash; only a valid signed delivery writes (a sample)', async () => {
    const known = newProject('Webhooks Fuzz');
    const target = plane.addIssue(known.id, { name: 'Fuzzed', target_date: '2026-04-01' });
    const ids = [target.id, known.id, target.id.toUpperCase()];
    const genuine = [
      plane.webhookBody('issue', 'updated', target.id),
      plane.webhookBody('issue', 'created', target.id),
      plane.webhookBody('project', 'updated', known.id),
    ];
    const structured = fc.record(
      {
        event: fc.constantFrom('issue', 'project', 'cycle', 'issue_comment', 'workitem.updated', 'Issue'),
        action: fc.constantFrom('created', 'updated', 'update', 'deleted', 'archived'),
        data: fc.oneof(
          {
            arbitrary: fc.record(
              {
                id: fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ maxLength: 8 })),
                project: fc.constantFrom(known.id, 'WEB', null),
              },
              { requiredKeys: [] },
            ),
            weight: 4,
          },
          { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
        ),
      },
      { requiredKeys: [] },
    );
    type Kind = 'genuine' | 'structured' | 'broken' | 'junk';
    const body = fc.oneof(
      fc.constantFrom(...genuine).map((text) => ({ kind: 'genuine' as Kind, bytes: Buffer.from(text, 'utf8') })),
      structured.map((value) => ({ kind: 'structured' as Kind, bytes: Buffer.from(JSON.stringify(value), 'utf8') })),
      fc
        .tuple(fc.constantFrom(...genuine), fc.nat())
        .map(([text, at]) => ({ kind: 'broken' as Kind, bytes: Buffer.from(text.slice(0, at % text.length), 'utf8') })),
      fc
        .oneof(
          fc.string({ maxLength: 60 }).map((t) => Buffer.from(t, 'utf8')),
          fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
        )
        .map((bytes) => ({ kind: 'junk' as Kind, bytes })),
    );
    const samples = fc.sample(fc.record({ body, signing: fc.constantFrom('right', 'right', 'wrong', 'none') }), {
      numRuns: 24,
      seed: 20260214,
    });
    expect(
      samples.filter((x) => x.body.kind === 'genuine' && x.signing === 'right').length,
      'the sample has valid signed deliveries',
    ).toBeGreaterThanOrEqual(2);

    const eventHref = `${homeUrl}plane-${known.id}/${objectNameForUid(uidForIssue(target.id))}`;
    let validWrites = 0;
    for (const {
      body: { kind, bytes },
      signing,
    } of samples) {
      // Every sample starts without the event, so any delivery that gets through about it writes.
      const existing = await reader.get(eventHref);
      if (existing) await reader.delete(eventHref, existing.etag);
      const signature =
        signing === 'right'
          ? signWebhook(bytes, SECRET)
          : signing === 'wrong'
            ? signWebhook(bytes, `${SECRET}-not`)
            : '';
      dav.reset();
      plane.resetRequests();
      const result = await runCli(['--json', '--config', config, 'handle-webhook', `--signature=${signature}`], {
        stdin: bytes,
      });
      const shown = `${kind}/${signing}: ${JSON.stringify(bytes.toString('utf8')).slice(0, 200)}\n${result.stderr}`;
      expect([0, 4], shown).toContain(result.code);
      expect(result.stderr, shown).not.toMatch(/bug in calplanebot|TypeError|at .*\.js:\d+/);
      expect(result.stderr, shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/); // no raw control bytes from the body
      if (signing !== 'right') {
        expect(result.code, shown).toBe(4);
        expect(dav.requests, shown).toEqual([]);
        expect(plane.requests, shown).toEqual([]);
      }
      if (writes().length > 0) {
        expect(signing, shown).toBe('right');
        expect(validDelivery(bytes), shown).toBe(true);
        expect(
          writes().every((w) => w.includes(`/plane-${known.id}/`)),
          shown,
        ).toBe(true);
      }
      if (kind === 'genuine' && signing === 'right') {
        expect(result.code, shown).toBe(0);
        expect(writes().length, `a valid signed delivery wrote nothing: ${shown}`).toBeGreaterThan(0);
        validWrites += 1;
      }
    }
    expect(validWrites).toBeGreaterThanOrEqual(2);
  });

  it('a non-ASCII issue (Café 🚀 — naïve) end to end: the \\uXXXX-escaped body verifies and the event carries the text', async () => {
    const project = newProject('Webhooks Unicode');
    const issue = plane.addIssue(project.id, { name: 'Café 🚀 — naïve', target_date: '2026-05-01' });
    const delivery = issueDelivery('created', issue);
    // Like Python's json.dumps: pure ASCII on the wire, astral characters as surrogate pairs.
    expect(delivery.body).toContain('"Caf\\u00e9 \\ud83d\\ude80 \\u2014 na\\u00efve"');
    expect(delivery.body).toMatch(/^[\x20-\x7e]*$/);
    const result = await deliver(delivery);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.totals).toMatchObject({ created: 1, failed: 0 });
    expect((await eventOf(project, issue.id))?.data).toContain(`SUMMARY:[${issue.sequence_id}] Café 🚀 — naïve`);
    const human = await deliver(issueDelivery('updated', issue), { json: false });
    expect(human.stdout).toContain('unchanged');
  });
});

/** Independently of the code under test: what a handleable Plane CE delivery looks like (README "Webhooks"). */
function validDelivery(bytes: Buffer): boolean {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  let body: { event?: unknown; action?: unknown; data?: { id?: unknown; project?: unknown } };
  try {
    body = JSON.parse(bytes.toString('utf8')) as typeof body;
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null || typeof body.event !== 'string' || !/^[a-z][a-z_]*$/.test(body.event))
    return false;
  if (!['created', 'updated', 'deleted', 'create', 'update', 'delete'].includes(String(body.action))) return false;
  if (
    typeof body.data !== 'object' ||
    body.data === null ||
    typeof body.data.id !== 'string' ||
    !uuid.test(body.data.id)
  )
    return false;
  const deleted = String(body.action).startsWith('delete');
  return body.event !== 'issue' || deleted || (typeof body.data.project === 'string' && uuid.test(body.data.project));
}

describe('handle-webhook: project and other deliveries', () => {
  it('project updated: syncs that project (and only that one)', async () => {
    const project = newProject('Webhooks Project Sync');
    const other = newProject('Webhooks Project Other');
    plane.addIssue(project.id, { name: 'One', target_date: '2026-07-01' });
    plane.addIssue(project.id, { name: 'Two', target_date: '2026-07-02' });
    plane.addIssue(other.id, { name: 'Elsewhere', target_date: '2026-07-03' });

    const result = await deliver(
      plane.webhookDelivery('project', 'updated', project.id, { secret: SECRET, activity: { field: 'name' } }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.projects.map((p) => p.identifier)).toEqual([project.identifier]);
    expect(result.report.totals).toMatchObject({ created: 2, failed: 0 });
    expect(await calendarOf(other)).toBeUndefined();

    const again = await deliver(plane.webhookDelivery('project', 'updated', project.id, { secret: SECRET }));
    expect(again.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
    expect(writes()).toEqual([]);
  });

  it('project deleted: nothing destructive, reported, exit 0', async () => {
    const { project, issue } = await projectWithEvent('Webhooks Project Deleted');
    const delivery = plane.webhookDelivery('project', 'deleted', project.id, { secret: SECRET });
    plane.deleteProject(project.id);
    const result = await deliver(delivery);
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.webhook.nothingToDo).toMatch(/never deletes calendars/);
    expect(writes()).toEqual([]);
    expect(await eventOf(project, issue.id)).not.toBeNull();
  });

  const otherDelivery = (event: string, data: Record<string, unknown>): WebhookDelivery => {
    const body = JSON.stringify({
      event,
      action: 'created',
      webhook_id: randomUUID(),
      workspace_id: randomUUID(),
      data,
      activity: {
        field: null,
        new_value: null,
        old_value: null,
        actor: null,
        old_identifier: null,
        new_identifier: null,
      },
    });
    return { body, headers: { 'X-Plane-Signature': signWebhook(body, SECRET), 'X-Plane-Event': event } };
  };

  it('cycle and module deliveries when no calendar shows them, and issue_comment ones: nothing to do, exit 0, no request', async () => {
    const reasons: Record<string, RegExp> = {
      cycle: /no calendar shows cycles/,
      module: /no calendar shows modules/,
      issue_comment: /issue_comment deliveries change no event/,
    };
    for (const [event, reason] of Object.entries(reasons)) {
      const result = await deliver(otherDelivery(event, { id: randomUUID(), project: randomUUID() }));
      expect(result.code, result.stderr).toBe(0);
      expect(result.report).toMatchObject({
        projects: [],
        totals: { created: 0, updated: 0, deleted: 0 },
        webhook: { event, action: 'created' },
      });
      expect(result.report.webhook.nothingToDo).toMatch(reason);
      expect(dav.requests).toEqual([]);
      expect(plane.requests).toEqual([]);
    }
  });

  it("a cycle delivery, where a calendar shows cycles, syncs that project's share: the block appears", async () => {
    const project = newProject('Webhooks Cycles');
    const cycle = plane.addCycle(project.id, { name: 'Sprint 9', start_date: '2026-09-01', end_date: '2026-09-14' });
    const withCycles = configWith({
      webhook: { secret: SECRET },
      calendars: [
        { id: 'projects', perProject: true },
        { id: 'roadmap', cycles: true },
      ],
    });
    const result = await deliver(otherDelivery('cycle', { id: cycle.id, project: project.id }), { config: withCycles });
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.webhook.nothingToDo).toBeNull();
    const uid = `plane-cycle-${cycle.id}@roadmap.calplanebot`;
    expect(writes()).toContain(`PUT ${new URL(`${homeUrl}plane-roadmap/${uid}.ics`).pathname}`);
    // Without a project in the body (a deletion), the next sync removes the block: nothing now.
    const deleted = await deliver(otherDelivery('cycle', { id: cycle.id }), { config: withCycles });
    expect(deleted.report.webhook.nothingToDo).toMatch(/next sync/);
  });

  it('respects plane.projects: an issue of another project is left alone', async () => {
    const project = newProject('Webhooks Not Selected');
    const issue = plane.addIssue(project.id, { name: 'Outside', target_date: '2026-08-01' });
    const limited = configWith({
      webhook: { secret: SECRET },
      plane: {
        baseUrl: plane.url,
        webUrl: 'https://plane.example.test',
        workspaceSlug: plane.workspaceSlug,
        apiKey: plane.apiKey,
        projects: ['NOPE'],
      },
    });
    const result = await deliver(issueDelivery('created', issue), { config: limited });
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.webhook.nothingToDo).toMatch(/plane\.projects/);
    expect(writes()).toEqual([]);
  });
});

describe('handle-webhook: output and failures', () => {
  it('human output is one line saying what changed; --quiet says nothing when nothing changed', async () => {
    const { issue } = await projectWithEvent('Webhooks Human');
    plane.updateIssue(issue.id, { target_date: '2026-03-04' });
    const changed = await deliver(issueDelivery('updated', issue, 'target_date'), { json: false });
    expect(changed.code, changed.stderr).toBe(0);
    const lines = changed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^handle-webhook: issue updated ${issue.id}: ~ \\[${issue.sequence_id}\\] Seeded: .*target_date 2026-03-01 → 2026-03-04.*\\(\\d+ requests, \\d+ ms\\)$`,
      ),
    );
    expect(changed.stderr).toBe('');

    const unchanged = await deliver(issueDelivery('updated', issue, 'target_date'), { json: false });
    expect(unchanged.stdout).toMatch(/^handle-webhook: issue updated .*: unchanged: the event is up to date/);
    const delivery = issueDelivery('updated', issue, 'target_date');
    const quiet = await runCli(
      ['--quiet', '--config', config, 'handle-webhook', `--signature=${delivery.headers['X-Plane-Signature']}`],
      { stdin: delivery.body },
    );
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  it('Plane failing on the re-fetch exits 1 and writes nothing', async () => {
    const { issue } = await projectWithEvent('Webhooks Plane Down');
    plane.updateIssue(issue.id, { target_date: '2026-03-07' });
    plane.failNext({ pathIncludes: `/work-items/${issue.id}/` }, { status: 502, times: 5 });
    const result = await deliver(issueDelivery('updated', issue, 'target_date'));
    plane.clearFaults();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/502/);
    expect(writes()).toEqual([]);
  });
});

function ics(uid: string, summary: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Someone else//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART;VALUE=DATE:20260301',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
