/**
 * The measured scenarios. Each run is a separate process; before it the proxies and the fake's
 * request log are cleared, after it what crossed them is recorded with the process's figures.
 * Every scenario also checks that the tool did the right thing: a fast wrong answer fails the run.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportReport } from '../../src/feed/export.js';
import type { RunReport } from '../../src/sync/report.js';
import {
  type CliRun,
  calplanebot,
  calplanebotConfig,
  calplanebotExportConfig,
  calplanebotVersion,
  changeIssues,
  freshStateDir,
  nodeBaseline,
  WEBHOOK_SECRET,
} from './calplanebot.js';
import { addTraffic, type ProcessSample, trafficOf } from './measure.js';
import type { RunRecord, Scenario } from './report.js';
import { type VdirsyncerSetup, vdirsyncerDiscover, vdirsyncerSync, writeVdirsyncerConfig } from './vdirsyncer.js';
import { type Server, startServer, type Workspace } from './workspace.js';

export interface BenchContext {
  workspace: Workspace;
  events: number;
  eventsDir: string;
  work: string;
  log: (line: string) => void;
}

function resetCounters(ctx: BenchContext, server: Server | undefined): void {
  ctx.workspace.plane.resetRequests();
  ctx.workspace.planeProxy.reset();
  server?.proxy.reset();
}

function record(
  ctx: BenchContext,
  sample: ProcessSample,
  server: Server | undefined,
  report?: { totals: RunReport['totals'] | ExportReport['totals'] },
): RunRecord {
  const plane = trafficOf(ctx.workspace.planeProxy);
  return {
    wallMs: sample.wallMs,
    userMs: sample.userMs,
    sysMs: sample.sysMs,
    maxRssMb: sample.maxRssMb,
    planeRequests: ctx.workspace.plane.requests.length,
    planeBytesDown: plane.bytesDown,
    caldav: trafficOf(server?.proxy),
    totals: report ? { ...report.totals } : undefined,
  };
}

function expectCli(run: CliRun, what: string, check: (report: RunReport) => boolean): RunReport {
  const { report, sample } = run;
  if (sample.code !== 0 || !report || !check(report)) {
    throw new Error(
      `${what}: unexpected outcome (exit ${sample.code}) totals ${JSON.stringify(report?.totals)}\n${sample.stderr.slice(-2000)}`,
    );
  }
  return report;
}

// ── start-up ────────────────────────────────────────────────────────────────

export async function startUp(ctx: BenchContext, runs: number): Promise<Scenario[]> {
  const node: Scenario = { id: 'node-e0', tool: 'node', title: '`node -e 0` (baseline)', runs: [] };
  const version: Scenario = { id: 'cpb-version', tool: 'calplanebot', title: '`calplanebot --version`', runs: [] };
  for (let i = 0; i < runs; i += 1) {
    resetCounters(ctx, undefined);
    node.runs.push(record(ctx, await nodeBaseline(), undefined));
    const sample = await calplanebotVersion();
    if (sample.code !== 0 || !/^\d+\.\d+\.\d+/.test(sample.stdout))
      throw new Error(`calplanebot --version: exit ${sample.code}, "${sample.stdout}"`);
    version.runs.push(record(ctx, sample, undefined));
  }
  return [node, version];
}

// ── vdirsyncer ──────────────────────────────────────────────────────────────

export interface VdirsyncerWorld {
  server: Server;
  setup: VdirsyncerSetup;
}

/** discover + sync into a fresh Radicale: one initial upload (round `round` of the interleaved rounds). */
export async function vdirsyncerInitial(
  ctx: BenchContext,
  round: number,
): Promise<{ run: RunRecord; world: VdirsyncerWorld }> {
  const server = await startServer('vdir');
  const work = join(ctx.work, `vdirsyncer-${round}`);
  mkdirSync(work, { recursive: true });
  const setup = writeVdirsyncerConfig(
    work,
    ctx.eventsDir,
    { url: server.proxy.url, username: server.user.username, password: server.user.password },
    ctx.workspace.projects.length,
  );
  resetCounters(ctx, server);
  ctx.log(`vdirsyncer: uploading ${ctx.events} events (round ${round + 1})`);
  const discover = await vdirsyncerDiscover(setup);
  const discovered = trafficOf(server.proxy);
  server.proxy.reset();
  const sync = await vdirsyncerSync(setup);
  const puts = server.proxy.requests.filter((r) => r.method === 'PUT' && r.status < 300).length;
  if (puts !== ctx.events)
    throw new Error(`vdirsyncer uploaded ${puts} of ${ctx.events} events:\n${sync.stderr.slice(-2000)}`);
  const run = record(ctx, combine(discover, sync), server);
  return { run: { ...run, caldav: addTraffic(discovered, run.caldav) }, world: { server, setup } };
}

