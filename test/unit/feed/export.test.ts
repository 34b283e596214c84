import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalendarEntry } from '../../../src/config/types.js';
import { UsageError } from '../../../src/errors.js';
import { type ExportSettings, feedFileName, runExport } from '../../../src/feed/export.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { issue, MemoryPlane, project } from '../../support/builders.js';

const web = project({ identifier: 'WEB', name: 'Web' });
const ops = project({ identifier: 'OPS', name: 'Ops' });
const ENTRIES: CalendarEntry[] = [
  { id: 'projects', name: 'Plane: {project}', perProject: true, filter: {} },
  { id: 'mine', name: 'Plane: my work', perProject: false, filter: { assignees: ['me'] } },
];
let plane: MemoryPlane;
let out: string;

beforeEach(() => {
  plane = new MemoryPlane();
  plane.projects.push(web, ops);
  plane.issues.push(
    issue(web.id, { target_date: '2026-03-01', name: 'web one' }),
    issue(web.id, {
      target_date: '2026-03-02',
      name: 'web mine',
      assignees: [{ id: plane.me.id, display_name: 'me' }],
    }),
    issue(ops.id, { target_date: '2026-03-03', name: 'ops one' }),
    issue(ops.id, { target_date: null, name: 'ops undated' }),
  );
  out = mkdtempSync(join(tmpdir(), 'calplanebot-export-'));
});

afterEach(() => rmSync(out, { recursive: true, force: true }));

const settings = (overrides: Partial<ExportSettings> = {}): ExportSettings => ({
  webUrl: 'https://app.plane.so',
  workspaceSlug: 'acme',
  calendarNameTemplate: 'Plane: {project}',
  entries: ENTRIES,
  projects: [],
  today: '2026-03-01',
  out,
  calendarIds: [],
  refreshInterval: 'PT1H',
  ...overrides,
});
const exportNow = (overrides: Partial<ExportSettings> = {}) =>
  runExport({ plane, stats: { plane: new RequestStats() } }, settings(overrides));

