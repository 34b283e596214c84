/**
 * The config file format (check.ts, every key optional because the environment can supply it) and the
 * validation that turns file + environment into the fully defaulted `Config`.
 *
 * All problems are collected and reported together. Messages name keys and types, never values,
 * except URLs that are plainly host names and numbers; a final scrub removes any known secret.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { durationSeconds } from '../event/dates.js';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_MS } from '../http/fetcher.js';
import { type CalendarsFile, calendarsSchema, checkTimeZone, resolveCalendars } from './calendars.js';
import {
  array,
  boolean,
  type CheckIssue,
  type Fields,
  int,
  kindOf,
  number,
  object,
  optional,
  refine,
  string,
} from './check.js';
import { type EnvOverride, envVariablesFor } from './env.js';
import { type ConfigIssue, toConfigError } from './issues.js';
import { makeRedactor } from './redact.js';
import { type Config, DEFAULT_MAX_PLANE_WRITES, SECRET_PATHS } from './types.js';
import { findUnknownKeys, isPlainObject, type KeyTree } from './unknown-keys.js';
import { checkHttpUrl, withoutTrailingSlash, withTrailingSlash } from './url.js';

export { kindOf } from './check.js';

/** The file format, written out (every key optional: the environment can supply it). */
export interface ConfigFile {
  /** Lets editors attach a JSON schema; ignored. */
  $schema?: string | undefined;
  plane?: PlaneFile | undefined;
  caldav?: CaldavFile | undefined;
  calendars?: CalendarsFile | undefined;
  export?: { refreshInterval?: string | undefined } | undefined;
  webhook?: { secret?: string | undefined; allowUnsigned?: boolean | undefined } | undefined;
  sync?: SyncFile | undefined;
  http?: Partial<Config['http']> | undefined;
}

interface PlaneFile {
  baseUrl?: string | undefined;
  webUrl?: string | undefined;
  workspaceSlug?: string | undefined;
  apiKey?: string | undefined;
  projects?: string[] | undefined;
}

type CaldavFile = Partial<Config['caldav']>;

interface SyncFile {
  maxDeletePercent?: number | undefined;
  maxPlaneWrites?: number | undefined;
  stateDir?: string | undefined;
  timeZone?: string | undefined;
  defaultDuration?: string | undefined;
}

const projectRef = refine(string(), (value) => value.trim() !== '', 'must not be empty');

const planeFields: Fields<PlaneFile> = {
  baseUrl: optional(string()),
  webUrl: optional(string()),
  workspaceSlug: optional(string()),
  apiKey: optional(string()),
  projects: optional(array(projectRef)),
};

const caldavFields: Fields<CaldavFile> = {
  serverUrl: optional(string()),
  username: optional(string()),
  password: optional(string()),
  calendarName: optional(string()),
};

const webhookFields: Fields<NonNullable<ConfigFile['webhook']>> = {
  secret: optional(string()),
  allowUnsigned: optional(boolean()),
};

const syncFields: Fields<SyncFile> = {
  maxDeletePercent: optional(number({ min: 0, max: 100 })),
  maxPlaneWrites: optional(int({ min: 0 })),
  stateDir: optional(string()),
  timeZone: optional(string()),
  defaultDuration: optional(string()),
};

const exportFields: Fields<NonNullable<ConfigFile['export']>> = {
  refreshInterval: optional(string()),
};

const httpFields: Fields<NonNullable<ConfigFile['http']>> = {
  timeoutMs: optional(int({ min: 1 })),
  retries: optional(int({ min: 1 })),
  backoffMinMs: optional(int({ min: 0 })),
  backoffMaxMs: optional(int({ min: 0 })),
  maxRetryAfterMs: optional(int({ min: 0 })),
  maxRateLimitWaitMs: optional(int({ min: 0 })),
  allowInsecureHttp: optional(boolean()),
};

/** Unknown keys are dropped here and reported as warnings separately (findUnknownKeys). */
const configFile = object<ConfigFile>({
  $schema: optional(string()),
  plane: optional(object(planeFields)),
  caldav: optional(object(caldavFields)),
  calendars: optional(calendarsSchema),
  export: optional(object(exportFields)),
  webhook: optional(object(webhookFields)),
  sync: optional(object(syncFields)),
  http: optional(object(httpFields)),
});

/**
 * The type check of the file format alone: no defaults, no cross-key rules, unknown keys dropped.
 * Keeps the `safeParse` shape it had as a zod schema, so callers that only ask "does this file
 * type-check?" did not change.
 */
export const configFileSchema = {
  safeParse(input: unknown): { success: true; data: ConfigFile } | { success: false; error: { issues: CheckIssue[] } } {
    const outcome = configFile(input);
    return outcome.ok ? { success: true, data: outcome.value } : { success: false, error: { issues: outcome.issues } };
  },
};

const KNOWN_KEYS: KeyTree = new Map([
  ['$schema', []],
  ['plane', Object.keys(planeFields)],
  ['caldav', Object.keys(caldavFields)],
  // Entries are checked strictly by their schema (an unknown filter key is an error there).
  ['calendars', []],
  ['export', Object.keys(exportFields)],
  ['webhook', Object.keys(webhookFields)],
  ['sync', Object.keys(syncFields)],
  ['http', Object.keys(httpFields)],
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
 * Type-checks the file. On failure the offending values are dropped and the rest checked again, so
 * missing keys and bad URLs are reported in the same run as type errors.
 */
function parseFile(merged: Record<string, unknown>): { file: ConfigFile; issues: ConfigIssue[] } {
  const first = configFile(merged);
  if (first.ok) return { file: first.value, issues: [] };
  const issues = first.issues.map(toConfigIssue);
  const salvaged = configFile(withoutPaths(merged, first.issues));
  return { file: salvaged.ok ? salvaged.value : {}, issues };
}

function withoutPaths(merged: Record<string, unknown>, issues: readonly CheckIssue[]): Record<string, unknown> {
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

function toConfigIssue({ path: issuePath, message, hint }: CheckIssue): ConfigIssue {
  const key = formatPath(issuePath);
  return hint === undefined ? { key, message } : { key, message, hint };
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
