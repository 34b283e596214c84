/**
 * `npm run bench`: calplanebot against vdirsyncer on the same kind of server (a fresh Radicale
 * each), at 10 projects × 1,000 issues and then at 2 × 100 (the small workspace, where a run is
 * mostly start-up) unless told otherwise. Prints a markdown table per size and writes the results as
 * JSON (and the table as markdown) into bench-results/{size}/ (gitignored).
 *
 *   npm run bench                                   # the full benchmark (long: see README "Performance")
 *   npm run bench -- --sizes large,wide             # one project of 20,000 items; 100 projects × 100 items
 *   npm run bench -- --projects 2 --issues 200 --runs 1 --initial-runs 1 --change-runs 1   # the smoke run (test/e2e/bench-smoke.test.ts)
 *   npm run bench -- --only export,cpb-noop-stateless   # some scenarios only (--help lists them)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calplanebot, calplanebotConfig, freshStateDir } from './calplanebot.js';
import { median, requireGnuTime } from './measure.js';
import { type BenchOptions, measures, parseOptions } from './options.js';
import { summarizeProfiles } from './profile.js';
import {
  type BenchResults,
  machineLine,
  markdownTable,
  ratios,
  type Scenario,
  type Summary,
  summarize,
  targets,
} from './report.js';
import {
  type BenchContext,
  type CalplanebotWorld,
  calplanebotChange,
  calplanebotExport,
  calplanebotInitial,
  calplanebotNoop,
  calplanebotNoopThree,
  calplanebotThreeCalendars,
  calplanebotWebhook,
  exportWorld,
  startUp,
  type VdirsyncerWorld,
  vdirsyncerInitial,
  vdirsyncerNoop,
} from './scenarios.js';
import { vdirsyncerVersion } from './vdirsyncer.js';
import { exportEvents, startWorkspace } from './workspace.js';

const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CHANGE_SHARE = 0.01;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = preflight();
  for (const size of options.sizes) {
    // Each size its own results folder (the one size of a custom run keeps --out as it is).
    const out = options.sizes.length > 1 ? join(options.out, size.name) : options.out;
    if (options.sizes.length > 1)
      process.stdout.write(`\n## ${size.name}: ${size.projects} project(s) × ${size.issues / size.projects} issues\n`);
    await measureSize({ ...options, projects: size.projects, issues: size.issues, out }, machine);
  }
}

async function measureSize(options: BenchOptions, machine: BenchResults['machine']): Promise<void> {
  const started = new Date();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const work = mkdtempSync(join(tmpdir(), 'calplanebot-bench-'));
  const perProject = Math.floor(options.issues / options.projects);
  log(`seeding the fake Plane: ${options.projects} projects × ${perProject} issues`);
  const workspace = await startWorkspace({
    projects: options.projects,
    issuesPerProject: perProject,
    seed: options.seed,
  });
  try {
    const eventsDir = join(work, 'events');
    const events = await exportEvents(workspace, eventsDir);
    const ctx: BenchContext = { workspace, events, eventsDir, work, log };
    const run = await runAll(ctx, options);
    const results = assemble(options, machine, started, workspace.issueCount, events, run);
    write(results, options.out);
    process.stdout.write(`\n${markdownTable(results)}\nMachine: ${machineLine(results.machine)}\n`);
  } finally {
    await workspace.close();
    rmSync(work, { recursive: true, force: true });
  }
}

interface RunOutput {
  scenarios: Scenario[];
  changedPerRound: number;
  proxyOverhead: BenchResults['proxyOverhead'];
  profiles: BenchResults['profiles'];
}

async function runAll(ctx: BenchContext, options: BenchOptions): Promise<RunOutput> {
  const want = (id: string) => measures(options, id);
  const scenarios: Scenario[] = [];
  if (want('node-e0') || want('cpb-version')) {
    ctx.log('start-up: node -e 0 and calplanebot --version');
    scenarios.push(...(await startUp(ctx, Math.max(options.runs, 5))).filter((s) => want(s.id)));
  }
  // A scenario that needs a synced calendar gets one, measured only when the initial sync is asked for.
  const need = {
    vds: ['vds-initial', 'vds-noop'].some(want),
    cpb: [
      'cpb-initial',
      'cpb-noop-state-first',
      'cpb-noop-state',
      'cpb-noop-stateless',
      'cpb-noop-3cal',
      'cpb-change',
      'cpb-webhook',
    ].some(want),
  };
  const { vds, cpb, worlds } = await initialRounds(
    ctx,
    want('vds-initial') || want('cpb-initial') ? options.initialRuns : 1,
    need,
  );
  scenarios.push(...[vds, cpb].filter((s) => want(s.id)));
  try {
    if (worlds.cpb && (want('cpb-noop-state-first') || want('cpb-noop-state'))) {
      // Also when only the cron no-op is measured: it must not be the first after a writing run.
      const first: Scenario = {
        id: 'cpb-noop-state-first',
        tool: 'calplanebot',
        title: 'no-op sync, state dir, first after a writing run',
        runs: [],
        note: 'lists every calendar once: a run that wrote records nothing',
      };
      first.runs.push(await calplanebotNoop(ctx, worlds.cpb, true));
      if (want(first.id)) scenarios.push(first);
    }
    scenarios.push(...(await noopRounds(ctx, options.runs, worlds, want)));
    if (worlds.cpb && want('cpb-noop-3cal')) scenarios.push(await threeCalendarRounds(ctx, options.runs, worlds.cpb));
    let changedPerRound = 0;
    if (worlds.cpb && want('cpb-change')) {
      const change = await changeRounds(ctx, options.changeRuns, worlds.cpb);
      scenarios.push(change.scenario);
      changedPerRound = change.changed;
    }
    if (worlds.cpb && want('cpb-webhook')) scenarios.push(await webhookRounds(ctx, options.runs, worlds.cpb));
    const proxyOverhead = worlds.cpb ? await measureProxyOverhead(ctx, worlds.cpb, options.runs, scenarios) : undefined;
    const profiles =
      options.profile && worlds.cpb ? await profileRuns(ctx, worlds.cpb, options.out, options.changeRuns) : [];
    return { scenarios, changedPerRound, proxyOverhead, profiles };
  } finally {
    await worlds.vds?.server.close();
    await worlds.cpb?.server.close();
  }
}

interface Worlds {
  vds?: VdirsyncerWorld | undefined;
  cpb?: CalplanebotWorld | undefined;
}

/**
 * The initial uploads, each into a fresh Radicale, the tools taking turns round by round: the
 * server's speed drifts over minutes (its disk, the neighbours), and turns spread that over both.
 * The last round's servers stay up for the no-op rounds. Only the tools in `need` run.
 */
