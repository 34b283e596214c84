import { describe, expect, it } from 'vitest';
import { InvalidIssueError, issueToEvent, toUtcStamp } from '../../../src/event/transform.js';
import type { PlaneIssue, Priority } from '../../../src/plane/types.js';
import { CTX, ISSUE_ID, PROJECT_ID, sampleIssue, sampleProject, UID } from './fixtures.js';

function transform(overrides: Partial<PlaneIssue> = {}) {
  const model = issueToEvent(sampleIssue(overrides), sampleProject(), CTX);
  if (model === null) throw new Error('expected an event');
  return model;
}

describe('issueToEvent', () => {
  it('maps the seed example', () => {
    expect(transform()).toEqual({
      uid: UID,
      issueId: ISSUE_ID,
      projectId: PROJECT_ID,
      stamp: '20251220T103000Z',
      fields: {
        summary: '[42] Implement user authentication',
        description: [
          'Add login and registration functionality',
          '---',
          'Priority: high',
          'State: In Progress',
          'Assignees: John Doe',
          'Labels: backend, security',
          'Project: Web Application',
        ].join('\n'),
        start: '2025-12-27',
        end: '2025-12-28',
        status: 'CONFIRMED',
        categories: ['backend', 'security'],
        url: `https://app.plane.so/acme/projects/${PROJECT_ID}/issues/${ISSUE_ID}`,
        color: 'darkorange',
      },
    });
  });

  it.each([null, ''])('skips an issue whose target_date is %j', (targetDate) => {
    expect(issueToEvent(sampleIssue({ target_date: targetDate }), sampleProject(), CTX)).toBeNull();
  });

  describe('summary', () => {
    it('is "[sequence_id] name"', () => {
      expect(transform({ sequence_id: 7, name: 'Fix it' }).fields.summary).toBe('[7] Fix it');
    });

    it('keeps a name on one line, without control characters', () => {
      expect(transform({ name: ' two\r\nlines\u0000 ' }).fields.summary).toBe('[42] two lines');
    });
  });

  describe('description', () => {
    it('starts with --- when there is no description', () => {
      expect(transform({ description_html: '<p></p>' }).fields.description.split('\n')[0]).toBe('---');
      expect(transform({ description_html: null }).fields.description.split('\n')[0]).toBe('---');
    });

    it('omits State for a null state, Assignees and Labels when empty', () => {
      const { description } = transform({ state: {}, assignees: [], labels: [], description_html: null }).fields;
      expect(description).toBe('---\nPriority: high\nProject: Web Application');
    });

    it('lists several assignees by display name', () => {
      const { description } = transform({
        assignees: [
          { id: 'a', display_name: 'Ada' },
          { id: 'b', display_name: 'Bob' },
        ],
      }).fields;
      expect(description).toContain('\nAssignees: Ada, Bob\n');
    });

    it('keeps paragraphs of the HTML description', () => {
      const { description } = transform({ description_html: '<p>One</p><p>Two</p>' }).fields;
      expect(description.startsWith('One\n\nTwo\n---\n')).toBe(true);
    });

    it('strips control characters from every part', () => {
      const { description } = transform({
        description_html: '<p>a\u0001b</p>',
        state: { ...sampleIssue().state, name: 'St\u0000ate' } as PlaneIssue['state'],
        assignees: [{ id: 'a', display_name: 'Jo\u001Fe' }],
      }).fields;
      expect(description).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F]/);
      expect(description).toContain('ab\n');
      expect(description).toContain('State: State');
      expect(description).toContain('Assignees: Joe');
    });
  });

  describe('dates', () => {
    it.each([
      ['2025-01-31', '2025-02-01'],
      ['2025-04-30', '2025-05-01'],
      ['2025-12-31', '2026-01-01'],
      ['2025-02-28', '2025-03-01'],
      ['2024-02-28', '2024-02-29'],
      ['2024-02-29', '2024-03-01'],
      ['1900-02-28', '1900-03-01'],
      ['2000-02-28', '2000-02-29'],
      ['2000-02-29', '2000-03-01'],
    ])('start %s → exclusive end %s', (start, end) => {
      expect(transform({ target_date: start }).fields).toMatchObject({ start, end });
    });

    it.each([
      ['2025-03-14T09:30', '2025-03-14', '2025-03-15'],
      ['2025-03-14T23:59:59', '2025-03-14', '2025-03-15'],
      ['2025-12-31T00:00:00.000', '2025-12-31', '2026-01-01'],
    ])('an item with a time (newer Plane builds) %s is shown on its date', (target_date, start, end) => {
      expect(transform({ target_date }).fields).toMatchObject({ start, end });
    });

    it.each([
      '2025-02-30',
      '2025-02-29',
      '1900-02-29',
      '2025-13-01',
      '2025-1-5',
      '2025-01-05T00:00:00Z',
      '2025-01-05T24:00',
      '2025-01-05T09:60',
      '2025-02-30T09:00',
      'garbage',
      '9999-12-31',
    ])('throws InvalidIssueError for target_date %j', (targetDate) => {
      const attempt = () => transform({ target_date: targetDate, sequence_id: 9 });
      expect(attempt).toThrow(InvalidIssueError);
      expect(attempt).toThrow(`[WA-9]`);
      expect(attempt).toThrow(JSON.stringify(targetDate));
    });

    it('names the issue on the error', () => {
      try {
        transform({ target_date: '2025-02-30' });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidIssueError);
        expect(error).toBeInstanceOf(Error);
        expect((error as InvalidIssueError).issueId).toBe(ISSUE_ID);
        expect((error as InvalidIssueError).name).toBe('InvalidIssueError');
      }
    });
  });

  describe('status', () => {
    it.each([
      ['backlog', 'CONFIRMED'],
      ['unstarted', 'CONFIRMED'],
      ['started', 'CONFIRMED'],
      ['triage', 'CONFIRMED'],
      ['completed', 'CANCELLED'],
      ['cancelled', 'CANCELLED'],
    ] as const)('state group %s → %s', (group, status) => {
      expect(transform({ state: { id: 's', name: 'S', color: '#000', group } }).fields.status).toBe(status);
    });

    it('is CONFIRMED for a null state', () => {
      expect(transform({ state: {} }).fields.status).toBe('CONFIRMED');
    });
  });

  describe('categories', () => {
    it('are the label names in Plane order, de-duplicated, blanks dropped', () => {
      const labels = ['zeta', 'alpha', 'zeta', ' ', 'beta ', 'beta'].map((name, index) => ({
        id: `l${index}`,
        name,
        color: '#000',
      }));
      expect(transform({ labels }).fields.categories).toEqual(['zeta', 'alpha', 'beta']);
    });

    it('are empty without labels', () => {
      expect(transform({ labels: [] }).fields.categories).toEqual([]);
    });
  });

  describe('url', () => {
    it('drops trailing slashes of webUrl', () => {
      const model = issueToEvent(sampleIssue(), sampleProject(), {
        webUrl: 'https://plane.example.com//',
        workspaceSlug: 'w',
      });
      expect(model?.fields.url).toBe(`https://plane.example.com/w/projects/${PROJECT_ID}/issues/${ISSUE_ID}`);
    });

    it('works without a trailing slash, and with a path prefix', () => {
      const model = issueToEvent(sampleIssue(), sampleProject(), {
        webUrl: 'https://example.com/plane',
        workspaceSlug: 'w',
      });
      expect(model?.fields.url).toBe(`https://example.com/plane/w/projects/${PROJECT_ID}/issues/${ISSUE_ID}`);
    });
  });

  describe('color', () => {
    it.each([
      ['urgent', 'red'],
      ['high', 'darkorange'],
      ['medium', 'gold'],
      ['low', 'green'],
      ['none', null],
    ] as [Priority, string | null][])('priority %s → %s', (priority, color) => {
      expect(transform({ priority }).fields.color).toBe(color);
    });
  });

  describe('stamp', () => {
    it('comes from updated_at in UTC', () => {
      expect(transform({ updated_at: '2024-01-15T16:00:00.123456+05:30' }).stamp).toBe('20240115T103000Z');
    });

    it('falls back to created_at, then to the epoch', () => {
      expect(transform({ updated_at: 'garbage', created_at: '2024-01-01T00:00:00Z' }).stamp).toBe('20240101T000000Z');
      expect(transform({ updated_at: 'garbage', created_at: '' }).stamp).toBe('19700101T000000Z');
    });
  });
});

