/**
 * The benchmark's world: the fake Plane with the large generated workspace behind a recording
 * proxy (for bytes; requests are counted by the fake itself), a Radicale per tool behind its own
 * recording proxy, and the same events as `.ics` files for vdirsyncer, rendered by calplanebot's
 * own code so both tools upload byte-identical objects.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEvent } from '../../src/event/render.js';
import { issueToEvent } from '../../src/event/transform.js';
import { objectNameForUid } from '../../src/event/uid.js';
import { createHttpClient } from '../../src/http/fetcher.js';
import { PlaneClient } from '../../src/plane/client.js';
import { calendarSlug } from '../../src/sync/calendars.js';
import { type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, type RadicaleUser, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { seedLargeWorkspace } from '../support/sample-workspace.js';

/** What calplanebot's config says (test/support/cli.ts writeConfig): the exported events must match. */
export const WEB_URL = 'https://plane.example.test';

export interface Workspace {
  plane: FakePlane;
  /** In front of the fake Plane: counts bytes. */
  planeProxy: RecordingProxy;
  projects: FakeProject[];
  issueCount: number;
  close(): Promise<void>;
}

export async function startWorkspace(options: {
  projects: number;
  issuesPerProject: number;
  seed: number;
}): Promise<Workspace> {
  // No throttle: the benchmark measures the tools, not Plane's 60/min limit.
  const plane = await startFakePlane({ rateLimitPerMinute: null, seed: options.seed });
  const { projects, issueCount } = seedLargeWorkspace(plane, {
    projects: options.projects,
    issuesPerProject: options.issuesPerProject,
    seed: options.seed,
  });
  const planeProxy = await startRecordingProxy(plane.url);
  return {
    plane,
    planeProxy,
    projects,
    issueCount,
    async close() {
      await planeProxy.close();
      await plane.close();
    },
  };
}

export interface Server {
  radicale: Radicale;
  proxy: RecordingProxy;
  user: RadicaleUser;
  close(): Promise<void>;
}

/** A fresh Radicale with one user, behind a recording proxy. */
export async function startServer(username: string): Promise<Server> {
  const user = { username, password: `bench-${username}-password` };
  const radicale = await startRadicale([user]);
  const proxy = await startRecordingProxy(radicale.url);
  return {
    radicale,
    proxy,
    user,
    async close() {
      await proxy.close();
      await radicale.stop();
    },
  };
}

/**
 * Writes every dated issue's event as `<dir>/<calendar slug>/<object name>`, read from the fake
 * Plane through calplanebot's own client and transform. Returns the number of events written.
 */
export async function exportEvents(workspace: Workspace, dir: string): Promise<number> {
  const policy = { timeoutMs: 60_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 };
  const client = new PlaneClient({
    baseUrl: workspace.plane.url,
    workspaceSlug: workspace.plane.workspaceSlug,
    apiKey: workspace.plane.apiKey,
    http: createHttpClient({ service: 'plane', policy }),
  });
  let written = 0;
  for (const project of await client.listProjects()) {
    const folder = join(dir, calendarSlug(project.id));
    mkdirSync(folder, { recursive: true });
    for await (const page of client.listIssues(project.id)) {
      for (const issue of page.issues) {
        const event = issueToEvent(issue, project, { webUrl: WEB_URL, workspaceSlug: workspace.plane.workspaceSlug });
        if (!event) continue;
        writeFileSync(join(folder, decodeURIComponent(objectNameForUid(event.uid))), renderEvent(event));
        written += 1;
      }
    }
  }
  return written;
}
