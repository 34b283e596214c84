/**
 * The real receiver: Debian's `webhook` (adnanh/webhook) with the shipped example hooks file,
 * in front of the built CLI, against Radicale and the fake Plane. Signed deliveries are POSTed to
 * it over loopback exactly as Plane sends them; the event must change in Radicale.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RemoteObject } from '../../src/caldav/store.js';
import { objectNameForUid, uidForIssue } from '../../src/event/uid.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import { CLI, isolatedEnv, writeConfig } from '../support/cli.js';
import {
  type FakePlane,
  type FakeProject,
  signWebhook,
  startFakePlane,
  type WebhookDelivery,
} from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook/receiver.js';

const HOOKS_FILE = fileURLToPath(new URL('../support/webhook/hooks.json', import.meta.url));
const SECRET = 'plane_wh_c0ffeec0ffeec0ffeec0ffeec0ffee00';

let radicale: Radicale;
let plane: FakePlane;
let receiver: WebhookReceiver;
let reader: DavCalendarStore;
let binDir: string;
let project: FakeProject;

beforeAll(async () => {
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 23 });
  const user = radicale.users[0]!;
  const config = writeConfig({
    planeUrl: plane.url,
    apiKey: plane.apiKey,
    workspaceSlug: plane.workspaceSlug,
    caldavUrl: radicale.url,
    username: user.username,
    password: user.password,
    extra: { webhook: { secret: SECRET } },
  });
  // The hooks file runs `calplanebot` from PATH, as after `npm install -g calplanebot`.
  binDir = mkdtempSync(join(tmpdir(), 'calplanebot-bin-'));
  writeFileSync(join(binDir, 'calplanebot'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  chmodSync(join(binDir, 'calplanebot'), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  for (const key of [
    'PLANE_API_KEY',
    'PLANE_BASE_URL',
    'PLANE_WORKSPACE_SLUG',
    'CALDAV_URL',
    'CALDAV_USERNAME',
    'CALDAV_PASSWORD',
    'PLANE_WEBHOOK_SECRET',
    'PLANE_SIGNATURE',
    'CALPLANEBOT_STATE_DIR',
    'CALPLANEBOT_LOG_FORMAT',
  ])
    delete env[key];
  env.XDG_STATE_HOME = join(binDir, 'state'); // run state and caches stay in the test's temp dir
  // Commands run in webhook's working directory, where calplanebot finds calplanebot.config.json.
  receiver = await startWebhookReceiver({ hooksFile: HOOKS_FILE, cwd: dirname(config), env });
  reader = new DavCalendarStore({
    serverUrl: radicale.url,
    username: user.username,
    password: user.password,
    http: createHttpClient({
      service: 'caldav',
      policy: { timeoutMs: 10_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
    }),
  });
  project = plane.addProject({ name: 'Receiver', identifier: 'RCV' });
});

afterAll(async () => {
  await receiver?.stop();
  await plane?.close();
  await radicale?.stop();
  if (binDir) rmSync(binDir, { recursive: true, force: true });
});

/** POSTs a delivery the way Plane's webhook task does (requests.post, its headers, the exact body bytes). */
async function post(delivery: WebhookDelivery): Promise<{ status: number; text: string }> {
  const response = await fetch(`${receiver.hooksUrl}plane`, {
    method: 'POST',
    headers: delivery.headers,
    body: Buffer.from(delivery.body, 'utf8'),
  });
  return { status: response.status, text: await response.text() };
}

async function eventOf(issueId: string): Promise<RemoteObject | null> {
  const calendarUrl = await reader.calendarUrlFor(`plane-${project.id}`);
  return reader.get(`${calendarUrl}${objectNameForUid(uidForIssue(issueId))}`);
}

