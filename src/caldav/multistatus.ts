/**
 * The 207 multistatus of a calendar listing (RFC 4791 §7.8, RFC 4918 §14.16), read as a stream of
 * XML events (sax) straight from the answer's bytes, keeping per response only its href and, from
 * the propstat that holds them, its getetag and calendar-data. A listing of a thousand events is
 * megabytes; tsdav's parser builds a tree of all of it (and a string of it first), which a run of
 * ten such calendars keeps paying for in memory until the next major garbage collection.
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

/** Text is decoded and parsed this many bytes at a time: no string of the whole answer. */
const CHUNK_BYTES = 64 * 1024;
const LEAVES = new Set(['href', 'getetag', 'calendar-data', 'status']);

interface Draft {
  href?: string;
  status?: string;
  etag?: string;
  data?: string;
}

/**
 * Throws when the answer is not a multistatus: not well-formed XML (sax's error), empty, or some
 * other document (a login page in XHTML) — never an empty listing, which would plan a calendar's
 * worth of creates.
 */
export function readMultistatus(body: Buffer): ListedMember[] {
  const members: ListedMember[] = [];
  const path: string[] = [];
  let response: Draft | undefined;
  let propstat: Draft | undefined;
  let text: string | undefined;

  const parser = multistatusParser();
  parser.onopentag = (tag) => {
    const name = localName(tag.name);
    path.push(name);
    if (name === 'response') response = {};
    else if (name === 'propstat' && response) propstat = {};
    else if (LEAVES.has(name)) text = '';
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
      if (response.href !== undefined && isSuccess(response.status)) {
        members.push({ href: response.href, etag: response.etag ?? null, data: response.data ?? null });
      }
      response = undefined;
    } else if (name === 'propstat' && response && propstat) {
      // Only a propstat that succeeded carries values (a 404 propstat names what is missing).
      if (isSuccess(propstat.status)) {
        response.etag ??= propstat.etag;
        response.data ??= propstat.data;
      }
      propstat = undefined;
    } else if (value !== undefined && response) {
      if (name === 'href' && parent === 'response') response.href ??= value.trim();
      else if (name === 'status' && parent === 'response') response.status = value;
      else if (name === 'status' && parent === 'propstat' && propstat) propstat.status = value;
      else if (name === 'getetag' && parent === 'prop' && propstat) propstat.etag = value.trim();
      else if (name === 'calendar-data' && parent === 'prop' && propstat) propstat.data = value.trim();
    }
  };

  feed(parser, body);
  return members;
}

/** A strict sax parser whose errors throw (sax would only raise one on the next write, which the last chunk never has). */
function multistatusParser(): sax.SAXParser {
  const parser = sax.parser(true, { trim: false, normalize: false });
  parser.onerror = (error) => {
    throw error;
  };
  return parser;
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
  const code = /\s(\d{3})(?:\s|$)/.exec(statusLine.trim())?.[1];
  return code?.startsWith('2') === true;
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

const COLLECTION_LEAVES = new Set(['displayname', 'getctag', 'sync-token', 'project-id', 'href', 'status']);

interface CollectionDraft {
  href?: string;
  status?: string;
  props: Omit<ListedCollection, 'href'>;
}

/**
 * The collections of a PROPFIND answer with the properties listCalendars asks for, from the
 * propstats that succeeded. Read like readMultistatus: sax, by local name; throws on anything that
 * is not a multistatus.
 */
export function readCollections(body: Buffer): ListedCollection[] {
  const collections: ListedCollection[] = [];
  const path: string[] = [];
  let response: CollectionDraft | undefined;
  let propstat: { status?: string; props: Partial<Omit<ListedCollection, 'href'>> } | undefined;
  let text: string | undefined;

  const parser = multistatusParser();
  parser.onopentag = (tag) => {
    const name = localName(tag.name);
    const parent = path.at(-1);
    path.push(name);
    if (name === 'response')
      response = {
        props: { types: [], displayName: '', ctag: undefined, syncToken: undefined, components: [], mark: undefined },
      };
    else if (name === 'propstat' && response) propstat = { props: {} };
    else if (parent === 'resourcetype' && propstat) propstat.props.types = [...(propstat.props.types ?? []), name];
    else if (name === 'comp' && parent === 'supported-calendar-component-set' && propstat) {
      const comp = tag.attributes.name;
      if (typeof comp === 'string') propstat.props.components = [...(propstat.props.components ?? []), comp];
    } else if (COLLECTION_LEAVES.has(name)) text = '';
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
      if (response.href !== undefined && isSuccess(response.status))
        collections.push({ href: response.href, ...response.props });
      response = undefined;
    } else if (name === 'propstat' && response && propstat) {
      if (isSuccess(propstat.status)) Object.assign(response.props, propstat.props);
      propstat = undefined;
    } else if (value !== undefined && response) {
      if (name === 'href' && parent === 'response') response.href ??= value.trim();
      else if (name === 'status' && parent === 'response') response.status = value;
      else if (name === 'status' && parent === 'propstat' && propstat) propstat.status = value;
      else if (parent === 'prop' && propstat) {
        if (name === 'displayname') propstat.props.displayName = value;
        else if (name === 'getctag') propstat.props.ctag = value.trim() || undefined;
        else if (name === 'sync-token') propstat.props.syncToken = value.trim() || undefined;
        else if (name === 'project-id') propstat.props.mark = value;
      }
    }
  };

  feed(parser, body);
  return collections;
}
