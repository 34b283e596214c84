/**
 * No error or warning may ever contain a secret value: not for wrong types, not for syntax errors
 * on the secret's own line, not for a secret pasted into the wrong key.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { tempDir, visibleText, writeConfig } from './helpers.js';

const API_KEY = 'SECRET-apikey-7f3a';
const PASSWORD = 'SECRET-caldavpw-9b1c';
const WEBHOOK = 'SECRET-webhook-2d4e';
const SECRETS = [API_KEY, PASSWORD, WEBHOOK];

/** Fails if any 8-character stretch of any secret shows up (case-insensitive). */
function expectNoSecret(text: string): void {
  const haystack = text.toLowerCase();
  for (const secret of SECRETS) {
    for (let start = 0; start + 8 <= secret.length; start++) {
      const window = secret.slice(start, start + 8).toLowerCase();
      expect(haystack.includes(window), `"${window}" leaked in:\n${text}`).toBe(false);
    }
  }
}

const GOOD_TEXT = `{
  "plane": {
    "workspaceSlug": "acme",
    "apiKey": "${API_KEY}",
    "projects": ["WEB"]
  },
  "caldav": {
    "serverUrl": "https://dav.example.com/",
    "username": "alice",
    "password": "${PASSWORD}"
  },
  "webhook": { "secret": "${WEBHOOK}" }
}
`;

/** Runs a load and returns everything the user would see: the error, or the warnings. */
async function everythingShown(
  files: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  configPath?: string,
): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) await writeConfig(dir, name, content, 0o644);
  try {
    const loaded = await loadConfig({ cwd: dir, env, configPath });
    return loaded.warnings.join('\n');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return visibleText(error as ConfigError);
  }
}

const JSON_NAME = 'calplanebot.config.json';

