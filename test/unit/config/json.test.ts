import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, parseJson } from '../../../src/config/json.js';

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a": 1 "b": 2}', 1, 9, "expected ',' or '}' after a property value, found '\"' (missing comma?)"],
    ['{\n  "a": 1,\n}', 3, 1, "expected a property name, found '}' (JSON does not allow trailing commas)"],
    ['[1, 2,]', 1, 7, "expected a value, found ']' (JSON does not allow trailing commas)"],
    [
      '[1 2]',
      1,
      4,
      "expected ',' or ']' after an array element, found unquoted text (strings need double quotes) (missing comma?)",
    ],
    ['{"a" 1}', 1, 6, "expected ':' after the property name, found unquoted text (strings need double quotes)"],
    ["{'a': 1}", 1, 2, 'expected a property name in double quotes, found a single quote (JSON needs double quotes)'],
    ['{a: 1}', 1, 2, 'expected a property name in double quotes, found unquoted text (strings need double quotes)'],
    ['{"a": tru}', 1, 7, 'expected a value, found unquoted text (strings need double quotes)'],
    ['{"a": "x\n"}', 1, 7, 'unterminated string'],
    ['{"a": "x', 1, 7, 'unterminated string'],
    ['{"a": "x\\q"}', 1, 9, 'invalid escape sequence in a string'],
    ['{"a": "\\u12g4"}', 1, 8, 'invalid escape sequence in a string'],
    ['{"a": "x\ty"}', 1, 9, 'control character in a string (escape it, e.g. \\t)'],
    ['{"a": 01}', 1, 8, 'invalid number (no leading zeros, digits after the point)'],
    ['{"a": 1.}', 1, 8, 'invalid number (no leading zeros, digits after the point)'],
    ['{"a": -}', 1, 7, 'invalid number'],
    ['// note\n{}', 1, 1, "expected a value, found '/' (JSON does not allow comments)"],
    ['{} {}', 1, 4, "unexpected '{' after the end of the JSON value"],
    ['{"a": 1', 1, 8, "expected ',' or '}' after a property value, found the end of the file (missing comma?)"],
    ['  ', 1, 3, 'the file holds no JSON value'],
    ['{"a": #}', 1, 7, 'expected a value, found an unexpected character'],
  ])('%j → %i:%i %s', (text, line, column, reason) => {
    expect(jsonParses(text)).toBe(false);
    expect(findJsonSyntaxError(text)).toEqual({ line, column, reason });
  });

  it('counts columns after CRLF line breaks', () => {
    expect(findJsonSyntaxError('{\r\n  "a": x\r\n}')).toMatchObject({ line: 2, column: 8 });
  });

  it('accepts what JSON.parse accepts, and rejects what it rejects (property)', () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ':', '\\', ' ', '0', '-', '.', 'e', 'x', '\n', '\t'),
        fc.nat(2),
      )
      .map(([json, at, insert, removed]) => {
        const position = json.length === 0 ? 0 : at % json.length;
        return json.slice(0, position) + insert + json.slice(position + removed);
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.json(), mutated, fc.string({ unit: fc.constantFrom(...'{}[],:"\\ 0123456789.eE+-tfnrul') })),
        (text) => {
          expect(findJsonSyntaxError(text) === undefined).toBe(jsonParses(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reports absurd nesting without a position instead of overflowing', () => {
    const deep = `${'['.repeat(10_000)}x${']'.repeat(10_000)}`;
    expect(findJsonSyntaxError(deep)?.reason).toContain('nested too deeply');
  });
});

describe('parseJson', () => {
  it('accepts a leading byte-order mark', () => {
    expect(parseJson('\uFEFF{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('returns the problem instead of throwing', () => {
    expect(parseJson('{\n"a": }')).toEqual({
      ok: false,
      problem: { line: 2, column: 6, reason: "expected a value, found '}'" },
    });
  });
});
