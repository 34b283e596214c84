/**
 * The few typed validators the config file format needs, hand-written: a schema library was the
 * largest start-up cost of an idle cron run, for a format of a few dozen keys.
 *
 * A check returns the value (objects rebuilt with only their known keys) or every problem found,
 * each with its path and a message that names types, never values (numbers and enum words aside).
 * The rules, which the format has always had:
 * - objects and arrays report every field and element, in the order the format lists them;
 * - a refinement or bound only runs on a value of the right type;
 * - a union answers with its own message, unless exactly one option failed on content alone.
 */

export type PathSegment = string | number;

export interface CheckIssue {
  /** From the value the check was given, e.g. `['calendars', 0, 'id']`. */
  path: PathSegment[];
  message: string;
  hint?: string;
  /** Wrong type or value (not merely out of bounds): a union takes it to mean "not this option". */
  fatal: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; issues: CheckIssue[] };

export type Check<T> = (input: unknown) => Outcome<T>;

/** A key that may be absent (or undefined) in an object. */
export interface OptionalCheck<T> {
  readonly optional: Check<T>;
}

/** One check per key of T; keys T marks optional take `optional(…)`. */
export type Fields<T> = {
  readonly [K in keyof T]-?: object extends Pick<T, K> ? OptionalCheck<Exclude<T[K], undefined>> : Check<T[K]>;
};

type AnyField = Check<unknown> | OptionalCheck<unknown>;

const GENERIC_TYPE_HINT = 'calplanebot.config.example.json shows every key with a value of the right type';

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  return { optional: check };
}

export function string(): Check<string> {
  return (input) => (typeof input === 'string' ? pass(input) : fail(wrongType('string', input)));
}

export function boolean(): Check<boolean> {
  return (input) => (typeof input === 'boolean' ? pass(input) : fail(wrongType('boolean', input)));
}

export interface Bounds {
  min?: number;
  max?: number;
}

/** A finite number (NaN and ±Infinity are refused as "expected a number"). */
export function number(bounds: Bounds = {}): Check<number> {
  return numeric(false, bounds);
}

/** A whole number within the safe-integer range. */
export function int(bounds: Bounds = {}): Check<number> {
  return numeric(true, bounds);
}

function numeric(integer: boolean, { min, max }: Bounds): Check<number> {
  return (input) => {
    if (typeof input !== 'number' || !Number.isFinite(input)) return fail(wrongType('number', input));
    if (integer && !Number.isInteger(input))
      return fail({ path: [], message: `expected an integer, got ${input}`, hint: GENERIC_TYPE_HINT, fatal: true });
    const issues: CheckIssue[] = [];
    if (integer && !Number.isSafeInteger(input))
      issues.push(input > 0 ? tooBig(Number.MAX_SAFE_INTEGER, input) : tooSmall(Number.MIN_SAFE_INTEGER, input));
    if (min !== undefined && input < min) issues.push(tooSmall(min, input));
    if (max !== undefined && input > max) issues.push(tooBig(max, input));
    return issues.length === 0 ? pass(input) : { ok: false, issues };
  };
}

/** One of a fixed list of strings. The value is echoed when it is a string (these are never secrets). */
export function oneOf<const V extends readonly string[]>(values: V): Check<V[number]> {
  return (input) => {
    if (values.includes(input as V[number])) return pass(input as V[number]);
    const got = typeof input === 'string' ? JSON.stringify(input) : kindOf(input);
    return fail({ path: [], message: `must be one of ${values.join(', ')}, got ${got}`, fatal: true });
  };
}

/** Runs `test` on a value `check` accepted; a value it rejects is reported with the fixed `message`. */
export function refine<T>(check: Check<T>, test: (value: T) => boolean, message: string): Check<T> {
  return (input) => {
    const outcome = check(input);
    if (!outcome.ok || test(outcome.value)) return outcome;
    return fail({ path: [], message, fatal: false });
  };
}

