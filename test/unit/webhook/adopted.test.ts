/**
 * Webhooks and calendars adopted by display name, on the memory store: where a gone issue's event
 * is looked for, and what the report claims about the calendar (the discovery cache learns from it).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { objectNameForUid, uidForIssue } from '../../../src/event/uid.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import type { Delivery } from '../../../src/webhook/delivery.js';
import { handleDelivery, type WebhookSettings } from '../../../src/webhook/handle.js';
import { issue, project, syncSettings, WebhookMemoryPlane } from '../../support/builders.js';

const settings = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({ ...syncSettings(), ...overrides });

const web = project({ identifier: 'WEB', name: 'Web' });
let plane: WebhookMemoryPlane;

beforeEach(() => {
  plane = new WebhookMemoryPlane();
  plane.projects.push(web);
});

const delivery = (action: Delivery['action'], id: string, projectId: string | null): Delivery => ({
  event: 'issue',
  action,
  id,
  projectId,
  deliveryId: null,
});
const deps = (store: MemoryCalendarStore) => ({
  plane,
  store,
  stats: { plane: new RequestStats(), caldav: new RequestStats() },
});

/** A calendar made by hand, holding the event of `item` as calplanebot wrote it. */
async function handMade(store: MemoryCalendarStore, item: PlaneIssue): Promise<{ url: string; href: string }> {
  const calendar = await store.createCalendar('memory://home/made-by-hand/', 'Plane: Web');
  const href = `${calendar.url}${objectNameForUid(uidForIssue(item.id))}`;
  store.putDirect(
    href,
    renderEvent(issueToEvent(item, web, { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' })!),
  );
  return { url: calendar.url, href };
}

describe('a gone issue whose event is in an adopted calendar', () => {
  it('a server without the mark: a deleted body still finds the event through the calendars the discovery cache knows', async () => {
    const store = new MemoryCalendarStore('memory://home/', { deadProperties: false });
    const item = issue(web.id);
    const { url, href } = await handMade(store, item);

    const unknown = await handleDelivery(delivery('deleted', item.id, null), deps(store), settings());
    expect(unknown.webhook.nothingToDo).toMatch(/no calendar/);
    expect(await store.get(href)).not.toBeNull();

    const known = await handleDelivery(
      delivery('deleted', item.id, null),
      deps(store),
      settings({ knownCalendars: () => [{ projectId: web.id, url }] }),
    );
    expect(known.projects).toEqual([expect.objectContaining({ id: web.id, calendarUrl: url, deleted: 1 })]);
    expect(await store.get(href)).toBeNull();
  });

  it('a marked calendar is searched on a 404 re-fetch; an identifier selector costs one project lookup, only then', async () => {
    const store = new MemoryCalendarStore();
    const item = issue(web.id);
    const { url, href } = await handMade(store, item);
    await store.markCalendar({ url, displayName: 'Plane: Web' }, web.id);

    const byId = await handleDelivery(
      delivery('updated', item.id, web.id),
      deps(store),
      settings({ projects: [web.id.toUpperCase()] }),
    );
    expect(byId.projects[0]).toMatchObject({ calendarUrl: url, deleted: 1 });
    expect(plane.projectLookups).toBe(0);
    expect(await store.get(href)).toBeNull();

    const again = issue(web.id);
    const other = new MemoryCalendarStore(); // the same layout in a fresh store
    const placed = await handMade(other, again);
    await other.markCalendar({ url: placed.url, displayName: 'Plane: Web' }, web.id);
    const byIdentifier = await handleDelivery(
      delivery('updated', again.id, web.id),
      deps(other),
      settings({ projects: ['web'] }),
    );
    expect(byIdentifier.projects[0]).toMatchObject({ deleted: 1 });
    expect(plane.projectLookups).toBe(1);
  });

  it('nothing found: the report names no calendar it did not see, so the discovery cache learns nothing false', async () => {
    const store = new MemoryCalendarStore();
    const gone = issue(web.id);
    const report = await handleDelivery(delivery('updated', gone.id, web.id), deps(store), settings());
    expect(report.projects[0]).toMatchObject({ calendarUrl: null, deleted: 0 });
    expect(store.writes).toEqual([]);
  });
});
