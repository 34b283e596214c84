import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { validateConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';

/** A minimal file that validates on its own. Fresh copy per call so tests can mutate it. */
export function validRaw(): Record<string, Record<string, unknown>> {
  return {
    plane: { workspaceSlug: 'acme', apiKey: 'test-api-key' },
    caldav: { serverUrl: 'https://dav.example.com/', username: 'alice', password: 'test-password' },
  };
}

const created: string[] = [];

/** A temporary directory removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'calplanebot-unit-config-'));
  created.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes `content` (objects as JSON) to dir/name with a private mode unless told otherwise. */
export async function writeConfig(dir: string, name: string, content: unknown, mode = 0o600): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  await chmod(file, mode);
  return file;
}

/** Runs `action`, asserts it throws a ConfigError (exit 2) and returns it. */
export async function configError(action: () => unknown): Promise<ConfigError> {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a ConfigError').toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.exitCode).toBe(2);
  return error;
}

/** Everything a user could see of an error. */
export function visibleText(error: ConfigError): string {
  return [error.message, error.hint ?? '', error.key ?? '', error.file ?? '', error.stack ?? '', String(error)].join(
    '\n',
  );
}

/** The config file path the validation tests name in their errors. */
export const CONFIG_FILE = '/etc/calplanebot/calplanebot.config.json';

export function validate(raw: unknown) {
  return validateConfig(raw, { file: CONFIG_FILE, cwd: '/work' });
}

/** Asserts the single problem reported: key, the message naming key and file, exit 2. */
export async function singleProblem(raw: unknown, key: string, message?: string | RegExp): Promise<ConfigError> {
  const error = await configError(() => validate(raw));
  expect(error.key).toBe(key);
  expect(error.file).toBe(CONFIG_FILE);
  expect(error.message.startsWith(`${CONFIG_FILE}: ${key}: `), error.message).toBe(true);
  if (typeof message === 'string') expect(error.message).toContain(message);
  else if (message) expect(error.message).toMatch(message);
  return error;
}
