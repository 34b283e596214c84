import { spawn } from 'node:child_process';
import { CLI, writeConfig } from '../support/cli.js';
import { startFakePlane } from '../support/fake-plane.js';
import { startRadicale } from '../support/radicale.js';
import { seedLargeWorkspace } from '../support/sample-workspace.js';
import { mkdtempSync, readFileSync } from 'node:fs';
const P = Number(process.env.P ?? 10), I = Number(process.env.I ?? 1000);
const radicale = await startRadicale();
const plane = await startFakePlane({ rateLimitPerMinute: null, seed: 1 });
let t = performance.now();
seedLargeWorkspace(plane, { projects: P, issuesPerProject: I, seed: 1 });
console.log('seed ms', performance.now() - t);
const user = radicale.users[0]!;
const state = mkdtempSync('/tmp/cpb-state-');
const config = writeConfig({ planeUrl: plane.url, apiKey: plane.apiKey, workspaceSlug: plane.workspaceSlug, caldavUrl: radicale.url, username: user.username, password: user.password, extra: { sync: { stateDir: state } } });
const run = (args: string[]) => new Promise<void>((resolve) => {
  const tf = '/tmp/time.out';
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, process.execPath, ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), CLI, ...args, '--config', config, '--json', ...(process.env.VERBOSE ? ['--verbose'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.on('close', (code) => {
    const [e, u, s, m] = readFileSync(tf, 'utf8').trim().split(/\s+/).slice(-4);
    let rep: any = {}; try { rep = JSON.parse(out); } catch { console.log(out.slice(0, 500)); }
    console.log(args.join(' '), 'code', code, 'wall', Math.round(performance.now() - t0), 'user', u, 'sys', s, 'rssKB', m, 'totals', JSON.stringify(rep.totals), 'req', JSON.stringify(rep.requests), 'plane', plane.requests.length);
    plane.resetRequests();
    resolve();
  });
});
await run(['sync']);
await run(['sync']);
await run(['sync']);
await plane.close(); await radicale.stop();
