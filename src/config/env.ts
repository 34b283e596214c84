/**
 * Environment overrides. Each binding maps one variable onto one config key; secrets may instead
 * come from `<NAME>_FILE` (Docker/systemd credentials), which is read here so the value never has
 * to sit in the environment.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigIssue } from './issues.js';

export interface EnvBinding {
  readonly variable: string;
  /** Dotted config key the variable overrides. */
  readonly key: string;
  /** Secrets also accept `<variable>_FILE`. */
  readonly secret: boolean;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { variable: 'PLANE_API_KEY', key: 'plane.apiKey', secret: true },
  { variable: 'PLANE_BASE_URL', key: 'plane.baseUrl', secret: false },
  { variable: 'PLANE_WEB_URL', key: 'plane.webUrl', secret: false },
  { variable: 'PLANE_WORKSPACE_SLUG', key: 'plane.workspaceSlug', secret: false },
  { variable: 'CALDAV_URL', key: 'caldav.serverUrl', secret: false },
  { variable: 'CALDAV_USERNAME', key: 'caldav.username', secret: false },
  { variable: 'CALDAV_PASSWORD', key: 'caldav.password', secret: true },
  { variable: 'PLANE_WEBHOOK_SECRET', key: 'webhook.secret', secret: true },
  { variable: 'CALPLANEBOT_STATE_DIR', key: 'sync.stateDir', secret: false },
];

export interface EnvOverride {
  key: string;
  /** The variable actually used: `CALDAV_PASSWORD` or `CALDAV_PASSWORD_FILE`. */
  variable: string;
  value: string;
  secret: boolean;
}

export interface EnvReadResult {
  overrides: EnvOverride[];
  issues: ConfigIssue[];
}

/** The variables that can set `key`, for hints: `["CALDAV_PASSWORD", "CALDAV_PASSWORD_FILE"]`. */
export function envVariablesFor(key: string): string[] {
  const binding = ENV_BINDINGS.find((candidate) => candidate.key === key);
  if (binding === undefined) return [];
  return binding.secret ? [binding.variable, `${binding.variable}_FILE`] : [binding.variable];
}

/** Reads every binding. Blank variables count as unset (compose files often leave `X=` behind). */
export async function readEnvOverrides(env: NodeJS.ProcessEnv, cwd: string): Promise<EnvReadResult> {
  const results = await Promise.all(ENV_BINDINGS.map((binding) => readBinding(binding, env, cwd)));
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  for (const result of results) {
    if (result === undefined) continue;
    if ('message' in result) issues.push(result);
    else overrides.push(result);
  }
  return { overrides, issues };
}

async function readBinding(
  binding: EnvBinding,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<EnvOverride | ConfigIssue | undefined> {
  const fileVariable = `${binding.variable}_FILE`;
  const direct = nonBlank(env[binding.variable]);
  const filePath = binding.secret ? nonBlank(env[fileVariable]) : undefined;
  if (direct !== undefined && filePath !== undefined) {
    return {
      key: binding.variable,
      message: `both ${binding.variable} and ${fileVariable} are set`,
      hint: `unset one of them`,
      fromEnv: true,
      configKey: binding.key,
    };
  }
  if (direct !== undefined)
    return { key: binding.key, variable: binding.variable, value: direct, secret: binding.secret };
  if (filePath === undefined) return undefined;
  return readSecretFile(binding, fileVariable, path.resolve(cwd, filePath));
}

async function readSecretFile(
  binding: EnvBinding,
  fileVariable: string,
  file: string,
): Promise<EnvOverride | ConfigIssue> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const code = errorCode(error) ?? 'unreadable';
    return {
      key: fileVariable,
      message: `cannot read ${file} (${code})`,
      hint: `point ${fileVariable} at a readable file holding only the secret`,
      fromEnv: true,
      configKey: binding.key,
    };
  }
  // Exactly one trailing newline is what `echo secret > file` adds; anything else is the secret.
  const value = content.replace(/\r?\n$/, '');
  if (value.trim() === '') {
    return {
      key: fileVariable,
      message: `${file} is empty`,
      hint: `write the secret into ${file}`,
      fromEnv: true,
      configKey: binding.key,
    };
  }
  return { key: binding.key, variable: fileVariable, value, secret: true };
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