export async function vdirsyncerNoop(ctx: BenchContext, world: VdirsyncerWorld): Promise<RunRecord> {
  resetCounters(ctx, world.server);
  const sample = await vdirsyncerSync(world.setup);
  const run = record(ctx, sample, world.server);
  if (run.caldav.byMethod.PUT || run.caldav.byMethod.DELETE)
    throw new Error(`vdirsyncer's no-op sync wrote: ${JSON.stringify(run.caldav.byMethod)}`);
  return run;
}

/** Two processes run one after the other, as one: times and CPU add up, memory is the larger. */
function combine(a: ProcessSample, b: ProcessSample): ProcessSample {
  return {
    wallMs: a.wallMs + b.wallMs,
    userMs: a.userMs + b.userMs,
    sysMs: a.sysMs + b.sysMs,
    maxRssMb: Math.max(a.maxRssMb, b.maxRssMb),
    code: 0,
    stdout: '',
    stderr: '',
  };
}

// ── calplanebot ─────────────────────────────────────────────────────────────

export interface CalplanebotWorld {
  server: Server;
  /** The config with the state dir kept between runs, as on cron. */
  config: string;
}

/** One initial sync into a fresh Radicale (round `round` of the interleaved rounds). */
export async function calplanebotInitial(
  ctx: BenchContext,
  round: number,
): Promise<{ run: RunRecord; world: CalplanebotWorld }> {
  const server = await startServer('cpb');
  const config = calplanebotConfig(ctx.workspace, server, freshStateDir());
  resetCounters(ctx, server);
  ctx.log(`calplanebot: initial sync of ${ctx.events} events (round ${round + 1})`);
  const run = await calplanebot(['sync'], config);
  const report = expectCli(run, 'initial sync', (r) => r.totals.created === ctx.events && r.totals.failed === 0);
  return { run: record(ctx, run.sample, server, report), world: { server, config } };
}

const isNoop = (r: RunReport) => r.totals.created + r.totals.updated + r.totals.deleted + r.totals.failed === 0;

/** A no-op sync: with the kept state dir, or (stateless) with an empty one, like a fresh CI runner. */
export async function calplanebotNoop(
  ctx: BenchContext,
  world: CalplanebotWorld,
  stateful: boolean,
  profileDir?: string,
): Promise<RunRecord> {
  const config = stateful ? world.config : calplanebotConfig(ctx.workspace, world.server, freshStateDir());
  resetCounters(ctx, world.server);
  const run = await calplanebot(['sync'], config, { profileDir });
  const report = expectCli(run, `no-op sync (${stateful ? 'state dir' : 'stateless'})`, isNoop);
  return record(ctx, run.sample, world.server, report);
}

/**
 * Three calendars over the same projects: today's one per project, and two more per project, of
 * the started items and of the urgent ones. Each project's items are read from Plane once however
 * many calendars show them, so Plane's requests are one calendar's. (Per project and a share of the
 * items each: Radicale stores an object more slowly the fuller its collection, and calendars of
 * every open item made the standard workspace's setup take half an hour.)
 */
