/**
 * Python's `json.dumps(value)` with its defaults, byte for byte: separators ", " and ": ",
 * ensure_ascii=True (every code unit outside space..tilde as \uXXXX, lowercase hex, so astral
 * characters become surrogate pairs), floats as `repr(float)`. Plane signs exactly these bytes
 * (plane-api.md §5), so the fake's webhook bodies must match them.
 */

/** Marks a number Python holds as a float (65535 → "65535.0"); plain integral numbers print as ints. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = null | boolean | number | string | PyFloat | PyJson[] | { [key: string]: PyJson };

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

export function pyString(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** `repr(float)`: shortest round-trip digits, exponent form when the point is < -4 or > 16 places. */
export function pyFloatRepr(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError('Out of range float values are not JSON compliant');
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const point = exp + 1;
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const lead = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expText = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${lead}e${expText}`;
}

function pyNumber(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  return pyFloatRepr(value);
}

export function pyJsonDumps(value: PyJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  const entries = Object.entries(value).map(([key, item]) => `${pyString(key)}: ${pyJsonDumps(item)}`);
  return `{${entries.join(', ')}}`;
}
