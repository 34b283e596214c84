/**
 * One project failing must not stop the others: a whole-workspace sync (no --project) in a world
 * of its own, so the run covers exactly the projects this file made. The same invariants as the
 * other fault files (faults-harness.ts), checked for every project of the run.
 */
import { describe, expect, it } from 'vitest';
import { cli, expectSafe, issuesPath, prepare, useWorld, type World } from './faults-harness.js';

let world: World;
useWorld((started) => (world = started));

describe('one project failing, the others syncing', () => {
  it("project A's Plane listing answers 500 on every attempt: B is synced in the same run, A is reported and untouched (exit 3)", async () => {
    const a = await prepare(world, 'PA');
    const b = await prepare(world, 'PB');
    world.dav.reset();
    world.planeProxy.reset();
    world.planeProxy.inject(
      { pathIncludes: issuesPath(a) },
      { status: 500, body: '{"error":"Something went wrong please try again later"}' },
    );

    const run = await cli(world, ['sync']); // the whole workspace: A and B, nothing else exists here
    expect(run.code, run.stderr).toBe(3);
    expect(run.report!.projects.map((p) => p.identifier).sort()).toEqual(
      [a.project.identifier, b.project.identifier].sort(),
    );
    const [reportA, reportB] = [a, b].map((s) => run.report!.projects.find((p) => p.id === s.project.id)!);
    expect(reportA!.errors).toEqual([expect.objectContaining({ operation: 'list-issues', status: 500 })]);
    expect(reportA!.changes).toEqual([]);
    expect(reportB!.errors).toEqual([]);
    expect(reportB).toMatchObject({ created: 1, updated: 1, deleted: 1, failed: 0 });
    expect(world.planeProxy.faulted()).toHaveLength(3);
    // Nothing was written to A's calendar.
    const writesToA = world.dav.requests.filter(
      (r) => ['PUT', 'DELETE'].includes(r.method) && r.path.includes(`plane-${a.project.id}/`),
    );
    expect(writesToA).toEqual([]);
    expect(run.stderr).toMatch(new RegExp(`${a.project.identifier}: list-issues failed`));
    await expectSafe(world, [a, b], run);
  });

  it("project A's calendar listing fails on every attempt: B is synced, A keeps everything (exit 3)", async () => {
    const a = await prepare(world, 'PA');
    const b = await prepare(world, 'PB');
    world.dav.reset();
    world.planeProxy.reset();
    world.dav.inject(
      { method: 'REPORT', pathIncludes: `plane-${a.project.id}/` },
      { status: 502, body: '<h1>502 Bad Gateway</h1>' },
    );

    const run = await cli(world, ['sync']);
    expect(run.code, run.stderr).toBe(3);
    const reportA = run.report!.projects.find((p) => p.id === a.project.id)!;
    const reportB = run.report!.projects.find((p) => p.id === b.project.id)!;
    expect(reportA.errors).toEqual([expect.objectContaining({ operation: 'list-calendar', status: 502 })]);
    expect(reportB).toMatchObject({ created: 1, updated: 1, deleted: 1, failed: 0 });
    expect(world.dav.faulted()).toHaveLength(3);
    // The earlier projects of this file are in the run too (converged, so nothing to do there).
    for (const other of run.report!.projects.filter((p) => p.id !== a.project.id && p.id !== b.project.id)) {
      expect(other).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    }
    await expectSafe(world, [a, b], run);
  });
});
