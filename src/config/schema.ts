/**
 * The config file format (zod, every key optional because the environment can supply it) and the
 * validation that turns file + environment into the fully defaulted `Config`.
 *
 * All problems are collected and reported together. Messages name keys and types, never values,
 * except URLs that are plainly host names and numbers; a final scrub removes any known secret.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { durationSeconds } from '../event/dates.js';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS } from '../http/fetcher.js';
import { calendarsSchema, checkTimeZone, resolveCalendars } from './calendars.js';
import { type EnvOverride, envVariablesFor } from './env.js';
import { type ConfigIssue, toConfigError } from './issues.js';
import { makeRedactor } from './redact.js';
import { type Config, DEFAULT_MAX_PLANE_WRITES, SECRET_PATHS, SHAPE_KEYS } from './types.js';
import { findUnknownKeys, isPlainObject, type KeyTree } from './unknown-keys.js';
import { checkHttpUrl, withoutTrailingSlash, withTrailingSlash } from './url.js';

const projectRef = z.string().refine((value) => value.trim() !== '', { error: 'must not be empty' });

const planeSchema = z.object({
  baseUrl: z.string().optional(),
  webUrl: z.string().optional(),
  workspaceSlug: z.string().optional(),
  apiKey: z.string().optional(),
  projects: z.array(projectRef).optional(),
});

const caldavSchema = z.object({
  serverUrl: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  calendarName: z.string().optional(),
});

const webhookSchema = z.object({
  secret: z.string().optional(),
  allowUnsigned: z.boolean().optional(),
});

const syncSchema = z.object({
  maxDeletePercent: z.number().min(0).max(100).optional(),
  maxPlaneWrites: z.int().min(0).optional(),
  stateDir: z.string().optional(),
  timeZone: z.string().optional(),
  defaultDuration: z.string().optional(),
});

const exportSchema = z.object({
  refreshInterval: z.string().optional(),
});

const httpSchema = z.object({
  timeoutMs: z.int().min(1).optional(),
  retries: z.int().min(1).optional(),
  backoffMinMs: z.int().min(0).optional(),
  backoffMaxMs: z.int().min(0).optional(),
  maxRetryAfterMs: z.int().min(0).optional(),
  maxRateLimitWaitMs: z.int().min(0).optional(),
  allowInsecureHttp: z.boolean().optional(),
});

/** The file format. Unknown keys are stripped here and reported as warnings separately. */
export const configFileSchema = z.object({
  /** Lets editors attach a JSON schema; ignored. */
  $schema: z.string().optional(),
  plane: planeSchema.optional(),
  caldav: caldavSchema.optional(),
  calendars: calendarsSchema.optional(),
  export: exportSchema.optional(),
  webhook: webhookSchema.optional(),
  sync: syncSchema.optional(),
  http: httpSchema.optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;

const KNOWN_KEYS: KeyTree = new Map([
  ['$schema', []],
  ['plane', Object.keys(planeSchema.shape)],
  ['caldav', Object.keys(caldavSchema.shape)],
  // Entries are checked strictly by their schema (an unknown filter key is an error there).
  ['calendars', []],
  ['export', Object.keys(exportSchema.shape)],
  ['webhook', Object.keys(webhookSchema.shape)],
  ['sync', Object.keys(syncSchema.shape)],
  ['http', Object.keys(httpSchema.shape)],
]);

export const PLANE_CLOUD_API_URL = 'https://api.plane.so';
export const PLANE_CLOUD_WEB_URL = 'https://app.plane.so';

export const DEFAULTS = {
  plane: { baseUrl: PLANE_CLOUD_API_URL },
  caldav: { calendarName: 'Plane: {project}' },
  export: { refreshInterval: 'PT1H' },
  webhook: { allowUnsigned: false },
  sync: { maxDeletePercent: 50, maxPlaneWrites: DEFAULT_MAX_PLANE_WRITES },
  http: {
    timeoutMs: 30_000,
    retries: 3,
    backoffMinMs: 4_000,
    backoffMaxMs: 10_000,
    maxRetryAfterMs: 60_000,
    maxRateLimitWaitMs: DEFAULT_MAX_RATE_LIMIT_WAIT_MS,
    allowInsecureHttp: false,
  },
} as const satisfies {
  plane: Partial<Config['plane']>;
  caldav: Partial<Config['caldav']>;
  export: Config['export'];
  webhook: Partial<Config['webhook']>;
  sync: Partial<Config['sync']>;
  http: Config['http'];
};

export interface ValidateOptions {
  /** Where `input` was read from, for messages and for resolving a relative `sync.stateDir`. */
  file?: string;
  /** Base for relative paths that came from the environment. Default: process.cwd(). */
  cwd?: string;
  /** Environment values; they beat the file. */
  overrides?: readonly EnvOverride[];
  /** Problems found before validation (e.g. unreadable `*_FILE`), reported with the rest. */
  issues?: readonly ConfigIssue[];
  /** Required keys that may be missing this once (`health` reports a missing secret itself); they resolve to ''. */
  optional?: readonly string[];
}

export interface ValidatedConfig {
  config: Config;
  /** Unknown keys. */
  warnings: string[];
}

interface Context {
  file: string | undefined;
  cwd: string;
  /** Dotted key → the env variable that supplied it. */
  envKeys: ReadonlyMap<string, string>;
  optional: ReadonlySet<string>;
}

/** Validates a parsed config file merged with environment overrides. Throws ConfigError. */
export function validateConfig(input: unknown, options: ValidateOptions = {}): ValidatedConfig {
  const overrides = options.overrides ?? [];
  const context: Context = {
    file: options.file,
    cwd: options.cwd ?? process.cwd(),
    envKeys: new Map(overrides.map((override) => [override.key, override.variable])),
    optional: new Set(options.optional ?? []),
  };
  const scrub = makeRedactor(knownSecrets(input, overrides));
  if (!isPlainObject(input)) {
    const where = context.file === undefined ? '' : `${context.file}: `;
    throw new ConfigError(`${where}the config must be an object, got ${kindOf(input)}`, undefined, context.file, {
      hint: 'see calplanebot.config.example.json for the expected shape',
    });
  }
  const warnings = findUnknownKeys(input, KNOWN_KEYS, context.file).map(scrub);
  const blanks = blankStrings(input, context.envKeys);
  const merged = applyOverrides(withoutBlankStrings(input), overrides);
  const parsed = parseFile(merged);
  const resolved = resolveConfig(parsed.file, context);
  const earlier = [...(options.issues ?? []), ...blanks];
  const semantic = resolved.issues.filter((issue) => !coveredBy(issue.key, [...earlier, ...parsed.issues]));
  const issues = [...earlier, ...[...parsed.issues, ...semantic].map((issue) => presentKey(issue, context))];
  if (issues.length > 0) throw toConfigError(issues, context.file, scrub);
  return { config: resolved.config, warnings };
}

/** Secret values from the file and the environment, so the final scrub can remove them. */
function knownSecrets(input: unknown, overrides: readonly EnvOverride[]): string[] {
  const fromFile = SECRET_PATHS.map((key) => valueAt(input, key.split('.'))).filter(
    (value): value is string => typeof value === 'string',
  );
  const fromEnv = overrides.filter((override) => override.secret).map((override) => override.value);
  return [...fromFile, ...fromEnv];
}

/**
 * A key set to a blank string in the file is a mistake, not a request for the default: a blank
 * `plane.baseUrl` falling back to Plane Cloud would send a self-hosted key there. Required keys
 * are reported as missing by the resolution; a key the environment supplies is not the file's.
 */
function blankStrings(input: Record<string, unknown>, envKeys: ReadonlyMap<string, string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [section, value] of Object.entries(input)) {
    if (!isPlainObject(value)) continue;
    for (const [field, fieldValue] of Object.entries(value)) {
      const key = `${section}.${field}`;
      if (typeof fieldValue !== 'string' || fieldValue.trim() !== '' || REQUIRED_KEYS.has(key) || envKeys.has(key))
        continue;
      if (!KNOWN_KEYS.get(section)?.includes(field)) continue; // unknown keys only warn
      issues.push({ key, message: 'is empty', hint: `give it a value, or remove the key to use the default` });
    }
  }
  return issues;
}

const REQUIRED_KEYS: ReadonlySet<string> = new Set([
  'plane.workspaceSlug',
  'plane.apiKey',
  'caldav.serverUrl',
  'caldav.username',
  'caldav.password',
]);

/** Blank strings count as missing (blankStrings() reports them), so "required" applies to them. */
function withoutBlankStrings(input: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    result[name] = isPlainObject(value)
      ? Object.fromEntries(
          Object.entries(value).filter(([, field]) => !(typeof field === 'string' && field.trim() === '')),
        )
      : value;
  }
  return result;
}