describe('adnanh/webhook in front of handle-webhook', () => {
  it('a signed delivery POSTed to the receiver creates, then changes, the event in Radicale', async () => {
    const issue = plane.addIssue(project.id, { name: 'Through the receiver', target_date: '2026-09-01' });
    const created = await post(
      plane.webhookDelivery('issue', 'created', issue.id, { secret: SECRET, deliveryId: randomUUID() }),
    );
    expect(created.status, `${created.text}\n${receiver.log()}`).toBe(200);
    expect(created.text).toMatch(/^handle-webhook: issue created .*: \+ \[\d+\] Through the receiver/);
    expect((await eventOf(issue.id))?.data).toContain('DTSTART;VALUE=DATE:20260901');

    plane.updateIssue(issue.id, { target_date: '2026-09-15', name: 'Moved by webhook' });
    const updated = await post(
      plane.webhookDelivery('issue', 'updated', issue.id, {
        secret: SECRET,
        activity: { field: 'target_date', old_value: '2026-09-01', new_value: '2026-09-15' },
      }),
    );
    expect(updated.status, `${updated.text}\n${receiver.log()}`).toBe(200);
    expect(updated.text).toMatch(/target_date 2026-09-01 → 2026-09-15/);
    const event = await eventOf(issue.id);
    expect(event?.data).toContain('DTSTART;VALUE=DATE:20260915');
    expect(event?.data).toContain(`SUMMARY:[${issue.sequence_id}] Moved by webhook`);
  });

  it('passes the body byte for byte: raw UTF-8, CRLF and spacing no JSON encoder would produce still verify', async () => {
    // If the receiver re-serialized the JSON (as `entire-payload` does), this signature could not match.
    const body = `{"event":  "cycle",\r\n "action": "created", "data": {"id": "${randomUUID()}", "name": "Café 🚀\\u00e9"}}`;
    const response = await post({
      body,
      headers: {
        'Content-Type': 'application/json',
        'X-Plane-Event': 'cycle',
        'X-Plane-Delivery': randomUUID(),
        'X-Plane-Signature': signWebhook(Buffer.from(body, 'utf8'), SECRET),
      },
    });
    expect(response.status, `${response.text}\n${receiver.log()}`).toBe(200);
    expect(response.text).toMatch(/^handle-webhook: cycle created .*: nothing to do/);
  });

  it('a forged or unsigned delivery is refused (HTTP 500, exit 4 in the log) and changes nothing', async () => {
    const issue = plane.addIssue(project.id, { name: 'Guarded', target_date: '2026-10-01' });
    expect((await post(plane.webhookDelivery('issue', 'created', issue.id, { secret: SECRET }))).status).toBe(200);
    const before = await eventOf(issue.id);
    plane.updateIssue(issue.id, { target_date: '2026-10-31' });

    const forged = await post(plane.webhookDelivery('issue', 'updated', issue.id, { secret: 'plane_wh_someone-else' }));
    expect(forged.status).toBe(500);
    expect(forged.text).not.toContain(SECRET);
    const unsigned = await post(plane.webhookDelivery('issue', 'updated', issue.id, {}));
    expect(unsigned.status).toBe(500);
    expect(receiver.log()).toMatch(/webhook delivery rejected: the signature does not match the body/);
    expect(receiver.log()).toMatch(/webhook delivery rejected: the delivery carries no signature/);
    expect(receiver.log()).not.toContain(SECRET);
    expect((await eventOf(issue.id))?.etag).toBe(before?.etag);
  });

  it("with the README's optional trigger-rule, webhook refuses forged and unsigned POSTs before starting any process", async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const fragment = /<!-- trigger-rule -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(fragment, 'README has a ```json block after <!-- trigger-rule -->').toBeDefined();
    const [hook] = JSON.parse(readFileSync(HOOKS_FILE, 'utf8')) as Array<Record<string, unknown>>;
    const dir = mkdtempSync(join(tmpdir(), 'calplanebot-rule-'));
    const hooksFile = join(dir, 'hooks.json');
    writeFileSync(hooksFile, JSON.stringify([{ ...hook, ...(JSON.parse(fragment ?? '{}') as object) }], null, 2));
    // A `calplanebot` that notes every start, so "refused before any process" is seen, not assumed.
    const starts = join(dir, 'starts');
    mkdirSync(join(dir, 'bin'));
    writeFileSync(
      join(dir, 'bin', 'calplanebot'),
      `#!/bin/sh\necho started >> '${starts}'\nexec '${process.execPath}' '${CLI}' "$@"\n`,
    );
    chmodSync(join(dir, 'bin', 'calplanebot'), 0o755);
    const user = radicale.users[0]!;
    const config = writeConfig({
      planeUrl: plane.url,
      apiKey: plane.apiKey,
      workspaceSlug: plane.workspaceSlug,
      caldavUrl: radicale.url,
      username: user.username,
      password: user.password,
    });
    // The secret reaches webhook (the rule) and calplanebot (its own check) through the environment.
    const env = isolatedEnv({
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      PLANE_WEBHOOK_SECRET: SECRET,
    });
    const guarded = await startWebhookReceiver({ hooksFile, cwd: dirname(config), env, args: ['-template'] });
    const send = async (delivery: WebhookDelivery) => {
      const response = await fetch(`${guarded.hooksUrl}plane`, {
        method: 'POST',
        headers: delivery.headers,
        body: Buffer.from(delivery.body, 'utf8'),
      });
      return { status: response.status, text: await response.text() };
    };
    const started = () => (existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter(Boolean).length : 0);
    try {
      const issue = plane.addIssue(project.id, { name: 'Behind the rule', target_date: '2026-11-01' });
      const forged = await send(
        plane.webhookDelivery('issue', 'created', issue.id, { secret: 'plane_wh_someone-else' }),
      );
      expect(forged.status).toBe(500); // webhook: "Error occurred while evaluating hook rules."
      const unsigned = await send(plane.webhookDelivery('issue', 'created', issue.id, {}));
      expect(unsigned.status).toBe(401); // the rule's trigger-rule-mismatch-http-response-code
      expect(started()).toBe(0);
      expect(await eventOf(issue.id)).toBeNull();

      // The same rule lets a delivery signed by Plane through, to calplanebot's own check and on.
      const signed = await send(plane.webhookDelivery('issue', 'created', issue.id, { secret: SECRET }));
      expect(signed.status, `${signed.text}\n${guarded.log()}`).toBe(200);
      expect(signed.text).toMatch(/^handle-webhook: issue created .*: \+ \[\d+\] Behind the rule/);
      expect(started()).toBe(1);
      expect((await eventOf(issue.id))?.data).toContain('DTSTART;VALUE=DATE:20261101');
      expect(guarded.log()).not.toContain(SECRET);
    } finally {
      await guarded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the hooks file shipped in the README is the one tested here', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /<!-- hooks\.json -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a ```json block after <!-- hooks.json -->').toBeDefined();
    expect(JSON.parse(block ?? 'null')).toEqual(JSON.parse(readFileSync(HOOKS_FILE, 'utf8')));
  });
});
