/**
 * JSON parsing with readable, secret-free syntax errors.
 *
 * V8's and parse-json's messages quote the text around the error, which may be the line holding
 * the API key. So when JSON.parse fails we re-scan the text with a small validator that reports
 * `line:column` and a reason built only from fixed phrases and JSON punctuation, never file text.
 */

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like most editors. */
  column: number;
  reason: string;
}

/** Parses JSON (a leading BOM is allowed); on failure returns the problem instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem } {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch {
    return { ok: false, problem: findJsonSyntaxError(source) ?? { line: 1, column: 1, reason: 'invalid JSON' } };
  }
}

/** Where and why `text` is not valid JSON; undefined when it is valid. */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) return { ...lineColumn(text, error.offset), reason: error.reason };
    if (error instanceof RangeError)
      return { line: 1, column: 1, reason: 'invalid JSON (nested too deeply to locate the error)' };
    throw error;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const STRUCTURAL = new Set(['{', '}', '[', ']', ',', ':', '"']);
const MAX_DEPTH = 512;

/** Names a character without revealing file content: only JSON punctuation is quoted. */
function describeChar(char: string | undefined): string {
  if (char === undefined) return 'the end of the file';
  if (STRUCTURAL.has(char)) return `'${char}'`;
  if (char === "'") return 'a single quote (JSON needs double quotes)';
  if (char === '/') return "'/' (JSON does not allow comments)";
  if (/[\p{L}\p{N}_$]/u.test(char)) return 'unquoted text (strings need double quotes)';
  return 'an unexpected character';
}

class Scanner {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the file holds no JSON value');
    this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length)
      this.fail(`unexpected ${describeChar(this.peek())} after the end of the JSON value`);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private fail(reason: string, offset = this.pos): never {
    throw new ScanError(offset, reason);
  }

  private skipWhitespace(): void {
    while (/[ \t\n\r]/.test(this.peek() ?? '')) this.pos++;
  }

  private value(): void {
    this.skipWhitespace();
    const char = this.peek();
    if (char === '{') this.nested(() => this.object());
    else if (char === '[') this.nested(() => this.array());
    else if (char === '"') this.string();
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) this.number();
    else if (!this.literal()) this.fail(`expected a value, found ${describeChar(char)}`);
  }

  private nested(parse: () => void): void {
    if (++this.depth > MAX_DEPTH) throw new RangeError('nesting too deep');
    parse();
    this.depth--;
  }

  private object(): void {
    this.pos++;
    this.skipWhitespace();
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.propertyName();
      this.skipWhitespace();
      if (this.peek() !== ':') this.fail(`expected ':' after the property name, found ${describeChar(this.peek())}`);
      this.pos++;
      this.value();
      this.skipWhitespace();
      const next = this.peek();
      if (next === '}') {
        this.pos++;
        return;
      }
      if (next !== ',')
        this.fail(`expected ',' or '}' after a property value, found ${describeChar(next)} (missing comma?)`);
      this.pos++;
    }
  }

  private propertyName(): void {
    this.skipWhitespace();
    const char = this.peek();
    if (char === '"') {
      this.string();
      return;
    }
    if (char === '}') this.fail("expected a property name, found '}' (JSON does not allow trailing commas)");
    this.fail(`expected a property name in double quotes, found ${describeChar(char)}`);
  }

  private array(): void {
    this.pos++;
    this.skipWhitespace();
    if (this.peek() === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.peek() === ']') this.fail("expected a value, found ']' (JSON does not allow trailing commas)");
      this.value();
      this.skipWhitespace();
      const next = this.peek();
      if (next === ']') {
        this.pos++;
        return;
      }
      if (next !== ',')
        this.fail(`expected ',' or ']' after an array element, found ${describeChar(next)} (missing comma?)`);
      this.pos++;
    }
  }

  private string(): void {
    const start = this.pos++;
    for (;;) {
      const char = this.peek();
      if (char === undefined || char === '\n' || char === '\r') this.fail('unterminated string', start);
      if (char === '"') {
        this.pos++;
        return;
      }
      if (char === '\\') this.escape();
      else if (char < ' ') this.fail('control character in a string (escape it, e.g. \\t)');
      else this.pos++;
    }
  }

  private escape(): void {
    const kind = this.text[this.pos + 1];
    if (kind !== undefined && '"\\/bfnrt'.includes(kind)) {
      this.pos += 2;
      return;
    }
    if (kind === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
      this.pos += 6;
      return;
    }
    this.fail('invalid escape sequence in a string');
  }

  private number(): void {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (match === null) this.fail('invalid number');
    this.pos += match[0].length;
    const next = this.peek();
    if (next !== undefined && /[\d.eE]/.test(next))
      this.fail('invalid number (no leading zeros, digits after the point)');
  }

  private literal(): boolean {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos) && !/[\p{L}\p{N}_$]/u.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return true;
      }
    }
    return false;
  }
}
