import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFileSchema, DEFAULTS, validateConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { configError, validRaw } from './helpers.js';

const FILE = '/x/calplanebot.config.json';

function withValue(key: string, value: unknown): Record<string, unknown> {
  const raw: Record<string, unknown> = validRaw();
  const [section = '', field] = key.split('.');
  if (field === undefined) raw[section] = value;
  else raw[section] = { ...(raw[section] as Record<string, unknown> | undefined), [field]: value };
  return raw;
}

function validate(raw: unknown) {
  return validateConfig(raw, { file: FILE, cwd: '/work' });
}

describe('defaults and normalisation', () => {
  it('fills every default', () => {
    const { config, warnings } = validate(validRaw());
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      plane: {
        baseUrl: 'https://api.plane.so',
        webUrl: 'https://app.plane.so',
        workspaceSlug: 'acme',
        apiKey: 'test-api-key',
        projects: [],
      },
      caldav: {
        serverUrl: 'https://dav.example.com/',
        username: 'alice',
        password: 'test-password',
        calendarName: 'Plane: {project}',
      },
      calendars: [{ id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} }],
      export: { refreshInterval: 'PT1H' },
      webhook: { secret: undefined, allowUnsigned: false },
      sync: {
        maxDeletePercent: 50,
        maxPlaneWrites: 25,
        stateDir: undefined,
        timeZone: undefined,
        defaultDuration: 'PT1H',
      },
      http: DEFAULTS.http,
    });
  });

  it('self-hosted Plane: webUrl defaults to baseUrl, both without trailing slash', () => {
    const { config } = validate(withValue('plane.baseUrl', 'https://plane.example.com/'));
    expect(config.plane.baseUrl).toBe('https://plane.example.com');
    expect(config.plane.webUrl).toBe('https://plane.example.com');
  });

  it('keeps a path prefix and adds the trailing slash to the CalDAV URL', () => {
    const raw = withValue('plane.baseUrl', 'https://example.com/plane//');
    raw.caldav = { ...validRaw().caldav, serverUrl: 'https://dav.example.com/remote.php/dav' };
    const { config } = validate(raw);
    expect(config.plane.baseUrl).toBe('https://example.com/plane');
    expect(config.caldav.serverUrl).toBe('https://dav.example.com/remote.php/dav/');
  });

  it('a blank required key is reported as missing, with the file', async () => {
    const raw = validRaw();
    raw.caldav = { ...raw.caldav, password: '' };
    const error = await configError(() => validate(raw));
    expect(error.message).toBe(`${FILE}: caldav.password: missing (required)`);
    expect(error.file).toBe(FILE);
  });

  // A blank optional key used to fall back to its default: a self-hosted key then went to Plane Cloud.
  it.each(['plane.baseUrl', 'plane.webUrl', 'caldav.calendarName', 'sync.stateDir', 'webhook.secret'])(
    'a blank %s is an error naming the key and the file, never the default',
    async (key) => {
      for (const blank of ['', '  ', '\t']) {
        const error = await configError(() => validate(withValue(key, blank)));
        expect(error.key).toBe(key);
        expect(error.file).toBe(FILE);
        expect(error.message).toBe(`${FILE}: ${key}: is empty`);
        expect(error.hint).toMatch(/remove the key to use the default/);
      }
    },
  );

  it('a blank key next to other problems is reported with them', async () => {
    const raw = withValue('plane.baseUrl', '');
    raw.caldav = { ...validRaw().caldav, password: '', calendarName: '' };
    const error = await configError(() => validate(raw));
    expect(error.message).toContain(`3 configuration problems in ${FILE}`);
    expect(error.message).toContain('plane.baseUrl: is empty');
    expect(error.message).toContain('caldav.calendarName: is empty');
    expect(error.message).toContain('caldav.password: missing (required)');
  });

  it('an absent key still takes its default', () => {
    const { config } = validate(validRaw());
    expect(config.plane.baseUrl).toBe('https://api.plane.so');
    expect(config.caldav.calendarName).toBe('Plane: {project}');
  });

  it('a blank file value that the environment overrides is not an error (the environment wins)', () => {
    const raw = withValue('plane.baseUrl', '');
    const { config } = validateConfig(raw, {
      file: FILE,
      cwd: '/work',
      overrides: [
        { key: 'plane.baseUrl', variable: 'PLANE_BASE_URL', value: 'https://plane.example.com', secret: false },
      ],
    });
    expect(config.plane.baseUrl).toBe('https://plane.example.com');
  });

  it('http.maxRateLimitWaitMs defaults to 5 minutes and can be set', () => {
    expect(validate(validRaw()).config.http.maxRateLimitWaitMs).toBe(300_000);
    expect(validate(withValue('http', { maxRateLimitWaitMs: 1_000 })).config.http.maxRateLimitWaitMs).toBe(1_000);
  });

  it('accepts the full file format', () => {
    const raw = {
      $schema: './schema.json',
      ...validRaw(),
      webhook: { secret: 'whsec-1234', allowUnsigned: true },
      sync: { maxDeletePercent: 12.5, maxPlaneWrites: 3, stateDir: 'state' },
      http: {
        timeoutMs: 1,
        retries: 1,
        backoffMinMs: 0,
        backoffMaxMs: 0,
        maxRetryAfterMs: 0,
        maxRateLimitWaitMs: 0,
        allowInsecureHttp: true,
      },
    };
    expect(configFileSchema.safeParse(raw).success).toBe(true);
    const { config, warnings } = validate(raw);
    expect(warnings).toEqual([]);
    expect(config.sync).toEqual({
      maxDeletePercent: 12.5,
      maxPlaneWrites: 3,
      stateDir: '/x/state',
      defaultDuration: 'PT1H',
    });
    expect(config.http.allowInsecureHttp).toBe(true);
  });

  it('backoffMinMs must not exceed backoffMaxMs (blaming the key that was set)', async () => {
    const error = await configError(() => validate(withValue('http', { backoffMinMs: 20_000 })));
    expect(error.key).toBe('http.backoffMinMs');
    expect(error.message).toContain('http.backoffMinMs (20000) must not exceed http.backoffMaxMs (10000)');
  });
});