export function array<T>(element: Check<T>): Check<T[]> {
  return (input) => {
    if (!Array.isArray(input)) return fail(wrongType('array', input));
    const value: T[] = [];
    const issues: CheckIssue[] = [];
    for (let index = 0; index < input.length; index++) {
      const outcome = element(input[index]);
      if (outcome.ok) value.push(outcome.value);
      else issues.push(...outcome.issues.map((issue) => prefixed(index, issue)));
    }
    return issues.length === 0 ? pass(value) : { ok: false, issues };
  };
}

export interface ObjectOptions {
  /**
   * Unknown keys are an error (with this hint naming the known ones) instead of being dropped.
   * They are reported after the known keys' problems and do not count as fatal.
   */
  strict?: { hint: string };
}

/** Any non-array object. The result has the known keys only, in `fields` order. */
export function object<T>(fields: Fields<T>, options: ObjectOptions = {}): Check<T> {
  const table: Readonly<Record<string, AnyField>> = fields;
  const known = new Set(Object.keys(table));
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(wrongType('object', input));
    const record = input as Record<string, unknown>;
    const value: Record<string, unknown> = {};
    const issues: CheckIssue[] = [];
    for (const [key, field] of Object.entries(table)) {
      const present = key in record;
      const given = record[key];
      if ('optional' in field && given === undefined) {
        if (present) value[key] = undefined;
        continue;
      }
      const outcome = ('optional' in field ? field.optional : field)(given);
      if (outcome.ok) value[key] = outcome.value;
      else issues.push(...outcome.issues.map((issue) => prefixed(key, issue)));
    }
    const unknown = options.strict === undefined ? [] : Object.keys(record).filter((key) => !known.has(key));
    if (options.strict !== undefined && unknown.length > 0) {
      const names = unknown.map((name) => `"${name}"`).join(', ');
      const message = `unknown key${unknown.length > 1 ? 's' : ''} ${names}`;
      issues.push({ path: [], message, hint: options.strict.hint, fatal: false });
    }
    return issues.length === 0 ? pass(value as T) : { ok: false, issues };
  };
}

/**
 * The first option that accepts the value. When all fail: the problems of the one option that
 * failed on content alone (the value had its shape, e.g. an object with an empty field), or else
 * `message`, which describes every accepted form.
 */
export function union<A, B>(options: readonly [Check<A>, Check<B>], message: string): Check<A | B> {
  return (input) => {
    const failures: CheckIssue[][] = [];
    for (const option of options) {
      const outcome: Outcome<A | B> = option(input);
      if (outcome.ok) return outcome;
      failures.push(outcome.issues);
    }
    const contentOnly = failures.filter((issues) => issues.every((issue) => !issue.fatal));
    const [only] = contentOnly;
    if (contentOnly.length === 1 && only !== undefined) return { ok: false, issues: only };
    return fail({ path: [], message, fatal: true });
  };
}

/** The JSON type of a value: `null`, `array`, `string`, … */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function pass<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function fail(issue: CheckIssue): Outcome<never> {
  return { ok: false, issues: [issue] };
}

function prefixed(segment: PathSegment, issue: CheckIssue): CheckIssue {
  return { ...issue, path: [segment, ...issue.path] };
}

function wrongType(expected: 'string' | 'number' | 'boolean' | 'array' | 'object', value: unknown): CheckIssue {
  const article = expected === 'array' || expected === 'object' ? 'an' : 'a';
  const hint =
    typeof value === 'string' && (expected === 'number' || expected === 'boolean')
      ? 'remove the quotes around the value'
      : GENERIC_TYPE_HINT;
  return { path: [], message: `expected ${article} ${expected}, got ${kindOf(value)}`, hint, fatal: true };
}

/** Numbers are never secrets, so the value may be echoed. */
function tooSmall(minimum: number, value: number): CheckIssue {
  return { path: [], message: `must be at least ${minimum}, got ${value}`, fatal: false };
}

function tooBig(maximum: number, value: number): CheckIssue {
  return { path: [], message: `must be at most ${maximum}, got ${value}`, fatal: false };
}
