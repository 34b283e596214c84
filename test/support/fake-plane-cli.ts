/**
 * Runs the fake Plane on its own for manual runs and the demo:
 *   tsx test/support/fake-plane-cli.ts --port 0 --sample [--large] [--api-key K] [--slug S]
 *       [--rate-limit 60|off] [--legacy] [--seed 1]
 * Prints the settings to point calplanebot at, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFakePlane } from './fake-plane.js';
import { seedLargeWorkspace, seedSampleWorkspace } from './sample-workspace.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    sample: { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    'api-key': { type: 'string' },
    slug: { type: 'string' },
    'rate-limit': { type: 'string', default: '60' },
    legacy: { type: 'boolean', default: false },
    seed: { type: 'string' },
  },
});

const rateLimit = values['rate-limit'] === 'off' ? null : Number(values['rate-limit']);
const plane = await startFakePlane({
  port: Number(values.port),
  apiKey: values['api-key'],
  workspaceSlug: values.slug,
  rateLimitPerMinute: rateLimit,
  legacyOnly: values.legacy,
  seed: values.seed === undefined ? undefined : Number(values.seed),
});
if (values.sample) seedSampleWorkspace(plane);
if (values.large) seedLargeWorkspace(plane, { seed: plane.random.int(1, 1_000_000) });

// Machine-readable lines first, so a parent process can read them.
console.log(`PLANE_BASE_URL=${plane.url}`);
console.log(`PLANE_API_KEY=${plane.apiKey}`);
console.log(`PLANE_WORKSPACE_SLUG=${plane.workspaceSlug}`);
console.log(`Fake Plane serving ${plane.projects().length} project(s) at ${plane.url} (Ctrl-C to stop)`);

const stop = (): void => {
  void plane.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
