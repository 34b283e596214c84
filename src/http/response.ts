/**
 * An HTTP answer, read whole before anyone sees it: the part of fetch's Response that Plane's
 * client, the CalDAV store and tsdav use (status, headers, url, text/json/arrayBuffer), over a
 * Buffer. No web streams: a request costs a fraction of what fetch's Response costs (measured in
 * the benchmark), and a body cut or stalled half-way fails inside the attempt, where it is retried.
 */

/** Response headers by lower-case name; repeated headers joined with ", " as fetch does. */
export class HeaderMap {
  private readonly values = new Map<string, string>();

  constructor(entries: Iterable<[string, string]> = []) {
    for (const [name, value] of entries) {
      const key = name.toLowerCase();
      const previous = this.values.get(key);
      this.values.set(key, previous === undefined ? value : `${previous}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}

export class HttpResponse {
  constructor(
    readonly status: number,
    readonly statusText: string,
    /** The URL that answered (after redirects). */
    readonly url: string,
    readonly headers: HeaderMap,
    /** The body as it came (for parsers that read it in pieces). */
    readonly bytes: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  /** UTF-8, a leading BOM dropped, as Response.text() does. */
  async text(): Promise<string> {
    const text = this.bytes.toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.bytes;
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  }
}

/** A fetch Response (an injected test transport's), read whole into an HttpResponse. */
export async function fromFetchResponse(response: Response): Promise<HttpResponse> {
  const bytes = response.body === null ? Buffer.alloc(0) : Buffer.from(await response.arrayBuffer());
  return new HttpResponse(
    response.status,
    response.statusText,
    response.url,
    new HeaderMap(response.headers.entries()),
    bytes,
  );
}