async function initialRounds(
  ctx: BenchContext,
  rounds: number,
  need: { vds: boolean; cpb: boolean },
): Promise<{ vds: Scenario; cpb: Scenario; worlds: Worlds }> {
  const vds: Scenario = {
    id: 'vds-initial',
    tool: 'vdirsyncer',
    title: `initial upload of ${ctx.events} events (discover + sync)`,
    runs: [],
  };
  const cpb: Scenario = {
    id: 'cpb-initial',
    tool: 'calplanebot',
    title: `initial sync of ${ctx.events} events`,
    runs: [],
  };
  let worlds: Worlds = {};
  if (!need.vds && !need.cpb) return { vds, cpb, worlds };
  for (let round = 0; round < rounds; round += 1) {
    await worlds.vds?.server.close();
    await worlds.cpb?.server.close();
    worlds = {};
    if (need.vds) {
      const v = await vdirsyncerInitial(ctx, round);
      vds.runs.push(v.run);
      worlds.vds = v.world;
    }
    if (need.cpb) {
      const c = await calplanebotInitial(ctx, round);
      cpb.runs.push(c.run);
      worlds.cpb = c.world;
    }
  }
  return { vds, cpb, worlds };
}

/**
 * Interleaved, so a noisy neighbour hits every tool alike: each round runs every measured no-op
 * and the two exports (which need no CalDAV server) once. Returns the measured scenarios.
 */
