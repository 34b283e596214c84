/**
 * Hostile input, as properties: whatever Plane sends in names, labels, assignees and dates, the
 * event is valid iCalendar that a real parser (ical.js) reads back to the same text, and a whole
 * sync over such issues never crashes, reports each bad issue, deletes nothing because of one,
 * and converges (a second run changes nothing).
 */
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { uidForIssue } from '../../../src/event/uid.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import type { PlaneIssue } from '../../../src/plane/types.js';
import { runSync, type SyncSettings } from '../../../src/sync/run.js';
import { issue, MemoryPlane, project } from '../../support/builders.js';

const CTX = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };
const web = project({ identifier: 'WEB', name: 'Web' });

/** Printable text (no control characters, no line breaks), full of what iCalendar must escape. */
const printable = fc
  .array(
    fc.oneof(
      fc.constantFrom(',', ';', '\\', ':', '"', '\\n', '😀', 'é', 'e\u0301', 'ع', '<b>', '&amp;', ' '),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join('').replace(/[\u0000-\u001F\u007F\u2028\u2029\u0085]/g, ''));

function vevent(text: string): ICAL.Component {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents('vevent');
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('the transform under hostile text, read back by ical.js', () => {
  it('any printable name, labels and assignees come back exactly, in one VEVENT with our UID and dates', () => {
    fc.assert(
      fc.property(
        printable,
        fc.array(printable, { maxLength: 5 }),
        fc.array(printable, { maxLength: 4 }),
        fc.nat(99_999),
        (name, labels, assignees, sequence) => {
          const input = issue(web.id, {
            name,
            sequence_id: sequence,
            labels: labels.map((label, i) => ({ id: `l${i}`, name: label, color: '#000' })),
            assignees: assignees.map((display_name, i) => ({ id: `u${i}`, display_name })),
          });
          const text = renderEvent(issueToEvent(input, web, CTX)!);
          const event = vevent(text);
          expect(event.getFirstPropertyValue('uid')).toBe(uidForIssue(input.id));
          expect(event.getFirstPropertyValue('summary')).toBe(`[${sequence}] ${name.trim()}`);
          expect(String(event.getFirstPropertyValue('dtstart'))).toBe('2025-12-27');
          expect(String(event.getFirstPropertyValue('dtend'))).toBe('2025-12-28');

          const wantedLabels = [...new Set(labels.map((l) => l.trim()).filter((l) => l !== ''))];
          const categories = event.getAllProperties('categories').flatMap((p) => p.getValues() as string[]);
          expect(categories).toEqual(wantedLabels);
          const names = assignees.map((a) => a.trim()).filter((a) => a !== '');
          const description = String(event.getFirstPropertyValue('description'));
          if (names.length > 0) expect(description).toContain(`Assignees: ${names.join(', ')}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Dates as Plane might send them when something upstream is broken. */
const MALFORMED_DATES = [
  '2025-02-30',
  '2025-13-01',
  '2025-1-1',
  'tomorrow',
  '2025-12-01T00:00:00Z',
  '9999-12-31',
  '０２０２５-01-01',
  ' 2025-12-01',
];
const dateArbitrary = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_DATES) },
);

const settings: SyncSettings = {
  webUrl: CTX.webUrl,
  workspaceSlug: CTX.workspaceSlug,
  calendarNameTemplate: 'Plane: {project}',
  projects: [],
  guard: { maxDeletePercent: 100, allowMassDelete: true },
  dryRun: false,
};

const isValidDate = (value: string | null): value is string => value !== null && !MALFORMED_DATES.includes(value);

describe('a whole sync over hostile issues', () => {
  it('never throws; a bad issue is reported and keeps its event; the rest syncs; the next run changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: printable, before: dateArbitrary, after: dateArbitrary }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (specs) => {
          const plane = new MemoryPlane();
          const store = new MemoryCalendarStore();
          plane.projects.push(web);
          const stats = { plane: new RequestStats(), caldav: new RequestStats() };
          const issues: PlaneIssue[] = specs.map((spec) =>
            issue(web.id, { name: spec.name, target_date: spec.before }),
          );
          plane.issues.push(...issues);

          await runSync({ plane, store, stats }, settings);
          const calendar = (await store.listCalendars())[0]!;
          const uidsBefore = new Set((await store.list(calendar)).map((o) => parseCalendarObject(o.data).uid));

          for (const [i, spec] of specs.entries()) plane.update(issues[i]!.id, { target_date: spec.after });
          const report = await runSync({ plane, store, stats }, settings);
          const errors = report.projects.flatMap((p) => p.errors);
          const objects = await store.list(calendar);
          const uids = objects.map((o) => parseCalendarObject(o.data).uid);
          expect(new Set(uids).size).toBe(uids.length); // no duplicate

          specs.forEach((spec, i) => {
            const uid = uidForIssue(issues[i]!.id);
            if (isValidDate(spec.after)) {
              expect(uids).toContain(uid);
            } else if (spec.after === null) {
              expect(uids).not.toContain(uid); // no target date: no event, by design
            } else {
              expect(errors).toContainEqual(
                expect.objectContaining({ operation: 'transform', issueId: issues[i]!.id }),
              );
              expect(uids.includes(uid)).toBe(uidsBefore.has(uid)); // kept if it had one, never created
            }
          });

          const again = await runSync({ plane, store, stats }, settings);
          expect(again.totals).toMatchObject({ created: 0, updated: 0, deleted: 0 });
        },
      ),
      { numRuns: 60 },
    );
  });
});
