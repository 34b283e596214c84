/**
 * The benchmark's results: per scenario the runs, their medians, the targets (issues 6 and 14) with the
 * measured value and a verdict, and the markdown table the README shows.
 */

import { median, type Traffic } from './measure.js';
import type { ProfileSummary } from './profile.js';

export type Tool = 'calplanebot' | 'vdirsyncer' | 'node';

export interface RunRecord {
  wallMs: number;
  userMs: number;
  sysMs: number;
  maxRssMb: number;
  planeRequests: number;
  planeBytesDown: number;
  caldav: Traffic;
  /** The totals of calplanebot's --json report: created/updated/deleted/unchanged/failed, or for `export` files/written/unchanged/kept/objects/failed. */
  totals?: Record<string, number> | undefined;
}

export interface Scenario {
  id: string;
  tool: Tool;
  title: string;
  runs: RunRecord[];
  note?: string;
}

export interface Summary {
  id: string;
  tool: Tool;
  title: string;
  runs: number;
  wallMs: number;
  cpuMs: number;
  /** CPU time (user + sys) as a share of wall time, median over the runs. */
  cpuShare: number;
  maxRssMb: number;
  planeRequests: number;
  caldav: Traffic;
  /** Median over the runs of CalDAV bytes down, and of the writes' own time (Traffic.writeWallMs). */
  caldavBytesDown: number;
  writeWallMs: number;
  totals: Record<string, number> | undefined;
  note: string | undefined;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface BenchResults {
  schemaVersion: 1;
  startedAt: string;
  durationS: number;
  machine: Record<string, string | number>;
  options: Record<string, unknown>;
  workspace: { projects: number; issues: number; events: number };
  summaries: Summary[];
  ratios: Record<string, number>;
  targets: Target[];
  proxyOverhead: { directMs: number; proxiedMs: number; note: string } | undefined;
  profiles: Array<{ scenario: string } & ProfileSummary>;
  scenarios: Scenario[];
}

export function summarize(scenario: Scenario): Summary {
  const runs = scenario.runs;
  const first = runs[0];
  return {
    id: scenario.id,
    tool: scenario.tool,
    title: scenario.title,
    runs: runs.length,
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.userMs + r.sysMs)),
    cpuShare: median(runs.map((r) => (r.userMs + r.sysMs) / r.wallMs)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    planeRequests: median(runs.map((r) => r.planeRequests)),
    caldav: first?.caldav ?? { requests: 0, byMethod: {}, bytesUp: 0, bytesDown: 0 },
    caldavBytesDown: median(runs.map((r) => r.caldav.bytesDown)),
    writeWallMs: median(runs.map((r) => r.caldav.writeWallMs ?? 0)),
    totals: first?.totals,
    note: scenario.note,
  };
}

const WRITE_METHODS = ['PUT', 'DELETE', 'MKCALENDAR', 'MKCOL', 'PROPPATCH', 'MOVE', 'COPY'];

export function writesOf(traffic: Traffic): number {
  return WRITE_METHODS.reduce((sum, m) => sum + (traffic.byMethod[m] ?? 0), 0);
}

export interface TargetInputs {
  byId: Map<string, Summary>;
  calendars: number;
  /** Work items in the workspace. */
  issues: number;
  /** Projects pages + Σ⌈issues/1000⌉. */
  planeMinimum: number;
  /** Issues changed in each 1% round. */
  changedPerRound: number;
}

/** Up to this many work items a workspace is small: a run is mostly start-up (issue 14's 2 × 100). */
const SMALL_WORKSPACE = 1000;

export function ratios(byId: Map<string, Summary>): Record<string, number> {
  const ratio = (a: string, b: string) => round((byId.get(a)?.wallMs ?? NaN) / (byId.get(b)?.wallMs ?? NaN), 3);
  const cpuRatio = (a: string, b: string) => round((byId.get(a)?.cpuMs ?? NaN) / (byId.get(b)?.cpuMs ?? NaN), 3);
  return {
    initialVsVdirsyncer: ratio('cpb-initial', 'vds-initial'),
    noopStateVsVdirsyncer: ratio('cpb-noop-state', 'vds-noop'),
    noopStatelessVsVdirsyncer: ratio('cpb-noop-stateless', 'vds-noop'),
    versionVsNode: ratio('cpb-version', 'node-e0'),
    exportFirstCpuVsNoopStateless: cpuRatio('cpb-export-first', 'cpb-noop-stateless'),
    exportUnchangedCpuVsNoopStateless: cpuRatio('cpb-export-unchanged', 'cpb-noop-stateless'),
  };
}

