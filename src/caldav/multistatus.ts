/**
 * The 207 multistatus answers calplanebot reads (RFC 4918 §14.16): a calendar listing or
 * multiget (RFC 4791 §7.8, §7.9), a calendar home's PROPFIND, and a sync-collection delta
 * (RFC 6578 §3.2). Read as a stream of XML events (sax) straight from the
 * answer's bytes, keeping per response only its href and the properties asked for, from the
 * propstats that succeeded. A listing of a thousand events is megabytes; tsdav's parser builds a
 * tree of all of it (and a string of it first), which a run of ten such calendars keeps paying for
 * in memory until the next major garbage collection.
 *
 * Elements are matched by local name, whatever their prefix, as tsdav does: servers disagree on
 * prefixes and the names read here mean one thing in a multistatus.
 */
import { StringDecoder } from 'node:string_decoder';
import sax from 'sax';

export interface ListedMember {
  href: string;
  etag: string | null;
  /** The iCalendar text; null when the member came without (the collection itself, say). */
  data: string | null;
}

/** One member of a calendar home as a Depth-1 PROPFIND lists it (listCalendars). */
export interface ListedCollection {
  href: string;
  /** The local names of its resourcetype's children ("collection", "calendar", …). */
  types: string[];
  displayName: string;
  ctag: string | undefined;
  syncToken: string | undefined;
  /** supported-calendar-component-set, as the server spells the names; empty when not said. */
  components: string[];
  /** calplanebot's mark (urn:x-calplanebot project-id), as stored. */
  mark: string | undefined;
}

/** Text is decoded and parsed this many bytes at a time: no string of the whole answer. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Every object of a calendar listing. Throws when the answer is not a multistatus: not
 * well-formed XML (sax's error), empty, or some other document (a login page in XHTML) — never an
 * empty listing, which would plan a calendar's worth of creates.
 */
export function readMultistatus(body: Buffer): ListedMember[] {
  const responses = readResponses<{ etag: string; data: string }>(body, {
    leaves: new Set(['getetag', 'calendar-data']),
    onText: (props, name, value) => {
      if (name === 'getetag') props.etag = value.trim();
      else props.data = value.trim();
    },
  });
  return responses
    .filter(({ status }) => isSuccess(status))
    .map(({ href, props }) => ({ href, etag: props.etag ?? null, data: props.data ?? null }));
}

/** A sync-collection answer: the members changed or removed since the token sent, and the new token. */
export interface SyncDelta {
  /** The token to send next time (the multistatus' own DAV:sync-token). */
  token: string;
  /** Members added or changed, with the ETag they have now (null when the server gave none). */
  changed: Array<{ href: string; etag: string | null }>;
  /** Members removed (a response whose status is 404). */
  removed: string[];
  /** The server answered with part of the changes (507 on the collection): ask again from `token`. */
  truncated: boolean;
}

/** Reads a sync-collection answer; throws like readMultistatus, and when it carries no new sync-token. */
export function readSyncDelta(body: Buffer): SyncDelta {
  let token: string | undefined;
  const responses = readResponses<{ etag: string }>(body, {
    leaves: new Set(['getetag', 'sync-token']),
    onText: (props, name, value) => {
      if (name === 'getetag') props.etag = value.trim();
    },
    onRootText: (name, value) => {
      if (name === 'sync-token') token = value.trim();
    },
  });
  if (!token) throw new Error('the answer carries no sync-token');
  const delta: SyncDelta = { token, changed: [], removed: [], truncated: false };
  for (const { href, status, props } of responses) {
    const code = statusCode(status);
    if (code === '404') delta.removed.push(href);
    else if (code === '507') delta.truncated = true;
    else if (isSuccess(status)) delta.changed.push({ href, etag: props.etag ?? null });
    else throw new Error(`a member of the answer has the status ${code ?? status}`);
  }
  return delta;
}

/** The collections of a calendar home's PROPFIND with the properties listCalendars asks for; throws like readMultistatus. */
export function readCollections(body: Buffer): ListedCollection[] {
  const responses = readResponses<Omit<ListedCollection, 'href'>>(body, {
    leaves: new Set(['displayname', 'getctag', 'sync-token', 'project-id']),
    onText: (props, name, value) => {
      if (name === 'displayname') props.displayName = value;
      else if (name === 'getctag') props.ctag = value.trim() || undefined;
      else if (name === 'sync-token') props.syncToken = value.trim() || undefined;
      else props.mark = value;
    },
    onOpen: (props, name, parent, tag) => {
      if (parent === 'resourcetype') props.types = [...(props.types ?? []), name];
      const comp = tag.attributes.name;
      if (name === 'comp' && parent === 'supported-calendar-component-set' && typeof comp === 'string') {
        props.components = [...(props.components ?? []), comp];
      }
    },
  });
  return responses
    .filter(({ status }) => isSuccess(status))
    .map(({ href, props }) => ({
      href,
      types: props.types ?? [],
      displayName: props.displayName ?? '',
      ctag: props.ctag,
      syncToken: props.syncToken,
      components: props.components ?? [],
      mark: props.mark,
    }));
}

