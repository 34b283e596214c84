/** The benchmark's command line: sizes and run counts, all scaled down for the smoke run. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** A workspace size the benchmark measures, with its name in the results. */
export interface WorkspaceSize {
  name: string;
  projects: number;
  /** Total issues, spread evenly over the projects. */
  issues: number;
}

/**
 * The named sizes (`--sizes`): the standard 10 × 1,000; the small workspace most teams have (where
 * a run is mostly start-up); one project of 20,000 items (20 pages); 100 projects × 100 items.
 */
export const SIZES: Readonly<Record<string, WorkspaceSize>> = {
  standard: { name: 'standard', projects: 10, issues: 10_000 },
  small: { name: 'small', projects: 2, issues: 200 },
  large: { name: 'large', projects: 1, issues: 20_000 },
  wide: { name: 'wide', projects: 100, issues: 10_000 },
};

/** What `npm run bench` measures without --sizes, --projects or --issues. */
export const DEFAULT_SIZES = ['standard', 'small'] as const;

export interface BenchOptions {
  /** The workspaces measured, one after the other (each its own table and results folder). */
  sizes: WorkspaceSize[];
  /** The size being measured (set per size by bench.ts). */
  projects: number;
  /** Total issues, spread evenly over the projects. */
  issues: number;
  /** Runs of each cheap scenario (no-op syncs, exports, webhook, start-up ×2). */
  runs: number;
  /** Initial uploads per tool (each into a fresh Radicale): the expensive part. */
  initialRuns: number;
  /** Rounds of "1% of the issues changed". */
  changeRuns: number;
  seed: number;
  out: string;
  /** One extra `--cpu-prof` run of each calplanebot no-op scenario and of a 1% change round, summarised. */
  profile: boolean;
  /** The scenario ids to measure (`--only`); undefined: all of them. */
  only: ReadonlySet<string> | undefined;
}

/** Every scenario the benchmark measures, in the order it runs them. */
export const SCENARIO_IDS = [
  'node-e0',
  'cpb-version',
  'vds-initial',
  'cpb-initial',
  'cpb-noop-state-first',
  'vds-noop',
  'cpb-noop-state',
  'cpb-noop-stateless',
  'cpb-noop-3cal',
  'cpb-export-first',
  'cpb-export-unchanged',
  'cpb-change',
  'cpb-webhook',
] as const;

/** Names for several scenarios at once, for `--only`. */
export const SCENARIO_GROUPS: Readonly<Record<string, readonly string[]>> = {
  startup: ['node-e0', 'cpb-version'],
  initial: ['vds-initial', 'cpb-initial'],
  noop: ['cpb-noop-state-first', 'vds-noop', 'cpb-noop-state', 'cpb-noop-stateless', 'cpb-noop-3cal'],
  export: ['cpb-export-first', 'cpb-export-unchanged'],
  vdirsyncer: ['vds-initial', 'vds-noop'],
};

const USAGE = `usage: npm run bench -- [--sizes standard,small] | [--projects 10] [--issues 10000]
                       [--runs 5] [--initial-runs 3] [--change-runs 3] [--seed 1] [--out bench-results]
                       [--profile] [--only <scenario or group>[,…]]
  --sizes   the workspaces to measure, one after the other: ${Object.values(SIZES)
    .map((s) => `${s.name} (${s.projects} × ${s.issues / s.projects})`)
    .join(', ')}; default ${DEFAULT_SIZES.join(',')}
  --projects/--issues measure one workspace of that size instead
  --only measures only these scenarios (repeatable or comma-separated), e.g. --only export,cpb-noop-stateless;
         a scenario that needs a synced calendar still gets one (one initial sync, not reported unless named).
  scenarios: ${SCENARIO_IDS.join(', ')}
  groups:    ${Object.entries(SCENARIO_GROUPS)
    .map(([name, ids]) => `${name} (${ids.join(', ')})`)
    .join('; ')}`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      projects: { type: 'string' },
      issues: { type: 'string' },
      runs: { type: 'string', default: '5' },
      'initial-runs': { type: 'string', default: '3' },
      'change-runs': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-results' },
      profile: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = sizesOf(values.sizes, values.projects, values.issues);
  const options: BenchOptions = {
    sizes,
    projects: sizes[0]?.projects ?? 10,
    issues: sizes[0]?.issues ?? 10_000,
    runs: positive(values.runs, 'runs'),
    initialRuns: positive(values['initial-runs'], 'initial-runs'),
    changeRuns: positive(values['change-runs'], 'change-runs'),
    seed: positive(values.seed, 'seed'),
    out: resolve(values.out),
    profile: values.profile,
    only: values.only ? scenarioSet(values.only) : undefined,
  };
  return options;
}

/** --sizes, or one custom size from --projects and --issues, or the default sizes. */
function sizesOf(names: string | undefined, projects: string | undefined, issues: string | undefined): WorkspaceSize[] {
  if (names !== undefined && (projects !== undefined || issues !== undefined))
    throw new Error(`--sizes cannot be combined with --projects or --issues\n${USAGE}`);
  if (projects !== undefined || issues !== undefined) {
    const size = {
      name: 'custom',
      projects: positive(projects ?? '10', 'projects'),
      issues: positive(issues ?? '10000', 'issues'),
    };
    if (size.issues < size.projects)
      throw new Error(`--issues (${size.issues}) must be at least --projects (${size.projects})\n${USAGE}`);
    return [size];
  }
  const wanted =
    names === undefined
      ? [...DEFAULT_SIZES]
      : names
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
  return wanted.map((name) => {
    const size = SIZES[name];
    if (!size) throw new Error(`--sizes: unknown size "${name}"\n${USAGE}`);
    return size;
  });
}

/** Whether this run measures scenario `id`. */
export function measures(options: Pick<BenchOptions, 'only'>, id: string): boolean {
  return options.only === undefined || options.only.has(id);
}

function scenarioSet(values: string[]): Set<string> {
  const ids = new Set<string>();
  for (const name of values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)) {
    const group = SCENARIO_GROUPS[name];
    if (group) for (const id of group) ids.add(id);
    else if ((SCENARIO_IDS as readonly string[]).includes(name)) ids.add(name);
    else throw new Error(`--only: unknown scenario "${name}"\n${USAGE}`);
  }
  if (ids.size === 0) throw new Error(`--only names no scenario\n${USAGE}`);
  return ids;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"\n${USAGE}`);
  return n;
}
