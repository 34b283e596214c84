/**
 * `npm run demo`: a real sync of a small sample workspace (served by the bundled fake Plane) into
 * a real local Radicale, then a `diff` that shows nothing is pending. Everything is temporary: the
 * CLI runs without the user's PLANE_… and CALDAV_… variables (they beat the config file, and would
 * send the sample events to their real calendar) and with a temporary state dir.
 */
import { spawn } from 'node:child_process';
import { CLI, isolatedEnv, writeConfig } from './cli.js';
import { startFakePlane } from './fake-plane.js';
import { startRadicale } from './radicale.js';
import { seedSampleWorkspace } from './sample-workspace.js';

const radicale = await startRadicale();
const plane = await startFakePlane({ rateLimitPerMinute: null });
seedSampleWorkspace(plane);
const user = radicale.users[0]!;
const config = writeConfig({
  planeUrl: plane.url,
  apiKey: plane.apiKey,
  workspaceSlug: plane.workspaceSlug,
  caldavUrl: radicale.url,
  username: user.username,
  password: user.password,
});

// One state dir for both steps, as one user's machine would have.
const env = isolatedEnv();

// Asynchronous on purpose: the fake Plane answers from this very process.
const step = (title: string, args: string[]): Promise<number> => {
  console.log(`\n$ calplanebot ${args.join(' ')}    # ${title}`);
  const child = spawn(process.execPath, [CLI, ...args, '--config', config], { stdio: 'inherit', env });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
};

let failed = 0;
try {
  console.log(
    `Sample Plane workspace "${plane.workspaceSlug}" at ${plane.url}; Radicale at ${radicale.url} (user ${user.username}).`,
  );
  failed += await step('first run: creates a calendar per project and an event per dated issue', ['sync']);
  failed += await step('a dry run straight after: nothing pending', ['diff', '--exit-code']);
} finally {
  await plane.close();
  await radicale.stop();
}
process.exitCode = failed === 0 ? 0 : 1;
