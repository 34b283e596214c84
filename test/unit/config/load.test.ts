import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { configError, tempDir, validRaw, writeConfig } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../../calplanebot.config.example.json', import.meta.url));

/** Every dotted leaf path of a plain JSON object. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix === '' ? key : `${prefix}.${key}`));
}

describe('the example config', () => {
  it('validates, with placeholder secrets counting as present', async () => {
    const loaded = await loadConfig({ configPath: EXAMPLE, env: {} });
    expect(loaded.filepath).toBe(EXAMPLE);
    expect(loaded.warnings.filter((warning) => warning.includes('unknown key'))).toEqual([]);
    expect(loaded.config.plane.apiKey).toMatch(/PLANE_API_KEY/);
  });

  it('shows every key of Config, and no real-looking token', async () => {
    const text = await readFile(EXAMPLE, 'utf8');
    const loaded = await loadConfig({ configPath: EXAMPLE, env: {} });
    expect(leafPaths(JSON.parse(text)).sort()).toEqual(leafPaths(loaded.config).sort());
    expect(text).not.toMatch(/plane_api_[0-9a-f]/i);
  });

  it('shows the default calendar entry, a "my work" calendar and a release calendar, which resolve with their defaults', async () => {
    const { config } = await loadConfig({ configPath: EXAMPLE, env: {} });
    expect(config.calendars.map(({ id, name, perProject }) => ({ id, name, perProject }))).toEqual([
      { id: 'projects', name: config.caldav.calendarName, perProject: true },
      { id: 'mine', name: 'Plane: my work', perProject: false },
      { id: 'releases', name: 'Plane: releases', perProject: false },
    ]);
    expect(config.calendars[0]?.filter).toEqual({});
    expect(config.calendars[1]?.filter.assignees).toEqual(['me']);
    expect(config.calendars[2]?.filter.labels).toEqual(['release']);
    expect(config.sync.timeZone).toBe('Europe/Berlin');
  });
});

describe('discovery', () => {
  it.each(['calplanebot.config.json', '.calplanebotrc.json', '.calplanebotrc'])('finds %s in cwd', async (name) => {
    const dir = await tempDir();
    const file = await writeConfig(dir, name, validRaw());
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.filepath).toBe(file);
    expect(loaded.config.plane.workspaceSlug).toBe('acme');
  });

  it('finds a YAML rc file', async () => {
    const dir = await tempDir();
    const yaml =
      'plane:\n  workspaceSlug: acme\n  apiKey: k-1234\ncaldav:\n  serverUrl: https://dav.example.com\n  username: a\n  password: p-1234\n';
    await writeConfig(dir, '.calplanebotrc.yaml', yaml);
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.config.caldav.serverUrl).toBe('https://dav.example.com/');
  });

  it('searches up from a subdirectory to the project root (the directory holding package.json), not beyond', async () => {
    const outside = await tempDir();
    await writeConfig(outside, 'calplanebot.config.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, workspaceSlug: 'outside' },
    });
    const root = path.join(outside, 'repo');
    await mkdir(path.join(root, 'scripts', 'cron'), { recursive: true });
    await writeFile(path.join(root, 'package.json'), '{"name": "ops"}');
    const cwd = path.join(root, 'scripts', 'cron');

    // Above the project root: never used (the walk stops at package.json).
    const beyond = await configError(() => loadConfig({ cwd, env: {} }));
    expect(beyond.message).toContain('plane.workspaceSlug');
    expect((await loadConfig({ cwd, env: fullEnv() })).filepath).toBeUndefined();

    // In the project root: found from two levels down, relative paths resolved from the file.
    const inRoot = await writeConfig(root, '.calplanebotrc.json', { ...validRaw(), sync: { stateDir: 'state' } });
    const loaded = await loadConfig({ cwd, env: {} });
    expect(loaded.filepath).toBe(inRoot);
    expect(loaded.config.sync.stateDir).toBe(path.join(root, 'state'));

    // The nearest directory wins.
    const nearer = await writeConfig(path.join(root, 'scripts'), 'calplanebot.config.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, workspaceSlug: 'nearer' },
    });
    const nearest = await loadConfig({ cwd, env: {} });
    expect(nearest.filepath).toBe(nearer);
    expect(nearest.config.plane.workspaceSlug).toBe('nearer');
  });

  it('--config wins over discovery, relative to cwd', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, workspaceSlug: 'found' },
    });
    await mkdir(path.join(dir, 'etc'));
    const chosen = await writeConfig(dir, 'etc/mine.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, workspaceSlug: 'chosen' },
    });
    const loaded = await loadConfig({ cwd: dir, configPath: 'etc/mine.json', env: {} });
    expect(loaded.filepath).toBe(chosen);
    expect(loaded.config.plane.workspaceSlug).toBe('chosen');
  });

  it('--config pointing nowhere names the path', async () => {
    const dir = await tempDir();
    const error = await configError(() => loadConfig({ cwd: dir, configPath: 'nope.json', env: {} }));
    expect(error.message).toContain(path.join(dir, 'nope.json'));
    expect(error.message).toContain('not found');
    expect(error.file).toBe(path.join(dir, 'nope.json'));
  });

  it('--config pointing at a directory is refused', async () => {
    const dir = await tempDir();
    const error = await configError(() => loadConfig({ cwd: dir, configPath: '.', env: {} }));
    expect(error.message).toContain('is not a file');
  });

  it('no file at all is fine when the environment supplies everything', async () => {
    const dir = await tempDir();
    const loaded = await loadConfig({ cwd: dir, env: fullEnv() });
    expect(loaded.filepath).toBeUndefined();
    expect(loaded.config.caldav.serverUrl).toBe('https://dav.example.com/');
    expect(loaded.config.plane.baseUrl).toBe('https://api.plane.so');
  });

  it('an empty config file counts as an empty object', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'empty.json', '   \n');
    const loaded = await loadConfig({ cwd: dir, configPath: file, env: fullEnv() });
    expect(loaded.filepath).toBe(file);
  });

  it('warns when several config files sit in cwd', async () => {
    const dir = await tempDir();
    const used = await writeConfig(dir, '.calplanebotrc.json', validRaw());
    await writeConfig(dir, 'calplanebot.config.json', validRaw());
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.filepath).toBe(used);
    expect(loaded.warnings).toEqual([expect.stringContaining(`ignoring ${path.join(dir, 'calplanebot.config.json')}`)]);
  });

  it('a config file that is not an object is an error', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'calplanebot.config.json', '["plane"]');
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(`${file}: the config must be an object, got array`);
  });

  it('an unsupported extension is a ConfigError', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'config.toml', 'a = 1');
    const error = await configError(() => loadConfig({ cwd: dir, configPath: 'config.toml', env: {} }));
    expect(error.message).toContain('unsupported config file type');
  });
});

function fullEnv(): NodeJS.ProcessEnv {
  return {
    PLANE_API_KEY: 'env-api-key',
    PLANE_WORKSPACE_SLUG: 'env-slug',
    CALDAV_URL: 'https://dav.example.com',
    CALDAV_USERNAME: 'env-user',
    CALDAV_PASSWORD: 'env-password',
  };
}

describe('environment overrides', () => {
  it('beat the file, key by key', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', { ...validRaw(), sync: { stateDir: 'from-file' } });
    const env = {
      ...fullEnv(),
      PLANE_BASE_URL: 'https://plane.internal/',
      PLANE_WEBHOOK_SECRET: 'env-webhook',
      CALPLANEBOT_STATE_DIR: 'from-env',
    };
    const { config } = await loadConfig({ cwd: dir, env });
    expect(config.plane).toMatchObject({
      apiKey: 'env-api-key',
      workspaceSlug: 'env-slug',
      baseUrl: 'https://plane.internal',
    });
    // Self-hosted: the web UI lives on the API's origin unless PLANE_WEB_URL says otherwise.
    expect(config.plane.webUrl).toBe('https://plane.internal');
    expect(config.caldav).toMatchObject({ username: 'env-user', password: 'env-password' });
    expect(config.webhook.secret).toBe('env-webhook');
    expect(config.sync.stateDir).toBe(path.join(dir, 'from-env'));
  });

  it('PLANE_WEB_URL overrides the derived web URL', async () => {
    const dir = await tempDir();
    const env = { ...fullEnv(), PLANE_BASE_URL: 'https://api.internal', PLANE_WEB_URL: 'https://app.internal/' };
    const { config } = await loadConfig({ cwd: dir, env });
    expect(config.plane.webUrl).toBe('https://app.internal');
  });

  it('blank variables count as unset', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', validRaw());
    const { config } = await loadConfig({ cwd: dir, env: { PLANE_API_KEY: '', CALDAV_PASSWORD: '  ' } });
    expect(config.plane.apiKey).toBe('test-api-key');
    expect(config.caldav.password).toBe('test-password');
  });

  it('an empty PLANE_BASE_URL= counts as unset: the file value (or the default) applies, not an error', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, baseUrl: 'https://plane.example.com' },
    });
    const { config } = await loadConfig({
      cwd: dir,
      env: { PLANE_BASE_URL: '', PLANE_WEB_URL: ' ', CALPLANEBOT_STATE_DIR: '' },
    });
    expect(config.plane.baseUrl).toBe('https://plane.example.com');
    expect(config.plane.webUrl).toBe('https://plane.example.com');
    expect(config.sync.stateDir).toBeUndefined();
  });

  it('a blank plane.baseUrl in the file is exit 2 naming the key and the file', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'calplanebot.config.json', {
      ...validRaw(),
      plane: { ...validRaw().plane, baseUrl: '' },
    });
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.key).toBe('plane.baseUrl');
    expect(error.file).toBe(file);
    expect(error.message).toBe(`${file}: plane.baseUrl: is empty`);
  });

  it('a relative stateDir in the file is relative to the file', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'etc'));
    await writeConfig(dir, 'etc/c.json', { ...validRaw(), sync: { stateDir: 'state' } });
    const { config } = await loadConfig({ cwd: dir, configPath: 'etc/c.json', env: {} });
    expect(config.sync.stateDir).toBe(path.join(dir, 'etc', 'state'));
  });
});

describe('secrets from *_FILE', () => {
  it.each([
    ['PLANE_API_KEY_FILE', 'plane', 'apiKey'],
    ['CALDAV_PASSWORD_FILE', 'caldav', 'password'],
    ['PLANE_WEBHOOK_SECRET_FILE', 'webhook', 'secret'],
  ] as const)('%s is read, minus one trailing newline', async (variable, section, field) => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', validRaw());
    await writeFile(path.join(dir, 'secret'), 'from-file\n\n');
    const { config } = await loadConfig({ cwd: dir, env: { [variable]: 'secret' } });
    const sectionValue: Record<string, unknown> = config[section];
    expect(sectionValue[field]).toBe('from-file\n');
  });

  it('strips a CRLF ending too', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'secret'), 'crlf-secret\r\n');
    const { config } = await loadConfig({
      cwd: dir,
      env: { ...fullEnv(), CALDAV_PASSWORD: undefined, CALDAV_PASSWORD_FILE: 'secret' },
    });
    expect(config.caldav.password).toBe('crlf-secret');
  });

  it('an unreadable file names the variable and the path', async () => {
    const dir = await tempDir();
    const missing = path.join(dir, 'missing-secret');
    const env = { ...fullEnv(), PLANE_API_KEY: undefined, PLANE_API_KEY_FILE: missing };
    const error = await configError(() => loadConfig({ cwd: dir, env }));
    expect(error.message).toBe(`PLANE_API_KEY_FILE: cannot read ${missing} (ENOENT)`);
    expect(error.key).toBe('PLANE_API_KEY_FILE');
  });

  it('an empty file is an error, not an empty secret', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'empty'), '\n');
    const env = { ...fullEnv(), CALDAV_PASSWORD: undefined, CALDAV_PASSWORD_FILE: 'empty' };
    const error = await configError(() => loadConfig({ cwd: dir, env }));
    expect(error.message).toBe(`CALDAV_PASSWORD_FILE: ${path.join(dir, 'empty')} is empty`);
  });

  it('setting X and X_FILE together is an error naming both', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'secret'), 'x-secret');
    const env = {
      ...fullEnv(),
      CALDAV_PASSWORD_FILE: 'secret',
      PLANE_WEBHOOK_SECRET: 'w-secret',
      PLANE_WEBHOOK_SECRET_FILE: 'secret',
    };
    const error = await configError(() => loadConfig({ cwd: dir, env }));
    expect(error.message).toContain('CALDAV_PASSWORD: both CALDAV_PASSWORD and CALDAV_PASSWORD_FILE are set');
    expect(error.message).toContain(
      'PLANE_WEBHOOK_SECRET: both PLANE_WEBHOOK_SECRET and PLANE_WEBHOOK_SECRET_FILE are set',
    );
  });
});

describe('problems', () => {
  it('reports every missing required key at once, with hints naming the file and variables', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'calplanebot.config.json', { caldav: { username: 'alice' } });
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe(`4 configuration problems in ${file}:`);
    for (const key of ['plane.workspaceSlug', 'plane.apiKey', 'caldav.serverUrl', 'caldav.password']) {
      expect(lines.some((line) => line.startsWith(`  ${key}: missing`))).toBe(true);
    }
    expect(error.message).toContain(`set caldav.password in ${file} or CALDAV_PASSWORD or CALDAV_PASSWORD_FILE`);
    expect(error.message).not.toContain('caldav.username');
    expect(error.key).toBe('plane.workspaceSlug');
    expect(error.file).toBe(file);
  });

  it('a single problem is one line with a separate hint', async () => {
    const dir = await tempDir();
    const raw = validRaw();
    delete raw.caldav?.password;
    const file = await writeConfig(dir, 'calplanebot.config.json', raw);
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(`${file}: caldav.password: missing (required)`);
    expect(error.hint).toBe(`set caldav.password in ${file} or CALDAV_PASSWORD or CALDAV_PASSWORD_FILE`);
    expect(error.key).toBe('caldav.password');
  });

  it('wrong types name the key, the expected and the actual type, and the file', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'calplanebot.config.json', { ...validRaw(), sync: { maxDeletePercent: '50' } });
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(`${file}: sync.maxDeletePercent: expected a number, got string`);
    expect(error.key).toBe('sync.maxDeletePercent');
    expect(error.hint).toBe('remove the quotes around the value');
  });

  it('type errors, missing keys and env problems come in one message', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', { plane: { apiKey: 5 }, http: { retries: 0 } });
    const error = await configError(() =>
      loadConfig({ cwd: dir, env: { CALDAV_URL: 'dav.example.com', PLANE_API_KEY: 'k', PLANE_API_KEY_FILE: 'f' } }),
    );
    expect(error.message).toContain('PLANE_API_KEY: both PLANE_API_KEY and PLANE_API_KEY_FILE are set');
    expect(error.message).toContain('plane.apiKey: expected a string, got number');
    expect(error.message).toContain('http.retries: must be at least 1, got 0');
    expect(error.message).toContain('plane.workspaceSlug: missing');
    expect(error.message).toContain(
      'CALDAV_URL: not an absolute URL (no scheme); did you mean "https://dav.example.com"?',
    );
  });

  it('names the env variable when the bad value came from the environment', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'calplanebot.config.json', validRaw());
    const error = await configError(() => loadConfig({ cwd: dir, env: { CALDAV_URL: 'http://dav.example.com' } }));
    expect(error.key).toBe('CALDAV_URL');
    expect(error.message).toMatch(/^CALDAV_URL: uses http:\/\/ to the non-loopback host dav\.example\.com/);
  });
});

describe('invalid JSON', () => {
  it('reports file:line:column and a readable reason', async () => {
    const dir = await tempDir();
    const text = '{\n  "plane": {\n    "workspaceSlug": "acme"\n    "apiKey": "k"\n  }\n}\n';
    const file = await writeConfig(dir, 'calplanebot.config.json', text);
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toBe(`${file}:4:5: expected ',' or '}' after a property value, found '"' (missing comma?)`);
  });

  it('points at a trailing comma', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'c.json', '{\n  "plane": { "apiKey": "k", }\n}');
    const error = await configError(() => loadConfig({ cwd: dir, configPath: 'c.json', env: {} }));
    expect(error.message).toBe(
      `${file}:2:29: expected a property name, found '}' (JSON does not allow trailing commas)`,
    );
    expect(error.file).toBe(file);
    expect(error.hint).toContain('trailing commas');
  });

  it('reports YAML errors with a position too', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, '.calplanebotrc.yaml', 'plane:\n  apiKey: "unterminated\n');
    const error = await configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });
});

describe('world-readable config holding secrets', () => {
  it.runIf(process.platform !== 'win32')('warns with a chmod 600 suggestion', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'calplanebot.config.json', validRaw(), 0o644);
    const { warnings } = await loadConfig({ cwd: dir, env: {} });
    expect(warnings).toEqual([
      `${file} holds secrets (plane.apiKey, caldav.password) and is readable by every user; run: chmod 600 ${file}`,
    ]);
  });

  it('does not warn for a private file, or a public file without secrets', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'private.json', validRaw(), 0o600);
    expect((await loadConfig({ cwd: dir, configPath: 'private.json', env: {} })).warnings).toEqual([]);
    const raw = validRaw();
    delete raw.plane?.apiKey;
    delete raw.caldav?.password;
    await writeConfig(dir, 'public.json', raw, 0o644);
    const env = { PLANE_API_KEY: 'env-key', CALDAV_PASSWORD: 'env-password' };
    expect((await loadConfig({ cwd: dir, configPath: 'public.json', env })).warnings).toEqual([]);
  });
});
