/**
 * CalendarStore over a real CalDAV server, using tsdav for the WebDAV requests and the shared
 * HttpClient underneath (timeouts, retries, counting). Every HTTP status becomes a typed error in
 * `statusError()`; nothing above this file reads a status code.
 */
import { createAccount, fetchHomeUrl, fetchPrincipalUrl, davRequest, propfind, createObject, updateObject, deleteObject, calendarQuery } from 'tsdav';
import type { DAVAccount, DAVResponse } from 'tsdav';
import { AuthError, HttpError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { describeUrl, type HttpClient } from '../http/fetcher.js';
import type { CalendarRef, CalendarStore, RemoteObject, WriteResult } from './store.js';

export interface DavStoreOptions {
  serverUrl: string;
  username: string;
  password: string;
  http: HttpClient;
}

type TsdavFetch = typeof globalThis.fetch;

const CALENDAR_PROPS = {
  'd:displayname': {},
  'd:resourcetype': {},
  'cs:getctag': {},
  'd:sync-token': {},
  'c:supported-calendar-component-set': {},
};

export class DavCalendarStore implements CalendarStore {
  private account: DAVAccount | undefined;
  private readonly headers: Record<string, string>;
  private readonly fetch: TsdavFetch;

  constructor(private readonly options: DavStoreOptions) {
    const token = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.headers = { authorization: `Basic ${token}` };
    this.fetch = this.checkedFetch.bind(this) as TsdavFetch;
  }

  /**
   * Discovery (principal → calendar home), once per store. The configured URL is tried as a DAV
   * endpoint first (two PROPFINDs); only when that fails does tsdav walk /.well-known/caldav.
   */
  private async home(): Promise<DAVAccount & { homeUrl: string; rootUrl: string }> {
    this.account ??= (await this.discoverDirect()) ?? (await this.discoverWellKnown());
    const { homeUrl, rootUrl } = this.account;
    if (!homeUrl || !rootUrl) {
      throw new HttpError('caldav', `no calendar home found at ${describeUrl(this.options.serverUrl)}`, undefined, 'PROPFIND', describeUrl(this.options.serverUrl), {
        hint: 'check caldav.serverUrl and that the account has calendars enabled',
      });
    }
    return { ...this.account, homeUrl, rootUrl };
  }

  private async discoverDirect(): Promise<DAVAccount | undefined> {
    const account: DAVAccount = { serverUrl: this.options.serverUrl, rootUrl: this.options.serverUrl, accountType: 'caldav' };
    try {
      const principalUrl = await fetchPrincipalUrl({ account, headers: this.headers, fetch: this.fetch });
      const homeUrl = await fetchHomeUrl({ account: { ...account, principalUrl }, headers: this.headers, fetch: this.fetch });
      return { ...account, principalUrl, homeUrl };
    } catch (error) {
      // Refused credentials, an unreachable host or a broken server will not get better elsewhere.
      if (error instanceof AuthError) throw error;
      if (error instanceof HttpError && (error.status === undefined || error.status >= 500)) throw error;
      return undefined; // not a DAV endpoint itself: try service discovery
    }
  }

  private async discoverWellKnown(): Promise<DAVAccount> {
    try {
      return await createAccount({
        account: { serverUrl: this.options.serverUrl, accountType: 'caldav' },
        headers: this.headers,
        fetch: this.fetch,
      });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError('caldav', `CalDAV discovery failed at ${describeUrl(this.options.serverUrl)}: ${messageOf(error)}`, undefined, 'PROPFIND', describeUrl(this.options.serverUrl), {
        hint: 'check caldav.serverUrl: it should point at the CalDAV server root or your principal URL',
        cause: error,
      });
    }
  }

  async calendarUrlFor(slug: string): Promise<string> {
    const { homeUrl } = await this.home();
    return new URL(`${encodeURIComponent(slug)}/`, ensureSlash(homeUrl)).href;
  }

  async listCalendars(): Promise<CalendarRef[]> {
    const { homeUrl } = await this.home();
    // One PROPFIND for all calendars (tsdav's fetchCalendars adds a request per calendar).
    const responses = await propfind({ url: homeUrl, props: CALENDAR_PROPS, depth: '1', headers: this.headers, fetch: this.fetch });
    const calendars: CalendarRef[] = [];
    for (const r of responses) {
      const types = Object.keys(r.props?.resourcetype ?? {});
      if (!types.includes('calendar') || !r.href) continue;
      const components = componentNames(r.props?.supportedCalendarComponentSet?.comp);
      if (components.length > 0 && !components.includes('VEVENT')) continue;
      calendars.push({
        url: new URL(r.href, homeUrl).href,
        displayName: textOf(r.props?.displayname),
        ctag: optionalText(r.props?.getctag),
        syncToken: optionalText(r.props?.syncToken),
      });
    }
    return calendars;
  }

  async createCalendar(url: string, displayName: string, color?: string): Promise<CalendarRef> {
    // Display name only: Fastmail refuses the whole MKCALENDAR when it dislikes one property.
    const responses = await davRequest({
      url,
      init: {
        method: 'MKCALENDAR',
        namespace: 'd',
        headers: this.headers,
        body: {
          'c:mkcalendar': {
            _attributes: { 'xmlns:d': 'DAV:', 'xmlns:c': 'urn:ietf:params:xml:ns:caldav' },
            set: {
              prop: {
                displayname: displayName,
                'c:supported-calendar-component-set': { 'c:comp': { _attributes: { name: 'VEVENT' } } },
              },
            },
          },
        },
      },
      fetch: this.fetch,
    });
    assertMultistatusOk(responses, 'MKCALENDAR', url);
    if (color) await this.proppatch(url, { 'x:calendar-color': color }, { 'xmlns:x': 'http://apple.com/ns/ical/' }).catch(() => undefined);
    return { url, displayName };
  }

  async renameCalendar(calendar: CalendarRef, displayName: string): Promise<void> {
    await this.proppatch(calendar.url, { 'd:displayname': displayName }, {});
  }

  private async proppatch(url: string, props: Record<string, string>, namespaces: Record<string, string>): Promise<void> {
    const responses = await davRequest({
      url,
      init: {
        method: 'PROPPATCH',
        namespace: 'd',
        headers: this.headers,
        body: { propertyupdate: { _attributes: { 'xmlns:d': 'DAV:', ...namespaces }, set: { prop: props } } },
      },
      fetch: this.fetch,
    });
    assertMultistatusOk(responses, 'PROPPATCH', url);
  }

  async list(calendar: CalendarRef): Promise<RemoteObject[]> {
    const responses = await calendarQuery({
      url: calendar.url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      // VCALENDAR only (not VEVENT): every object must be seen, so ownership is judged on all of them.
      filters: { 'comp-filter': { _attributes: { name: 'VCALENDAR' } } },
      depth: '1',
      headers: this.headers,
      fetch: this.fetch,
    });
    return toRemoteObjects(responses, calendar.url);
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
    const response = await createObject({
      url: href,
      data,
      headers: { ...this.headers, 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
      fetch: this.fetch,
    });
    return writeResult(response, 'PUT', href);
  }

  async update(href: string, data: string, etag: string | null): Promise<WriteResult> {
    const current = etag ?? (await this.requireEtag(href));
    const response = await updateObject({
      url: href,
      data,
      etag: current,
      headers: { ...this.headers, 'content-type': 'text/calendar; charset=utf-8' },
      fetch: this.fetch,
    });
    return writeResult(response, 'PUT', href);
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
      const response = await deleteObject({ url: href, etag: current, headers: this.headers, fetch: this.fetch });
      await writeResult(response, 'DELETE', href);
    } catch (error) {
      if (error instanceof NotFoundError) return; // already gone: the goal is reached
      throw error;
    }
  }

  /** Servers that list no ETag (SmarterMail, Kerio) get one fetched, so no write is ever blind. */
  private async requireEtag(href: string): Promise<string> {
    const found = await this.get(href);
    if (!found) throw new NotFoundError('caldav', `${describeUrl(href)} no longer exists`, 404, 'GET', describeUrl(href));
    if (!found.etag) {
      throw new HttpError('caldav', `the server gives no ETag for ${describeUrl(href)}, so it cannot be changed safely`, undefined, 'GET', describeUrl(href), {
        hint: 'this server does not support conditional writes; calplanebot will not overwrite blindly',
      });
    }
    return found.etag;
  }

  /**
   * The fetch handed to tsdav: auth headers are already in `init`; statuses that no caller can
   * act on (auth, server errors, missing collections on reads) become typed errors right here.
   */
  private async checkedFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const response = await this.options.http.fetch(url, init);
    if (response.ok || response.status === 207) return response;
    if (method === 'PUT' || method === 'DELETE' || method === 'MKCALENDAR' || method === 'PROPPATCH') return response;
    const body = await response.text().catch(() => '');
    throw statusError(response.status, method, url, body);
  }
}

