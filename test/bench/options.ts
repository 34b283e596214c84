/** The benchmark's command line: sizes and run counts, all scaled down for the smoke run. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  projects: number;
  /** Total issues, spread evenly over the projects. */
  issues: number;
  /** Runs of each cheap scenario (no-op syncs, webhook, start-up ×2). */
  runs: number;
  /** Initial uploads per tool (each into a fresh Radicale): the expensive part. */
  initialRuns: number;
  /** Rounds of "1% of the issues changed". */
  changeRuns: number;
  seed: number;
  out: string;
  /** One extra `--cpu-prof` run of each calplanebot no-op scenario, summarised. */
  profile: boolean;
}

const USAGE = `usage: npm run bench -- [--projects 10] [--issues 10000] [--runs 5] [--initial-runs 3]
                       [--change-runs 3] [--seed 1] [--out bench-results] [--profile]`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      projects: { type: 'string', default: '10' },
      issues: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '5' },
      'initial-runs': { type: 'string', default: '3' },
      'change-runs': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-results' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: BenchOptions = {
    projects: positive(values.projects, 'projects'),
    issues: positive(values.issues, 'issues'),
    runs: positive(values.runs, 'runs'),
    initialRuns: positive(values['initial-runs'], 'initial-runs'),
    changeRuns: positive(values['change-runs'], 'change-runs'),
    seed: positive(values.seed, 'seed'),
    out: resolve(values.out),
    profile: values.profile,
  };
  if (options.issues < options.projects) throw new Error(`--issues (${options.issues}) must be at least --projects (${options.projects})\n${USAGE}`);
  return options;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"\n${USAGE}`);
  return n;
}
