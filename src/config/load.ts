/**
 * Finds, reads and validates the configuration: `--config <path>` or a cosmiconfig search of the
 * working directory and its parents up to the project root, then environment overrides, then
 * validation (schema.ts).
 *
 * cosmiconfig's own loaders put file text into their error messages (parse-json prints a code
 * frame, js-yaml a snippet), and that text may be the line holding a secret. So every loader is
 * wrapped: errors are rebuilt from positions and fixed phrases only.
 */
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  cosmiconfig,
  defaultLoaders,
  getDefaultSearchPlaces,
  type Loader,
  type Loaders,
  type PublicExplorer,
} from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { errorCode, readEnvOverrides } from './env.js';
import { parseJson } from './json.js';
import { validateConfig } from './schema.js';
import { type LoadedConfig, SECRET_PATHS } from './types.js';
import { isPlainObject } from './unknown-keys.js';

export const MODULE_NAME = 'calplanebot';

/** cosmiconfig's defaults (`.calplanebotrc.json`, `calplanebot.config.js`, …) plus our documented name. */
export const SEARCH_PLACES: readonly string[] = [...getDefaultSearchPlaces(MODULE_NAME), 'calplanebot.config.json'];

export interface LoadConfigOptions {
  /** `--config <path>`: skips the search; the file must exist. Relative to `cwd`. */
  configPath?: string;
  /** Where the search starts and what relative paths are relative to. Default: process.cwd(). */
  cwd?: string;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Required keys this caller can do without (see ValidateOptions.optional). */
  optional?: readonly string[];
}

interface ConfigSource {
  filepath: string | undefined;
  /** The parsed file content; `{}` when there is no file or it is empty. */
  raw: unknown;
  /** Other config files that the search found but did not use. */
  ignored: string[];
}

/** Loads the configuration. Throws ConfigError (exit 2) listing every problem found. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const source = await readConfigSource(cwd, options.configPath);
  const fromEnv = await readEnvOverrides(options.env ?? process.env, cwd);
  const { config, warnings } = validateConfig(source.raw, {
    file: source.filepath,
    cwd,
    overrides: fromEnv.overrides,
    issues: fromEnv.issues,
    optional: options.optional,
  });
  return { config, filepath: source.filepath, warnings: [...warnings, ...(await sourceWarnings(source))] };
}

async function readConfigSource(cwd: string, configPath: string | undefined): Promise<ConfigSource> {
  // A fresh explorer per call: cosmiconfig's caches would hide edits in long-lived processes and tests.
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    loaders: SAFE_LOADERS,
    searchStrategy: 'none',
    cache: false,
  });
  if (configPath !== undefined) return loadExplicit(explorer, path.resolve(cwd, configPath));
  return searchProject(explorer, cwd);
}

/**
 * cosmiconfig's `project` strategy, one directory at a time: the working directory, then each
 * parent, stopping after the first that holds a package.json or package.yaml (the project root),
 * or at the filesystem root. Walking it here lets every directory get the unreadable-file check.
 */
async function searchProject(explorer: PublicExplorer, cwd: string): Promise<ConfigSource> {
  for (let dir = cwd; ; ) {
    const found = await searchDir(explorer, dir);
    const parent = path.dirname(dir);
    if (found.filepath !== undefined || parent === dir || (await isProjectRoot(dir))) return found;
    dir = parent;
  }
}

