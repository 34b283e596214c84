/** handleDelivery on the memory store: the branches that are awkward to reach end to end. */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { objectNameForUid, uidForIssue } from '../../../src/event/uid.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { PlaneProject } from '../../../src/plane/types.js';
import type { Delivery } from '../../../src/webhook/delivery.js';
import { handleDelivery, type WebhookSettings } from '../../../src/webhook/handle.js';
import { issue, project, syncSettings, WebhookMemoryPlane } from '../../support/builders.js';

const settings = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({ ...syncSettings(), ...overrides });

let plane: WebhookMemoryPlane;
let store: MemoryCalendarStore;
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });

function deps() {
  return { plane, store, stats: { plane: new RequestStats(), caldav: new RequestStats() } };
}

function delivery(event: string, action: Delivery['action'], id: string, projectId: string | null = null): Delivery {
  return { event, action, id, projectId, deliveryId: null };
}

async function hrefIn(p: PlaneProject, issueId: string): Promise<string> {
  return `${await store.calendarUrlFor(`plane-${p.id}`)}${objectNameForUid(uidForIssue(issueId))}`;
}

beforeEach(() => {
  plane = new WebhookMemoryPlane();
  store = new MemoryCalendarStore();
  plane.projects.push(web, api);
});

describe('handleDelivery', () => {
  it('creates the missing calendar when the first write finds no collection, then the event', async () => {
    const item = issue(web.id, { name: 'First' });
    plane.issues.push(item);
    const report = await handleDelivery(delivery('issue', 'created', item.id, web.id), deps(), settings());
    expect(report.projects[0]).toMatchObject({ calendarCreated: true, created: 1, failed: 0 });
    expect(store.writes.map((w) => w.op)).toEqual(['mkcalendar', 'put']);
    expect((await store.get(await hrefIn(web, item.id)))?.data).toContain('SUMMARY:[');
  });

  it('a calendar URL from the discovery cache is used directly; a stale one only costs a retry', async () => {
    const adopted = await store.createCalendar('memory://home/family/', 'Plane: Web');
    const item = issue(web.id);
    plane.issues.push(item);
    const viaCache = await handleDelivery(
      delivery('issue', 'created', item.id, web.id),
      deps(),
      settings({ knownCalendarUrl: () => adopted.url }),
    );
    expect(viaCache.projects[0]).toMatchObject({ calendarUrl: adopted.url, created: 1, calendarCreated: false });
    expect(store.writes.map((w) => w.op)).toEqual(['mkcalendar', 'put']); // the test's own MKCALENDAR, then the event

    const other = issue(api.id);
    plane.issues.push(other);
    const stale = await handleDelivery(
      delivery('issue', 'created', other.id, api.id),
      deps(),
      settings({ knownCalendarUrl: () => 'memory://home/deleted-long-ago/' }),
    );
    expect(stale.projects[0]).toMatchObject({
      calendarUrl: await store.calendarUrlFor(`plane-${api.id}`),
      calendarCreated: true,
      created: 1,
      failed: 0,
    });
  });

  it('an issue Plane cannot turn into an event is reported and its event kept', async () => {
    const item = issue(web.id);
    plane.issues.push(item);
    await handleDelivery(delivery('issue', 'created', item.id, web.id), deps(), settings());
    plane.update(item.id, { target_date: '2026-02-30' });
    const writes = store.writes.length;
    const report = await handleDelivery(delivery('issue', 'updated', item.id, web.id), deps(), settings());
    expect(report.projects[0]!.errors[0]).toMatchObject({ operation: 'transform', issueId: item.id });
    expect(report.projects[0]!.failed).toBe(1);
    expect(store.writes.length).toBe(writes);
    expect(await store.get(await hrefIn(web, item.id))).not.toBeNull();
  });

  it('a deleted body: an issue moved to another project loses only the stale event', async () => {
    const item = issue(web.id);
    plane.issues.push(item);
    await handleDelivery(delivery('issue', 'created', item.id, web.id), deps(), settings());
    plane.update(item.id, { project: api.id });
    await handleDelivery(delivery('issue', 'updated', item.id, api.id), deps(), settings());
    expect(await store.get(await hrefIn(web, item.id))).not.toBeNull();

    const report = await handleDelivery(delivery('issue', 'deleted', item.id), deps(), settings());
    // Found in both calendars; Plane has it only under api now, so only web's copy goes.
    expect(report.projects.map((p) => [p.id, p.deleted, p.unchanged])).toEqual([
      [web.id, 1, 0],
      [api.id, 0, 1],
    ]);
    expect(await store.get(await hrefIn(web, item.id))).toBeNull();
    expect(await store.get(await hrefIn(api, item.id))).not.toBeNull();
  });

  it('a deleted body that names its project is reconciled there without searching', async () => {
    const item = issue(web.id);
    plane.issues.push(item);
    await handleDelivery(delivery('issue', 'created', item.id, web.id), deps(), settings());
    plane.remove(item.id);
    const report = await handleDelivery(delivery('issue', 'deleted', item.id, web.id), deps(), settings());
    expect(report.projects[0]).toMatchObject({ id: web.id, identifier: '', deleted: 1 });
  });

  it('plane.projects limits issue and project deliveries, by identifier or id', async () => {
    const item = issue(api.id);
    plane.issues.push(item);
    const skipped = await handleDelivery(
      delivery('issue', 'created', item.id, api.id),
      deps(),
      settings({ projects: ['web'] }),
    );
    expect(skipped.webhook.nothingToDo).toMatch(/plane\.projects/);
    expect(store.writes).toEqual([]);
    const project = await handleDelivery(
      delivery('project', 'updated', api.id),
      deps(),
      settings({ projects: [web.id] }),
    );
    expect(project.webhook.nothingToDo).toMatch(/plane\.projects/);
    expect(store.writes).toEqual([]);
    const chosen = await handleDelivery(
      delivery('issue', 'created', item.id, api.id),
      deps(),
      settings({ projects: ['API'] }),
    );
    expect(chosen.totals.created).toBe(1);
  });

  it('project deliveries: archived or unknown projects are nothing to do', async () => {
    const archived = project({ identifier: 'OLD', archived_at: '2025-01-01T00:00:00Z' });
    plane.projects.push(archived);
    expect(
      (await handleDelivery(delivery('project', 'updated', archived.id), deps(), settings())).webhook.nothingToDo,
    ).toMatch(/archived/);
    expect(
      (await handleDelivery(delivery('project', 'created', '00000000-0000-4000-8000-00000000dead'), deps(), settings()))
        .webhook.nothingToDo,
    ).toMatch(/does not show/);
    expect(store.writes).toEqual([]);
  });
});
