/**
 * What DavCalendarStore does with the URLs a server hands back (principal, calendar home, object
 * hrefs) and with a stray 400: the credentials never travel in clear text to a host the config
 * did not allow, an object outside the calendar's origin is never read as the calendar's, and one
 * odd answer does not switch off the race protection of If-None-Match.
 *
 * Hosts under `.example.test` are routed to the scripted server on loopback by the transport, so a
 * "remote" host can be exercised for real; every URL the store asked for is recorded.
 */
import { describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../../src/caldav/dav-store.js';
import { HttpError } from '../../../src/errors.js';
import { uidForIssue } from '../../../src/event/uid.js';
import { createHttpClient, type FetchLike } from '../../../src/http/fetcher.js';
import { propstat, type RunningDav, response, type ScriptedRequest, useScriptedDav } from './quirks-server.js';

const PASSWORD = 'scripted-password-91';
const serve = useScriptedDav();

interface Harness {
  store: DavCalendarStore;
  /** Every URL the store had the transport fetch, as asked. */
  asked: string[];
  warnings: string[];
}

function storeAt(dav: RunningDav, options: { allowInsecureHttp?: boolean } = {}): Harness {
  const asked: string[] = [];
  const warnings: string[] = [];
  const loopback = new URL(dav.url);
  const transport: FetchLike = (url, init) => {
    asked.push(url);
    const target = new URL(url);
    if (target.hostname.endsWith('.example.test')) {
      target.protocol = 'http:';
      target.host = loopback.host;
    }
    return fetch(target.href, init);
  };
  const policy = { timeoutMs: 5_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 };
  const store = new DavCalendarStore({
    serverUrl: dav.url,
    username: 'alice',
    password: PASSWORD,
    http: createHttpClient({ service: 'caldav', policy, fetchImpl: transport }),
    allowInsecureHttp: options.allowInsecureHttp,
    onWarning: (message) => warnings.push(message),
  });
  return { store, asked, warnings };
}

const hostsOf = (urls: string[]) => [...new Set(urls.map((u) => new URL(u).host))];

describe('URLs from the server: https unless loopback or http.allowInsecureHttp', () => {
  it('a principal on another host over http:// is refused before any request goes there', async () => {
    const dav = await serve({ principal: 'http://partition.example.test/dav/principals/alice/' });
    const { store, asked } = storeAt(dav);
    const error = await store.listCalendars().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toMatch(
      /^refused PROPFIND http:\/\/partition\.example\.test\/dav\/principals\/alice\/: the URL uses http:\/\/ to the non-loopback host partition\.example\.test/,
    );
    expect((error as HttpError).hint).toMatch(/http\.allowInsecureHttp/);
    expect(hostsOf(asked)).toEqual([new URL(dav.url).host]); // the credentials went only where the config said
  });

  it('with http.allowInsecureHttp the same principal is followed', async () => {
    const dav = await serve({ principal: 'http://partition.example.test/dav/principals/alice/' });
    dav.server.calendars.set(`${dav.server.homePath}work/`, {
      displayName: 'Work',
      color: undefined,
      objects: new Map(),
    });
    const { store, asked } = storeAt(dav, { allowInsecureHttp: true });
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['Work']);
    expect(hostsOf(asked)).toEqual([new URL(dav.url).host, 'partition.example.test']);
  });

  it('discovery may move to another host over https (iCloud partitions)', async () => {
    const dav = await serve({ principal: 'https://p07-caldav.example.test/dav/principals/alice/' });
    dav.server.calendars.set(`${dav.server.homePath}work/`, {
      displayName: 'Work',
      color: undefined,
      objects: new Map(),
    });
    const { store, asked } = storeAt(dav);
    expect((await store.listCalendars()).map((c) => c.displayName)).toEqual(['Work']);
    expect(asked.slice(1).every((u) => u.startsWith('https://p07-caldav.example.test/'))).toBe(true);
  });

  it('a calendar home that is not http(s) at all is refused', async () => {
    const dav = await serve({ home: 'file:///etc/' });
    const { store, asked } = storeAt(dav);
    const error = await store.listCalendars().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toMatch(/refused PROPFIND .*must be an http:\/\/ or https:\/\/ URL/);
    expect(asked.every((u) => u.startsWith(dav.url))).toBe(true);
  });
});