describe('runExport', () => {
  it('writes a file per calendar, reading each project once, and names them by entry and project', async () => {
    let listings = 0;
    const list = plane.listIssues.bind(plane);
    plane.listIssues = (projectId: string) => {
      listings += 1;
      return list(projectId);
    };
    const report = await exportNow();
    expect(listings).toBe(2);
    expect(plane.meLookups).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['mine.ics', 'projects-ops.ics', 'projects-web.ics']);
    expect(report.files.map((f) => [f.path.slice(out.length + 1), f.objects, f.skipped, f.status])).toEqual([
      ['projects-web.ics', 2, 0, 'written'],
      ['projects-ops.ics', 1, 1, 'written'],
      ['mine.ics', 1, 0, 'written'],
    ]);
    expect(readFileSync(join(out, 'mine.ics'), 'utf8')).toContain('web mine');
    expect(report.totals).toEqual({ files: 3, written: 3, unchanged: 0, kept: 0, objects: 4, failed: 0 });
  });

  it('rewrites nothing when nothing changed, and only the files a change touches', async () => {
    await exportNow();
    const before = Object.fromEntries(readdirSync(out).map((name) => [name, statSync(join(out, name)).ino]));
    const again = await exportNow();
    expect(again.files.map((f) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(Object.fromEntries(readdirSync(out).map((name) => [name, statSync(join(out, name)).ino]))).toEqual(before);
    plane.update(plane.issues[2]!.id, { name: 'ops renamed' });
    const changed = await exportNow();
    expect(changed.files.map((f) => [f.project ?? f.id, f.status])).toEqual([
      ['WEB', 'unchanged'],
      ['OPS', 'written'],
      ['mine', 'unchanged'],
    ]);
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it("a failed listing leaves its calendars' files as they were, and says so", async () => {
    await exportNow();
    const web0 = readFileSync(join(out, 'projects-web.ics'), 'utf8');
    const mine0 = readFileSync(join(out, 'mine.ics'), 'utf8');
    plane.update(plane.issues[0]!.id, { name: 'changed while the listing fails' });
    plane.update(plane.issues[2]!.id, { name: 'ops renamed' });
    plane.failListing.add(web.id);
    const report = await exportNow();
    expect(report.files.map((f) => [f.project ?? f.id, f.status])).toEqual([
      ['WEB', 'kept'],
      ['OPS', 'written'],
      ['mine', 'kept'],
    ]);
    expect(report.files[0]?.errors).toEqual([expect.objectContaining({ operation: 'list-issues' })]);
    // Reported with what it still holds, not as an empty feed.
    expect(report.files[0]).toMatchObject({ objects: 2, bytes: Buffer.byteLength(web0) });
    expect(report.files[2]).toMatchObject({ objects: 1, bytes: Buffer.byteLength(mine0) });
    expect(readFileSync(join(out, 'projects-web.ics'), 'utf8')).toBe(web0);
    expect(readFileSync(join(out, 'mine.ics'), 'utf8')).toBe(mine0);
    expect(report.totals).toMatchObject({ kept: 2, failed: 2 });
  });

  it('an item that cannot be made keeps what the file had for it', async () => {
    plane.update(plane.issues[0]!.id, { name: 'costs $& and $$ and $1' });
    await exportNow({ calendarIds: ['projects'] });
    const broken = plane.issues[0]!;
    const previous = readFileSync(join(out, 'projects-web.ics'), 'utf8');
    plane.update(broken.id, { target_date: '2026-02-30' });
    plane.update(plane.issues[1]!.id, { name: 'web renamed' });
    const report = await exportNow({ calendarIds: ['projects'] });
    const text = readFileSync(join(out, 'projects-web.ics'), 'utf8');
    expect(report.files[0]).toMatchObject({
      status: 'written',
      errors: [expect.objectContaining({ operation: 'transform' })],
    });
    expect(text).toContain('web renamed');
    const component = (doc: string) =>
      doc.slice(doc.indexOf(`UID:plane-issue-${broken.id}`) - 'BEGIN:VEVENT\r\n'.length).split('END:VEVENT')[0];
    expect(component(text)).toBe(component(previous));
    expect(text).toContain('costs $& and $$ and $1');
  });

  it('files are readable by a web server whatever the umask', async () => {
    const before = process.umask(0o077);
    try {
      await exportNow();
    } finally {
      process.umask(before);
    }
    for (const name of readdirSync(out)) expect(statSync(join(out, name)).mode & 0o777, name).toBe(0o644);
  });

  it('a full export names the feed files no calendar writes any more, and leaves them', async () => {
    writeFileSync(join(out, 'old-board.ics'), 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
    writeFileSync(join(out, 'notes.txt'), 'not a feed');
    const full = await exportNow();
    expect(full.strayFiles).toEqual([join(out, 'old-board.ics')]);
    expect(full.warnings).toEqual([expect.stringContaining('old-board.ics')]);
    expect(readdirSync(out)).toContain('old-board.ics');
    // A partial export (one calendar, or --project) cannot tell: it says nothing.
    expect((await exportNow({ calendarIds: ['mine'] })).strayFiles).toBeUndefined();
    expect((await exportNow({ projects: ['WEB'], configuredProjects: [] })).strayFiles).toBeUndefined();
  });

  it('--out - writes the one selected calendar to stdout, and refuses more than one', async () => {
    let printed = '';
    const report = await exportNow({ out: '-', calendarIds: ['mine'], stdout: (bytes) => (printed += bytes) });
    expect(report.files).toMatchObject([{ path: '-', status: 'written', objects: 1 }]);
    expect(printed).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
    expect(readdirSync(out)).toEqual([]);
    await expect(exportNow({ out: '-', calendarIds: ['projects'] })).rejects.toThrow(UsageError);
    await expect(exportNow({ out: '-', calendarIds: ['projects'], projects: ['OPS'] })).resolves.toMatchObject({
      files: [{ project: 'OPS' }],
    });
  });

  it('an unknown --calendar is a usage error naming the known ones', async () => {
    await expect(exportNow({ calendarIds: ['nope'] })).rejects.toThrow(/unknown calendar "nope"/);
    await expect(exportNow({ calendarIds: ['nope'] })).rejects.toMatchObject({
      hint: expect.stringContaining('projects, mine'),
    });
  });

  it('a file that cannot be written is reported (write-feed) and the others are written', async () => {
    mkdirSync(join(out, 'projects-web.ics')); // a folder where the file should go: the rename fails
    const report = await exportNow();
    expect(report.files.map((f) => [f.project ?? f.id, f.status])).toEqual([
      ['WEB', 'kept'],
      ['OPS', 'written'],
      ['mine', 'written'],
    ]);
    expect(report.files[0]?.errors).toEqual([expect.objectContaining({ operation: 'write-feed' })]);
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('names files by entry, and by project identifier in lower case for a per-project entry', () => {
    expect(feedFileName({ entry: ENTRIES[0]!, project: web })).toBe('projects-web.ics');
    expect(feedFileName({ entry: ENTRIES[0]!, project: { ...web, identifier: 'W E/B' } })).toBe('projects-w-e-b.ics');
    expect(feedFileName({ entry: ENTRIES[1]!, project: undefined })).toBe('mine.ics');
  });
});
