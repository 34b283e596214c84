import { describe, expect, it } from 'vitest';
import { operationRecords, runRecord } from '../../../src/ops/operation-log.js';
import { emptyProjectReport, type ProjectReport, type ReportedChange } from '../../../src/sync/report.js';
import { asCalendar } from '../../support/builders.js';

const UID_A = 'plane-issue-0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b@calplanebot';
const UID_B = 'plane-issue-1b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b@calplanebot';

const change = (op: ReportedChange['op'], uid: string, applied: boolean, durationMs?: number): ReportedChange => ({
  op,
  uid,
  issueId: uid.slice(12, 48),
  summary: '[1] x',
  fields: [],
  applied,
  ...(durationMs === undefined ? {} : { durationMs }),
});

function project(overrides: Partial<ProjectReport>): ProjectReport {
  return { ...emptyProjectReport({ id: 'p1', identifier: 'WEB', name: 'Web App' }), ...overrides };
}

describe('operationRecords', () => {
  it('one record per attempted write with the seed fields, failures with their error', () => {
    const records = operationRecords(
      [
        project({
          changes: [change('create', UID_A, true, 12), change('update', UID_B, false, 40)],
          errors: [
            {
              operation: 'update',
              uid: UID_B,
              message: 'PUT answered 507',
              hint: 'the calendar server is out of storage',
              status: 507,
            },
          ],
        }),
      ].map((p) => asCalendar(p, 'Plane: Web App')),
    );
    expect(records).toEqual([
      {
        level: 'info',
        message: 'Event synchronized',
        operation: 'create',
        issue_id: '0b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b',
        event_uid: UID_A,
        calendar_name: 'Plane: Web App',
        project: 'WEB',
        processing_time_ms: 12,
        success: true,
      },
      {
        level: 'error',
        message: 'Event synchronization failed',
        operation: 'update',
        issue_id: '1b0e6c4e-1f7a-4a49-9a43-7c1a1f2f3a4b',
        event_uid: UID_B,
        calendar_name: 'Plane: Web App',
        project: 'WEB',
        processing_time_ms: 40,
        success: false,
        error: 'PUT answered 507',
        hint: 'the calendar server is out of storage',
      },
    ]);
  });

  it('planned but unattempted changes (a dry run) make no record; other failures do', () => {
    const records = operationRecords([
      asCalendar(
        project({
          changes: [change('create', UID_A, false)],
          errors: [
            { operation: 'list-issues', message: 'Plane answered 500' },
            { operation: 'delete-guard', message: 'refused to delete 20 of 30' },
          ],
        }),
        'WEB',
      ),
    ]);
    expect(records.map((r) => [r.operation, r.level, r.success, r.calendar_name])).toEqual([
      ['list-issues', 'error', false, 'WEB'],
      ['delete-guard', 'warn', false, 'WEB'],
    ]);
  });
});

describe('runRecord', () => {
  it('logs completion with statistics, or the failure', () => {
    const done = runRecord('sync', {
      projects: [project({ created: 2, unchanged: 3 })],
      calendars: [asCalendar(project({ created: 2, unchanged: 3 }))],
      durationMs: 812,
    });
    expect(done).toMatchObject({
      level: 'info',
      message: 'Sync completed',
      operation: 'sync',
      success: true,
      created: 2,
      unchanged: 3,
      projects: 1,
      processing_time_ms: 812,
    });
    const failed = runRecord('sync', { projects: [], calendars: [], durationMs: 5, error: 'Plane is unreachable' });
    expect(failed).toMatchObject({
      level: 'error',
      message: 'Sync failed',
      success: false,
      error: 'Plane is unreachable',
    });
  });
});