async function isProjectRoot(dir: string): Promise<boolean> {
  for (const name of ['package.json', 'package.yaml']) {
    if (
      await stat(path.join(dir, name)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

async function loadExplicit(explorer: PublicExplorer, filepath: string): Promise<ConfigSource> {
  await assertIsFile(filepath);
  const result = await explorer.load(filepath).catch((error: unknown) => {
    throw loadFailure(error, filepath);
  });
  const raw: unknown = result?.config;
  return { filepath, raw: raw ?? {}, ignored: [] };
}

async function assertIsFile(filepath: string): Promise<void> {
  const hint = 'check the --config path, or omit --config to search the working directory and its parents';
  let isFile: boolean;
  try {
    isFile = (await stat(filepath)).isFile();
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'not found' : `cannot be read (${errorCode(error) ?? 'error'})`;
    throw new ConfigError(`config file ${filepath} ${reason}`, '--config', filepath, { hint });
  }
  if (!isFile) throw new ConfigError(`config file ${filepath} is not a file`, '--config', filepath, { hint });
}

/** One directory (the explorer's strategy is `none`). */
async function searchDir(explorer: PublicExplorer, dir: string): Promise<ConfigSource> {
  const result = await explorer.search(dir).catch((error: unknown) => {
    throw loadFailure(error, fileOf(error) ?? dir);
  });
  if (result === null) {
    // cosmiconfig skips files it may not read; say so rather than silently using a parent's or env only.
    await assertNoUnreadableConfig(dir);
    return { filepath: undefined, raw: {}, ignored: [] };
  }
  const raw: unknown = result.config;
  return { filepath: result.filepath, raw: raw ?? {}, ignored: await otherConfigFiles(dir, result.filepath) };
}

async function assertNoUnreadableConfig(dir: string): Promise<void> {
  for (const place of SEARCH_PLACES) {
    const candidate = path.join(dir, place);
    const code = await access(candidate, constants.R_OK).then(
      () => undefined,
      (error: unknown) => errorCode(error),
    );
    if (code === 'EACCES') {
      throw new ConfigError(`config file ${candidate} cannot be read (EACCES)`, undefined, candidate, {
        hint: `make it readable by the user running calplanebot (e.g. chown that user and chmod 600 ${shellQuote(candidate)})`,
      });
    }
  }
}

/** Non-empty config files in `dir` besides the one used (package.json excluded: it is rarely one). */
async function otherConfigFiles(dir: string, used: string): Promise<string[]> {
  const others: string[] = [];
  for (const place of SEARCH_PLACES) {
    const candidate = path.join(dir, place);
    if (place === 'package.json' || candidate === used) continue;
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile() && info.size > 0) others.push(candidate);
  }
  return others;
}

async function sourceWarnings(source: ConfigSource): Promise<string[]> {
  const warnings: string[] = [];
  if (source.ignored.length > 0 && source.filepath !== undefined) {
    warnings.push(
      `several config files in ${path.dirname(source.filepath)}: using ${source.filepath}, ignoring ${source.ignored.join(', ')}`,
    );
  }
  const exposed = await worldReadableSecrets(source);
  if (exposed !== undefined) warnings.push(exposed);
  return warnings;
}

/** A file holding secrets that every local user can read. POSIX only: Windows has no such bit. */
async function worldReadableSecrets(source: ConfigSource): Promise<string | undefined> {
  if (source.filepath === undefined || process.platform === 'win32') return undefined;
  const held = SECRET_PATHS.filter((key) => {
    const [section = '', field = ''] = key.split('.');
    const sectionValue = isPlainObject(source.raw) ? source.raw[section] : undefined;
    const value = isPlainObject(sectionValue) ? sectionValue[field] : undefined;
    return typeof value === 'string' && value.trim() !== '';
  });
  if (held.length === 0) return undefined;
  const info = await stat(source.filepath).catch(() => undefined);
  if (info === undefined || (info.mode & 0o004) === 0) return undefined;
  const file = source.filepath;
  return `${file} holds secrets (${held.join(', ')}) and is readable by every user; run: chmod 600 ${shellQuote(file)}`;
}

// ---------------------------------------------------------------------------------------------
// Loaders whose errors never quote file content.

const YAML_LOADERS = new Set(['.yaml', '.yml', 'noExt']);

const SAFE_LOADERS: Loaders = Object.fromEntries(
  Object.entries(defaultLoaders).map(([extension, loader]): [string, Loader] => {
    if (extension === '.json') return [extension, loadJsonFile];
    return [extension, YAML_LOADERS.has(extension) ? guardYaml(loader) : guardModule(loader)];
  }),
);

function loadJsonFile(filepath: string, content: string): unknown {
  const result = parseJson(content);
  if (result.ok) return result.value;
  const { line, column, reason } = result.problem;
  throw new ConfigError(`${filepath}:${line}:${column}: ${reason}`, undefined, filepath, {
    hint: 'fix the JSON at that position (JSON allows no comments and no trailing commas)',
  });
}

function guardYaml(loader: Loader): Loader {
  return async (filepath, content) => {
    try {
      return (await loader(filepath, content)) as unknown;
    } catch (error) {
      throw yamlFailure(error, filepath);
    }
  };
}

/** js-yaml's `reason` is a fixed phrase, but some quote a tag or key: drop anything quoted. */
function yamlFailure(error: unknown, filepath: string): ConfigError {
  const { reason, mark } = (typeof error === 'object' && error !== null ? error : {}) as {
    reason?: unknown;
    mark?: { line?: unknown; column?: unknown };
  };
  const hint = 'fix the YAML at that position';
  if (typeof reason !== 'string' || typeof mark?.line !== 'number' || typeof mark.column !== 'number') {
    return new ConfigError(`${filepath}: invalid YAML`, undefined, filepath, { hint });
  }
  const safeReason = reason.replace(/"[^"]*"|'[^']*'|<[^>]*>|`[^`]*`/g, '…');
  return new ConfigError(`${filepath}:${mark.line + 1}:${mark.column + 1}: ${safeReason}`, undefined, filepath, {
    hint,
  });
}

/** JS/TS configs run user code; its errors may say anything, so only the error's kind is shown. */
function guardModule(loader: Loader): Loader {
  return async (filepath, content) => {
    try {
      return (await loader(filepath, content)) as unknown;
    } catch (error) {
      const kind = [error instanceof Error ? error.name : 'error', errorCode(error)].filter(Boolean).join(' ');
      throw new ConfigError(`${filepath}: could not load the config module (${kind})`, undefined, filepath, {
        hint: 'run the file with node to see the error (calplanebot does not print it: it may quote secrets)',
      });
    }
  };
}

function loadFailure(error: unknown, filepath: string): ConfigError {
  if (error instanceof ConfigError) return error;
  const code = errorCode(error);
  if (code !== undefined)
    return new ConfigError(`config file ${filepath} cannot be read (${code})`, undefined, filepath);
  if (error instanceof Error && error.message.startsWith('No loader specified')) {
    return new ConfigError(`${filepath}: unsupported config file type`, undefined, filepath, {
      hint: 'use a .json, .yaml, .js or .ts file, e.g. calplanebot.config.json',
    });
  }
  const kind = error instanceof Error ? error.name : 'error';
  return new ConfigError(`${filepath}: could not load the config (${kind})`, undefined, filepath);
}

function fileOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('filepath' in error)) return undefined;
  return typeof error.filepath === 'string' ? error.filepath : undefined;
}

function shellQuote(file: string): string {
  return /^[\w./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}