/** The targets whose scenarios this run measured (all of them in a full run). */
export function targets({ byId, calendars, issues, planeMinimum, changedPerRound }: TargetInputs): Target[] {
  const get = (id: string) => byId.get(id);
  const r = ratios(byId);
  const list: Target[] = [];
  const add = (name: string, target: string, measured: string, pass: boolean) =>
    list.push({ name, target, measured, pass });

  const initial = get('cpb-initial');
  if (initial && get('vds-initial'))
    add(
      'initial sync vs vdirsyncer upload (wall)',
      '≤ 1.0×',
      `${fmtRatio(r.initialVsVdirsyncer)}`,
      r.initialVsVdirsyncer! <= 1.0,
    );
  if (initial) add('initial sync: own CPU (user+sys) / wall', '≤ 10%', pct(initial.cpuShare), initial.cpuShare <= 0.1);

  const state = get('cpb-noop-state');
  if (state) {
    if (get('vds-noop'))
      add(
        'no-op, state dir vs vdirsyncer no-op (wall)',
        '≤ 0.3×',
        fmtRatio(r.noopStateVsVdirsyncer),
        r.noopStateVsVdirsyncer! <= 0.3,
      );
    add('no-op, state dir: writes', '0', String(writesOf(state.caldav)), writesOf(state.caldav) === 0);
    // In a small workspace an idle cron run should cost little more than Node itself (vdirsyncer's
    // takes 38 MB); a larger one holds a page of 1,000 work items at a time.
    if (issues <= SMALL_WORKSPACE)
      add('no-op, state dir: peak RSS', '≤ 80 MB', `${Math.round(state.maxRssMb)} MB`, state.maxRssMb <= 80);
    add(
      'no-op, state dir: Plane requests',
      `= ${planeMinimum} (projects pages + Σ⌈issues/1000⌉)`,
      String(state.planeRequests),
      state.planeRequests === planeMinimum,
    );
  }
  const stateless = get('cpb-noop-stateless');
  if (stateless) {
    if (get('vds-noop'))
      add(
        'no-op, stateless vs vdirsyncer no-op (wall)',
        '≤ 1.0×',
        fmtRatio(r.noopStatelessVsVdirsyncer),
        r.noopStatelessVsVdirsyncer! <= 1.0,
      );
    add(
      'no-op, stateless: CalDAV requests',
      `≤ ${calendars + 2} (calendars + 2)`,
      String(stateless.caldav.requests),
      stateless.caldav.requests <= calendars + 2,
    );
  }
  const three = get('cpb-noop-3cal');
  if (three) {
    add(
      'no-op, 3 calendars over the same projects: Plane requests',
      `= ${planeMinimum} (one calendar's)`,
      String(three.planeRequests),
      three.planeRequests === planeMinimum,
    );
    if (stateless) {
      const cpu = three.cpuMs / stateless.cpuMs;
      add('no-op, 3 calendars vs 1 (stateless): CPU (user+sys)', '< 3.0×', fmtRatio(cpu), cpu < 3);
    }
  }
  const first = get('cpb-noop-state-first');
  if (first && state) {
    const ratio = first.wallMs / state.wallMs;
    add('first no-op after a writing run vs cron no-op (wall)', '≤ 1.5×', fmtRatio(ratio), ratio <= 1.5);
  }
  const change = get('cpb-change');
  if (change) {
    add(
      '1% changed: CalDAV bytes down (median)',
      '≤ 1 MiB',
      fmtBytes(change.caldavBytesDown),
      change.caldavBytesDown <= 1024 * 1024,
    );
    if (state) {
      // The run's own writes take what the server takes for them; everything else should cost an idle run.
      const bound = (state.wallMs + change.writeWallMs) * 1.1;
      add(
        '1% changed: wall vs cron no-op + the writes’ own time (+10%)',
        `≤ ${fmtMs(bound)}`,
        `${fmtMs(change.wallMs)} (writes ${fmtMs(change.writeWallMs)})`,
        change.wallMs <= bound,
      );
    }
    const puts = change.caldav.byMethod.PUT ?? 0;
    const exact =
      writesOf(change.caldav) === changedPerRound &&
      puts === changedPerRound &&
      change.totals?.updated === changedPerRound;
    add(
      '1% changed: writes exactly the changed events',
      `= ${changedPerRound} PUT`,
      `${writesOf(change.caldav)} writes (${puts} PUT)`,
      exact,
    );
  }
  const exports = [get('cpb-export-first'), get('cpb-export-unchanged')].filter((s): s is Summary => s !== undefined);
  if (exports.length > 0) {
    const both = (f: (s: Summary) => string) => exports.map(f).join(' / ');
    add(
      'export: Plane requests (first / nothing changed)',
      `= ${planeMinimum} (what a sync reads)`,
      both((s) => String(s.planeRequests)),
      exports.every((s) => s.planeRequests === planeMinimum),
    );
    add(
      'export: CalDAV requests',
      '0',
      both((s) => String(s.caldav.requests)),
      exports.every((s) => s.caldav.requests === 0),
    );
    const again = get('cpb-export-unchanged');
    if (again)
      add(
        'export, nothing changed: files written',
        '0',
        `${again.totals?.written ?? '–'} of ${again.totals?.files ?? '–'}`,
        again.totals?.written === 0,
      );
    if (stateless) {
      const cpu = [r.exportFirstCpuVsNoopStateless, r.exportUnchangedCpuVsNoopStateless].filter(
        (x): x is number => x !== undefined && Number.isFinite(x),
      );
      add(
        'export: CPU (user+sys) vs stateless no-op sync (first / nothing changed)',
        '< 1.0×',
        cpu.map(fmtRatio).join(' / '),
        cpu.length > 0 && cpu.every((x) => x < 1.0),
      );
    }
    const peak = Math.max(...exports.map((s) => s.maxRssMb));
    add('export: peak RSS', '≤ 150 MB', `${peak.toFixed(0)} MB`, peak <= 150);
  }
  const cpbRuns = [...byId.values()].filter((s) => s.tool === 'calplanebot');
  if (cpbRuns.length > 0) {
    const rss = Math.max(...cpbRuns.map((s) => s.maxRssMb));
    add('peak RSS, any calplanebot run', '≤ 150 MB', `${rss.toFixed(0)} MB`, rss <= 150);
  }
  if (get('cpb-version') && get('node-e0'))
    add('`calplanebot --version` vs `node -e 0` (wall)', '≤ 1.5×', fmtRatio(r.versionVsNode), r.versionVsNode! <= 1.5);
  const webhook = get('cpb-webhook');
  if (webhook) {
    const requests = webhook.planeRequests + webhook.caldav.requests;
    add(
      'one webhook delivery (issue updated): HTTP requests',
      '≤ 4',
      `${requests} (Plane ${webhook.planeRequests}, CalDAV ${webhook.caldav.requests})`,
      requests <= 4,
    );
  }
  return list;
}

