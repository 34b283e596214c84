/** PlaneClient.getIssueWithProject: the issue and its project in one GET, against the fake Plane. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpConnections, createHttpClient, RequestStats } from '../../../src/http/fetcher.js';
import { PlaneClient } from '../../../src/plane/client.js';
import { type FakePlane, startFakePlane } from '../../support/fake-plane.js';
import type { Json } from '../../support/fake-plane-serialize.js';

let plane: FakePlane;
let client: PlaneClient;

beforeAll(async () => {
  plane = await startFakePlane({ seed: 3, rateLimitPerMinute: null });
  client = new PlaneClient({
    baseUrl: plane.url,
    workspaceSlug: plane.workspaceSlug,
    apiKey: plane.apiKey,
    http: createHttpClient({
      service: 'plane',
      stats: new RequestStats(),
      policy: { timeoutMs: 5_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
    }),
  });
});

afterAll(async () => {
  await plane?.close();
  await closeHttpConnections();
});

describe('getIssueWithProject', () => {
  it('reads the issue and its project (identifier, name) in a single request', async () => {
    const project = plane.addProject({ name: 'Website', identifier: 'WEB' });
    const issue = plane.addIssue(project.id, {
      name: 'One request',
      target_date: '2026-01-02',
      state: 'Done',
      labels: ['x'],
    });
    plane.resetRequests();
    const found = await client.getIssueWithProject(project.id, issue.id);
    expect(plane.requests).toHaveLength(1);
    expect(plane.requests[0]!.query.expand).toBe('state,labels,assignees,project');
    expect(found?.project).toEqual({ id: project.id, identifier: 'WEB', name: 'Website', archived_at: null });
    // The issue looks exactly like getIssue's: `project` is the UUID again, state and labels expanded.
    expect(found?.issue.project).toBe(project.id);
    expect(found?.issue).toMatchObject({
      id: issue.id,
      name: 'One request',
      target_date: '2026-01-02',
      state: { group: 'completed' },
    });
    expect(found?.issue.labels.map((l) => l.name)).toEqual(['x']);
  });

  it('is null when Plane answers 404 (deleted, archived, draft)', async () => {
    const project = plane.addProject({ name: 'Gone', identifier: 'GON' });
    const issue = plane.addIssue(project.id, { name: 'Deleted', target_date: '2026-01-02' });
    plane.deleteIssue(issue.id);
    expect(await client.getIssueWithProject(project.id, issue.id)).toBeNull();
    const archived = plane.addIssue(project.id, { name: 'Archived', target_date: '2026-01-02' });
    plane.archiveIssue(archived.id);
    expect(await client.getIssueWithProject(project.id, archived.id)).toBeNull();
  });

  it('falls back to getProject when an instance does not expand `project`', async () => {
    const project = plane.addProject({ name: 'Old Instance', identifier: 'OLD' });
    const issue = plane.addIssue(project.id, { name: 'Unexpanded', target_date: '2026-01-02' });
    plane.failNext(
      { pathIncludes: `/${issue.id}/` },
      { status: 200, body: plane.issueJson(issue.id, ['state', 'labels', 'assignees']) },
    );
    plane.resetRequests();
    const found = await client.getIssueWithProject(project.id, issue.id);
    expect(plane.requests.map((r) => r.path.endsWith(`/projects/${project.id}/`))).toEqual([false, true]);
    expect(found?.project).toMatchObject({ id: project.id, identifier: 'OLD', name: 'Old Instance' });
    expect(found?.issue.project).toBe(project.id);
  });

  it('refuses an expanded project without an identifier as an unusable answer', async () => {
    const project = plane.addProject({ name: 'Odd', identifier: 'ODD' });
    const issue = plane.addIssue(project.id, { name: 'Odd', target_date: '2026-01-02' });
    const body = plane.issueJson(issue.id, ['state', 'labels', 'assignees']) as { [key: string]: Json };
    plane.failNext(
      { pathIncludes: `/${issue.id}/` },
      { status: 200, body: { ...body, project: { id: project.id, name: 'Odd' } } },
    );
    await expect(client.getIssueWithProject(project.id, issue.id)).rejects.toThrow(
      /expanded project has "identifier" is not a string/,
    );
  });
});