/** Environment values replace file values. A section of the wrong type is left for the type error. */
function applyOverrides(input: Record<string, unknown>, overrides: readonly EnvOverride[]): Record<string, unknown> {
  const result = { ...input };
  for (const { key, value } of overrides) {
    const [section = '', field = ''] = key.split('.');
    const current = result[section] === undefined ? {} : result[section];
    if (isPlainObject(current)) result[section] = { ...current, [field]: value };
  }
  return result;
}

/**
 * Type-checks with zod. On failure the offending values are dropped and the rest parsed again, so
 * missing keys and bad URLs are reported in the same run as type errors.
 */
function parseFile(merged: Record<string, unknown>): { file: ConfigFile; issues: ConfigIssue[] } {
  const first = configFileSchema.safeParse(merged);
  if (first.success) return { file: first.data, issues: [] };
  const issues = first.error.issues.map((issue) => fromZodIssue(issue, merged));
  const salvaged = configFileSchema.safeParse(withoutPaths(merged, first.error.issues));
  return { file: salvaged.success ? salvaged.data : {}, issues };
}

function withoutPaths(merged: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  const result = { ...merged };
  for (const { path: issuePath } of issues) {
    const [section, field] = issuePath.map(String);
    if (section === undefined) continue;
    const current = result[section];
    if (field === undefined || !isPlainObject(current)) delete result[section];
    else result[section] = Object.fromEntries(Object.entries(current).filter(([name]) => name !== field));
  }
  return result;
}