async function noopRounds(
  ctx: BenchContext,
  runs: number,
  worlds: Worlds,
  want: (id: string) => boolean,
): Promise<Scenario[]> {
  const vdsNoop: Scenario = { id: 'vds-noop', tool: 'vdirsyncer', title: 'no-op re-sync (status dir)', runs: [] };
  const state: Scenario = {
    id: 'cpb-noop-state',
    tool: 'calplanebot',
    title: 'no-op sync, state dir (cron)',
    runs: [],
  };
  const stateless: Scenario = {
    id: 'cpb-noop-stateless',
    tool: 'calplanebot',
    title: 'no-op sync, stateless (CI runner)',
    runs: [],
  };
  const calendars = ctx.workspace.projects.length;
  const exportFirst: Scenario = {
    id: 'cpb-export-first',
    tool: 'calplanebot',
    title: `export of ${calendars} calendars (${ctx.events} events) into an empty folder`,
    runs: [],
    note: 'no CalDAV: Plane pages in, one .ics file per calendar out',
  };
  const exportAgain: Scenario = {
    id: 'cpb-export-unchanged',
    tool: 'calplanebot',
    title: 'export again, nothing changed (no file rewritten)',
    runs: [],
  };
  const exporting = want(exportFirst.id) || want(exportAgain.id);
  const feeds = exporting ? exportWorld(ctx) : undefined;
  const selected = [vdsNoop, state, stateless, exportFirst, exportAgain].filter((s) => want(s.id));
  if (selected.length === 0) return [];
  for (let i = 0; i < runs; i += 1) {
    ctx.log(`no-op${exporting ? ' and export' : ''} round ${i + 1}/${runs}`);
    if (worlds.vds && want(vdsNoop.id)) vdsNoop.runs.push(await vdirsyncerNoop(ctx, worlds.vds));
    if (worlds.cpb && want(state.id)) state.runs.push(await calplanebotNoop(ctx, worlds.cpb, true));
    if (worlds.cpb && want(stateless.id)) stateless.runs.push(await calplanebotNoop(ctx, worlds.cpb, false));
    if (feeds) {
      const { first, unchanged } = await calplanebotExport(ctx, feeds, i);
      exportFirst.runs.push(first);
      exportAgain.runs.push(unchanged);
    }
  }
  return selected;
}

/** The stateless no-op of three calendars over the same projects (made first, by one writing run). */
async function threeCalendarRounds(ctx: BenchContext, runs: number, cpb: CalplanebotWorld): Promise<Scenario> {
  const scenario: Scenario = {
    id: 'cpb-noop-3cal',
    tool: 'calplanebot',
    title: 'no-op sync, stateless, 3 calendars over the same projects',
    runs: [],
    note: 'per project, open items, urgent+high items: Plane read once per project',
  };
  ctx.log('three calendars over the same projects: making them');
  await calplanebotThreeCalendars(ctx, cpb);
  for (let i = 0; i < runs; i += 1) scenario.runs.push(await calplanebotNoopThree(ctx, cpb));
  return scenario;
}

async function changeRounds(
  ctx: BenchContext,
  rounds: number,
  cpb: CalplanebotWorld,
): Promise<{ scenario: Scenario; changed: number }> {
  const scenario: Scenario = {
    id: 'cpb-change',
    tool: 'calplanebot',
    title: 'sync after 1% of the issues changed',
    runs: [],
  };
  let changed = 0;
  for (let i = 0; i < rounds; i += 1) {
    ctx.log(`1% changed, round ${i + 1}/${rounds}`);
    const result = await calplanebotChange(ctx, cpb, CHANGE_SHARE, i);
    scenario.runs.push(result.run);
    changed = result.changed;
  }
  return { scenario, changed };
}

async function webhookRounds(ctx: BenchContext, runs: number, cpb: CalplanebotWorld): Promise<Scenario> {
  const scenario: Scenario = {
    id: 'cpb-webhook',
    tool: 'calplanebot',
    title: 'one webhook delivery (issue updated), state dir',
    runs: [],
  };
  for (let i = 0; i < runs; i += 1) scenario.runs.push(await calplanebotWebhook(ctx, cpb, i));
  return scenario;
}

