/** runSync as the operations see it: what a stopped run hands the recorder, and how it names what went wrong. */

import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import type { CalendarRef } from '../../../src/caldav/store.js';
import { AuthError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { CalendarReport } from '../../../src/sync/report.js';
import { runSync } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project, syncSettings } from '../../support/builders.js';

const settings = syncSettings;

let plane: MemoryPlane;
let store: MemoryCalendarStore;
const stats = { plane: new RequestStats(), caldav: new RequestStats() };
const web = project({ identifier: 'WEB', name: 'Web' });
const api = project({ identifier: 'API', name: 'Api' });
const old = project({ identifier: 'OLD', name: 'Old', archived_at: '2025-11-01T00:00:00Z' });

beforeEach(() => {
  plane = new MemoryPlane();
  store = new MemoryCalendarStore();
  plane.projects.push(web, api, old);
  plane.issues.push(issue(web.id), issue(web.id), issue(api.id));
});

describe('runSync for the run guard', () => {
  it('hands over each finished project, also those done before a 401 stopped the run', async () => {
    await runSync({ plane, store, stats }, settings()); // the calendars exist
    plane.issues.push(issue(web.id));
    const list = store.list.bind(store);
    store.list = async (calendar: CalendarRef) => {
      if (calendar.url.includes(api.id))
        throw new AuthError('caldav', 'REPORT answered 401', 401, 'REPORT', calendar.url);
      return list(calendar);
    };
    const done: CalendarReport[] = [];
    await expect(
      runSync({ plane, store, stats }, settings({ onCalendarDone: (report) => done.push(report) })),
    ).rejects.toThrow(AuthError);
    expect(done.map((p) => [p.project, p.created])).toEqual([
      ['WEB', 1],
      ['API', 0],
    ]);
    expect(done[1]!.errors).toMatchObject([{ operation: 'list-calendar', status: 401 }]);
  });

  it('an unforeseen error in a project is reported as sync-project, and the other projects go on', async () => {
    const report = await runSync(
      { plane, store, stats },
      settings({
        onProgress: (message) => {
          if (message.startsWith('API:')) throw new TypeError('something nobody planned for');
        },
      }),
    );
    const failed = report.projects.find((p) => p.identifier === 'API');
    expect(failed?.errors).toEqual([
      expect.objectContaining({ operation: 'sync-project', message: 'something nobody planned for' }),
    ]);
    expect(report.projects.find((p) => p.identifier === 'WEB')?.created).toBe(2);
  });

  it('a selected project that is archived is not synced, and the report says so', async () => {
    const report = await runSync({ plane, store, stats }, settings({ projects: ['WEB', 'old'] }));
    expect(report.projects.map((p) => p.identifier)).toEqual(['WEB']);
    expect(report.warnings).toEqual([expect.stringMatching(/^project OLD is archived in Plane: it is not synced/)]);
    expect((await runSync({ plane, store, stats }, settings())).warnings).toEqual([]);
  });
});
