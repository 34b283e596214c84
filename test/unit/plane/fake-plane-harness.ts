/** Fake Planes for a test file: each closed after its test, the HTTP client's connections after the file. */
import { afterAll, afterEach } from 'vitest';
import { closeHttpConnections } from '../../../src/http/fetcher.js';
import { type FakePlane, type FakePlaneOptions, startFakePlane } from '../../support/fake-plane.js';

/** Registers the hooks and returns `fake(options)`: a fake Plane with these defaults (no rate limit), closed after the test. */
export function fakePlanes(defaults: { seed: number; now: Date }): (options?: FakePlaneOptions) => Promise<FakePlane> {
  const started: FakePlane[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((plane) => plane.close()));
  });
  afterAll(async () => {
    await closeHttpConnections();
  });
  return async (options = {}) => {
    const plane = await startFakePlane({
      seed: defaults.seed,
      now: () => defaults.now,
      rateLimitPerMinute: null,
      ...options,
    });
    started.push(plane);
    return plane;
  };
}