function fromZodIssue(issue: z.core.$ZodIssue, root: unknown): ConfigIssue {
  const key = formatPath(issue.path);
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      const hint = typeHint(issue.expected, value);
      if (issue.expected === 'int') return { key, message: `expected an integer, got ${describeNumber(value)}`, hint };
      return { key, message: `expected ${withArticle(issue.expected)}, got ${kindOf(value)}`, hint };
    }
    case 'too_small':
      if (issue.origin === 'number')
        return { key, message: `must be at least ${issue.minimum}, got ${describeNumber(value)}` };
      return { key, message: 'must not be empty' };
    case 'too_big':
      return { key, message: `must be at most ${issue.maximum}, got ${describeNumber(value)}` };
    case 'unrecognized_keys': {
      const names = issue.keys.map((name) => `"${name}"`).join(', ');
      return {
        key,
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${names}`,
        hint: knownKeysHint(issue.path),
      };
    }
    case 'invalid_value':
      return {
        key,
        message: `must be one of ${issue.values.map(String).join(', ')}, got ${typeof value === 'string' ? JSON.stringify(value) : kindOf(value)}`,
      };
    default:
      // Our own refinements; their messages are fixed text.
      return { key, message: issue.message };
  }
}

/** The keys an entry of `calendars` (or its filter) takes, for the unknown-key error. */
function knownKeysHint(segments: readonly PropertyKey[]): string | undefined {
  if (segments[0] !== 'calendars') return undefined;
  const inFilter = segments.at(-1) === 'filter';
  const inWindow = segments.at(-1) === 'window';
  if (inWindow) return 'a window takes pastDays and futureDays';
  if (segments.at(-1) === 'writeBack') return 'writeBack takes fields and completedState';
  return inFilter
    ? 'a filter takes projects, assignees, labels, stateGroups, priorities and window'
    : `an entry takes id, name, perProject, filter, ${SHAPE_KEYS.join(', ')} and writeBack`;
}

function typeHint(expected: string, value: unknown): string {
  if (typeof value === 'string' && ['number', 'int', 'boolean'].includes(expected))
    return 'remove the quotes around the value';
  return 'calplanebot.config.example.json shows every key with a value of the right type';
}

/** `caldav.password` is covered by an issue on `caldav.password`, on `caldav`, or on CALDAV_PASSWORD(_FILE). */
function coveredBy(key: string, issues: readonly ConfigIssue[]): boolean {
  return issues.some((issue) => {
    const about = issue.configKey ?? issue.key;
    return key === about || key.startsWith(`${about}.`);
  });
}

/** Names the env variable instead of the key when that is where the value came from. */
function presentKey(issue: ConfigIssue, context: Context): ConfigIssue {
  const variable = context.envKeys.get(issue.key);
  return variable === undefined ? issue : { ...issue, key: variable, fromEnv: true };
}

// ---------------------------------------------------------------------------------------------
// Resolution: required keys, URLs, templates, defaults.

type Resolved = { config: Config; issues: ConfigIssue[] };

/** Applies defaults and cross-key rules. `config` is only meaningful when `issues` is empty. */
function resolveConfig(file: ConfigFile, context: Context): Resolved {
  const issues: ConfigIssue[] = [];
  const http = { ...DEFAULTS.http, ...definedOnly(file.http ?? {}) };
  const check = new Checker(issues, context, http.allowInsecureHttp);
  checkBackoff(file, http, issues);
  const plane = resolvePlane(file.plane ?? {}, check);
  const caldav = resolveCaldav(file.caldav ?? {}, check);
  const config: Config = {
    plane,
    caldav,
    calendars: resolveCalendars(file.calendars, caldav.calendarName, issues),
    export: {
      refreshInterval: checkPositiveDuration(
        'export.refreshInterval',
        file.export?.refreshInterval,
        DEFAULTS.export.refreshInterval,
        issues,
      ),
    },
    webhook: {
      secret: file.webhook?.secret,
      allowUnsigned: file.webhook?.allowUnsigned ?? DEFAULTS.webhook.allowUnsigned,
    },
    sync: {
      maxDeletePercent: file.sync?.maxDeletePercent ?? DEFAULTS.sync.maxDeletePercent,
      maxPlaneWrites: file.sync?.maxPlaneWrites ?? DEFAULTS.sync.maxPlaneWrites,
      stateDir: resolveStateDir(file.sync?.stateDir, context),
      timeZone: checkTimeZone(file.sync?.timeZone, issues),
      defaultDuration: checkPositiveDuration('sync.defaultDuration', file.sync?.defaultDuration, 'PT1H', issues),
    },
    http,
  };
  return { config, issues };
}

function resolvePlane(plane: NonNullable<ConfigFile['plane']>, check: Checker): Config['plane'] {
  const baseUrl = check.url('plane.baseUrl', plane.baseUrl, withoutTrailingSlash) ?? DEFAULTS.plane.baseUrl;
  return {
    baseUrl,
    webUrl: check.url('plane.webUrl', plane.webUrl, withoutTrailingSlash) ?? defaultWebUrl(baseUrl),
    workspaceSlug: check.required('plane.workspaceSlug', plane.workspaceSlug) ?? '',
    apiKey: check.required('plane.apiKey', plane.apiKey) ?? '',
    projects: [...(plane.projects ?? [])],
  };
}

function resolveCaldav(caldav: NonNullable<ConfigFile['caldav']>, check: Checker): Config['caldav'] {
  const serverUrl = check.required('caldav.serverUrl', caldav.serverUrl);
  return {
    serverUrl: check.url('caldav.serverUrl', serverUrl, withTrailingSlash) ?? '',
    username: check.required('caldav.username', caldav.username) ?? '',
    password: check.required('caldav.password', caldav.password) ?? '',
    calendarName: check.calendarName('caldav.calendarName', caldav.calendarName ?? DEFAULTS.caldav.calendarName),
  };
}

/** Plane Cloud serves the app on another origin; self-hosted Plane serves API and app on one. */
export function defaultWebUrl(baseUrl: string): string {
  return new URL(baseUrl).hostname === new URL(PLANE_CLOUD_API_URL).hostname ? PLANE_CLOUD_WEB_URL : baseUrl;
}

/** Relative paths are relative to the file that holds them (cron's cwd is rarely meaningful). */
function resolveStateDir(stateDir: string | undefined, context: Context): string | undefined {
  if (stateDir === undefined) return undefined;
  const fromEnv = context.envKeys.has('sync.stateDir');
  const base = fromEnv || context.file === undefined ? context.cwd : path.dirname(context.file);
  return path.resolve(base, stateDir);
}

/** A positive RFC 5545 duration without a sign (weeks, or days and/or a time part), as REFRESH-INTERVAL takes it. */
function checkPositiveDuration(
  key: string,
  value: string | undefined,
  fallback: string,
  issues: ConfigIssue[],
): string {
  if (value === undefined) return fallback;
  if (value.startsWith('P') && (durationSeconds(value) ?? 0) > 0) return value;
  issues.push({
    key,
    message: `"${value}" is not a positive iCalendar duration`,
    hint: 'e.g. "PT1H" (an hour), "PT30M", "P1D"',
  });
  return fallback;
}

function checkBackoff(file: ConfigFile, http: Config['http'], issues: ConfigIssue[]): void {
  if (http.backoffMaxMs >= http.backoffMinMs) return;
  const key = file.http?.backoffMaxMs === undefined ? 'http.backoffMinMs' : 'http.backoffMaxMs';
  issues.push({
    key,
    message: `http.backoffMinMs (${http.backoffMinMs}) must not exceed http.backoffMaxMs (${http.backoffMaxMs})`,
  });
}

/** The per-key checks, each recording its problem and returning undefined on failure. */
class Checker {
  constructor(
    private readonly issues: ConfigIssue[],
    private readonly context: Context,
    private readonly allowInsecureHttp: boolean,
  ) {}

  required(key: string, value: string | undefined): string | undefined {
    if (value === undefined && !this.context.optional.has(key))
      this.issues.push({ key, message: 'missing (required)', hint: requiredHint(key, this.context.file) });
    return value;
  }

  url(key: string, value: string | undefined, normalise: (url: URL) => string): string | undefined {
    if (value === undefined) return undefined;
    const result = checkHttpUrl(value, this.allowInsecureHttp);
    if (result.ok) return normalise(result.url);
    this.issues.push({ key, message: result.message, hint: result.hint });
    return undefined;
  }

  calendarName(key: string, value: string): string {
    if (!/\{(?:project|identifier)\}/.test(value)) {
      this.issues.push({
        key,
        message: 'must contain {project} or {identifier}; otherwise every project maps to the same calendar',
        hint: `e.g. "${DEFAULTS.caldav.calendarName}"`,
      });
    }
    return value;
  }
}

function requiredHint(key: string, file: string | undefined): string {
  const variables = envVariablesFor(key).join(' or ');
  if (file === undefined) return `set ${variables}, or ${key} in calplanebot.config.json`;
  return variables === '' ? `set ${key} in ${file}` : `set ${key} in ${file} or ${variables}`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

/** The JSON type of a value: `null`, `array`, `string`, … */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Numbers are never secrets, so they may be echoed; anything else is described by type. */
function describeNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : kindOf(value);
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
