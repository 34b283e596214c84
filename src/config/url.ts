/** Checks and normalises the http(s) URLs in the config. Messages echo hosts, never whole values. */

export type UrlCheck = { ok: true; url: URL } | { ok: false; message: string; hint: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Something that is plainly a host[:port][/path]: safe to echo back in a suggestion. */
const HOST_LIKE = /^(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:\/[\w./~%-]*)?$/i;

/** 127.0.0.0/8, ::1 and localhost. WHATWG URL parsing already canonicalises IPv4 forms like `127.1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Validates an absolute http(s) URL without credentials, query or fragment. */
export function checkHttpUrl(value: string, allowInsecureHttp: boolean): UrlCheck {
  const text = value.trim();
  if (!SCHEME.test(text)) return missingScheme(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'not a valid URL', hint: 'write a full URL, e.g. "https://dav.example.com/"' };
  }
  return checkParts(url, allowInsecureHttp);
}

/**
 * The transport rule alone, for URLs a server hands back (discovery, hrefs): http(s) only, and
 * https unless the host is loopback or http.allowInsecureHttp is set.
 */
export function checkTransport(url: URL, allowInsecureHttp: boolean): UrlCheck {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, message: 'must be an http:// or https:// URL', hint: 'use an https:// URL' };
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    return {
      ok: false,
      message: `uses http:// to the non-loopback host ${url.hostname}; credentials would travel in clear text`,
      hint: `use https://${url.host}, or set http.allowInsecureHttp to true if the network is trusted`,
    };
  }
  return { ok: true, url };
}

function checkParts(url: URL, allowInsecureHttp: boolean): UrlCheck {
  const scheme = checkTransport(url, true);
  if (!scheme.ok) return scheme;
  if (url.username !== '' || url.password !== '') {
    return {
      ok: false,
      message: 'must not contain credentials (user:password@)',
      hint: 'remove them from the URL and use caldav.username / caldav.password or plane.apiKey',
    };
  }
  if (url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      message: 'must not contain a query string or fragment',
      hint: 'remove everything from "?" or "#"',
    };
  }
  return checkTransport(url, allowInsecureHttp);
}

function missingScheme(text: string): UrlCheck {
  if (!HOST_LIKE.test(text)) {
    return { ok: false, message: 'not an absolute URL', hint: 'write a full URL, e.g. "https://dav.example.com/"' };
  }
  const host = text.split(/[/:]/)[0] ?? '';
  const scheme = isLoopbackHost(host) ? 'http' : 'https';
  return {
    ok: false,
    message: `not an absolute URL (no scheme); did you mean "${scheme}://${text}"?`,
    hint: `write "${scheme}://${text}"`,
  };
}

/** `https://x.com/a/` → `https://x.com/a` (API and web origins are joined with `/path`). */
export function withoutTrailingSlash(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

/** `https://dav.example.com/dav` → `https://dav.example.com/dav/` (a collection base URL). */
export function withTrailingSlash(url: URL): string {
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}
