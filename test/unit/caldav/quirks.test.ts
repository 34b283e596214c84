/**
 * Real-server quirks, replayed: DavCalendarStore (and the sync above it) against a scripted
 * server whose answers are transcribed from the servers' documented behaviour (the reference
 * notes, caldav-servers-and-clients.md §2.2, §5; Radicale's put.py) — not captured traffic.
 * Nextcloud, Fastmail, iCloud, Google and Xandikos cannot run here; Radicale's 409 is also
 * exercised for real in test/e2e/faults-caldav.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../../src/caldav/dav-store.js';
import { HttpError, PreconditionFailedError } from '../../../src/errors.js';
import { mergeEvent } from '../../../src/event/merge.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { uidForIssue } from '../../../src/event/uid.js';
import { createHttpClient, RequestStats } from '../../../src/http/fetcher.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';
import {
  multistatus,
  propstat,
  type RunningDav,
  response,
  type ScriptedRequest,
  sabreError,
  useScriptedDav,
} from './quirks-server.js';

const PASSWORD = 'scripted-password-77';
const serve = useScriptedDav();

function storeAt(url: string): DavCalendarStore {
  const policy = { timeoutMs: 5_000, retries: 2, backoffMinMs: 1, backoffMaxMs: 2, maxRetryAfterMs: 1 };
  return new DavCalendarStore({
    serverUrl: url,
    username: 'alice',
    password: PASSWORD,
    http: createHttpClient({ service: 'caldav', policy }),
  });
}

const settings: SyncSettings = syncSettings();

/** A Plane with one project ("Plane: Web") and `count` dated issues. */
function planeWith(count: number): { plane: MemoryPlane; web: ReturnType<typeof project> } {
  const plane = new MemoryPlane();
  const web = project({ identifier: 'WEB', name: 'Web' });
  plane.projects.push(web);
  for (let i = 0; i < count; i += 1) plane.issues.push(issue(web.id, { target_date: `2025-12-1${i}` }));
  return { plane, web };
}

function sync(plane: MemoryPlane, store: DavCalendarStore) {
  return runSync({ plane, store, stats: { plane: new RequestStats(), caldav: new RequestStats() } }, settings);
}

const uidIn = (req: ScriptedRequest) => /^UID:(.*)$/m.exec(req.body)?.[1]?.trim();
const writes = (dav: RunningDav) =>
  dav.server.requests.filter((r) => ['PUT', 'DELETE', 'MKCALENDAR', 'PROPPATCH'].includes(r.method));