export const THREE_CALENDARS = [
  { id: 'projects', perProject: true },
  { id: 'started', name: 'Plane: started in {project}', perProject: true, filter: { stateGroups: ['started'] } },
  { id: 'urgent', name: 'Plane: urgent in {project}', perProject: true, filter: { priorities: ['urgent'] } },
];

/** The three calendars made once (a writing run, not measured), for `calplanebotNoopThree`. */
export async function calplanebotThreeCalendars(ctx: BenchContext, world: CalplanebotWorld): Promise<void> {
  const config = calplanebotConfig(ctx.workspace, world.server, freshStateDir(), false, THREE_CALENDARS);
  expectCli(await calplanebot(['sync'], config), 'sync making the three calendars', (r) => r.totals.failed === 0);
}

/** A stateless no-op of the three calendars: every calendar listed, every item compared in each it shows in. */
export async function calplanebotNoopThree(ctx: BenchContext, world: CalplanebotWorld): Promise<RunRecord> {
  const config = calplanebotConfig(ctx.workspace, world.server, freshStateDir(), false, THREE_CALENDARS);
  resetCounters(ctx, world.server);
  const run = await calplanebot(['sync'], config);
  const report = expectCli(run, 'no-op sync of three calendars (stateless)', isNoop);
  return record(ctx, run.sample, world.server, report);
}

/** Changes `share` of the issues in Plane, then syncs with the state dir: it must write exactly those. */
export async function calplanebotChange(
  ctx: BenchContext,
  world: CalplanebotWorld,
  share: number,
  round: number,
  profileDir?: string,
): Promise<{ run: RunRecord; changed: number }> {
  const changed = changeIssues(ctx.workspace, share, round);
  resetCounters(ctx, world.server);
  const run = await calplanebot(['sync'], world.config, { profileDir });
  const report = expectCli(
    run,
    'sync after changes',
    (r) => r.totals.updated === changed && r.totals.created + r.totals.deleted + r.totals.failed === 0,
  );
  return { run: record(ctx, run.sample, world.server, report), changed };
}

/** One signed "issue updated" delivery for an issue whose title changed, handled with the state dir. */
export async function calplanebotWebhook(
  ctx: BenchContext,
  world: CalplanebotWorld,
  round: number,
): Promise<RunRecord> {
  const project = ctx.workspace.projects[round % ctx.workspace.projects.length]!;
  const issue = ctx.workspace.plane.issues(project.id)[round]!;
  ctx.workspace.plane.updateIssue(issue.id, { name: `${issue.name} (webhook ${round + 1})` });
  const delivery = ctx.workspace.plane.webhookDelivery('issue', 'updated', issue.id, {
    secret: WEBHOOK_SECRET,
    activity: { field: 'name' },
  });
  const args = [
    'handle-webhook',
    '--signature',
    delivery.headers['X-Plane-Signature'] ?? '',
    '--event',
    'issue',
    '--delivery',
    delivery.headers['X-Plane-Delivery'] ?? '',
  ];
  resetCounters(ctx, world.server);
  const run = await calplanebot(args, world.config, { stdin: delivery.body });
  const report = expectCli(run, 'handle-webhook', (r) => r.totals.updated === 1 && r.totals.failed === 0);
  return record(ctx, run.sample, world.server, report);
}

// ── export ──────────────────────────────────────────────────────────────────

/** `export` needs Plane only: a config without `caldav`, no Radicale, no state dir of any use. */
export interface ExportWorld {
  config: string;
  /** UID → the VEVENT that `sync` stores for it (from the events rendered for vdirsyncer), read once. */
  expected?: Map<string, string>;
}

export function exportWorld(ctx: BenchContext): ExportWorld {
  return { config: calplanebotExportConfig(ctx.workspace, freshStateDir()) };
}

/**
 * `export --out <dir>` twice: into a new empty folder (every file written), then again with
 * nothing changed in Plane (no file rewritten: same inode, same mtime). Round `round` of the
 * interleaved rounds. Checks that the files hold exactly the events a sync stores, byte for byte.
 */
