/** Fixed-id fixtures and iCalendar checks for the event tests (no randomness: golden bytes depend on them). */
import ICAL from 'ical.js';
import { expect } from 'vitest';
import type { TransformContext } from '../../../src/event/transform.js';
import type { PlaneCycle, PlaneIssue, PlaneModule, PlaneProject, PlaneState } from '../../../src/plane/types.js';

export const PROJECT_ID = '0b6b4c7e-1f0a-4b8e-9d7a-2c3e4f5a6b7c';
export const ISSUE_ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const UID = `plane-issue-${ISSUE_ID}@calplanebot`;

export const CTX: TransformContext = { webUrl: 'https://app.plane.so/', workspaceSlug: 'acme' };

export const STARTED: PlaneState = { id: 'state-started', name: 'In Progress', color: '#f59e0b', group: 'started' };

export function sampleProject(overrides: Partial<PlaneProject> = {}): PlaneProject {
  return { id: PROJECT_ID, identifier: 'WA', name: 'Web Application', archived_at: null, ...overrides };
}

/** The seed's example issue (architecture-data-flow.txt). */
export function sampleIssue(overrides: Partial<PlaneIssue> = {}): PlaneIssue {
  return {
    id: ISSUE_ID,
    name: 'Implement user authentication',
    description_html: '<p>Add login and registration functionality</p>',
    priority: 'high',
    start_date: null,
    target_date: '2025-12-27',
    sequence_id: 42,
    created_at: '2025-12-01T09:00:00.000000Z',
    updated_at: '2025-12-20T16:00:00.123456+05:30',
    completed_at: null,
    archived_at: null,
    is_draft: false,
    project: PROJECT_ID,
    state: STARTED,
    labels: [
      { id: 'label-1', name: 'backend', color: '#ff0000' },
      { id: 'label-2', name: 'security', color: '#00ff00' },
    ],
    assignees: [{ id: 'user-1', display_name: 'John Doe' }],
    ...overrides,
  };
}

export const CYCLE_ID = '5a1e2d3c-4b5a-4697-8881-9a0b1c2d3e4f';
export const MODULE_ID = '6b2f3e4d-5c6b-47a8-9992-0a1b2c3d4e5f';

export const DONE: PlaneState = { id: 'state-done', name: 'Done', color: '#16a34a', group: 'completed' };

/** A cycle as the v1 list returns it: datetimes (Plane stores 00:00:01 and 23:59 of the days in the project's zone). */
export function sampleCycle(overrides: Partial<PlaneCycle> = {}): PlaneCycle {
  return {
    id: CYCLE_ID,
    name: 'Sprint 7',
    description: 'Ship the login',
    start_date: '2026-03-02T00:00:01Z',
    end_date: '2026-03-15T23:59:00Z',
    archived_at: null,
    timezone: 'UTC',
    created_at: '2026-02-20T10:00:00.000000Z',
    updated_at: '2026-02-21T10:00:00.000000Z',
    ...overrides,
  };
}

/** A module: plain dates. */
export function sampleModule(overrides: Partial<PlaneModule> = {}): PlaneModule {
  return {
    id: MODULE_ID,
    name: 'Auth',
    description: '<p>All of <b>auth</b></p>',
    start_date: '2026-03-01',
    target_date: '2026-04-30',
    status: 'in-progress',
    archived_at: null,
    created_at: '2026-02-20T10:00:00.000000Z',
    updated_at: '2026-02-22T08:30:00.000000Z',
    ...overrides,
  };
}

/** The physical lines of an iCalendar text, checked to be CRLF-terminated. */
export function physicalLines(ics: string): string[] {
  expect(ics.endsWith('\r\n')).toBe(true);
  const lines = ics.slice(0, -2).split('\r\n');
  for (const line of lines) {
    expect(line).not.toMatch(/[\r\n]/);
  }
  return lines;
}

/** Asserts the wire-format rules: CRLF only, final CRLF, ≤ 75 octets per line, no split UTF-8. */
export function expectWellFormed(ics: string): void {
  const lines = physicalLines(ics);
  for (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    expect(bytes.length, `line too long: ${line}`).toBeLessThanOrEqual(75);
    // A lone surrogate (a split pair) would have been encoded as U+FFFD: decoding would differ.
    expect(bytes.toString('utf8')).toBe(line);
    expect(line).not.toMatch(/[\u0000-\u0008\u000A-\u001F\u007F]/);
  }
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(lines[lines.length - 1]).toBe('END:VCALENDAR');
}

/** The first VEVENT of a text, read with ical.js's own component API (independent of our parse.ts). */
export function icalEvent(ics: string): InstanceType<typeof ICAL.Component> {
  return icalComponent(ics, 'vevent');
}

/** The first VEVENT, VTODO or VTIMEZONE of a text, read with ical.js's own component API. */
export function icalComponent(
  ics: string,
  name: 'vevent' | 'vtodo' | 'vtimezone',
): InstanceType<typeof ICAL.Component> {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const component = calendar.getFirstSubcomponent(name);
  if (component === null) throw new Error(`no ${name.toUpperCase()}`);
  return component;
}

/** The unfolded content lines of an iCalendar text, for looking properties up by name. */
export function unfoldedLines(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, '').split('\r\n');
}

/** The unfolded lines from BEGIN:{name} to END:{name}, both included (the first such component). */
export function componentLines(ics: string, name: string): string[] {
  const lines = unfoldedLines(ics);
  const begin = lines.indexOf(`BEGIN:${name}`);
  const end = lines.indexOf(`END:${name}`, begin);
  if (begin < 0 || end < 0) throw new Error(`no ${name}`);
  return lines.slice(begin, end + 1);
}

export function icalCategories(ics: string): string[] {
  return icalEvent(ics)
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(String));
}