describe('Nextcloud (sabre/dav 4)', () => {
  it('trash bin: re-creating a deleted UID (400 "Deleted calendar object with uid already exists") fails that event with a fix, the rest syncs', async () => {
    const { plane } = planeWith(3);
    const trashed = uidForIssue(plane.issues[1]!.id);
    const dav = await serve({
      script: (req) =>
        req.method === 'PUT' && uidIn(req) === trashed
          ? sabreError(
              400,
              'BadRequest',
              'Deleted calendar object with uid already exists in this calendar collection.',
            )
          : undefined,
    });
    const report = await sync(plane, storeAt(dav.url));
    expect(report.totals).toMatchObject({ created: 2, failed: 1 });
    const [error] = report.projects[0]!.errors;
    expect(error).toMatchObject({ operation: 'create', uid: trashed, status: 400 });
    expect(error!.message).toContain('Deleted calendar object with uid already exists');
    expect(error!.hint).toMatch(/trash bin/);
    // One attempt: not retried, not mistaken for a lost race or for a missing If-None-Match.
    expect(dav.server.sent('PUT').filter((r) => uidIn(r) === trashed)).toHaveLength(1);
  });

  it('trash bin full of copies: a delete answered 403 "… can\'t be moved into the trashbin" fails that event with a fix, not a credentials hint', async () => {
    const { plane } = planeWith(3);
    const doomed = plane.issues[0]!;
    const dav = await serve({
      script: (req) =>
        req.method === 'DELETE' && req.path.includes(doomed.id)
          ? sabreError(
              403,
              'Forbidden',
              `The calendar object ${uidForIssue(doomed.id)}-deleted.ics already exists in the trashbin, so this one can't be moved into the trashbin.`,
            )
          : undefined,
    });
    const store = storeAt(dav.url);
    await sync(plane, store);
    plane.remove(doomed.id);
    plane.update(plane.issues[0]!.id, { name: 'Still here, renamed' });
    const report = await sync(plane, store);
    expect(report.totals).toMatchObject({ updated: 1, deleted: 0, failed: 1 });
    const [error] = report.projects[0]!.errors;
    expect(error).toMatchObject({ operation: 'delete', status: 403 });
    expect(error!.hint).toMatch(/empty the calendar's trash bin/);
    expect(error!.hint).not.toMatch(/credentials/);
  });

  it('a UID already in the calendar under another name (400 "Calendar object with uid already exists") is found and updated there: no duplicate', async () => {
    const { plane } = planeWith(2);
    const racing = plane.issues[0]!;
    const uid = uidForIssue(racing.id);
    let calendarPath = '';
    const dav = await serve({
      script: (req, server) => {
        if (req.method === 'MKCALENDAR') calendarPath = req.path;
        if (req.method !== 'PUT' || uidIn(req) !== uid || !req.headers['if-none-match']) return undefined;
        // Another client stored the same UID under its own name between our listing and our PUT.
        server.putDirect(
          `${calendarPath}from-another-client.ics`,
          req.body.replace(/SUMMARY:.*\r\n/, 'SUMMARY:Stale copy\r\n'),
        );
        return sabreError(400, 'BadRequest', 'Calendar object with uid already exists in this calendar collection.');
      },
    });
    const store = storeAt(dav.url);
    const report = await sync(plane, store);
    expect(report.projects[0]!.errors).toEqual([]);
    const objects = dav.server.objectsIn(calendarPath);
    expect(objects.filter((o) => o.data.includes(`UID:${uid}`)).map((o) => o.name)).toEqual([
      'from-another-client.ics',
    ]);
    expect(objects.find((o) => o.name === 'from-another-client.ics')!.data).toContain(
      `SUMMARY:[${racing.sequence_id}] ${racing.name}`,
    );
    expect((await sync(plane, store)).totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
  });

  it('no ETag on PUT answers (sabre changed the data): the write counts, the next update uses the ETag from the listing', async () => {
    const { plane } = planeWith(2);
    const dav = await serve({ etagOnPut: false });
    const store = storeAt(dav.url);
    expect((await sync(plane, store)).totals).toMatchObject({ created: 2, failed: 0 });

    plane.update(plane.issues[0]!.id, { name: 'Renamed' });
    const listedEtags = dav.server.objectsIn([...dav.server.calendars.keys()][0]!).map((o) => o.etag);
    expect((await sync(plane, store)).totals).toMatchObject({ updated: 1, failed: 0 });
    const update = dav.server.sent('PUT').at(-1)!;
    expect(listedEtags).toContain(update.headers['if-match']);
    dav.server.requests.length = 0;
    expect((await sync(plane, store)).totals).toMatchObject({ unchanged: 2 });
    expect(writes(dav)).toEqual([]);
  });

  it('a server that gives no ETag at all: an update is refused rather than written blind', async () => {
    const { plane } = planeWith(1);
    const dav = await serve({ noEtags: true, etagOnPut: false });
    const store = storeAt(dav.url);
    await sync(plane, store);
    plane.update(plane.issues[0]!.id, { name: 'Renamed' });
    const report = await sync(plane, store);
    expect(report.projects[0]!.errors).toEqual([
      expect.objectContaining({ operation: 'update', hint: expect.stringMatching(/will not overwrite blindly/) }),
    ]);
    expect(dav.server.sent('PUT').filter((r) => !r.headers['if-none-match'])).toEqual([]);
  });
});

describe('Fastmail', () => {
  /** MKCALENDAR with a property it dislikes: 207, 403 for that one, 424 for the rest, and no calendar. */
  const refuse = (property: string) => (req: ScriptedRequest) => {
    if (req.method !== 'MKCALENDAR' || !req.body.includes(property)) return undefined;
    return multistatus(response(req.path, propstat(`<${property}/>`, 403), propstat('<d:displayname/>', 424)));
  };

  it('never sends the colour in MKCALENDAR (Fastmail refuses the whole request for it); the colour follows as a PROPPATCH', async () => {
    const dav = await serve({ script: refuse('calendar-color') });
    const store = storeAt(dav.url);
    const url = await store.calendarUrlFor('plane-web');
    await store.createCalendar(url, 'Plane: Web', { color: '#FF5733FF' });
    expect(dav.server.sent('MKCALENDAR')).toHaveLength(1);
    expect(dav.server.sent('MKCALENDAR')[0]!.body).not.toContain('calendar-color');
    expect(dav.server.sent('PROPPATCH')[0]!.body).toContain('calendar-color');
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['Plane: Web']);
  });

  it('a refused colour PROPPATCH is only cosmetic: the calendar is still made', async () => {
    const dav = await serve({
      script: (req) =>
        req.method === 'PROPPATCH' ? multistatus(response(req.path, propstat('<x:calendar-color/>', 403))) : undefined,
    });
    const store = storeAt(dav.url);
    const calendar = await store.createCalendar(await store.calendarUrlFor('plane-web'), 'Plane: Web', {
      color: '#00FF00FF',
    });
    expect(calendar.displayName).toBe('Plane: Web');
  });

  it('a 207 that refuses a property is a failure, never a success: the calendar is made again with its name alone', async () => {
    const dav = await serve({ script: refuse('supported-calendar-component-set') });
    const { plane } = planeWith(2);
    const report = await sync(plane, storeAt(dav.url));
    expect(report.projects[0]!.errors).toEqual([]);
    expect(report.totals.created).toBe(2);
    const [first, second] = dav.server.sent('MKCALENDAR');
    expect(first!.body).toContain('supported-calendar-component-set');
    expect(second!.body).not.toContain('supported-calendar-component-set');
    expect(second!.body).toContain('Plane: Web');
  });

  it('when even the bare MKCALENDAR is refused, the project fails with the reason and nothing is written', async () => {
    const dav = await serve({ script: refuse('displayname') });
    const { plane } = planeWith(2);
    const report = await sync(plane, storeAt(dav.url));
    expect(report.projects[0]!.errors).toEqual([
      expect.objectContaining({ operation: 'create-calendar', status: 403 }),
    ]);
    expect(dav.server.sent('PUT')).toEqual([]);
  });
});

describe('iCloud', () => {
  it.each([
    ['a relative', '/dav/calendars/alice/'],
    ['an absolute', 'ABSOLUTE'],
  ])(
    'principal on another host with %s calendar-home-set: every calendar request goes there, with the credentials',
    async (_kind, home) => {
      const partition = await serve({ host: '127.0.0.2', principal: '/123/principal/' });
      const homeHref = home === 'ABSOLUTE' ? new URL('/dav/calendars/alice/', partition.url).href : home;
      partition.server.setHome(homeHref);
      const front = await serve({ principal: new URL('/123/principal/', partition.url).href });
      const { plane } = planeWith(2);
      const report = await sync(plane, storeAt(front.url));
      expect(report.projects[0]!.errors).toEqual([]);
      expect(report.totals.created).toBe(2);
      expect(front.server.requests.map((r) => r.method)).toEqual(['PROPFIND']); // only the principal lookup
      expect(partition.server.sent('PUT')).toHaveLength(2);
      const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
      expect(partition.server.requests.every((r) => r.headers.authorization === basic)).toBe(true);
    },
  );

  it('a VEVENT without DTEND is refused with 404; every event calplanebot writes has a DTEND, so all are stored', async () => {
    const dav = await serve({
      script: (req) => (req.method === 'PUT' && !/^DTEND[;:]/m.test(req.body) ? { status: 404 } : undefined),
    });
    const { plane } = planeWith(3);
    const store = storeAt(dav.url);
    expect((await sync(plane, store)).totals).toMatchObject({ created: 3, failed: 0 });
    plane.update(plane.issues[2]!.id, { target_date: '2026-02-28' });
    expect((await sync(plane, store)).totals).toMatchObject({ updated: 1, failed: 0 });
  });

  it('property: the rendered and the merged event always carry DTEND, the day after DTSTART', () => {
    const web = project();
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-30T00:00:00Z'), noInvalidDate: true }),
        (date) => {
          const day = date.toISOString().slice(0, 10);
          const model = issueToEvent(issue(web.id, { target_date: day }), web, {
            webUrl: 'https://app.plane.so',
            workspaceSlug: 'acme',
          })!;
          const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000)
            .toISOString()
            .slice(0, 10)
            .replace(/-/g, '');
          for (const text of [renderEvent(model), mergeEvent(renderEvent(model).replace(/^DTEND.*\r\n/m, ''), model)]) {
            expect(text).toMatch(new RegExp(`^DTEND;VALUE=DATE:${next}\\r$`, 'm'));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Google', () => {
  /** Google: no If-* header but If-Match (a bare 400), and the resource name is the UID. */
  const google = (req: ScriptedRequest) => {
    if (req.method === 'PUT' && req.headers['if-none-match'])
      return {
        status: 400,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<D:error xmlns:D="DAV:"/>',
      };
    if (req.method === 'PUT' && !req.path.endsWith(`/${uidIn(req)}.ics`)) return { status: 409 }; // only reachable at <UID>.ics
    return undefined;
  };

  it('If-None-Match refused (400): detected, then each create looks before it writes plainly; every event is stored once', async () => {
    const dav = await serve({ script: google });
    const { plane, web } = planeWith(3);
    const store = storeAt(dav.url);
    const report = await sync(plane, store);
    expect(report.projects[0]!.errors).toEqual([]);
    expect(report.totals.created).toBe(3);
    const calendarPath = [...dav.server.calendars.keys()][0]!;
    expect(
      dav.server
        .objectsIn(calendarPath)
        .map((o) => o.name)
        .sort(),
    ).toEqual(plane.issues.map((i) => `${uidForIssue(i.id)}.ics`).sort());

    // Found out once per store: later creates never send If-None-Match, and always look first.
    plane.issues.push(issue(web.id, { target_date: '2026-01-05' }), issue(web.id, { target_date: '2026-01-06' }));
    dav.server.requests.length = 0;
    expect((await sync(plane, store)).totals).toMatchObject({ created: 2, unchanged: 3, failed: 0 });
    const puts = dav.server.sent('PUT');
    expect(puts).toHaveLength(2);
    expect(puts.every((r) => r.headers['if-none-match'] === undefined)).toBe(true);
    expect(
      dav.server
        .sent('GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual(puts.map((r) => r.path).sort());

    dav.server.requests.length = 0;
    expect((await sync(plane, store)).totals).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    expect(writes(dav)).toEqual([]);
  });

  it('without If-None-Match, an object already there is never overwritten blind (a lost race, re-planned)', async () => {
    const dav = await serve({ script: google });
    const store = storeAt(dav.url);
    const calendar = await store.createCalendar(await store.calendarUrlFor('plane-web'), 'Plane: Web');
    const uid = uidForIssue('0f0e0d0c-0b0a-4908-8706-050403020100');
    const href = `${calendar.url}${encodeURIComponent(uid)}.ics`;
    const ics = (summary: string) =>
      `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250102\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    await store.create(href, ics('first')); // finds out about If-None-Match
    await expect(store.create(href, ics('second'))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.get(href))!.data).toContain('SUMMARY:first');
  });

  it('MKCALENDAR is not supported (405): the error says to create the calendar by hand, and one with the expected name is adopted', async () => {
    const dav = await serve({
      script: (req) => (req.method === 'MKCALENDAR' ? { status: 405, body: 'Method Not Allowed' } : google(req)),
    });
    const { plane } = planeWith(2);
    const store = storeAt(dav.url);
    const refused = await sync(plane, store);
    expect(refused.projects[0]!.errors).toEqual([
      expect.objectContaining({
        operation: 'create-calendar',
        status: 405,
        hint: expect.stringMatching(/create one with the name calplanebot would give it/),
      }),
    ]);

    dav.server.calendars.set(`${dav.server.homePath}made-by-hand/`, {
      displayName: 'Plane: Web',
      color: undefined,
      objects: new Map(),
    });
    const adopted = await sync(plane, store);
    expect(adopted.projects[0]!.errors).toEqual([]);
    expect(adopted.totals.created).toBe(2);
    expect(dav.server.objectsIn(`${dav.server.homePath}made-by-hand/`)).toHaveLength(2);
  });
});

describe('the status map', () => {
  it('a 207 carrying a failure inside is never a success, whatever the outer status says', async () => {
    const dav = await serve({
      script: (req) =>
        req.method === 'PUT'
          ? multistatus(response(req.path, propstat('', 200)), response(req.path, propstat('', 409)))
          : undefined,
    });
    const store = storeAt(dav.url);
    const calendar = await store.createCalendar(await store.calendarUrlFor('x'), 'X');
    const error = await store
      .create(`${calendar.url}a.ics`, 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(409);
  });
});

describe('Radicale and Xandikos', () => {
  it('Radicale: a create refused with 409 no-uid-conflict (the UID lives under another name) is found and updated there: no duplicate', async () => {
    const { plane } = planeWith(2);
    const racing = plane.issues[1]!;
    const uid = uidForIssue(racing.id);
    let calendarPath = '';
    const dav = await serve({
      script: (req, server) => {
        if (req.method === 'MKCALENDAR') calendarPath = req.path;
        if (req.method !== 'PUT' || uidIn(req) !== uid || !req.headers['if-none-match']) return undefined;
        server.putDirect(
          `${calendarPath}placed-by-hand.ics`,
          req.body.replace(/SUMMARY:.*\r\n/, 'SUMMARY:Stale copy\r\n'),
        );
        // Radicale 3.1 (app/put.py → _webdav_error_response): 409 with the CalDAV precondition element.
        return {
          status: 409,
          headers: { 'content-type': 'text/xml; charset=utf-8' },
          body: `<?xml version='1.0' encoding='utf-8'?>\n<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict /></D:error>`,
        };
      },
    });
    const store = storeAt(dav.url);
    const report = await sync(plane, store);
    expect(report.projects[0]!.errors).toEqual([]);
    expect(report.totals).toMatchObject({ created: 2, failed: 0 });
    const objects = dav.server.objectsIn(calendarPath);
    expect(objects.filter((o) => o.data.includes(`UID:${uid}`)).map((o) => o.name)).toEqual(['placed-by-hand.ics']);
    expect(objects.find((o) => o.name === 'placed-by-hand.ics')!.data).toContain(
      `SUMMARY:[${racing.sequence_id}] ${racing.name}`,
    );
    expect((await sync(plane, store)).totals).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 2 });
  });

  it('Radicale: a 409 without no-uid-conflict is a plain failure of that event, not a lost race', async () => {
    const { plane } = planeWith(2);
    const refused = uidForIssue(plane.issues[0]!.id);
    const dav = await serve({
      script: (req) =>
        req.method === 'PUT' && uidIn(req) === refused
          ? { status: 409, headers: { 'content-type': 'text/plain' }, body: 'Conflict in the request.' }
          : undefined,
    });
    const report = await sync(plane, storeAt(dav.url));
    expect(report.projects[0]!.errors).toEqual([
      expect.objectContaining({ operation: 'create', uid: refused, status: 409 }),
    ]);
    expect(dav.server.sent('PUT').filter((r) => uidIn(r) === refused)).toHaveLength(1); // no re-plan, no retry
    expect(report.totals.created).toBe(1);
  });

  it("Xandikos: an update answered 207 wrapping 412 is a lost race like a bare 412: re-read, re-planned, the other writer's change kept", async () => {
    const { plane } = planeWith(2);
    let raced = false;
    const target = plane.issues[0]!;
    const uid = uidForIssue(target.id);
    const dav = await serve({
      script: (req, server) => {
        if (raced || req.method !== 'PUT' || uidIn(req) !== uid || !req.headers['if-match']) return undefined;
        raced = true;
        // Another client added an alarm a moment earlier, so our If-Match no longer holds.
        const current = server.objectsIn(req.path.replace(/[^/]+$/, '')).find((o) => o.data.includes(`UID:${uid}`))!;
        server.putDirect(
          req.path,
          current.data.replace(
            'END:VEVENT',
            'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT',
          ),
        );
        // Xandikos answers a refused conditional PUT with a multistatus carrying the real status.
        const body = `<?xml version="1.0" encoding="utf-8"?>\n<ns0:multistatus xmlns:ns0="DAV:"><ns0:response><ns0:href>${req.path}</ns0:href><ns0:status>HTTP/1.1 412 Precondition Failed</ns0:status></ns0:response></ns0:multistatus>`;
        return { status: 207, headers: { 'content-type': 'application/xml; charset=utf-8' }, body };
      },
    });
    const real = storeAt(dav.url);
    await sync(plane, real);
    plane.update(target.id, { name: 'Renamed while raced' });
    dav.server.requests.length = 0;
    const report = await sync(plane, real);
    expect(report.projects[0]!.errors).toEqual([]);
    expect(report.totals).toMatchObject({ updated: 1, failed: 0 });
    expect(dav.server.sent('PUT').filter((r) => uidIn(r) === uid)).toHaveLength(2);
    expect(dav.server.sent('GET')).toHaveLength(1); // the re-read
    const stored = dav.server
      .objectsIn([...dav.server.calendars.keys()][0]!)
      .find((o) => o.data.includes(`UID:${uid}`))!;
    expect(stored.data).toContain('Renamed while raced');
    expect(stored.data).toContain('TRIGGER:-PT10M');
  });

  it('a truncated sync-collection (507 on the collection) is asked again from the token it gave, until complete', async () => {
    const bodies: string[] = [];
    const dav = await serve({
      script: (req) => {
        if (req.method !== 'REPORT' || !req.body.includes('sync-collection')) return undefined;
        bodies.push(req.body);
        const first = req.body.includes('<d:sync-token>t0</d:sync-token>');
        const body = first
          ? '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>"a1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>t1</d:sync-token></d:multistatus>'
          : '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/cal/a.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:response><d:href>/cal/b.ics</d:href><d:propstat><d:prop><d:getetag>"b1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:sync-token>t2</d:sync-token></d:multistatus>';
        return { status: 207, headers: { 'content-type': 'application/xml; charset=utf-8' }, body };
      },
    });
    const calendar = { url: `${dav.url}cal/`, displayName: 'cal' };
    const changes = await storeAt(dav.url).changesSince(calendar, 't0');
    // The later answer of a member counts: a.ics changed, then went away.
    expect(changes).toEqual({
      token: 't2',
      changed: [{ href: `${dav.url}cal/b.ics`, etag: '"b1"' }],
      removed: [`${dav.url}cal/a.ics`],
    });
    expect(bodies.map((b) => /<d:sync-token>([^<]*)</.exec(b)?.[1])).toEqual(['t0', 't1']);
  });
});