describe('secrets never appear in errors or warnings', () => {
  it('the distinctive secrets are detectable (sanity check of the check)', () => {
    expect(() => expectNoSecret(`oops ${API_KEY.toLowerCase()}`)).toThrow();
  });

  it.each([
    ['missing comma after the secret', GOOD_TEXT.replace(`"${API_KEY}",`, `"${API_KEY}"`)],
    ['unquoted secret', GOOD_TEXT.replace(`"${API_KEY}"`, API_KEY)],
    ['single-quoted secret', GOOD_TEXT.replace(`"${PASSWORD}"`, `'${PASSWORD}'`)],
    ['unterminated secret string', GOOD_TEXT.replace(`"${API_KEY}",`, `"${API_KEY},`)],
    ['invalid escape inside the secret', GOOD_TEXT.replace(API_KEY, `${API_KEY}\\q`)],
    ['control character inside the secret', GOOD_TEXT.replace(PASSWORD, `${PASSWORD}\t`)],
    ['garbage after the document', `${GOOD_TEXT}${WEBHOOK}`],
    ['secret as a property name', `{"${API_KEY}" 1}`],
    ['secret in a comment', `// ${API_KEY}\n${GOOD_TEXT}`],
    ['trailing comma after the secret', GOOD_TEXT.replace(`"${WEBHOOK}" }`, `"${WEBHOOK}", }`)],
  ])('invalid JSON: %s', async (_name, text) => {
    const shown = await everythingShown({ [JSON_NAME]: text });
    expect(shown).toMatch(/calplanebot\.config\.json:\d+:\d+: /);
    expectNoSecret(shown);
  });

  it.each([
    ['unterminated quote', `plane:\n  apiKey: "${API_KEY}\n`],
    ['bad indentation on the secret line', `plane:\n  apiKey: ${API_KEY}\n   password: ${PASSWORD}\n`],
    ['duplicated key', `plane:\n  apiKey: ${API_KEY}\n  apiKey: ${API_KEY}\n`],
    ['secret as a duplicated key', `plane:\n  ${API_KEY}: 1\n  ${API_KEY}: 2\n`],
    ['unknown tag', `plane:\n  apiKey: !${API_KEY} x\n`],
    ['flow mapping cut short', `{ plane: { apiKey: "${API_KEY}" ]`],
  ])('invalid YAML: %s', async (_name, text) => {
    expectNoSecret(await everythingShown({ '.calplanebotrc.yaml': text }));
  });

  it.each([
    ['secret in an array', { apiKey: [API_KEY] }],
    ['secret in an object', { apiKey: { value: API_KEY } }],
  ])('wrong-typed secret: %s', async (_name, plane) => {
    const shown = await everythingShown({
      [JSON_NAME]: JSON.stringify({ plane, caldav: { password: { p: PASSWORD } }, webhook: { secret: [WEBHOOK] } }),
    });
    expect(shown).toContain('plane.apiKey: expected a string, got');
    expect(shown).toContain('caldav.password: expected a string, got object');
    expect(shown).toContain('webhook.secret: expected a string, got array');
    expectNoSecret(shown);
  });

  it.each([
    ['serverUrl', { serverUrl: PASSWORD }],
    ['serverUrl with a scheme', { serverUrl: `https://${PASSWORD}:${PASSWORD}@dav.example.com` }],
    ['serverUrl with a bad scheme', { serverUrl: `${PASSWORD}://dav.example.com` }],
    ['username', { username: [PASSWORD] }],
    ['calendarName', { calendarName: PASSWORD }],
  ])('secret pasted into the wrong key: caldav.%s', async (_name, caldav) => {
    const raw = JSON.parse(GOOD_TEXT) as { caldav: Record<string, unknown> };
    raw.caldav = { ...raw.caldav, ...caldav };
    expectNoSecret(await everythingShown({ [JSON_NAME]: JSON.stringify(raw) }));
  });

  it('a misspelled secret key: the warning names the key, not the value', async () => {
    const raw = JSON.parse(GOOD_TEXT) as { caldav: Record<string, unknown> };
    raw.caldav = { ...raw.caldav, pasword: PASSWORD, password: undefined };
    const shown = await everythingShown({ [JSON_NAME]: JSON.stringify(raw) });
    expect(shown).toContain('caldav.password: missing');
    expectNoSecret(shown);
  });

  it('world-readable file: the warning names keys, not values', async () => {
    const shown = await everythingShown({ [JSON_NAME]: GOOD_TEXT });
    expect(shown).toContain('chmod 600');
    expectNoSecret(shown);
  });

  it('environment: X with X_FILE, bad _FILE paths, secrets in URL variables', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'pw'), `${PASSWORD}\n`);
    const env = {
      PLANE_API_KEY: API_KEY,
      PLANE_API_KEY_FILE: 'pw',
      CALDAV_PASSWORD_FILE: path.join(dir, 'does-not-exist'),
      PLANE_WEBHOOK_SECRET: WEBHOOK,
      PLANE_BASE_URL: API_KEY,
      CALDAV_URL: `http://user:${PASSWORD}@dav.example.com`,
      PLANE_WEB_URL: `${WEBHOOK}.example.com`,
    };
    expectNoSecret(await everythingShown({}, env));
    expectNoSecret(await everythingShown({ [JSON_NAME]: GOOD_TEXT.replace('"acme"', '5') }, env));
  });

  it('JS config modules: their error text is not shown', async () => {
    const shown = await everythingShown({ 'calplanebot.config.cjs': `throw new Error(${JSON.stringify(API_KEY)});` });
    expect(shown).toContain('could not load the config module (Error)');
    expectNoSecret(shown);
    const syntax = await everythingShown({
      'calplanebot.config.mjs': `export default { apiKey: ${API_KEY.replace(/-/g, '_')} `,
    });
    expect(syntax).toContain('could not load the config module');
    expect(syntax).not.toContain('apikey_7f3a');
  });

  it('the final scrub catches a known secret that reaches a message by any other route', () => {
    const raw = {
      [API_KEY]: 1,
      plane: { workspaceSlug: 'a', apiKey: API_KEY },
      caldav: { serverUrl: 'https://d.example', username: 'u', password: PASSWORD },
    };
    const { warnings } = validateConfig(raw, { file: '/x/c.json' });
    expect(warnings).toEqual(['unknown key "***" in /x/c.json']);
  });

  it('property: no single-character edit of a config file makes a message leak a secret', async () => {
    const dir = await tempDir();
    const file = path.join(dir, JSON_NAME);
    const edit = fc.tuple(
      fc.nat(GOOD_TEXT.length - 1),
      fc.constantFrom('', ',', '"', "'", '}', '{', ']', ':', '\\', '\n', '\t', 'x', ' '),
      fc.nat(2),
    );
    await fc.assert(
      fc.asyncProperty(edit, async ([at, insert, removed]) => {
        await writeFile(file, GOOD_TEXT.slice(0, at) + insert + GOOD_TEXT.slice(at + removed), { mode: 0o644 });
        try {
          const loaded = await loadConfig({ cwd: dir, env: {} });
          expectNoSecret(loaded.warnings.join('\n'));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expectNoSecret(visibleText(error));
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000); // file I/O per run: keep clear of the default 5 s on a busy machine
});
