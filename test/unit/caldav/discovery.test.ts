/**
 * Discovery against a scripted server: the request it costs, and that the Depth-1 shortcut (the
 * calendar list brought along when the calendar home is the principal) never changes the answer.
 */
import { describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../../src/caldav/dav-store.js';
import { createHttpClient } from '../../../src/http/fetcher.js';
import { multistatus, propstat, response, useScriptedDav } from './quirks-server.js';

const serve = useScriptedDav();

function storeAt(url: string): DavCalendarStore {
  const policy = { timeoutMs: 5_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 };
  return new DavCalendarStore({
    serverUrl: url,
    username: 'alice',
    password: 'pw',
    http: createHttpClient({ service: 'caldav', policy }),
  });
}

const HOME = '/dav/calendars/alice/';
const calendarEntry = (path: string, name: string) =>
  response(
    path,
    propstat(
      `<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>${name}</d:displayname><cs:getctag>"1"</cs:getctag>`,
      200,
    ),
  );

describe('CalDAV discovery', () => {
  it('home apart from the principal: principal, home, then the calendar list', async () => {
    const dav = await serve();
    dav.server.calendars.set(`${HOME}work/`, { displayName: 'Work', color: undefined, objects: new Map() });
    const calendars = await storeAt(dav.url).listCalendars();
    expect(calendars.map((c) => c.displayName)).toEqual(['Work']);
    expect(dav.server.requests.map((r) => `${r.method} ${r.path} ${r.headers.depth}`)).toEqual([
      'PROPFIND / 0',
      'PROPFIND /dav/principals/alice/ 1',
      `PROPFIND ${HOME} 1`,
    ]);
  });

  it('home = principal: the Depth-1 answer on the principal is the calendar list, once', async () => {
    const dav = await serve({
      principal: HOME,
      script: (req) =>
        req.method === 'PROPFIND' && req.path === HOME && req.body.includes('calendar-home-set')
          ? multistatus(
              response(HOME, propstat(`<c:calendar-home-set><d:href>${HOME}</d:href></c:calendar-home-set>`, 200)),
              calendarEntry(`${HOME}work/`, 'Work'),
            )
          : undefined,
    });
    dav.server.calendars.set(`${HOME}work/`, { displayName: 'Work', color: undefined, objects: new Map() });
    const store = storeAt(dav.url);
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['Work']);
    expect(dav.server.requests).toHaveLength(2);
    await store.listCalendars(); // a second list is read afresh
    expect(dav.server.requests).toHaveLength(3);
  });

  it('a server that ignores Depth 1 on the principal (no members in the answer) still gets its calendars listed', async () => {
    const dav = await serve({ principal: HOME, home: HOME });
    dav.server.calendars.set(`${HOME}work/`, { displayName: 'Work', color: undefined, objects: new Map() });
    expect((await storeAt(dav.url).listCalendars()).map((c) => c.displayName)).toEqual(['Work']);
    expect(dav.server.requests.map((r) => r.method)).toEqual(['PROPFIND', 'PROPFIND', 'PROPFIND']);
  });

  it('a server that refuses Depth 1 on the principal is asked the Depth-0 question instead', async () => {
    const dav = await serve({
      script: (req) =>
        req.method === 'PROPFIND' && req.path === '/dav/principals/alice/' && req.headers.depth === '1'
          ? { status: 403 }
          : undefined,
    });
    dav.server.calendars.set(`${HOME}work/`, { displayName: 'Work', color: undefined, objects: new Map() });
    expect((await storeAt(dav.url).listCalendars()).map((c) => c.displayName)).toEqual(['Work']);
    expect(dav.server.requests.map((r) => `${r.path} ${r.headers.depth}`)).toEqual([
      '/ 0',
      '/dav/principals/alice/ 1',
      '/dav/principals/alice/ 0',
      `${HOME} 1`,
    ]);
  });

  it('a list read before a calendar was made is never handed out after it', async () => {
    const dav = await serve({
      principal: HOME,
      script: (req) =>
        req.method === 'PROPFIND' && req.path === HOME && req.body.includes('calendar-home-set')
          ? multistatus(
              response(HOME, propstat(`<c:calendar-home-set><d:href>${HOME}</d:href></c:calendar-home-set>`, 200)),
              response(`${HOME}inbox/`, propstat('<d:resourcetype><d:collection/></d:resourcetype>', 200)),
            )
          : undefined,
    });
    const store = storeAt(dav.url);
    const url = await store.calendarUrlFor('new'); // discovers, and brings an (empty) list along
    await store.createCalendar(url, 'New');
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['New']);
  });
});
