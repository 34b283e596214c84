/** Reading a `sync --json` report and the CalDAV writes behind it in end-to-end tests. */
import { expect } from 'vitest';
import type { CalendarReport, RunReport } from '../../src/sync/report.js';
import { type RecordingProxy, WRITE_METHODS } from './recording-proxy.js';

/** The one calendars[] entry with this id (and project, when given). */
export function calendarOf(report: RunReport, id: string, projectId: string | null = null): CalendarReport {
  const found = report.calendars.filter((c) => c.id === id && (projectId === null || c.projectId === projectId));
  expect(found, `calendars[] entries for ${id}`).toHaveLength(1);
  return found[0]!;
}

/** The sorted issue ids of the calendar's changes of one kind. */
export function changed(report: CalendarReport, op: 'create' | 'update' | 'delete'): string[] {
  return report.changes
    .filter((c) => c.op === op)
    .map((c) => c.issueId)
    .sort();
}

export const ids = (...items: Array<{ id: string }>): string[] => items.map((i) => i.id).sort();

/** The proxy's recorded writes, "METHOD /decoded/path". */
export function writesThrough(dav: RecordingProxy): string[] {
  return dav.requests
    .filter((r) => WRITE_METHODS.has(r.method))
    .map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
}
