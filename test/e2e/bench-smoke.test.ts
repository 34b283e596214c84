/**
 * The benchmark's smoke run: `npm run bench` scaled down to 2 projects × 100 issues, one run of
 * each scenario (the two exports included: they cost a second or so). It proves the benchmark works from a clean checkout (vdirsyncer, GNU time, two
 * Radicales, the fake Plane) and that the targets which are counts, not times, hold. Times are
 * never asserted here: they belong to the full benchmark on a quiet machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIO_IDS } from '../bench/options.js';
import type { BenchResults } from '../bench/report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'calplanebot-bench-smoke-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/bench.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench (smoke run)', () => {
  it('measures every scenario of both tools and meets the targets that are counts', { timeout: 300_000 }, async () => {
    const run = await runBench([
      '--projects',
      '2',
      '--issues',
      '200',
      '--runs',
      '1',
      '--initial-runs',
      '1',
      '--change-runs',
      '1',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/\| scenario \| tool \|/);

    const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchResults;
    expect(results.workspace).toEqual({ projects: 2, issues: 200, events: 200 });
    const ids = results.summaries.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([...SCENARIO_IDS]));
    for (const summary of results.summaries) {
      expect(summary.runs, summary.id).toBeGreaterThan(0);
      expect(summary.wallMs, summary.id).toBeGreaterThan(0);
      expect(summary.maxRssMb, summary.id).toBeGreaterThan(0);
    }
    const byId = new Map(results.summaries.map((s) => [s.id, s]));
    expect(byId.get('vds-initial')?.caldav.byMethod.PUT).toBe(200);
    expect(byId.get('cpb-initial')?.caldav.byMethod.PUT).toBe(200);
    expect(byId.get('cpb-initial')?.totals?.created).toBe(200);
    // export: one file per project calendar, every event, what a sync reads from Plane, no CalDAV at all.
    expect(byId.get('cpb-export-first')?.totals).toMatchObject({
      files: 2,
      written: 2,
      unchanged: 0,
      kept: 0,
      objects: 200,
      failed: 0,
    });
    expect(byId.get('cpb-export-unchanged')?.totals).toMatchObject({
      files: 2,
      written: 0,
      unchanged: 2,
      kept: 0,
      objects: 200,
      failed: 0,
    });
    for (const id of ['cpb-export-first', 'cpb-export-unchanged']) {
      expect(byId.get(id)?.planeRequests, id).toBe(3);
      expect(byId.get(id)?.caldav.requests, id).toBe(0);
    }

    const target = (name: string) => {
      const found = results.targets.find((t) => t.name.startsWith(name));
      expect(found, `target "${name}"`).toBeDefined();
      return found!;
    };
    // Counts: exact on any machine.
    for (const name of [
      'no-op, state dir: writes',
      'no-op, state dir: Plane requests',
      'no-op, stateless: CalDAV requests',
      '1% changed: writes exactly',
      '1% changed: CalDAV bytes down', // read from the snapshot: no listing downloaded
      'one webhook delivery',
      'export: Plane requests',
      'export: CalDAV requests',
      'export, nothing changed: files written',
    ]) {
      expect(target(name).pass, `${name}: ${target(name).measured}`).toBe(true);
    }
    expect(target('no-op, state dir: Plane requests').measured).toBe('3'); // 1 projects page + 1 issues page per project
    expect(byId.get('cpb-noop-state')?.caldav.requests).toBe(1); // the calendar list only: nothing listed, nothing written
    // Times and memory: measured and reported, judged only by the full benchmark.
    for (const name of [
      'initial sync vs vdirsyncer upload',
      'no-op, state dir vs vdirsyncer',
      'peak RSS',
      '`calplanebot --version` vs',
      'export: CPU',
      'export: peak RSS',
      'first no-op after a writing run',
      '1% changed: wall',
    ]) {
      expect(target(name).measured).toMatch(/\d/);
    }
  });
});