/** The stateless no-op again, straight to Radicale and the fake Plane: what the two proxies cost. */
async function measureProxyOverhead(
  ctx: BenchContext,
  cpb: CalplanebotWorld,
  runs: number,
  scenarios: Scenario[],
): Promise<BenchResults['proxyOverhead']> {
  const proxied = scenarios.find((s) => s.id === 'cpb-noop-stateless');
  if (!proxied) return undefined;
  const direct: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const config = calplanebotConfig(ctx.workspace, cpb.server, freshStateDir(), true);
    direct.push((await calplanebot(['sync'], config)).sample.wallMs);
  }
  return {
    directMs: Math.round(median(direct)),
    proxiedMs: Math.round(median(proxied.runs.map((r) => r.wallMs))),
    note: 'every measured run goes through the recording proxies (both tools alike); this is the stateless no-op without them',
  };
}

/** One `--cpu-prof` run of each no-op, and of one more 1% change round (`round`: issues no earlier round changed). */
async function profileRuns(
  ctx: BenchContext,
  cpb: CalplanebotWorld,
  out: string,
  round: number,
): Promise<BenchResults['profiles']> {
  const profiles: BenchResults['profiles'] = [];
  for (const [scenario, stateful] of [
    ['cpb-noop-stateless', false],
    ['cpb-noop-state', true],
  ] as const) {
    const dir = join(out, 'profiles', scenario);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // The change rounds ran last, and a write not confirmed (someone else wrote meanwhile) is read
    // again next run: one no-op first, so that the profile is of the cron no-op.
    if (stateful) await calplanebotNoop(ctx, cpb, stateful);
    await calplanebotNoop(ctx, cpb, stateful, dir);
    for (const summary of summarizeProfiles(dir)) profiles.push({ scenario, ...summary });
  }
  // And one more round of the 1% change (new issues changed), where the run's work is the change.
  const dir = join(out, 'profiles', 'cpb-change');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await calplanebotChange(ctx, cpb, CHANGE_SHARE, round, dir);
  for (const summary of summarizeProfiles(dir)) profiles.push({ scenario: 'cpb-change', ...summary });
  return profiles;
}

function assemble(
  options: BenchOptions,
  machine: BenchResults['machine'],
  started: Date,
  issues: number,
  events: number,
  run: RunOutput,
): BenchResults {
  const summaries = run.scenarios.map(summarize);
  const byId = new Map<string, Summary>(summaries.map((s) => [s.id, s]));
  const perProject = Math.floor(options.issues / options.projects);
  const planeMinimum = 1 + options.projects * Math.max(1, Math.ceil(perProject / 1000));
  return {
    schemaVersion: 1,
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    machine: {
      ...machine,
      loadAvgAtEnd: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    },
    options: { ...options, only: options.only ? [...options.only] : undefined },
    workspace: { projects: options.projects, issues, events },
    summaries,
    ratios: ratios(byId),
    targets: targets({
      byId,
      calendars: options.projects,
      issues,
      planeMinimum,
      changedPerRound: run.changedPerRound,
    }),
    proxyOverhead: run.proxyOverhead,
    profiles: run.profiles,
    scenarios: run.scenarios,
  };
}

function write(results: BenchResults, out: string): void {
  mkdirSync(out, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(out, `bench-${stamp}.json`), json);
  writeFileSync(join(out, 'latest.json'), json);
  writeFileSync(join(out, 'latest.md'), `${markdownTable(results)}\nMachine: ${machineLine(results.machine)}\n`);
  process.stderr.write(`bench: results in ${join(out, 'latest.json')}\n`);
}

/** Everything the benchmark needs, checked first, and the machine it runs on. */
function preflight(): BenchResults['machine'] {
  requireGnuTime();
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const radicale = spawnSync('radicale', ['--version'], { encoding: 'utf8' });
  if (radicale.error || radicale.status !== 0)
    throw new Error('radicale is not installed: apt-get install -y radicale');
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    radicale: radicale.stdout.trim(),
    vdirsyncer: vdirsyncerVersion(),
    loadAvgAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
