/** Fixed-id fixtures and iCalendar checks for the event tests (no randomness: golden bytes depend on them). */
import ICAL from 'ical.js';
import { expect } from 'vitest';
import type { PlaneIssue, PlaneProject, PlaneState } from '../../../src/plane/types.js';
import type { TransformContext } from '../../../src/event/transform.js';

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
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const event = calendar.getFirstSubcomponent('vevent');
  if (event === null) throw new Error('no VEVENT');
  return event;
}

export function icalCategories(ics: string): string[] {
  return icalEvent(ics)
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(String));
}
