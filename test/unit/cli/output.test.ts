import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import {
  colorEnabled,
  type GlobalOptions,
  jsonPieces,
  Output,
  type Streams,
  spinnerStyle,
} from '../../../src/cli/output.js';

const ANSI = /\u001b\[/;
const on = { color: true };
const off = { color: false }; // --no-color
const quietless: Pick<GlobalOptions, 'color' | 'json' | 'quiet' | 'logFormat'> = {
  color: true,
  json: false,
  quiet: false,
  logFormat: 'human',
};

describe('colorEnabled (one stream)', () => {
  it.each([
    ['a TTY', on, {}, true, true],
    ['a pipe or file', on, {}, false, false],
    ['a TTY with NO_COLOR=1', on, { NO_COLOR: '1' }, true, false],
    ['a TTY with NO_COLOR empty (unset, per no-color.org)', on, { NO_COLOR: '' }, true, true],
    ['a TTY with --no-color', off, {}, true, false],
    ['a pipe with FORCE_COLOR=1', on, { FORCE_COLOR: '1' }, false, true],
    ['a pipe with FORCE_COLOR=0', on, { FORCE_COLOR: '0' }, false, false],
    ['a TTY with FORCE_COLOR=0', on, { FORCE_COLOR: '0' }, true, true],
    ['a pipe with FORCE_COLOR and NO_COLOR', on, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false],
    ['a pipe with FORCE_COLOR and --no-color', off, { FORCE_COLOR: '1' }, false, false],
  ])('%s', (_, options, env, isTTY, expected) => {
    expect(colorEnabled(options, env, isTTY)).toBe(expected);
  });
});

describe('spinnerStyle (stderr)', () => {
  it.each([
    ['a TTY', quietless, {}, true, 'color'],
    ['a pipe or file', quietless, {}, false, 'off'],
    ['a pipe with FORCE_COLOR (a log file gets no spinner)', quietless, { FORCE_COLOR: '1' }, false, 'off'],
    ['a TTY with NO_COLOR', quietless, { NO_COLOR: '1' }, true, 'plain'],
    ['a TTY with --no-color', { ...quietless, color: false }, {}, true, 'plain'],
    ['a dumb terminal', quietless, { TERM: 'dumb' }, true, 'off'],
    ['a TTY under --json', { ...quietless, json: true }, {}, true, 'off'],
    ['a TTY under --quiet', { ...quietless, quiet: true }, {}, true, 'off'],
    ['a TTY under --log-format json', { ...quietless, logFormat: 'json' as const }, {}, true, 'off'],
  ])('%s', (_, options, env, isTTY, expected) => {
    expect(spinnerStyle(options, env, isTTY)).toBe(expected);
  });
});

/** In-process CLI streams whose TTY-ness each test chooses. */
function fakeStreams(
  stdoutIsTTY: boolean,
  stderrIsTTY: boolean,
  env: NodeJS.ProcessEnv = {},
): Streams & { out: () => string; err: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: stdoutIsTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY });
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { stdout, stderr, env, out: () => out, err: () => err };
}

describe('the CLI decides colour per stream', () => {
  // A failure line is written to stderr; a missing --config file makes one before any network.
  const argv = ['node', 'calplanebot', 'diff', '--config', '/nonexistent/calplanebot.config.json'];

  it('stdout a TTY, stderr redirected (2>log): the failure line has no escape codes', async () => {
    const streams = fakeStreams(true, false);
    expect(await main(argv, streams)).toBe(2);
    expect(streams.err()).toContain('calplanebot: config file /nonexistent/calplanebot.config.json not found');
    expect(streams.err()).not.toMatch(ANSI);
  });

  it('stderr a TTY, stdout redirected: the failure line is coloured', async () => {
    const streams = fakeStreams(false, true);
    expect(await main(argv, streams)).toBe(2);
    expect(streams.err()).toMatch(ANSI);
  });

  it('stderr a TTY with NO_COLOR or --no-color: no escape codes', async () => {
    const withEnv = fakeStreams(true, true, { NO_COLOR: '1' });
    expect(await main(argv, withEnv)).toBe(2);
    expect(withEnv.err()).toContain('not found');
    expect(withEnv.err()).not.toMatch(ANSI);
    const withFlag = fakeStreams(true, true);
    expect(await main([...argv, '--no-color'], withFlag)).toBe(2);
    expect(withFlag.err()).toContain('not found');
    expect(withFlag.err()).not.toMatch(ANSI);
  });
});

describe('jsonPieces: the --json document, written a piece at a time', () => {
  const mask = (_key: string, value: unknown) =>
    typeof value === 'string' ? value.replaceAll('s3cret', '***') : value;

  it('joins to exactly what JSON.stringify(value, replacer, 2) writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect([...jsonPieces(value, mask)].join('')).toBe(JSON.stringify(value, mask, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('a report: no piece larger than one change, never the whole document or a project in one string; undefined members left out', () => {
    const change = (i: number, j: number) => ({
      op: 'create',
      summary: `[${i}-${j}] s3cret plan`,
      fields: [{ field: 'summary', from: null, to: `[${i}-${j}] s3cret plan` }],
      skip: undefined,
    });
    const projects = Array.from({ length: 3 }, (_, i) => ({
      id: `p${i}`,
      changes: Array.from({ length: 50 }, (_, j) => change(i, j)),
      note: undefined,
    }));
    const report = {
      schemaVersion: 1,
      dryRun: false,
      projects,
      totals: { created: 150 },
      warnings: [],
      gone: undefined,
    };
    const pieces = [...jsonPieces(report, mask)];
    expect(pieces.join('')).toBe(JSON.stringify(report, mask, 2));
    expect(pieces.join('')).not.toContain('s3cret');
    const longest = Math.max(...pieces.map((p) => p.length));
    expect(longest).toBeLessThan(JSON.stringify(projects[0], mask, 2).length / 20); // a project holds 50 changes
  });
});

describe('Output.json: a large document is written as stdout takes it', () => {
  it('waits for a full stdout to drain: never more than a piece or two queued, the document intact', async () => {
    let text = '';
    let mostQueued = 0;
    // A slow reader, like a pipe whose other end reads when it gets to it.
    const stdout = new Writable({
      highWaterMark: 16 * 1024,
      decodeStrings: false,
      write(chunk: string, _encoding, callback) {
        text += chunk;
        setImmediate(callback);
      },
    });
    const write = stdout.write.bind(stdout);
    stdout.write = ((chunk: string, ...rest: []) => {
      const ok = write(chunk, ...rest);
      mostQueued = Math.max(mostQueued, stdout.writableLength);
      return ok;
    }) as typeof stdout.write;
    const streams = { stdout, stderr: new PassThrough(), env: {} };
    const options = { json: true, quiet: false, verbose: false, color: false };
    const { Chalk } = await import('chalk');
    const output = new Output(options, streams, new Chalk({ level: 0 }), new Chalk({ level: 0 }));
    const report = {
      changes: Array.from({ length: 5000 }, (_, i) => ({ op: 'create', uid: `uid-${i}`, summary: `item ${i} …` })),
    };
    await output.json(report);
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(text.length).toBeGreaterThan(400_000);
    expect(mostQueued).toBeLessThan(200 * 1024);
  });
});