// ── rendering ───────────────────────────────────────────────────────────────

export function markdownTable(results: BenchResults): string {
  const rows = results.summaries.map((s) => [
    s.title,
    s.tool,
    String(s.runs),
    fmtMs(s.wallMs),
    fmtMs(s.cpuMs),
    pct(s.cpuShare),
    `${s.maxRssMb.toFixed(0)} MB`,
    s.tool === 'calplanebot' ? String(s.planeRequests) : '–',
    s.tool === 'node' ? '–' : methods(s.caldav),
    s.tool === 'node' ? '–' : `${fmtBytes(s.caldav.bytesUp)} / ${fmtBytes(s.caldav.bytesDown)}`,
  ]);
  const header = [
    'scenario',
    'tool',
    'runs',
    'wall (median)',
    'CPU user+sys',
    'CPU/wall',
    'peak RSS',
    'Plane req',
    'CalDAV requests',
    'CalDAV bytes up / down',
  ];
  const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const r = results.ratios;
  const ratioLine = (label: string, value: number | undefined) =>
    value !== undefined && Number.isFinite(value) ? [`- ${label}: **${fmtRatio(value)}**`] : [];
  const wallLines = [
    ...ratioLine('initial sync / vdirsyncer upload', r.initialVsVdirsyncer),
    ...ratioLine('no-op with state dir / vdirsyncer no-op', r.noopStateVsVdirsyncer),
    ...ratioLine('no-op stateless / vdirsyncer no-op', r.noopStatelessVsVdirsyncer),
    ...ratioLine('`calplanebot --version` / `node -e 0`', r.versionVsNode),
  ];
  const cpuLines = [
    ...ratioLine('export into an empty folder / no-op sync, stateless', r.exportFirstCpuVsNoopStateless),
    ...ratioLine('export, nothing changed / no-op sync, stateless', r.exportUnchangedCpuVsNoopStateless),
  ];
  const ratioLines = [
    ...(wallLines.length > 0 ? [['Ratios (calplanebot / other, median wall time):', ...wallLines].join('\n')] : []),
    ...(cpuLines.length > 0 ? [['Ratios (median CPU time, user+sys):', ...cpuLines].join('\n')] : []),
  ].join('\n\n');
  const targetRows = results.targets.map(
    (t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.pass ? 'met' : '**missed**'} |`,
  );
  const targetTable = ['| target | floor | measured | |', '| --- | --- | --- | --- |', ...targetRows].join('\n');
  return `${table}\n\n${ratioLines ? `${ratioLines}\n\n` : ''}${targetTable}\n`;
}

export function machineLine(machine: BenchResults['machine']): string {
  return Object.entries(machine)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
}

function methods(traffic: Traffic): string {
  const parts = Object.entries(traffic.byMethod)
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `${n} ${m}`);
  return parts.length > 0 ? `${traffic.requests} (${parts.join(', ')})` : '0';
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(0)} ms`;
}

function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

function fmtRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}

function pct(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : '–';
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