describe('object hrefs in a calendar listing', () => {
  const owned = (issueId: string) =>
    `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:${uidForIssue(issueId)}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250102\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

  it("must be on the calendar's own origin: one elsewhere is skipped, reported, and never requested", async () => {
    const elsewhere = 'https://elsewhere.example.test/dav/calendars/alice/cal/plane-issue.ics';
    const dav = await serve({
      script: (req: ScriptedRequest, server) => {
        if (req.method !== 'REPORT') return undefined;
        const standard = server.standard(req);
        const extra = response(
          elsewhere,
          propstat(
            `<d:getetag>"x1"</d:getetag><c:calendar-data>${owned('0f0e0d0c-0b0a-4908-8706-050403020100')}</c:calendar-data>`,
            200,
          ),
        );
        return { ...standard, body: standard.body?.replace('</d:multistatus>', `${extra}</d:multistatus>`) };
      },
    });
    const { store, asked, warnings } = storeAt(dav);
    const calendar = await store.createCalendar(await store.calendarUrlFor('cal'), 'Cal');
    const mine = dav.server.putDirect(
      `${dav.server.homePath}cal/mine.ics`,
      owned('1f0e0d0c-0b0a-4908-8706-050403020100'),
    );

    const listed = await store.list(calendar);
    expect(listed.map((o) => [new URL(o.href).pathname, o.etag])).toEqual([
      [`${dav.server.homePath}cal/mine.ics`, mine],
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^skipped 1 object\(s\) that the listing of .* placed on another origin \(e\.g\. https:\/\/elsewhere\.example\.test\//,
      ),
    ]);
    expect(hostsOf(asked)).toEqual([new URL(dav.url).host]);
  });
});

describe('If-None-Match refused with a bare 400', () => {
  const ics = (n: number) =>
    `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:object-${n}@test\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250102\r\nSUMMARY:${n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
  const bare400 = {
    status: 400,
    headers: { 'content-type': 'application/xml' },
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<D:error xmlns:D="DAV:"/>',
  };

  /** Answers the listed If-None-Match PUTs (1-based, counting only those) with a bare 400. */
  async function refusing(which: number[]) {
    let conditional = 0;
    const dav = await serve({
      script: (req) => {
        if (req.method !== 'PUT' || !req.headers['if-none-match']) return undefined;
        conditional += 1;
        return which.includes(conditional) ? bare400 : undefined;
      },
    });
    const { store } = storeAt(dav);
    const calendar = await store.createCalendar(await store.calendarUrlFor('cal'), 'Cal');
    const create = (n: number) => store.create(`${calendar.url}${n}.ics`, ics(n));
    const puts = () => dav.server.sent('PUT').map((r) => (r.headers['if-none-match'] ? 'conditional' : 'plain'));
    return { dav, create, puts };
  }

  it('one stray bare 400 (a proxy): that create looks first, later creates keep If-None-Match', async () => {
    const { dav, create, puts } = await refusing([1]);
    for (const n of [1, 2, 3]) await create(n);
    expect(puts()).toEqual(['conditional', 'plain', 'conditional', 'conditional']);
    expect(dav.server.sent('GET').map((r) => r.path)).toEqual([`${dav.server.homePath}cal/1.ics`]); // the existence check
    expect(dav.server.objectsIn(`${dav.server.homePath}cal/`)).toHaveLength(3);
  });

  it('two bare 400s in a row, each with its existence check, before If-None-Match is given up', async () => {
    const { dav, create, puts } = await refusing([1, 2]);
    for (const n of [1, 2, 3]) await create(n);
    expect(puts()).toEqual(['conditional', 'plain', 'conditional', 'plain', 'plain']);
    expect(dav.server.sent('GET')).toHaveLength(3); // every create without If-None-Match looked first
  });

  it('bare 400s that are not in a row are not taken for a server that refuses If-None-Match', async () => {
    const { create, puts } = await refusing([1, 3]);
    for (const n of [1, 2, 3, 4]) await create(n);
    expect(puts()).toEqual(['conditional', 'plain', 'conditional', 'conditional', 'plain', 'conditional']);
  });
});