/** How one reader takes the properties it asked for out of a propstat. */
interface PropReader<P> {
  /** The properties (directly under `prop`) whose text is read. */
  leaves: ReadonlySet<string>;
  onText(props: Partial<P>, name: string, value: string): void;
  /** Any element opened inside a propstat, for properties made of child elements or attributes. */
  onOpen?(props: Partial<P>, name: string, parent: string | undefined, tag: sax.Tag): void;
  /** A leaf directly under the multistatus (a sync-collection's sync-token). */
  onRootText?(name: string, value: string): void;
}

/**
 * The responses, each with its href, its own status line (undefined when it has none) and the
 * properties of its propstats that succeeded (a 404 propstat names what is missing); where two
 * propstats give one property, the first counts.
 */
function readResponses<P extends object>(
  body: Buffer,
  reader: PropReader<P>,
): Array<{ href: string; status: string | undefined; props: Partial<P> }> {
  const found: Array<{ href: string; status: string | undefined; props: Partial<P> }> = [];
  const path: string[] = [];
  let response: { href?: string; status?: string; props: Partial<P> } | undefined;
  let propstat: { status?: string; props: Partial<P> } | undefined;
  let text: string | undefined;

  const parser = sax.parser(true, { trim: false, normalize: false });
  parser.onerror = (error) => {
    throw error; // sax would only raise it on the next write, which the last chunk never has
  };
  parser.onopentag = (tag) => {
    const name = localName(tag.name);
    const parent = path.at(-1);
    path.push(name);
    if (name === 'response') response = { props: {} };
    else if (name === 'propstat' && response) propstat = { props: {} };
    else if (name === 'href' || name === 'status' || reader.leaves.has(name)) text = '';
    else if (propstat) reader.onOpen?.(propstat.props, name, parent, tag as sax.Tag);
  };
  const collect = (chunk: string) => {
    if (text !== undefined) text += chunk;
  };
  parser.ontext = collect;
  parser.oncdata = collect;
  parser.onclosetag = () => {
    const name = path.pop();
    const parent = path.at(-1);
    const value = text;
    text = undefined;
    if (name === 'response' && response) {
      if (response.href !== undefined)
        found.push({ href: response.href, status: response.status, props: response.props });
      response = undefined;
    } else if (name === 'propstat' && response && propstat) {
      if (isSuccess(propstat.status)) {
        const merged = response.props as Record<string, unknown>;
        for (const [key, prop] of Object.entries(propstat.props)) merged[key] ??= prop;
      }
      propstat = undefined;
    } else if (value !== undefined && response) {
      if (name === 'href' && parent === 'response') response.href ??= value.trim();
      else if (name === 'status' && parent === 'response') response.status = value;
      else if (name === 'status' && parent === 'propstat' && propstat) propstat.status = value;
      else if (name !== undefined && parent === 'prop' && propstat && reader.leaves.has(name))
        reader.onText(propstat.props, name, value);
    } else if (value !== undefined && name !== undefined && parent === 'multistatus') {
      reader.onRootText?.(name, value);
    }
  };
  feed(parser, body);
  return found;
}

/**
 * Feeds the answer's bytes to `parser` CHUNK_BYTES at a time (no string of the whole answer) and
 * throws unless its root element was a multistatus: an empty answer, or some other document (a
 * login page in XHTML), is never read as an empty listing.
 */
function feed(parser: sax.SAXParser, body: Buffer): void {
  let root: string | undefined;
  const open = parser.onopentag;
  parser.onopentag = (tag) => {
    root ??= localName(tag.name);
    open.call(parser, tag);
  };
  const decoder = new StringDecoder('utf8');
  for (let offset = 0; offset < body.length; offset += CHUNK_BYTES) {
    let chunk = decoder.write(body.subarray(offset, offset + CHUNK_BYTES));
    if (offset === 0 && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    parser.write(chunk);
  }
  parser.write(decoder.end());
  parser.close();
  if (root !== 'multistatus')
    throw new Error(
      root === undefined ? 'the answer is empty' : `the answer is a <${root}> document, not a multistatus`,
    );
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

/** "HTTP/1.1 200 OK" and friends; no status at all counts as success, as in tsdav. */
function isSuccess(statusLine: string | undefined): boolean {
  if (statusLine === undefined) return true;
  return statusCode(statusLine)?.startsWith('2') === true;
}

function statusCode(statusLine: string | undefined): string | undefined {
  return statusLine === undefined ? undefined : /\s(\d{3})(?:\s|$)/.exec(statusLine.trim())?.[1];
}
