/** The multistatus readers: the calendar listing, the calendar home and the sync-collection delta, as servers spell them. */
import { describe, expect, it } from 'vitest';
import { readCollections, readMultistatus, readSyncDelta } from '../../../src/caldav/multistatus.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const ics = (uid: string, summary = 'x') =>
  `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

describe('readMultistatus', () => {
  it("reads href, getetag and calendar-data under any prefix (Radicale's default namespace, sabre's d:/cal:)", () => {
    const radicale = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/alice/cal/</href><propstat><prop><getetag/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response><response><href>/alice/cal/a.ics</href><propstat><prop><getetag>"e1"</getetag><C:calendar-data>${ics('a')}</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;
    expect(readMultistatus(bytes(radicale))).toEqual([
      { href: '/alice/cal/', etag: null, data: null },
      { href: '/alice/cal/a.ics', etag: '"e1"', data: ics('a').trim() },
    ]);
    const sabre = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">
 <d:response>
  <d:href>/remote.php/dav/calendars/alice/work/b.ics</d:href>
  <d:propstat>
   <d:prop>
    <d:getetag>&quot;e2&quot;</d:getetag>
    <cal:calendar-data>${ics('b')}</cal:calendar-data>
   </d:prop>
   <d:status>HTTP/1.1 200 OK</d:status>
  </d:propstat>
 </d:response>
</d:multistatus>`;
    expect(readMultistatus(bytes(sabre))).toEqual([
      { href: '/remote.php/dav/calendars/alice/work/b.ics', etag: '"e2"', data: ics('b').trim() },
    ]);
  });

  it('decodes entities and CDATA in the data', () => {
    const body = `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:response><d:href>/c/1.ics</d:href><d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR&#13;
SUMMARY:a &lt;b&gt; &amp; c&#13;
END:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/c/2.ics</d:href><d:propstat><d:prop><c:calendar-data><![CDATA[BEGIN:VCALENDAR
SUMMARY:<raw> & ]]]]><![CDATA[>
END:VCALENDAR]]></c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>`;
    const [first, second] = readMultistatus(bytes(body));
    expect(first?.data).toBe('BEGIN:VCALENDAR\r\nSUMMARY:a <b> & c\r\nEND:VCALENDAR');
    expect(second?.data).toBe('BEGIN:VCALENDAR\nSUMMARY:<raw> & ]]>\nEND:VCALENDAR');
  });

  it('takes values only from a propstat that succeeded, and skips a response whose own status failed', () => {
    const body = `<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<response><href>/c/1.ics</href>
  <propstat><prop><C:calendar-data>${ics('1')}</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><getetag>"stale"</getetag></prop><status>HTTP/1.1 404 Not Found</status></propstat>
</response>
<response><href>/c/gone.ics</href><status>HTTP/1.1 404 Not Found</status></response>
</multistatus>`;
    expect(readMultistatus(bytes(body))).toEqual([{ href: '/c/1.ics', etag: null, data: ics('1').trim() }]);
  });

  it('reads text split across chunks without breaking a multi-byte character (and drops a BOM)', () => {
    // Enough members that the 64 KiB chunk borders fall inside summaries full of 4-byte characters.
    const summary = '🚀 Café — naïve '.repeat(40);
    const members = Array.from(
      { length: 300 },
      (_, i) =>
        `<response><href>/c/${i}.ics</href><propstat><prop><getetag>"${i}"</getetag><C:calendar-data>${ics(String(i), summary)}</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>`,
    );
    const body = `\uFEFF<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${members.join('')}</multistatus>`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(3 * 64 * 1024);
    const read = readMultistatus(bytes(body));
    expect(read).toHaveLength(300);
    expect(read.every((m, i) => m.etag === `"${i}"` && m.data === ics(String(i), summary).trim())).toBe(true);
  });

  it('throws on an answer that is not a multistatus: not well-formed, cut, empty, or another document', () => {
    expect(() => readMultistatus(bytes('<html><body>Login required<br></body></html>'))).toThrow();
    expect(() => readMultistatus(bytes('<multistatus xmlns="DAV:"><response><href>/c/1.ics</href>'))).toThrow();
    expect(() => readMultistatus(bytes(''))).toThrow(/empty/);
    expect(() =>
      readMultistatus(bytes('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Sign in</p></body></html>')),
    ).toThrow(/<html> document/);
  });

  it('reads an empty calendar as no members', () => {
    expect(readMultistatus(bytes('<?xml version="1.0"?><multistatus xmlns="DAV:"/>'))).toEqual([]);
  });
});