describe('toUtcStamp', () => {
  it.each([
    ['2024-01-15T16:00:00.123456+05:30', '20240115T103000Z'],
    ['2024-01-15T10:30:00Z', '20240115T103000Z'],
    ['2024-01-15T10:30:00.999999Z', '20240115T103000Z'],
    ['2024-01-15T10:30:00', '20240115T103000Z'],
    ['2024-01-15 10:30:00+00:00', '20240115T103000Z'],
    ['2024-01-15T10:30Z', '20240115T103000Z'],
    ['2024-01-15T10:30:00+0530', '20240115T050000Z'],
    ['2024-01-15T10:30:00+05', '20240115T053000Z'],
    ['2024-01-15T01:00:00+05:30', '20240114T193000Z'],
    ['2023-12-31T23:30:00-01:00', '20240101T003000Z'],
    ['2024-02-29T23:00:00-03:00', '20240301T020000Z'],
  ])('%s → %s', (input, stamp) => {
    expect(toUtcStamp(input)).toBe(stamp);
  });

  it.each(['', 'garbage', '2024-02-30T00:00:00Z', '2024-01-15T24:00:00Z', '2024-01-15', '1704067200'])(
    'rejects %j',
    (input) => {
      expect(toUtcStamp(input)).toBeNull();
    },
  );
});

