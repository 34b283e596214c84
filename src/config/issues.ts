/**
 * One configuration problem, and how a list of them becomes a single ConfigError. Collecting
 * problems (instead of throwing at the first) lets the user fix everything in one edit.
 */
import { ConfigError } from '../errors.js';

export interface ConfigIssue {
  /** Dotted key path (`caldav.password`, `plane.projects[1]`), or the env variable that supplied it. */
  key: string;
  /** What is wrong, without the offending value when that value could be a secret. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The value came from the environment, so the file is not the place to fix it. */
  fromEnv?: boolean;
  /** The dotted key an env problem is about, so it is not also reported as missing. */
  configKey?: string;
}

/** Builds the error for one or more problems; `scrub` removes any secret that slipped into the text. */
export function toConfigError(
  issues: readonly ConfigIssue[],
  file: string | undefined,
  scrub: (text: string) => string = (text) => text,
): ConfigError {
  const [first, ...rest] = issues;
  if (first === undefined) throw new TypeError('toConfigError needs at least one issue');
  if (rest.length === 0) {
    const hint = first.hint === undefined ? undefined : scrub(first.hint);
    return new ConfigError(scrub(singleLine(first, file)), first.key, file, { hint });
  }
  const lines = issues.map((issue) => `  ${issue.key}: ${issue.message}${issue.hint ? `; ${issue.hint}` : ''}`);
  const message = `${header(issues.length, file)}\n${lines.join('\n')}`;
  const hint = 'each line names the key or variable to fix; calplanebot.config.example.json shows every key';
  return new ConfigError(scrub(message), first.key, file, { hint });
}

function singleLine(issue: ConfigIssue, file: string | undefined): string {
  const prefix = file !== undefined && !issue.fromEnv ? `${file}: ` : '';
  return `${prefix}${issue.key}: ${issue.message}`;
}

function header(count: number, file: string | undefined): string {
  return file === undefined
    ? `${count} configuration problems (no config file found; using the environment only):`
    : `${count} configuration problems in ${file}:`;
}
