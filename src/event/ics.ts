/** Low-level iCalendar content-line helpers shared by render and merge (RFC 5545 §3.1, §3.3.11). */

export const CRLF = '\r\n';
/** RFC 5545 §3.1: content lines SHOULD NOT be longer than 75 octets, excluding the line break. */
export const MAX_LINE_OCTETS = 75;

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Folds one unfolded content line so that every physical line, including the leading space of a
 * continuation, is at most 75 octets. Never splits a UTF-8 sequence (or a surrogate pair).
 */
export function foldLine(line: string): string {
  // Fast path: even at 3 octets per UTF-16 unit it fits.
  if (line.length * 3 <= MAX_LINE_OCTETS) return line;
  let folded = '';
  let segmentStart = 0;
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (let index = 0; index < line.length; ) {
    const codePoint = line.codePointAt(index) ?? 0;
    const size = utf8Length(codePoint);
    const units = codePoint > 0xffff ? 2 : 1;
    if (octets + size > limit) {
      folded += `${line.slice(segmentStart, index)}${CRLF} `;
      segmentStart = index;
      octets = 0;
      limit = MAX_LINE_OCTETS - 1; // the continuation's leading space counts
    }
    octets += size;
    index += units;
  }
  return folded + line.slice(segmentStart);
}

/** RFC 5545 TEXT escaping: backslash, semicolon, comma, and line breaks as "\n". */
export function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (char) => `\\${char}`).replace(/\r\n|\r|\n/g, '\\n');
}