describe('URLs', () => {
  it.each([
    ['caldav.serverUrl', 'dav.example.com', 'https://dav.example.com'],
    ['plane.baseUrl', 'plane.example.com:8443/api', 'https://plane.example.com:8443/api'],
    ['caldav.serverUrl', 'localhost:5232', 'http://localhost:5232'],
  ])('%s without a scheme (%s) is an error suggesting %s', async (key, value, suggestion) => {
    const error = await configError(() => validate(withValue(key, value)));
    expect(error.key).toBe(key);
    expect(error.message).toBe(`${FILE}: ${key}: not an absolute URL (no scheme); did you mean "${suggestion}"?`);
  });

  it('does not echo a scheme-less value that does not look like a host', async () => {
    const error = await configError(() => validate(withValue('caldav.serverUrl', 'not a url at all')));
    expect(error.message).toBe(`${FILE}: caldav.serverUrl: not an absolute URL`);
    expect(error.hint).toContain('https://dav.example.com/');
  });

  it('refuses http:// to a non-loopback host', async () => {
    const error = await configError(() => validate(withValue('caldav.serverUrl', 'http://dav.example.com/')));
    expect(error.key).toBe('caldav.serverUrl');
    expect(error.message).toContain('uses http:// to the non-loopback host dav.example.com');
    expect(error.hint).toContain('http.allowInsecureHttp');
  });

  it('allows http:// to any host with http.allowInsecureHttp', () => {
    const raw = withValue('caldav.serverUrl', 'http://dav.example.com');
    raw.http = { allowInsecureHttp: true };
    raw.plane = { ...validRaw().plane, baseUrl: 'http://plane.lan' };
    const { config } = validate(raw);
    expect(config.caldav.serverUrl).toBe('http://dav.example.com/');
    expect(config.plane.webUrl).toBe('http://plane.lan');
  });

  it.each([
    'http://localhost:5232/',
    'http://127.0.0.1/',
    'http://127.8.9.10:80',
    'http://[::1]:5232',
    'http://127.1/',
    'http://LOCALHOST/',
  ])('allows http:// to loopback %s', (url) => {
    expect(validate(withValue('caldav.serverUrl', url)).config.caldav.serverUrl).toMatch(/^http:\/\//);
  });

  it.each(['http://128.0.0.1/', 'http://localhost.example.com/', 'http://[::2]/', 'http://0.0.0.0/'])(
    'does not treat %s as loopback',
    async (url) => {
      const error = await configError(() => validate(withValue('plane.webUrl', url)));
      expect(error.key).toBe('plane.webUrl');
    },
  );

  it.each([
    ['ftp://dav.example.com/', 'must be an http:// or https:// URL'],
    ['https://alice:pw-1234@dav.example.com/', 'must not contain credentials'],
    ['https://dav.example.com/?x=1', 'must not contain a query string or fragment'],
    ['https://exa mple.com/', 'not a valid URL'],
  ])('rejects %s', async (url, problem) => {
    const error = await configError(() => validate(withValue('caldav.serverUrl', url)));
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('pw-1234');
  });
});

describe('calendarName', () => {
  it.each(['Plane: {project}', '{identifier}', 'Work – {project} ({identifier})'])('accepts %s', (name) => {
    expect(validate(withValue('caldav.calendarName', name)).config.caldav.calendarName).toBe(name);
  });

  it.each(['Plane', 'Plane: {Project}', '{projects}'])('rejects %s, naming the key', async (name) => {
    const error = await configError(() => validate(withValue('caldav.calendarName', name)));
    expect(error.key).toBe('caldav.calendarName');
    expect(error.message).toContain('caldav.calendarName: must contain {project} or {identifier}');
  });
});

describe('unknown keys', () => {
  it.each([
    ['caldav.pasword', 'caldav.password'],
    ['plane.api_key', 'plane.apiKey'],
    ['plane.apikey', 'plane.apiKey'],
    ['cadav', 'caldav'],
    ['caldav.apiKey', 'plane.apiKey'],
    ['apiKey', 'plane.apiKey'],
    ['http.timeout', 'http.timeoutMs'],
  ])('%s warns, suggesting %s', (key, suggestion) => {
    const { warnings } = validate(withValue(key, 'x'));
    expect(warnings).toEqual([`unknown key "${key}" in ${FILE} (did you mean "${suggestion}"?)`]);
  });

  it('warns without a suggestion when nothing is close', () => {
    const { warnings } = validate(withValue('sync.colour', 'blue'));
    expect(warnings).toEqual([`unknown key "sync.colour" in ${FILE}`]);
  });

  it('ignores $schema', () => {
    expect(validate({ $schema: 'x', ...validRaw() }).warnings).toEqual([]);
  });
});

describe('config fuzz: every malformed value is a ConfigError naming its key', () => {
  const STRING_KEYS = [
    'plane.baseUrl',
    'plane.webUrl',
    'plane.workspaceSlug',
    'plane.apiKey',
    'caldav.serverUrl',
    'caldav.username',
    'caldav.password',
    'caldav.calendarName',
    'webhook.secret',
    'sync.stateDir',
  ];
  const NUMBER_KEYS = [
    'sync.maxDeletePercent',
    'sync.maxPlaneWrites',
    'http.timeoutMs',
    'http.retries',
    'http.backoffMinMs',
    'http.backoffMaxMs',
    'http.maxRetryAfterMs',
    'http.maxRateLimitWaitMs',
  ];
  const BOOLEAN_KEYS = ['webhook.allowUnsigned', 'http.allowInsecureHttp'];
  const SECTIONS = ['plane', 'caldav', 'webhook', 'sync', 'http'];
  const REQUIRED = ['plane.workspaceSlug', 'plane.apiKey', 'caldav.serverUrl', 'caldav.username', 'caldav.password'];
  const OPTIONAL_STRINGS = STRING_KEYS.filter((key) => !REQUIRED.includes(key));

  type Case = [key: string, value: unknown, expectedKey: string, message: string];
  const cases: Case[] = [
    ...STRING_KEYS.flatMap((key): Case[] => [
      [key, 42, key, 'expected a string, got number'],
      [key, true, key, 'expected a string, got boolean'],
      [key, null, key, 'expected a string, got null'],
      [key, ['x'], key, 'expected a string, got array'],
      [key, { value: 'x' }, key, 'expected a string, got object'],
    ]),
    ...NUMBER_KEYS.flatMap((key): Case[] => [
      [key, '50', key, 'expected a number, got string'],
      [key, false, key, 'expected a number, got boolean'],
      [key, null, key, 'expected a number, got null'],
      [key, [50], key, 'expected a number, got array'],
      [key, {}, key, 'expected a number, got object'],
      [key, -1, key, 'must be at least'],
    ]),
    ['sync.maxDeletePercent', 101, 'sync.maxDeletePercent', 'must be at most 100, got 101'],
    ['http.timeoutMs', 0, 'http.timeoutMs', 'must be at least 1, got 0'],
    ['http.timeoutMs', 1.5, 'http.timeoutMs', 'expected an integer, got 1.5'],
    ['http.retries', 2.5, 'http.retries', 'expected an integer, got 2.5'],
    ...BOOLEAN_KEYS.flatMap((key): Case[] => [
      [key, 'true', key, 'expected a boolean, got string'],
      [key, 1, key, 'expected a boolean, got number'],
      [key, null, key, 'expected a boolean, got null'],
      [key, [true], key, 'expected a boolean, got array'],
    ]),
    ['plane.projects', 'WEB', 'plane.projects', 'expected an array, got string'],
    ['plane.projects', { WEB: true }, 'plane.projects', 'expected an array, got object'],
    ['plane.projects', null, 'plane.projects', 'expected an array, got null'],
    ['plane.projects', ['WEB', ''], 'plane.projects[1]', 'must not be empty'],
    ['plane.projects', ['WEB', '  '], 'plane.projects[1]', 'must not be empty'],
    ['plane.projects', [5], 'plane.projects[0]', 'expected a string, got number'],
    ['plane.projects', [['WEB']], 'plane.projects[0]', 'expected a string, got array'],
    ...SECTIONS.flatMap((key): Case[] => [
      [key, [], key, 'expected an object, got array'],
      [key, 'x', key, 'expected an object, got string'],
      [key, null, key, 'expected an object, got null'],
      [key, 5, key, 'expected an object, got number'],
    ]),
    ...REQUIRED.flatMap((key): Case[] => [
      [key, '', key, 'missing (required)'],
      [key, ' \t', key, 'missing (required)'],
      [key, undefined, key, 'missing (required)'],
    ]),
    ...OPTIONAL_STRINGS.flatMap((key): Case[] => [
      [key, '', key, 'is empty'],
      [key, ' \t', key, 'is empty'],
    ]),
    ['$schema', 5, '$schema', 'expected a string, got number'],
  ];

  it.each(cases)('%s = %j → %s', async (key, value, expectedKey, message) => {
    const error = await configError(() => validate(withValue(key, value)));
    expect(error.key).toBe(expectedKey);
    expect(error.message).toContain(`${expectedKey}: ${message}`);
    expect(error.file).toBe(FILE);
  });

  it('reports a broken section once, not once per required key inside it', async () => {
    const error = await configError(() => validate(withValue('caldav', [])));
    expect(error.message).toBe(`${FILE}: caldav: expected an object, got array`);
  });

  it.each([[null], [[]], ['x'], [5], [true]])('a root of %j is a ConfigError', async (root) => {
    const error = await configError(() => validate(root));
    expect(error.message).toContain('the config must be an object');
  });

  it('property: any JSON value at any key either validates or is a ConfigError naming that key', () => {
    const keys = [
      'plane',
      'caldav',
      'webhook',
      'sync',
      'http',
      'plane.projects',
      ...STRING_KEYS,
      ...NUMBER_KEYS,
      ...BOOLEAN_KEYS,
    ];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        try {
          validate(withValue(key, value));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          // The error must name a key, and that key must be the one set (or a part of it / inside it).
          expect(error.key, `no key named for ${key} = ${JSON.stringify(value)}`).toEqual(expect.any(String));
          const named = error.key!;
          expect(
            named === key || named.startsWith(`${key}.`) || named.startsWith(`${key}[`),
            `${named} for ${key}`,
          ).toBe(true);
          expect(error.message).toContain(named);
          expect(error.file).toBe(FILE);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('export.refreshInterval', () => {
  it.each(['PT1H', 'PT30M', 'P1D', 'P1W', 'PT90S', 'P1DT12H'])('%s is a duration a feed can ask for', (value) => {
    expect(validate(withValue('export.refreshInterval', value)).config.export.refreshInterval).toBe(value);
  });

  it.each(['1 hour', 'PT', 'P', 'PT0S', 'P0D', '-PT1H', 'pt1h', 'PT1.5H', 'P1H'])(
    '%j is a configuration error naming the key',
    async (value) => {
      const error = await configError(() => validate(withValue('export.refreshInterval', value)));
      expect(error.key).toBe('export.refreshInterval');
      expect(error.message).toContain(`${FILE}: export.refreshInterval`);
    },
  );
});
