/**
 * A tiny scripted CalDAV server on loopback for replaying what real servers answer (Nextcloud,
 * Fastmail, iCloud, Google cannot run here; their answers come from the reference notes). By
 * default it is a minimal, well-behaved CalDAV server: principal → calendar home → calendars,
 * MKCALENDAR, PROPPATCH, calendar-query REPORT, GET/PUT/DELETE with ETags and If-Match /
 * If-None-Match. A `script` sees every request first and may answer it instead, the way the
 * server being imitated would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface ScriptedRequest {
  method: string;
  /** Decoded path. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Script = (req: ScriptedRequest, server: ScriptedDav) => ScriptedAnswer | undefined;

interface StoredObject {
  etag: string;
  data: string;
}

interface StoredCalendar {
  displayName: string;
  color: string | undefined;
  objects: Map<string, StoredObject>;
}

export interface ScriptedDavOptions {
  script?: Script;
  /** Bind address; 127.0.0.2 plays "another host". */
  host?: string;
  /** Where current-user-principal points: a path here, or an absolute URL on another server. */
  principal?: string;
  /** The calendar-home-set href the principal answers with (absolute or relative). */
  home?: string;
  /** Whether PUT answers carry an ETag header (sabre/dav omits it when it changed the data). */
  etagOnPut?: boolean;
  /** A listing without getetag (SmarterMail, Kerio) and GETs without ETag. */
  noEtags?: boolean;
}

const XML = { 'content-type': 'application/xml; charset=utf-8' };

export class ScriptedDav {
  readonly requests: ScriptedRequest[] = [];
  readonly calendars = new Map<string, StoredCalendar>();
  url = '';
  private etags = 0;

  constructor(private readonly options: ScriptedDavOptions) {}

  get homePath(): string {
    return '/dav/calendars/alice/';
  }

  /** Changes the calendar-home-set href (e.g. to an absolute URL once the port is known). */
  setHome(href: string): void {
    this.options.home = href;
  }

  /** Requests with this method, in order. */
  sent(method: string): ScriptedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** Puts an object straight into a calendar, as another client would. */
  putDirect(path: string, data: string): string {
    const { calendar, name } = this.locate(path);
    if (!calendar) throw new Error(`no calendar for ${path}`);
    const etag = this.nextEtag();
    calendar.objects.set(name, { etag, data });
    return etag;
  }

  objectsIn(calendarPath: string): Array<{ name: string } & StoredObject> {
    return [...(this.calendars.get(calendarPath)?.objects ?? new Map<string, StoredObject>())].map(([name, o]) => ({
      name,
      ...o,
    }));
  }

  handle(req: ScriptedRequest): ScriptedAnswer {
    this.requests.push(req);
    return this.options.script?.(req, this) ?? this.standard(req);
  }

  /** What a well-behaved CalDAV server answers. */
  standard(req: ScriptedRequest): ScriptedAnswer {
    switch (req.method) {
      case 'PROPFIND':
        return this.propfind(req);
      case 'MKCALENDAR':
        return this.mkcalendar(req);
      case 'PROPPATCH':
        return multistatus(response(req.path, propstat('<d:displayname/>', 200)));
      case 'REPORT':
        return this.report(req);
      case 'GET':
        return this.get(req);
      case 'PUT':
        return this.put(req);
      case 'DELETE':
        return this.delete(req);
      default:
        return { status: 405 };
    }
  }

  private propfind(req: ScriptedRequest): ScriptedAnswer {
    if (req.body.includes('current-user-principal')) {
      const principal = this.options.principal ?? '/dav/principals/alice/';
      return multistatus(
        response(
          req.path,
          propstat(`<d:current-user-principal><d:href>${principal}</d:href></d:current-user-principal>`, 200),
        ),
      );
    }
    if (req.body.includes('calendar-home-set')) {
      const home = this.options.home ?? this.homePath;
      return multistatus(
        response(req.path, propstat(`<c:calendar-home-set><d:href>${home}</d:href></c:calendar-home-set>`, 200)),
      );
    }
    if (req.path === this.homePath) {
      const entries = [response(this.homePath, propstat('<d:resourcetype><d:collection/></d:resourcetype>', 200))];
      for (const [path, calendar] of this.calendars) {
        const props = `<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>${escapeXml(calendar.displayName)}</d:displayname><cs:getctag>"${calendar.objects.size}"</cs:getctag>`;
        entries.push(response(path, propstat(props, 200)));
      }
      return multistatus(...entries);
    }
    return { status: 404 };
  }

