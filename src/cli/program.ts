/**
 * The command table, and nothing else: parse, normalise, hand over to a command function loaded
 * on demand (so `--version` and `--help` never load the sync engine).
 */
import { Command, Option } from 'commander';
import { EXIT_CODE_HELP, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

/** Runs a command with the Output built from the global options; main() implements it. */
export type Dispatch = (command: Command, run: (output: Output) => Promise<ExitCode>) => Promise<void>;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function buildProgram(version: string, dispatch: Dispatch): Command {
  const program = new Command('calplanebot')
    .description('Mirror Plane work items with a target date into CalDAV calendars, one calendar per project.')
    .version(version, '-V, --version')
    .option('-c, --config <path>', 'config file (default: search for calplanebot.config.json, .calplanebotrc, …)')
    .option('--json', 'print a machine-readable report on stdout')
    .option('-q, --quiet', 'print nothing on stdout when nothing changed')
    .option('--verbose', 'log requests, retries and unchanged projects on stderr')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addOption(
      new Option('--log-format <format>', 'stderr as short human lines, or one JSON object per line and operation')
        .choices(['human', 'json'])
        .default('human')
        .env('CALPLANEBOT_LOG_FORMAT'),
    )
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .showHelpAfterError('(run `calplanebot --help` for usage)');

  const projectOption = () =>
    new Option('-p, --project <id>', 'limit to a project (identifier such as WEB, or UUID); repeatable')
      .argParser(collect)
      .default([]);

  program
    .command('sync')
    .description('bring every project calendar in line with Plane (create, update, delete events)')
    .addOption(projectOption())
    .option('--allow-mass-delete', 'allow deleting more than sync.maxDeletePercent of a calendar')
    .option('--allow-mass-write', 'write-back: allow more than sync.maxPlaneWrites changes to Plane in this run')
    .option(
      '--wait [duration]',
      'when another sync is running, wait for it (at most this long, e.g. 10m) instead of skipping',
    )
    .action(
      (
        opts: { project: string[]; allowMassDelete?: boolean; allowMassWrite?: boolean; wait?: boolean | string },
        command: Command,
      ) => dispatch(command, async (output) => (await import('./commands/sync.js')).syncCommand(opts, output, false)),
    );

  program
    .command('diff')
    .description('show what `sync` would change, writing nothing')
    .addOption(projectOption())
    .option('--exit-code', 'exit 5 when changes are pending (changes for Plane included)')
    .action((opts: { project: string[]; exitCode?: boolean }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/sync.js')).syncCommand(opts, output, true)),
    );

  program
    .command('export')
    .description(
      'write each calendar as a subscribable .ics file (for Google Calendar, Outlook, …); needs no CalDAV server',
    )
    .requiredOption(
      '-o, --out <dir>',
      'the folder to write {id}.ics files into; - writes the one selected calendar to stdout',
    )
    .addOption(new Option('--calendar <id>', 'limit to a calendars entry; repeatable').argParser(collect).default([]))
    .addOption(projectOption())
    .action((opts: { out: string; calendar: string[]; project: string[] }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/export.js')).exportCommand(opts, output)),
    );

  program
    .command('handle-webhook')
    .description(
      'handle one Plane webhook delivery: raw body on stdin, verified, that one issue or project brought up to date',
    )
    .option('--signature <hex>', 'the X-Plane-Signature header (default: $PLANE_SIGNATURE)')
    .option('--event <name>', 'the X-Plane-Event header; must agree with the body')
    .option('--delivery <id>', 'the X-Plane-Delivery header, echoed in the report')
    .action((opts: { signature?: string; event?: string; delivery?: string }, command: Command) =>
      dispatch(command, async (output) =>
        (await import('./commands/handle-webhook.js')).handleWebhookCommand(opts, output),
      ),
    );

  program
    .command('health')
    .description('check Plane, the CalDAV server and the last sync; exit 1 when unhealthy')
    .option('--max-age <duration>', 'unhealthy when the last successful sync is older than this (e.g. 15m, 2h)')
    .action((opts: { maxAge?: string }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/health.js')).healthCommand(opts, output)),
    );

  program
    .command('uid-check')
    .description('find malformed, duplicate, misplaced and orphaned events in the managed calendars; exit 1 when any')
    .addOption(projectOption())
    .option('--fix', 'repair what calplanebot owns (conditional writes), printing each action')
    .option('--dry-run', 'with --fix: show the repairs, write nothing')
    .action((opts: { project: string[]; fix?: boolean; dryRun?: boolean }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/uid-check.js')).uidCheckCommand(opts, output)),
    );

  return program;
}
