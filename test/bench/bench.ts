/**
 * `npm run bench`: calplanebot against vdirsyncer on the same kind of server (a fresh Radicale
 * each), at 10 projects × 1,000 issues unless told otherwise. Prints a markdown table and writes
 * the results as JSON (and the table as markdown) into bench-results/ (gitignored).
 *
 *   npm run bench                                   # the full benchmark (long: see README "Performance")
 *   npm run bench -- --projects 2 --issues 200 --runs 1 --initial-runs 1 --change-runs 1   # the smoke run (test/e2e/bench-smoke.test.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calplanebot, calplanebotConfig, freshStateDir } from './calplanebot.js';
import { requireGnuTime, median } from './measure.js';
import { parseOptions, type BenchOptions } from './options.js';
import { summarizeProfiles } from './profile.js';
import { machineLine, markdownTable, ratios, summarize, targets, type BenchResults, type Scenario, type Summary } from './report.js';
import { calplanebotChange, calplanebotInitial, calplanebotNoop, calplanebotWebhook, startUp, vdirsyncerInitial, vdirsyncerNoop, type BenchContext, type CalplanebotWorld, type VdirsyncerWorld } from './scenarios.js';
import { vdirsyncerVersion } from './vdirsyncer.js';
import { exportEvents, startWorkspace } from './workspace.js';

const DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CHANGE_SHARE = 0.01;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = preflight();
  const started = new Date();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const work = mkdtempSync(join(tmpdir(), 'calplanebot-bench-'));
  const perProject = Math.floor(options.issues / options.projects);
  log(`seeding the fake Plane: ${options.projects} projects × ${perProject} issues`);
  const workspace = await startWorkspace({ projects: options.projects, issuesPerProject: perProject, seed: options.seed });
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
  ctx.log('start-up: node -e 0 and calplanebot --version');
  const scenarios: Scenario[] = await startUp(ctx, Math.max(options.runs, 5));
  const { vds, cpb, worlds } = await initialRounds(ctx, options.initialRuns);
  scenarios.push(vds, cpb);
  try {
    const first: Scenario = { id: 'cpb-noop-state-first', tool: 'calplanebot', title: 'no-op sync, state dir, first after a writing run', runs: [], note: 'lists every calendar once: a run that wrote records nothing' };
    first.runs.push(await calplanebotNoop(ctx, worlds.cpb, true));
    scenarios.push(first, ...(await noopRounds(ctx, options.runs, worlds.vds, worlds.cpb)));
    const change = await changeRounds(ctx, options.changeRuns, worlds.cpb);
    scenarios.push(change.scenario);
    scenarios.push(await webhookRounds(ctx, options.runs, worlds.cpb));
    const proxyOverhead = await measureProxyOverhead(ctx, worlds.cpb, options.runs, scenarios);
    const profiles = options.profile ? await profileNoops(ctx, worlds.cpb, options.out) : [];
    return { scenarios, changedPerRound: change.changed, proxyOverhead, profiles };
  } finally {
    await worlds.vds.server.close();
    await worlds.cpb.server.close();
  }
}

/**
 * The initial uploads, each into a fresh Radicale, the tools taking turns round by round: the
 * server's speed drifts over minutes (its disk, the neighbours), and turns spread that over both.
 * The last round's servers stay up for the no-op rounds.
 */
async function initialRounds(ctx: BenchContext, rounds: number): Promise<{ vds: Scenario; cpb: Scenario; worlds: { vds: VdirsyncerWorld; cpb: CalplanebotWorld } }> {
  const vds: Scenario = { id: 'vds-initial', tool: 'vdirsyncer', title: `initial upload of ${ctx.events} events (discover + sync)`, runs: [] };
  const cpb: Scenario = { id: 'cpb-initial', tool: 'calplanebot', title: `initial sync of ${ctx.events} events`, runs: [] };
  let worlds: { vds: VdirsyncerWorld; cpb: CalplanebotWorld } | undefined;
  for (let round = 0; round < rounds; round += 1) {
    await worlds?.vds.server.close();
    await worlds?.cpb.server.close();
    const v = await vdirsyncerInitial(ctx, round);
    const c = await calplanebotInitial(ctx, round);
    vds.runs.push(v.run);
    cpb.runs.push(c.run);
    worlds = { vds: v.world, cpb: c.world };
  }
  if (!worlds) throw new Error('--initial-runs must be at least 1');
  return { vds, cpb, worlds };
}