  private mkcalendar(req: ScriptedRequest): ScriptedAnswer {
    if (this.calendars.has(req.path)) return { status: 405, body: 'resource exists' };
    const displayName = /<(?:\w+:)?displayname>([^<]*)</.exec(req.body)?.[1] ?? '';
    this.calendars.set(req.path, { displayName: unescapeXml(displayName), color: undefined, objects: new Map() });
    return { status: 201 };
  }

  private report(req: ScriptedRequest): ScriptedAnswer {
    const calendar = this.calendars.get(req.path);
    if (!calendar) return { status: 404 };
    const entries = [...calendar.objects].map(([name, o]) => {
      const etag = this.options.noEtags ? '' : `<d:getetag>${o.etag}</d:getetag>`;
      return response(
        `${req.path}${name}`,
        propstat(`${etag}<c:calendar-data>${escapeXml(o.data)}</c:calendar-data>`, 200),
      );
    });
    return multistatus(...entries);
  }

  private get(req: ScriptedRequest): ScriptedAnswer {
    const { calendar, name } = this.locate(req.path);
    const found = calendar?.objects.get(name);
    if (!found) return { status: 404 };
    return {
      status: 200,
      headers: { 'content-type': 'text/calendar', ...(this.options.noEtags ? {} : { etag: found.etag }) },
      body: found.data,
    };
  }

  private put(req: ScriptedRequest): ScriptedAnswer {
    const { calendar, name } = this.locate(req.path);
    if (!calendar) return { status: 409 };
    const current = calendar.objects.get(name);
    if (req.headers['if-none-match'] === '*' && current) return { status: 412 };
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== current?.etag) return { status: 412 };
    const etag = this.nextEtag();
    calendar.objects.set(name, { etag, data: req.body });
    const headers: Record<string, string> = this.options.etagOnPut === false ? {} : { etag };
    return { status: current ? 204 : 201, headers };
  }

  private delete(req: ScriptedRequest): ScriptedAnswer {
    const { calendar, name } = this.locate(req.path);
    const current = calendar?.objects.get(name);
    if (!calendar || !current) return { status: 404 };
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== current.etag) return { status: 412 };
    calendar.objects.delete(name);
    return { status: 204 };
  }

  private locate(path: string): { calendar: StoredCalendar | undefined; name: string } {
    const slash = path.lastIndexOf('/');
    return { calendar: this.calendars.get(path.slice(0, slash + 1)), name: path.slice(slash + 1) };
  }

  private nextEtag(): string {
    this.etags += 1;
    return `"e${this.etags}"`;
  }
}

export interface RunningDav {
  server: ScriptedDav;
  url: string;
  close(): Promise<void>;
}

export async function startScriptedDav(options: ScriptedDavOptions = {}): Promise<RunningDav> {
  const dav = new ScriptedDav(options);
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
      const answer = dav.handle({
        method: req.method ?? 'GET',
        path: decodeURIComponent((req.url ?? '/').split('?')[0]!),
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answer.status, answer.headers ?? (answer.body?.startsWith('<') ? XML : {}));
      res.end(answer.body ?? '');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  const { port } = http.address() as AddressInfo;
  dav.url = `http://${host}:${port}/`;
  return {
    server: dav,
    url: dav.url,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

// ── XML bits, as servers write them ─────────────────────────────────────────

export function multistatus(...responses: string[]): ScriptedAnswer {
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="http://apple.com/ns/ical/">${responses.join('')}</d:multistatus>`;
  return { status: 207, headers: XML, body };
}

export function response(href: string, ...propstats: string[]): string {
  return `<d:response><d:href>${escapeXml(encodeURI(href))}</d:href>${propstats.join('')}</d:response>`;
}

export function propstat(props: string, status: number): string {
  return `<d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}</d:status></d:propstat>`;
}

/** sabre/dav's error document (Nextcloud, Baïkal). */
export function sabreError(status: number, exception: string, message: string): ScriptedAnswer {
  const body = `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n  <s:exception>Sabre\\DAV\\Exception\\${exception}</s:exception>\n  <s:message>${escapeXml(message)}</s:message>\n</d:error>\n`;
  return { status, headers: XML, body };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  424: 'Failed Dependency',
};

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A `serve()` for one test file: each scripted server it starts is closed after its test. */
export function useScriptedDav(): (options?: ScriptedDavOptions) => Promise<RunningDav> {
  const running: RunningDav[] = [];
  afterEach(async () => {
    for (const dav of running.splice(0)) await dav.close();
  });
  return async (options = {}) => {
    const dav = await startScriptedDav(options);
    running.push(dav);
    return dav;
  };
}
