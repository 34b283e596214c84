/**
 * CalendarStore over a real CalDAV server, using tsdav for the WebDAV requests and the shared
 * HttpClient underneath (timeouts, retries, counting). Every HTTP status becomes a typed error in
 * `statusError()`; nothing above this file reads a status code.
 */

import type { DAVAccount, DAVResponse } from 'tsdav';
import { checkTransport } from '../config/url.js';
import { AuthError, HttpError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { describeUrl, type HttpClient, type HttpResponse, type RequestOptions } from '../http/fetcher.js';
import {
  type ListedCollection,
  type ListedMember,
  readCollections,
  readMultistatus,
  readSyncDelta,
} from './multistatus.js';
import type {
  CalendarChanges,
  CalendarRef,
  CalendarStore,
  NewCalendarOptions,
  RemoteObject,
  WriteResult,
} from './store.js';

export interface DavStoreOptions {
  serverUrl: string;
  username: string;
  password: string;
  http: HttpClient;
  /** A discovery remembered from an earlier run (src/ops/discovery-cache.ts): skips two PROPFINDs. */
  discovery?: DavDiscovery | undefined;
  /** `http.allowInsecureHttp`: without it every URL the store requests must be https (or loopback). */
  allowInsecureHttp?: boolean | undefined;
  /** Told about what the store skipped rather than trusted (an object href on another origin). */
  onWarning?: ((message: string) => void) | undefined;
}

/** Where discovery led: the principal and its calendar home. */
export interface DavDiscovery {
  principalUrl: string;
  homeUrl: string;
}

type TsdavFetch = typeof globalThis.fetch;

const loadTsdav = () => import('tsdav');
let tsdavModule: ReturnType<typeof loadTsdav> | undefined;

/** tsdav, loaded when first needed (discovery, MKCALENDAR, PROPPATCH): a cron run with a cached discovery never needs it. */
function tsdav(): ReturnType<typeof loadTsdav> {
  tsdavModule ??= loadTsdav();
  return tsdavModule;
}

/** calplanebot's own XML namespace, for the dead property that marks an adopted calendar. */
const CALPLANEBOT_NS = 'urn:x-calplanebot';
const MARK = 'cpb:project-id';
const MARK_NS = { 'xmlns:cpb': CALPLANEBOT_NS };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every object of a calendar with its ETag and data. VCALENDAR, not VEVENT: ownership is judged on all of them. */
const CALENDAR_QUERY = `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"/></c:filter>
</c:calendar-query>`;

/** hrefs per calendar-multiget: a few hundred kilobytes of answer. */
const MULTIGET_BATCH = 100;

/** sync-collection answers followed while the server truncates them (507), before giving up on the delta. */
const MAX_SYNC_ROUNDS = 50;

const REMOVED = Symbol('removed');

function calendarMultiget(hrefs: readonly string[]): string {
  const list = hrefs.map((href) => `<d:href>${escapeXml(new URL(href).pathname)}</d:href>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>${list}
</c:calendar-multiget>`;
}

/** RFC 6578 §3.2: an empty sync-token asks for every member (the initial sync). */
function syncCollection(token: string | undefined): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:">
  <d:sync-token>${escapeXml(token ?? '')}</d:sync-token><d:sync-level>1</d:sync-level>
  <d:prop><d:getetag/></d:prop>
</d:sync-collection>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** CALENDAR_PROPS as an XML body, for the calendar list's own PROPFIND. */
const CALENDAR_LIST_PROPFIND = `<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:cpb="${CALPLANEBOT_NS}">
  <d:prop><d:displayname/><d:resourcetype/><cs:getctag/><d:sync-token/><c:supported-calendar-component-set/><cpb:project-id/></d:prop>
</d:propfind>`;

const CALENDAR_PROPS = {
  'd:displayname': {},
  'd:resourcetype': {},
  'cs:getctag': {},
  'd:sync-token': {},
  'c:supported-calendar-component-set': {},
  [MARK]: { _attributes: MARK_NS },
};

/** Two creates in a row answered with a bare 400 before If-None-Match is given up (a stray proxy 400 is not Google). */
const BARE_400S_TO_CONFIRM = 2;

export class DavCalendarStore implements CalendarStore {
  private account: DAVAccount | undefined;
  /** The server refused If-None-Match (Google): creates look before they write. */
  private noIfNoneMatch = false;
  /** Creates answered with a bare 400 in a row, each handled by looking first; at BARE_400S_TO_CONFIRM it is remembered. */
  private bare400s = 0;
  /** The account came from options.discovery, not from a discovery in this process. */
  private seeded: boolean;
  /** The calendar list that came with discovery (home = principal), for the first listCalendars(). */
  private prefetched: CalendarRef[] | undefined;
  private readonly headers: Record<string, string>;
  private readonly fetch: (url: string, init?: RequestInit) => Promise<HttpResponse>;
  /**
   * The same, as tsdav's `fetch` option. tsdav reads only status, ok, statusText, url,
   * headers.get(), text() and json() of an answer, all of which HttpResponse has.
   */
  private readonly tsdavFetch: TsdavFetch;

  constructor(private readonly options: DavStoreOptions) {
    const token = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.headers = { authorization: `Basic ${token}` };
    this.fetch = this.checkedFetch.bind(this);
    this.tsdavFetch = this.fetch as unknown as TsdavFetch;
    const seed = options.discovery;
    this.seeded = seed !== undefined;
    if (seed)
      this.account = { serverUrl: options.serverUrl, rootUrl: options.serverUrl, accountType: 'caldav', ...seed };
  }

  /** The discovery this store works with, once known (to remember it for the next run). */
  get discovery(): DavDiscovery | undefined {
    const { principalUrl, homeUrl } = this.account ?? {};
    return principalUrl && homeUrl ? { principalUrl, homeUrl } : undefined;
  }

  /**
   * Discovery (principal → calendar home), once per store. The configured URL is tried as a DAV
   * endpoint first (one or two PROPFINDs); only when that fails does tsdav walk /.well-known/caldav.
   */
  private async home(): Promise<DAVAccount & { homeUrl: string; rootUrl: string }> {
    this.account ??= (await this.discoverDirect()) ?? (await this.discoverWellKnown());
    const { homeUrl, rootUrl } = this.account;
    if (!homeUrl || !rootUrl) {
      throw new HttpError(
        'caldav',
        `no calendar home found at ${describeUrl(this.options.serverUrl)}`,
        undefined,
        'PROPFIND',
        describeUrl(this.options.serverUrl),
        {
          hint: 'check caldav.serverUrl and that the account has calendars enabled',
        },
      );
    }
    return { ...this.account, homeUrl, rootUrl };
  }

  /**
   * One PROPFIND asks the configured URL for the current user's principal and, should the URL be
   * that principal, its calendar home. Otherwise a Depth-1 PROPFIND on the principal asks for the
   * home and for the calendar properties of its members: where the home is the principal itself
   * (Radicale, and others) that answer is the calendar list too, and listCalendars() costs nothing.
   */
  private async discoverDirect(): Promise<DAVAccount | undefined> {
    const serverUrl = this.options.serverUrl;
    const account: DAVAccount = { serverUrl, rootUrl: serverUrl, accountType: 'caldav' };
    try {
      const [root] = await (await tsdav()).propfind({
        url: serverUrl,
        props: { 'd:current-user-principal': {}, 'c:calendar-home-set': {} },
        depth: '0',
        headers: this.headers,
        fetch: this.tsdavFetch,
      });
      const principalHref = hrefOf(root?.props?.currentUserPrincipal);
      if (!principalHref) throw new Error('no current-user-principal');
      const principalUrl = new URL(principalHref, serverUrl).href;
      const ownHome = hrefOf(root?.props?.calendarHomeSet);
      if (ownHome && samePath(principalUrl, serverUrl))
        return { ...account, principalUrl, homeUrl: new URL(ownHome, serverUrl).href };
      return { ...account, principalUrl, homeUrl: await this.homeOfPrincipal(principalUrl) };
    } catch (error) {
      // Refused credentials, an unreachable host or a broken server will not get better elsewhere.
      if (error instanceof AuthError) throw error;
      if (error instanceof HttpError && (error.status === undefined || error.status >= 500)) throw error;
      return undefined; // not a DAV endpoint itself: try service discovery
    }
  }

  /**
   * The principal's calendar home, with the calendar list when the home is the principal. The
   * principal may live on another host (iCloud's partition hosts): its answer's hrefs are relative
   * to the principal URL, so that is the base they are resolved against. A server that refuses
   * Depth 1 there is asked the plain Depth-0 question.
   */
  private async homeOfPrincipal(principalUrl: string): Promise<string> {
    let responses: DAVResponse[];
    try {
      responses = await (await tsdav()).propfind({
        url: principalUrl,
        props: { 'c:calendar-home-set': {}, ...CALENDAR_PROPS },
        depth: '1',
        headers: this.headers,
        fetch: this.tsdavFetch,
      });
    } catch (error) {
      // 401 is the credentials; a 403 may be the Depth, and the Depth-0 question tells which.
      if (error instanceof AuthError && error.status === 401) throw error;
      const account: DAVAccount = {
        serverUrl: this.options.serverUrl,
        rootUrl: principalUrl,
        principalUrl,
        accountType: 'caldav',
      };
      return (await tsdav()).fetchHomeUrl({ account, headers: this.headers, fetch: this.tsdavFetch });
    }
    const principal = responses.find(
      (r) => r.href !== undefined && samePath(new URL(r.href, principalUrl).href, principalUrl),
    );
    const homeHref = hrefOf(principal?.props?.calendarHomeSet);
    if (!homeHref) throw new Error('no calendar-home-set');
    const homeUrl = new URL(homeHref, principalUrl).href;
    // Only an answer with members is a listing: a server that ignored the Depth shows none.
    if (samePath(homeUrl, principalUrl) && responses.length > 1) this.prefetched = calendarsIn(responses, homeUrl);
    return homeUrl;
  }

  private async discoverWellKnown(): Promise<DAVAccount> {
    try {
      return await (await tsdav()).createAccount({
        account: { serverUrl: this.options.serverUrl, accountType: 'caldav' },
        headers: this.headers,
        fetch: this.tsdavFetch,
      });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(
        'caldav',
        `CalDAV discovery failed at ${describeUrl(this.options.serverUrl)}: ${messageOf(error)}`,
        undefined,
        'PROPFIND',
        describeUrl(this.options.serverUrl),
        {
          hint: 'check caldav.serverUrl: it should point at the CalDAV server root or your principal URL',
          cause: error,
        },
      );
    }
  }

  async calendarUrlFor(slug: string): Promise<string> {
    const { homeUrl } = await this.home();
    return new URL(`${encodeURIComponent(slug)}/`, ensureSlash(homeUrl)).href;
  }

  async listCalendars(): Promise<CalendarRef[]> {
    try {
      return await this.calendarsOfHome();
    } catch (error) {
      // A remembered calendar home that is gone or no longer ours (account moved or renamed):
      // discover afresh, once. Refused credentials are refused again there, and reported as such.
      if (!(error instanceof NotFoundError || error instanceof AuthError) || !this.seeded) throw error;
      this.seeded = false;
      this.account = undefined;
      return this.calendarsOfHome();
    }
  }

  /** The list discovery brought along, once (a later call wants a fresh one); else one PROPFIND. */
  private async calendarsOfHome(): Promise<CalendarRef[]> {
    const { homeUrl } = await this.home();
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    if (prefetched) return prefetched;
    // One PROPFIND for all calendars (tsdav's fetchCalendars adds a request per calendar), read
    // with sax: a cron run whose discovery is cached then never loads tsdav.
    const response = await this.fetch(homeUrl, {
      method: 'PROPFIND',
      headers: { ...this.headers, depth: '1', 'content-type': 'text/xml; charset=utf-8' },
      body: CALENDAR_LIST_PROPFIND,
    });
    return calendarsFrom(readOrExplain(response, homeUrl, 'PROPFIND', 'the calendar list', readCollections), homeUrl);
  }

  async createCalendar(
    url: string,
    displayName: string,
    { component = 'VEVENT', color }: NewCalendarOptions = {},
  ): Promise<CalendarRef> {
    // Never the colour: Fastmail refuses a whole MKCALENDAR (207: 403 + 424, nothing created)
    // over a property it dislikes. Should the component set be refused the same way, the
    // calendar is made with its display name alone (and takes any component).
    const set = { 'c:supported-calendar-component-set': { 'c:comp': { _attributes: { name: component } } } };
    const first = await this.mkcalendar(url, { displayname: displayName, ...set });
    const refused = first.status === 207 && innerFailure(first.body) !== undefined;
    const answer = refused ? await this.mkcalendar(url, { displayname: displayName }) : first;
    throwIfFailed(answer, 'MKCALENDAR', url);
    if (color)
      await this.proppatch(url, { 'x:calendar-color': color }, { 'xmlns:x': 'http://apple.com/ns/ical/' }).catch(
        () => undefined,
      );
    return { url, displayName, ...(refused ? {} : { components: [component] }) };
  }

  private async mkcalendar(url: string, props: Record<string, unknown>): Promise<DavAnswer> {
    this.prefetched = undefined; // the calendar set changes: a list from before is stale
    const [response] = await (await tsdav()).davRequest({
      url,
      init: {
        method: 'MKCALENDAR',
        namespace: 'd',
        headers: this.headers,
        body: {
          'c:mkcalendar': {
            _attributes: { 'xmlns:d': 'DAV:', 'xmlns:c': 'urn:ietf:params:xml:ns:caldav' },
            set: { prop: props },
          },
        },
      },
      parseOutgoing: false, // the raw answer: tsdav's parser drops the propstats that failed
      fetch: this.tsdavFetch,
    });
    return rawAnswer(response);
  }

  async renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    await this.proppatch(calendar.url, { 'd:displayname': displayName }, {});
  }

  async markCalendar(calendar: CalendarRef, projectId: string): Promise<void> {
    await this.proppatch(calendar.url, { [MARK]: projectId }, MARK_NS);
  }

  private async proppatch(
    url: string,
    props: Record<string, string>,
    namespaces: Record<string, string>,
  ): Promise<void> {
    this.prefetched = undefined;
    const [response] = await (await tsdav()).davRequest({
      url,
      init: {
        method: 'PROPPATCH',
        namespace: 'd',
        headers: this.headers,
        body: { propertyupdate: { _attributes: { 'xmlns:d': 'DAV:', ...namespaces }, set: { prop: props } } },
      },
      parseOutgoing: false,
      fetch: this.tsdavFetch,
    });
    throwIfFailed(rawAnswer(response), 'PROPPATCH', url);
  }

  /** One calendar-query REPORT, read by readMultistatus (multistatus.ts) rather than tsdav: see there why. */
  async list(calendar: CalendarRef): Promise<RemoteObject[]> {
    return this.objectsOf(calendar, 'the listing', CALENDAR_QUERY, '1');
  }

  /** calendar-multiget, MULTIGET_BATCH hrefs a request; a member the server no longer has is left out. */
  async getMany(calendar: CalendarRef, hrefs: readonly string[]): Promise<RemoteObject[]> {
    const found: RemoteObject[] = [];
    for (let start = 0; start < hrefs.length; start += MULTIGET_BATCH) {
      const batch = hrefs.slice(start, start + MULTIGET_BATCH);
      found.push(...(await this.objectsOf(calendar, 'the multiget', calendarMultiget(batch), undefined)));
    }
    return found;
  }

  /**
   * sync-collection (RFC 6578 §3.2), asked again from the new token while the server truncates
   * its answer (507); the later answer of a member counts.
   */
  async changesSince(calendar: CalendarRef, token: string | undefined): Promise<CalendarChanges> {
    const members = new Map<string, string | null | typeof REMOVED>();
    let next = token;
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      // Xandikos answers a token it does not know with a 500: the listing is the way round, not a retry.
      const response = await this.checkedFetch(
        calendar.url,
        {
          method: 'REPORT',
          headers: { ...this.headers, depth: '0', 'content-type': 'text/xml; charset=utf-8' },
          body: syncCollection(next),
        },
        { retryServerErrors: false },
      );
      const delta = readOrExplain(response, calendar.url, 'REPORT', 'the sync-collection answer', readSyncDelta);
      for (const { href, etag } of delta.changed) members.set(absoluteIn(href, calendar.url), etag || null);
      for (const href of delta.removed) members.set(absoluteIn(href, calendar.url), REMOVED);
      next = delta.token;
      if (!delta.truncated) {
        const changes: CalendarChanges = { token: delta.token, changed: [], removed: [] };
        const origin = new URL(calendar.url).origin;
        for (const [href, etag] of members) {
          // The collection itself, and what the listing would skip too (another origin).
          if (samePath(href, calendar.url) || new URL(href).origin !== origin) continue;
          if (etag === REMOVED) changes.removed.push(href);
          else changes.changed.push({ href, etag });
        }
        return changes;
      }
    }
    throw new HttpError(
      'caldav',
      `the sync-collection of ${describeUrl(calendar.url)} was still truncated after ${MAX_SYNC_ROUNDS} answers`,
      507,
      'REPORT',
      describeUrl(calendar.url),
    );
  }

  /** A REPORT answered with calendar objects (listing, multiget), read and checked for their origin. */
  private async objectsOf(
    calendar: CalendarRef,
    what: string,
    body: string,
    depth: string | undefined,
  ): Promise<RemoteObject[]> {
    const response = await this.fetch(calendar.url, {
      method: 'REPORT',
      headers: { ...this.headers, ...(depth ? { depth } : {}), 'content-type': 'text/xml; charset=utf-8' },
      body,
    });
    const members = readOrExplain(response, calendar.url, 'REPORT', what, readMultistatus);
    const { objects, offOrigin } = toRemoteObjects(members, calendar.url);
    if (offOrigin.length > 0) {
      this.options.onWarning?.(
        `skipped ${offOrigin.length} object(s) that ${what} of ${describeUrl(calendar.url)} placed on another origin (e.g. ${describeUrl(offOrigin[0] ?? '')}): calplanebot reads and writes only objects inside the calendar's own origin`,
      );
    }
    return objects;
  }

  async get(href: string): Promise<RemoteObject | null> {
    // A plain GET: one request, and the ETag comes as a header (a multiget of a missing href fails the whole REPORT on some servers).
    try {
      const response = await this.fetch(href, { method: 'GET', headers: { ...this.headers, accept: 'text/calendar' } });
      const data = await response.text();
      return { href, etag: response.headers.get('etag'), data: ensureTrailingCrlf(data) };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  async create(href: string, data: string): Promise<WriteResult> {
    if (this.noIfNoneMatch) return this.createIfAbsent(href, data);
    const answer = await this.put(href, data, { 'if-none-match': '*' });
    if (!refusesIfNoneMatch(answer)) {
      this.bare400s = 0;
      return writeOutcome(answer, 'PUT', href);
    }
    // Google supports no If-* header but If-Match and answers 400: look first, then PUT plainly.
    // Only a repeated bare 400 turns If-None-Match off for the store: one may come from a proxy.
    const result = await this.createIfAbsent(href, data);
    this.bare400s += 1;
    if (this.bare400s >= BARE_400S_TO_CONFIRM) this.noIfNoneMatch = true;
    return result;
  }

  /** A create without If-None-Match: refused (like a 412) when something is there already. */
  private async createIfAbsent(href: string, data: string): Promise<WriteResult> {
    if (await this.get(href)) {
      throw new PreconditionFailedError(
        'caldav',
        `PUT ${describeUrl(href)}: an object already exists there`,
        412,
        'PUT',
        describeUrl(href),
      );
    }
    return writeOutcome(await this.put(href, data, {}), 'PUT', href);
  }

  /** A conditional PUT. Plain requests, not tsdav's wrappers of them: a run that only writes never loads tsdav. */
  private async put(href: string, data: string, conditions: Record<string, string>): Promise<DavAnswer> {
    const response = await this.fetch(href, {
      method: 'PUT',
      headers: { ...this.headers, 'content-type': 'text/calendar; charset=utf-8', ...conditions },
      body: data,
    });
    return readAnswer(response);
  }

  async update(href: string, data: string, etag: string | null): Promise<WriteResult> {
    const current = etag ?? (await this.requireEtag(href));
    return writeOutcome(await this.put(href, data, { 'if-match': current }), 'PUT', href);
  }

  async delete(href: string, etag: string | null): Promise<void> {
    let current: string;
    try {
      current = etag ?? (await this.requireEtag(href));
    } catch (error) {
      if (error instanceof NotFoundError) return;
      throw error;
    }
    try {
      const response = await this.fetch(href, { method: 'DELETE', headers: { ...this.headers, 'if-match': current } });
      writeOutcome(await readAnswer(response), 'DELETE', href);
    } catch (error) {
      if (error instanceof NotFoundError) return; // already gone: the goal is reached
      throw error;
    }
  }

  /** Servers that list no ETag (SmarterMail, Kerio) get one fetched, so no write is ever blind. */
  private async requireEtag(href: string): Promise<string> {
    const found = await this.get(href);
    if (!found)
      throw new NotFoundError('caldav', `${describeUrl(href)} no longer exists`, 404, 'GET', describeUrl(href));
    if (!found.etag) {
      throw new HttpError(
        'caldav',
        `the server gives no ETag for ${describeUrl(href)}, so it cannot be changed safely`,
        undefined,
        'GET',
        describeUrl(href),
        {
          hint: 'this server does not support conditional writes; calplanebot will not overwrite blindly',
        },
      );
    }
    return found.etag;
  }

  /**
   * The fetch handed to tsdav: auth headers are already in `init`; statuses that no caller can
   * act on (auth, server errors, missing collections on reads) become typed errors right here.
   */
  private async checkedFetch(
    input: string | URL,
    init: RequestInit = {},
    options?: RequestOptions,
  ): Promise<HttpResponse> {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    this.refuseUnsafe(url, method);
    const response = await this.options.http.fetch(url, init, options);
    if (response.ok || response.status === 207) return response;
    if (method === 'PUT' || method === 'DELETE' || method === 'MKCALENDAR' || method === 'PROPPATCH') return response;
    const body = await response.text();
    throw statusError(response.status, method, url, body);
  }

  /**
   * Every URL the store requests, the ones a server's answers led to included (principal, home,
   * calendars, objects): http(s) only, and https unless loopback or http.allowInsecureHttp, the
   * same rule as for the configured URL. The credentials go with every request, so this is where
   * they are kept from travelling in clear text (redirects never leave an origin: transport.ts).
   */
  private refuseUnsafe(url: string, method: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new HttpError(
        'caldav',
        `refused ${method} to an invalid URL the CalDAV server pointed to`,
        undefined,
        method,
        '<invalid url>',
      );
    }
    const check = checkTransport(parsed, this.options.allowInsecureHttp ?? false);
    if (check.ok) return;
    const where = describeUrl(url);
    throw new HttpError('caldav', `refused ${method} ${where}: the URL ${check.message}`, undefined, method, where, {
      hint: `the CalDAV server (discovery or a listing) pointed calplanebot there; ${check.hint}`,
    });
  }
}

/** sabre/dav (Nextcloud, Baïkal) messages that change what a 400 means. */
const TRASHED_UID = /Deleted calendar object with uid already exists/i;
const DUPLICATE_UID = /calendar object with uid already exists/i;

/** The single map from an HTTP status to what it means for the user. */
export function statusError(status: number, method: string, url: string, body = ''): HttpError {
  const where = describeUrl(url);
  const host = safeHost(url);
  const detail = summarize(body);
  const message = `${method} ${where} answered ${status}${detail ? `: ${detail}` : ''}`;
  if (method === 'MKCALENDAR' && (status === 403 || status === 405 || status === 501)) {
    return new HttpError('caldav', message, status, method, where, {
      hint: `${host} does not let calplanebot create this calendar (Google Calendar allows no MKCALENDAR): create one with the name calplanebot would give it (caldav.calendarName) and run again; it is adopted by that name`,
    });
  }
  if (status === 403 && (method === 'PUT' || method === 'DELETE')) {
    // A refused change of one object: the credentials worked, this calendar or object is the matter.
    return new HttpError('caldav', message, status, method, where, {
      hint: /trash ?bin/i.test(body)
        ? "Nextcloud's trash bin already holds a deleted copy of this event: empty the calendar's trash bin, then run again"
        : `${host} refused to change this object: check that the account may write to this calendar (a read-only or shared calendar cannot be synced into)`,
    });
  }
  if (status === 401 || status === 403) {
    return new AuthError('caldav', message, status, method, where, {
      hint: `check the CalDAV credentials (caldav.username / caldav.password) for ${host}`,
    });
  }
  if (status === 412) return new PreconditionFailedError('caldav', message, status, method, where);
  if (method === 'PUT' && isUidConflict(status, body)) {
    // The UID is in the calendar already, under another name: a lost race, like 412.
    return new PreconditionFailedError('caldav', message, status, method, where);
  }
  if (status === 400 && TRASHED_UID.test(body)) {
    return new HttpError('caldav', message, status, method, where, {
      hint: "Nextcloud keeps a deleted copy of this event in its trash bin and refuses the UID until it is gone: empty the calendar's trash bin (or upgrade to Nextcloud 25+), then run again",
    });
  }
  if (status === 404 || status === 410) return new NotFoundError('caldav', message, status, method, where);
  if (status === 507) {
    return new HttpError('caldav', message, status, method, where, {
      hint: 'the calendar server is out of storage (quota full)',
    });
  }
  if (status === 429) {
    return new HttpError('caldav', message, status, method, where, {
      hint: `${host} kept rate-limiting calplanebot; run again later, or less often`,
    });
  }
  if (status >= 500) {
    return new HttpError('caldav', message, status, method, where, {
      hint: `the CalDAV server at ${host} failed; run again later (the next run picks up where this one stopped)`,
    });
  }
  return new HttpError('caldav', message, status, method, where);
}

/** Radicale's 409 no-uid-conflict, Nextcloud's 400 "Calendar object with uid already exists". */
function isUidConflict(status: number, body: string): boolean {
  if (status === 409) return /no-uid-conflict/.test(body);
  return status === 400 && DUPLICATE_UID.test(body) && !TRASHED_UID.test(body);
}

/** What came back from a write, body read. */
interface DavAnswer {
  status: number;
  body: string;
  etag: string | null;
}

/** A write's answer: our HttpResponse, typed by tsdav as a Response. */
async function readAnswer(response: {
  status: number;
  text(): Promise<string>;
  headers: { get(name: string): string | null };
}): Promise<DavAnswer> {
  return { status: response.status, body: await response.text(), etag: response.headers.get('etag') };
}

/** tsdav's unparsed answer (parseOutgoing: false). */
function rawAnswer(response: DAVResponse | undefined): DavAnswer {
  return { status: response?.status ?? 0, body: typeof response?.raw === 'string' ? response.raw : '', etag: null };
}

/** The first status >= 400 inside a multistatus body; undefined when every part succeeded. */
function innerFailure(body: string): number | undefined {
  for (const match of body.matchAll(/<(?:[\w-]+:)?status>\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/gi)) {
    const status = Number(match[1]);
    if (status >= 400) return status;
  }
  return undefined;
}

/**
 * Throws the mapped error when the answer failed. A 207 is a failure when any part of it is
 * (Xandikos answers a refused PUT so, Fastmail a refused MKCALENDAR): never a silent success.
 */
function throwIfFailed(answer: DavAnswer, method: string, url: string): void {
  const failed =
    answer.status === 207
      ? innerFailure(answer.body)
      : answer.status >= 200 && answer.status < 300
        ? undefined
        : answer.status;
  if (failed !== undefined) throw statusError(failed, method, url, answer.body);
}

function writeOutcome(answer: DavAnswer, method: string, href: string): WriteResult {
  throwIfFailed(answer, method, href);
  return { etag: answer.etag };
}

/** Google's answer to If-None-Match: a bare 400 (sabre's 400s carry a message and mean something else). */
function refusesIfNoneMatch(answer: DavAnswer): boolean {
  return answer.status === 400 && !/<(?:\w+:)?message>/i.test(answer.body);
}

/** A 207 answer read by `read`; an unreadable one says what may be answering instead. */
function readOrExplain<T>(
  response: HttpResponse,
  url: string,
  method: string,
  what: string,
  read: (body: Buffer) => T,
): T {
  try {
    return read(response.bytes);
  } catch (error) {
    const where = describeUrl(url);
    throw new HttpError(
      'caldav',
      `${what} of ${where} (${method}, ${response.status}) is not a readable multistatus: ${messageOf(error).replace(/\s+/g, ' ')}`,
      response.status,
      method,
      where,
      {
        hint: 'something other than the CalDAV server may be answering (a proxy, a login page); check caldav.serverUrl',
      },
    );
  }
}

/** A member's href as an absolute URL, resolved against its calendar. */
function absoluteIn(href: string, calendarUrl: string): string {
  return new URL(href, calendarUrl).href;
}

/** The listed objects; those a listing places on another origin than the calendar's are set apart, never trusted. */
function toRemoteObjects(members: ListedMember[], base: string): { objects: RemoteObject[]; offOrigin: string[] } {
  const objects: RemoteObject[] = [];
  const offOrigin: string[] = [];
  const origin = new URL(base).origin;
  for (const member of members) {
    if (!member.href || !member.data) continue; // the collection itself, or a member without calendar data
    const url = new URL(member.href, base);
    if (url.origin !== origin) {
      offOrigin.push(url.href);
      continue;
    }
    if (url.href === base) continue;
    objects.push({ href: url.href, etag: member.etag || null, data: ensureTrailingCrlf(member.data) });
  }
  return { objects, offOrigin };
}

/** The event and task calendars among the members of a Depth-1 PROPFIND answer (a journal-only one is neither). */
/** The calendars among a discovery PROPFIND's answers (tsdav's parse), as calendarsFrom reads them. */
function calendarsIn(responses: DAVResponse[], homeUrl: string): CalendarRef[] {
  const listed = responses.flatMap((r): ListedCollection[] =>
    r.href
      ? [
          {
            href: r.href,
            types: Object.keys(r.props?.resourcetype ?? {}),
            displayName: textOf(r.props?.displayname),
            ctag: optionalText(r.props?.getctag),
            syncToken: optionalText(r.props?.syncToken),
            components: componentNames(r.props?.supportedCalendarComponentSet?.comp),
            mark: optionalText(r.props?.projectId),
          },
        ]
      : [],
  );
  return calendarsFrom(listed, homeUrl);
}

/** The calendars (of events or tasks) among a home's members. */
function calendarsFrom(listed: ListedCollection[], homeUrl: string): CalendarRef[] {
  const calendars: CalendarRef[] = [];
  for (const member of listed) {
    if (!member.types.includes('calendar')) continue;
    const components = member.components.map((name) => name.toUpperCase());
    if (components.length > 0 && !components.includes('VEVENT') && !components.includes('VTODO')) continue;
    calendars.push({
      ...(components.length > 0 ? { components } : {}),
      url: new URL(member.href, homeUrl).href,
      displayName: member.displayName,
      ctag: member.ctag,
      syncToken: member.syncToken,
      projectId: markOf(member.mark),
    });
  }
  return calendars;
}

/** calplanebot's mark: a project id, and nothing else (it names Plane URLs later). */
function markOf(mark: string | undefined): string | undefined {
  const text = (mark ?? '').trim();
  return UUID.test(text) ? text : undefined;
}

/** The first href inside a property such as current-user-principal (xml-js: a string, an array or {_text}). */
function hrefOf(prop: unknown): string | undefined {
  const raw = (prop as { href?: unknown } | undefined)?.href;
  for (const candidate of Array.isArray(raw) ? raw : [raw]) {
    const text = textOf(candidate).trim();
    if (text) return text;
  }
  return undefined;
}

/** Same collection: host and decoded path, trailing slash ignored. */
function samePath(a: string, b: string): boolean {
  const key = (url: string) => {
    const u = new URL(url);
    let path = u.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep it encoded
    }
    return `${u.host}${path.replace(/\/+$/, '')}`;
  };
  return key(a) === key(b);
}

/** xml-js hands text back as string, number, boolean or {_cdata}; we want the string. */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    const v = value as { _cdata?: unknown; _text?: unknown };
    if (v._cdata !== undefined) return String(v._cdata);
    if (v._text !== undefined) return String(v._text);
    return '';
  }
  return String(value);
}

function optionalText(value: unknown): string | undefined {
  const text = textOf(value);
  return text === '' ? undefined : text;
}

function componentNames(comp: unknown): string[] {
  const list = Array.isArray(comp) ? comp : comp ? [comp] : [];
  return list
    .map((c) => (c as { _attributes?: { name?: string } })._attributes?.name)
    .filter((n): n is string => typeof n === 'string')
    .map((n) => n.toUpperCase());
}

/** tsdav's XML parser trims the calendar data; iCalendar wants a final CRLF. */
function ensureTrailingCrlf(data: string): string {
  const normalized = data.replace(/\r?\n/g, '\r\n');
  return normalized.endsWith('\r\n') ? normalized : `${normalized}\r\n`;
}

function ensureSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the CalDAV server';
  }
}

function summarize(body: string): string {
  const text = body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