/** Interleaved, so a noisy neighbour hits every tool alike. */
async function noopRounds(ctx: BenchContext, runs: number, vds: VdirsyncerWorld, cpb: CalplanebotWorld): Promise<Scenario[]> {
  const vdsNoop: Scenario = { id: 'vds-noop', tool: 'vdirsyncer', title: 'no-op re-sync (status dir)', runs: [] };
  const state: Scenario = { id: 'cpb-noop-state', tool: 'calplanebot', title: 'no-op sync, state dir (cron)', runs: [] };
  const stateless: Scenario = { id: 'cpb-noop-stateless', tool: 'calplanebot', title: 'no-op sync, stateless (CI runner)', runs: [] };
  for (let i = 0; i < runs; i += 1) {
    ctx.log(`no-op round ${i + 1}/${runs}`);
    vdsNoop.runs.push(await vdirsyncerNoop(ctx, vds));
    state.runs.push(await calplanebotNoop(ctx, cpb, true));
    stateless.runs.push(await calplanebotNoop(ctx, cpb, false));
  }
  return [vdsNoop, state, stateless];
}

async function changeRounds(ctx: BenchContext, rounds: number, cpb: CalplanebotWorld): Promise<{ scenario: Scenario; changed: number }> {
  const scenario: Scenario = { id: 'cpb-change', tool: 'calplanebot', title: 'sync after 1% of the issues changed', runs: [] };
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
  const scenario: Scenario = { id: 'cpb-webhook', tool: 'calplanebot', title: 'one webhook delivery (issue updated), state dir', runs: [] };
  for (let i = 0; i < runs; i += 1) scenario.runs.push(await calplanebotWebhook(ctx, cpb, i));
  return scenario;
}

/** The stateless no-op again, straight to Radicale and the fake Plane: what the two proxies cost. */
async function measureProxyOverhead(ctx: BenchContext, cpb: CalplanebotWorld, runs: number, scenarios: Scenario[]): Promise<BenchResults['proxyOverhead']> {
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

async function profileNoops(ctx: BenchContext, cpb: CalplanebotWorld, out: string): Promise<BenchResults['profiles']> {
  const profiles: BenchResults['profiles'] = [];
  for (const [scenario, stateful] of [['cpb-noop-stateless', false], ['cpb-noop-state', true]] as const) {
    const dir = join(out, 'profiles', scenario);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // The change rounds ran last, and a run that wrote records no converged calendar: one no-op
    // first, so that the profile is of the cron no-op and not of a "first after a writing run".
    if (stateful) await calplanebotNoop(ctx, cpb, stateful);
    await calplanebotNoop(ctx, cpb, stateful, dir);
    for (const summary of summarizeProfiles(dir)) profiles.push({ scenario, ...summary });
  }
  return profiles;
}

function assemble(options: BenchOptions, machine: BenchResults['machine'], started: Date, issues: number, events: number, run: RunOutput): BenchResults {
  const summaries = run.scenarios.map(summarize);
  const byId = new Map<string, Summary>(summaries.map((s) => [s.id, s]));
  const perProject = Math.floor(options.issues / options.projects);
  const planeMinimum = 1 + options.projects * Math.max(1, Math.ceil(perProject / 1000));
  return {
    schemaVersion: 1,
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    machine: { ...machine, loadAvgAtEnd: loadavg().map((l) => l.toFixed(2)).join(' ') },
    options: { ...options },
    workspace: { projects: options.projects, issues, events },
    summaries,
    ratios: ratios(byId),
    targets: targets({ byId, calendars: options.projects, planeMinimum, changedPerRound: run.changedPerRound }),
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
  if (radicale.error || radicale.status !== 0) throw new Error('radicale is not installed: apt-get install -y radicale');
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    radicale: radicale.stdout.trim(),
    vdirsyncer: vdirsyncerVersion(),
    loadAvgAtStart: loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