export async function calplanebotExport(
  ctx: BenchContext,
  world: ExportWorld,
  round: number,
): Promise<{ first: RunRecord; unchanged: RunRecord }> {
  const dir = join(ctx.work, `export-${round}`);
  const calendars = ctx.workspace.projects.length;
  mkdirSync(dir, { recursive: true });
  resetCounters(ctx, undefined);
  const firstRun = await calplanebot<ExportReport>(['export', '--out', dir], world.config);
  const first = expectExport(
    firstRun,
    'export into an empty folder',
    (t) => t.files === calendars && t.written === calendars && t.objects === ctx.events && t.kept + t.failed === 0,
  );
  const firstRecord = record(ctx, firstRun.sample, undefined, first);
  checkFeeds(ctx, world, dir);
  const before = fileStamps(dir);

  resetCounters(ctx, undefined);
  const againRun = await calplanebot<ExportReport>(['export', '--out', dir], world.config);
  const again = expectExport(
    againRun,
    'export with nothing changed',
    (t) =>
      t.files === calendars &&
      t.unchanged === calendars &&
      t.written + t.kept + t.failed === 0 &&
      t.objects === ctx.events,
  );
  const after = fileStamps(dir);
  if (after !== before)
    throw new Error(`export with nothing changed touched the files:\nbefore ${before}\nafter  ${after}`);
  return { first: firstRecord, unchanged: record(ctx, againRun.sample, undefined, again) };
}

function expectExport(
  run: CliRun<ExportReport>,
  what: string,
  check: (totals: ExportReport['totals']) => boolean,
): ExportReport {
  const { report, sample } = run;
  if (sample.code !== 0 || !report || !check(report.totals)) {
    throw new Error(
      `${what}: unexpected outcome (exit ${sample.code}) totals ${JSON.stringify(report?.totals)}\n${sample.stderr.slice(-2000)}`,
    );
  }
  return report;
}

/** Name, inode, size and mtime of every file in `dir` (temporary files included: none may be left). */
function fileStamps(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const stat = statSync(join(dir, name));
      return `${name}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    })
    .join(' ');
}

const VEVENT = /BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/g;
const UID = /\r\nUID:([^\r]*)\r\n/;

/** Every exported VEVENT is the one sync stores for its UID, and every stored event is exported once. */
function checkFeeds(ctx: BenchContext, world: ExportWorld, dir: string): void {
  world.expected ??= expectedEvents(ctx.eventsDir);
  const seen = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.ics')) throw new Error(`export left ${name} in its folder`);
    const text = readFileSync(join(dir, name), 'utf8');
    if (
      !text.startsWith('BEGIN:VCALENDAR\r\n') ||
      !text.endsWith('END:VCALENDAR\r\n') ||
      !text.includes('\r\nMETHOD:PUBLISH\r\n')
    )
      throw new Error(`${name} is not a published VCALENDAR`);
    for (const component of text.match(VEVENT) ?? []) {
      const uid = UID.exec(`\r\n${component.replace(/\r\n[ \t]/g, '')}`)?.[1];
      if (!uid || seen.has(uid)) throw new Error(`${name}: a VEVENT without a UID, or one exported twice (${uid})`);
      seen.add(uid);
      if (world.expected.get(uid) !== component)
        throw new Error(`${name}: the VEVENT of ${uid} is not the one sync stores`);
    }
  }
  if (seen.size !== world.expected.size)
    throw new Error(`export holds ${seen.size} events, sync stores ${world.expected.size}`);
}

function expectedEvents(eventsDir: string): Map<string, string> {
  const events = new Map<string, string>();
  for (const folder of readdirSync(eventsDir)) {
    for (const name of readdirSync(join(eventsDir, folder))) {
      const component = readFileSync(join(eventsDir, folder, name), 'utf8').match(VEVENT)?.[0];
      const uid = component && UID.exec(`\r\n${component.replace(/\r\n[ \t]/g, '')}`)?.[1];
      if (!component || !uid) throw new Error(`${folder}/${name}: no VEVENT with a UID`);
      events.set(uid, component);
    }
  }
  return events;
}