describe('readCollections', () => {
  it("reads a calendar home's Depth-1 PROPFIND: resourcetype, display name, ctag, sync-token, components and calplanebot's mark, from the propstats that succeeded", () => {
    const radicale = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ns3="urn:x-calplanebot">
<response><href>/alice/</href><propstat><prop><resourcetype><principal/><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat>
<propstat><prop><displayname/><CS:getctag/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>
<response><href>/alice/plane-1/</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype><displayname>Plane: Web &amp; App</displayname><CS:getctag>"c1"</CS:getctag><sync-token>http://radicale.org/ns/sync/abc</sync-token><C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="vtodo"/></C:supported-calendar-component-set><ns3:project-id>0f8fad5b-d9cb-469f-a165-70867728950e</ns3:project-id></prop><status>HTTP/1.1 200 OK</status></propstat></response>
<response><href>/alice/journal/</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype><displayname>Notes</displayname></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><ns3:project-id/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response>
</multistatus>`;
    expect(readCollections(bytes(radicale))).toEqual([
      {
        href: '/alice/',
        types: ['principal', 'collection'],
        displayName: '',
        ctag: undefined,
        syncToken: undefined,
        components: [],
        mark: undefined,
      },
      {
        href: '/alice/plane-1/',
        types: ['collection', 'calendar'],
        displayName: 'Plane: Web & App',
        ctag: '"c1"',
        syncToken: 'http://radicale.org/ns/sync/abc',
        components: ['VEVENT', 'vtodo'],
        mark: '0f8fad5b-d9cb-469f-a165-70867728950e',
      },
      {
        href: '/alice/journal/',
        types: ['collection', 'calendar'],
        displayName: 'Notes',
        ctag: undefined,
        syncToken: undefined,
        components: [],
        mark: undefined,
      },
    ]);
  });

  it('skips a response whose own status failed, and refuses what is not a multistatus', () => {
    const gone = `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a/x/</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response></d:multistatus>`;
    expect(readCollections(bytes(gone))).toEqual([]);
    expect(() => readCollections(bytes('<html><body>Sign in</body></html>'))).toThrow(
      /<html> document, not a multistatus/,
    );
    expect(() => readCollections(bytes(''))).toThrow(/empty/);
  });
});

describe('readSyncDelta', () => {
  it("reads Radicale's delta (default namespace, token first): a change with its ETag, a removal by its 404", () => {
    const delta = readSyncDelta(
      Buffer.from(
        `<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:"><sync-token>http://radicale.org/ns/sync/0efa71</sync-token><response><href>/alice/cal/a.ics</href><status>HTTP/1.1 404 Not Found</status></response><response><href>/alice/cal/c.ics</href><propstat><prop><getetag>"dd20"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`,
      ),
    );
    expect(delta).toEqual({
      token: 'http://radicale.org/ns/sync/0efa71',
      changed: [{ href: '/alice/cal/c.ics', etag: '"dd20"' }],
      removed: ['/alice/cal/a.ics'],
      truncated: false,
    });
  });

  it("reads Xandikos's delta (ns0 prefixes, status before prop, token last) and ignores a failed propstat of another property", () => {
    const delta = readSyncDelta(
      Buffer.from(
        `<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav"><ns0:response><ns0:href>/user/calendars/cal/c.ics</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>"f397"</ns0:getetag></ns0:prop></ns0:propstat><ns0:propstat><ns0:status>HTTP/1.1 404 Not Found</ns0:status><ns0:prop><ns1:calendar-data /></ns0:prop></ns0:propstat></ns0:response><ns0:response><ns0:href>/user/calendars/cal/a.ics</ns0:href><ns0:status>HTTP/1.1 404 Not Found</ns0:status></ns0:response><ns0:sync-token>a4ca1334</ns0:sync-token></ns0:multistatus>`,
      ),
    );
    expect(delta).toEqual({
      token: 'a4ca1334',
      changed: [{ href: '/user/calendars/cal/c.ics', etag: '"f397"' }],
      removed: ['/user/calendars/cal/a.ics'],
      truncated: false,
    });
  });

  it('marks a truncated answer (507 on the collection, RFC 6578 §3.6)', () => {
    const delta = readSyncDelta(
      Buffer.from(
        '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/cal/x.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>t2</d:sync-token></d:multistatus>',
      ),
    );
    expect(delta).toMatchObject({ token: 't2', truncated: true, changed: [{ href: '/cal/x.ics', etag: '"1"' }] });
  });

  it('refuses an answer without a new token, a member with a status it cannot read as a change, and what is not a multistatus', () => {
    const noToken = '<d:multistatus xmlns:d="DAV:"></d:multistatus>';
    expect(() => readSyncDelta(Buffer.from(noToken))).toThrow(/no sync-token/);
    const odd =
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/cal/x.ics</d:href><d:status>HTTP/1.1 500 Internal Server Error</d:status></d:response><d:sync-token>t</d:sync-token></d:multistatus>';
    expect(() => readSyncDelta(Buffer.from(odd))).toThrow(/status 500/);
    expect(() => readSyncDelta(Buffer.from('<html><body>login</body></html>'))).toThrow(/not a multistatus/);
  });
});
