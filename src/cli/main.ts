/**
 * The entry point: parse, run one command, map whatever happened to an exit code. The single
 * top-level catch lives here; commands return codes or throw typed errors.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { ExitCode } from './exit-codes.js';
import type { GlobalOptions, Output, Streams } from './output.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** `calplanebot --version` alone, as health checks and package managers call it. */
const VERSION_ONLY = new Set(['--version', '-V']);

export async function main(argv: string[], streams: Streams = process): Promise<ExitCode> {
  // Answered before commander is even loaded: start-up is most of what `--version` costs.
  if (argv.length === 3 && VERSION_ONLY.has(argv[2] ?? '')) {
    streams.stdout.write(`${packageVersion()}\n`);
    return ExitCode.Ok;
  }
  // Between full collections the heap may grow by half its live size, not V8's default of up to
  // 4×: a run works project by project, so most of what it allocates is garbage one project later,
  // and the default lets that garbage pile up into peak RSS (npm run bench reports it; the cost is
  // a few more collections, a few % CPU).
  setFlagsFromString('--heap-growing-percent=50');
  // The young generation stays at its initial 1 MB per semi-space instead of doubling up to 16 MB:
  // what a run allocates per work item (a parsed issue, its event, its iCalendar text, the HTTP
  // answer) dies young either way, and a large nursery only turns into resident memory that is
  // never given back (npm run bench: initial sync peak RSS −25 MB; CPU the same within noise).
  // --max-semi-space-size cannot be changed once the heap is set up; the growth factor can.
  setFlagsFromString('--semi-space-growth-factor=1');
  // undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising tier recompiles that
  // module in the background on every start: ~35 MB of transient memory and ~60 ms of CPU, for a
  // parser that reads a few MiB per run. The baseline compiler's code is plenty (npm run bench: an
  // idle cron run's peak RSS 118 → see README "Performance").
  setFlagsFromString('--liftoff-only');
  const [{ CommanderError }, { buildProgram }] = await Promise.all([import('commander'), import('./program.js')]);
  let exitCode: ExitCode = ExitCode.Ok;
  const program = buildProgram(packageVersion(), async (command, run) => {
    const raw = command.optsWithGlobals<Partial<GlobalOptions>>();
    const global: GlobalOptions = {
      config: raw.config,
      json: Boolean(raw.json),
      quiet: Boolean(raw.quiet),
      verbose: Boolean(raw.verbose),
      color: raw.color !== false,
      logFormat: raw.logFormat === 'json' ? 'json' : 'human',
    };
    const output = await createOutput(global, streams);
    try {
      exitCode = await run(output);
    } catch (error) {
      exitCode = await reportError(error, output);
    } finally {
      const { closeHttpConnections } = await import('../http/fetcher.js');
      await closeHttpConnections();
    }
  });
  program.exitOverride().configureOutput({
    writeOut: (text) => streams.stdout.write(text),
    writeErr: (text) => streams.stderr.write(text),
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; anything else is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    throw error;
  }
  return exitCode;
}

async function createOutput(global: GlobalOptions, streams: Streams): Promise<Output> {
  const [{ Output, colorEnabled }, { Chalk }] = await Promise.all([import('./output.js'), import('chalk')]);
  const chalkFor = (isTTY: boolean | undefined) =>
    new Chalk({ level: colorEnabled(global, streams.env, Boolean(isTTY)) ? 1 : 0 });
  return new Output(global, streams, chalkFor(streams.stdout.isTTY), chalkFor(streams.stderr.isTTY));
}

/** Typed errors carry their exit code and a hint; anything else is a bug, shown with its stack under --verbose. */
async function reportError(error: unknown, output: Output): Promise<ExitCode> {
  const { CalplanebotError, exitCodeFor, describeError } = await import('../errors.js');
  const code = exitCodeFor(error);
  const hint =
    error instanceof CalplanebotError
      ? error.hint
      : 'this looks like a bug in calplanebot; rerun with --verbose and report it';
  if (output.options.json) {
    await output.json({
      schemaVersion: 1,
      error: { message: describeError(error), hint: hint ?? null, exitCode: code },
    });
  }
  output.failure(describeError(error), hint);
  if (!(error instanceof CalplanebotError) && error instanceof Error && error.stack) output.debug(error.stack);
  return code;
}
