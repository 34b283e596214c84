import { spawn } from 'node:child_process';
import { CLI, writeConfig } from '../support/cli.js';
import { startFakePlane } from '../support/fake-plane.js';
import { seedLargeWorkspace } from '../support/sample-workspace.js';
import { mkdtempSync } from 'node:fs';
const plane = await startFakePlane({ rateLimitPerMinute: null, seed: 1 });
seedLargeWorkspace(plane, { projects: 1, issuesPerProject: Number(process.env.I ?? 1000), seed: 1 });
const config = writeConfig({ planeUrl: plane.url, apiKey: plane.apiKey, workspaceSlug: plane.workspaceSlug, caldavUrl: 'http://127.0.0.1:52311/', username: 'alice', password: 'pw', extra: { sync: { stateDir: mkdtempSync('/tmp/cpb-state-') } } });
for (let i = 0; i < Number(process.env.N ?? 3); i++) {
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [...(process.env.NODEARGS ? process.env.NODEARGS.split(' ') : []), CLI, process.env.CMD ?? 'diff', '--config', config, '--verbose'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = ''; child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => { console.log('code', code, err.split('\n').filter((l) => !l.includes('    at ')).slice(0, 12).join('\n')); resolve(); });
  });
}
await plane.close();