/** The single map from an HTTP status to what it means for the user. */
export function statusError(status: number, method: string, url: string, body = ''): HttpError {
  const where = describeUrl(url);
  const host = safeHost(url);
  const detail = summarize(body);
  const message = `${method} ${where} answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) {
    return new AuthError('caldav', message, status, method, where, {
      hint: `check the CalDAV credentials (caldav.username / caldav.password) for ${host}`,
    });
  }
  if (status === 412) return new PreconditionFailedError('caldav', message, status, method, where);
  if (status === 404 || status === 410) return new NotFoundError('caldav', message, status, method, where);
  if (status === 507) {
    return new HttpError('caldav', message, status, method, where, { hint: 'the calendar server is out of storage (quota full)' });
  }
  return new HttpError('caldav', message, status, method, where);
}

async function writeResult(response: Response, method: string, href: string): Promise<WriteResult> {
  const body = await response.text().catch(() => '');
  if (response.status === 207) {
    // Xandikos answers a failed PUT with a 207 whose inner status is the real one.
    const inner = /<(?:\w+:)?status>\s*HTTP\/1\.[01]\s+(\d{3})/i.exec(body);
    const innerStatus = inner?.[1] ? Number(inner[1]) : 200;
    if (innerStatus >= 400) throw statusError(innerStatus, method, href, body);
  } else if (!response.ok) {
    // A 409 on create means "already there under another href or UID": a lost race, like 412.
    const status = method === 'PUT' && response.status === 409 && /no-uid-conflict/.test(body) ? 412 : response.status;
    throw statusError(status, method, href, body);
  }
  return { etag: response.headers.get('etag') };
}

function assertMultistatusOk(responses: DAVResponse[], method: string, url: string): void {
  for (const r of responses) {
    if (!r.ok && r.status !== 207) throw statusError(r.status, method, url, typeof r.raw === 'string' ? r.raw : '');
    for (const prop of Object.values(r.props ?? {}) as Array<{ status?: number } | undefined>) {
      if (prop && typeof prop.status === 'number' && prop.status >= 400) {
        throw statusError(prop.status, method, url);
      }
    }
  }
}

function toRemoteObjects(responses: DAVResponse[], base: string): RemoteObject[] {
  const objects: RemoteObject[] = [];
  for (const r of responses) {
    if (!r.href) continue;
    const data = textOf(r.props?.calendarData);
    if (!data) continue; // the collection itself, or a member without calendar data
    const href = new URL(r.href, base).href;
    if (href === base) continue;
    objects.push({ href, etag: optionalText(r.props?.getetag) ?? null, data: ensureTrailingCrlf(data) });
  }
  return objects;
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
  const text = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
