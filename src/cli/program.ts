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
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .showHelpAfterError('(run `calplanebot --help` for usage)');

  const projectOption = () =>
    new Option('-p, --project <id>', 'limit to a project (identifier such as WEB, or UUID); repeatable').argParser(collect).default([]);

  program
    .command('sync')
    .description('bring every project calendar in line with Plane (create, update, delete events)')
    .addOption(projectOption())
    .option('--allow-mass-delete', 'allow deleting more than sync.maxDeletePercent of a calendar')
    .action((opts: { project: string[]; allowMassDelete?: boolean }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/sync.js')).syncCommand(opts, output, false)),
    );

  program
    .command('diff')
    .description('show what `sync` would change, writing nothing')
    .addOption(projectOption())
    .option('--exit-code', 'exit 5 when changes are pending')
    .action((opts: { project: string[]; exitCode?: boolean }, command: Command) =>
      dispatch(command, async (output) => (await import('./commands/sync.js')).syncCommand(opts, output, true)),
    );

  return program;
}