describe("issueToEvent with a calendar entry's shape", () => {
  const shaped = (overrides: Partial<PlaneIssue>, shape: { summary?: string; dates?: 'target' | 'span' }) => {
    const model = issueToEvent(sampleIssue(overrides), sampleProject(), { ...CTX, ...shape });
    if (model === null) throw new Error('expected an event');
    return model;
  };

  it("the default summary template gives today's summary, byte for byte", () => {
    for (const name of ['Fix login', '  padded  ', '', 'tab\there', 'line\nbreak']) {
      expect(shaped({ name }, { summary: '[{sequence}] {name}' }).fields.summary).toBe(
        transform({ name }).fields.summary,
      );
      expect(shaped({ name }, {}).fields).toEqual(transform({ name }).fields);
    }
  });

  it('fills every placeholder with its one-line value', () => {
    const fields = shaped(
      { sequence_id: 12, name: 'Fix\nlogin', priority: 'high' },
      { summary: '{identifier}-{sequence} {name} ({project}; {state}; {priority})' },
    ).fields;
    expect(fields.summary).toBe(
      `WA-12 Fix login (Web Application; ${transform().fields.description.match(/State: (.*)/)?.[1]}; high)`,
    );
    expect(shaped({ state: {} }, { summary: '{name} [{state}]' }).fields.summary).toBe(
      `${transform().fields.summary.replace(/^\[\d+\] /, '')} []`,
    );
    expect(shaped({}, { summary: 'no placeholders' }).fields.summary).toBe('no placeholders');
    expect(shaped({}, { summary: 'two\nlines {sequence}' }).fields.summary).toBe('two lines 42');
  });

  it.each([
    ['2025-03-10', '2025-03-14', '2025-03-10', '2025-03-15'],
    ['2025-03-14', '2025-03-14', '2025-03-14', '2025-03-15'],
    ['2025-03-10T09:00', '2025-03-14T17:00', '2025-03-10', '2025-03-15'],
    ['2025-03-20', '2025-03-14', '2025-03-14', '2025-03-15'],
    [null, '2025-03-14', '2025-03-14', '2025-03-15'],
    ['garbage', '2025-03-14', '2025-03-14', '2025-03-15'],
  ])('a span from %j to %j is an all-day block %s → %s (exclusive)', (start_date, target_date, start, end) => {
    expect(shaped({ start_date, target_date }, { dates: 'span' }).fields).toMatchObject({ start, end });
    expect(shaped({ start_date, target_date }, { dates: 'target' }).fields).toMatchObject({
      start: target_date.slice(0, 10),
    });
  });
});
