/**
 * Plane's description_html as plain text for an event DESCRIPTION, plus the clean-up every text we
 * put into iCalendar needs.
 */
import { createRequire } from 'node:module';
import type { DomNode, FormatCallback } from 'html-to-text';

/** Beyond this many characters the HTML is cut: no calendar wants a multi-megabyte event. */
export const MAX_HTML_LENGTH = 1_000_000;

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

function isBlankText(node: DomNode): boolean {
  return node.type === 'text' && /^\s*$/.test(node.data ?? '');
}

/**
 * `<ol>` as "1. item": the built-in formatter indents top-level items with a space (" 1. ").
 * Other list details follow html-to-text's own formatList.
 */
const formatOrderedList: FormatCallback = (elem, walk, builder, formatOptions) => {
  const isNested = elem.parent?.name === 'li';
  let index = Number(elem.attribs?.start ?? '1') || 1;
  const items = (elem.children ?? [])
    .filter((child) => !isBlankText(child))
    .map((child) => ({ node: child, prefix: child.name === 'li' ? `${index++}. ` : '' }));
  if (items.length === 0) return;
  const maxPrefixLength = Math.max(...items.map((item) => item.prefix.length));
  builder.openList({
    interRowLineBreaks: 1,
    leadingLineBreaks: isNested ? 1 : (formatOptions.leadingLineBreaks ?? 2),
    maxPrefixLength,
    prefixAlign: 'left',
  });
  for (const { node, prefix } of items) {
    builder.openListItem({ prefix });
    walk([node], builder);
    builder.closeListItem();
  }
  builder.closeList({ trailingLineBreaks: isNested ? 1 : (formatOptions.trailingLineBreaks ?? 2) });
};

/**
 * The converter, compiled once (the selector tree is the expensive part and a sync converts
 * 10,000 descriptions) and loaded on first use: html-to-text costs a tenth of a no-op run's start-up,
 * and a run whose calendars are all known to be converged converts nothing (calendar-cache.ts).
 */
let converter: ((html: string) => string) | undefined;

function convertHtml(html: string): string {
  converter ??= compileConverter();
  return converter(html);
}

function compileConverter(): (html: string) => string {
  const { compile } = createRequire(import.meta.url)('html-to-text') as typeof import('html-to-text');
  return compile({
    wordwrap: false,
    // 0 disables the library's own cut, which would also write a warning to stderr.
    limits: { maxInputLength: 0 },
    formatters: { orderedListPlain: formatOrderedList },
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      ...HEADINGS.map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'ul', options: { itemPrefix: '- ' } },
      { selector: 'ol', format: 'orderedListPlain' },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  });
}

// C0 controls except TAB and LF, and DEL: RFC 5545 TEXT cannot carry them.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F]/g;
// A surrogate half without its partner cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe for an iCalendar TEXT value: LF line breaks, no control characters, well-formed UTF-16. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** cleanText for a value that must stay on one line (a name, a label): line breaks become spaces. */
export function cleanLine(text: string): string {
  return cleanText(text)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Plain text of an HTML fragment: trimmed, at most one blank line in a row, "" for empty HTML. */
export function htmlToPlainText(html: string | null): string {
  if (html === null || html === '') return '';
  const text = convertHtml(html.length > MAX_HTML_LENGTH ? html.slice(0, MAX_HTML_LENGTH) : html);
  return cleanText(text)
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
