/**
 * Write-back (README "Write-back: calendar edits to Plane") end to end: the built CLI as a child
 * process, a real Radicale behind a recording proxy (which counts the CLI's CalDAV writes), the fake
 * Plane (which records every PATCH in `plane.writes`), and edits made the way calendar apps make
 * them: a PUT with If-Match straight to Radicale, or todoman through a two-way vdirsyncer pair.
 *
 * One Radicale and one fake Plane for the file. Every test has projects of its own (and so calendars
 * of its own: the per-project calendars carry the project id in their URL, the task lists get an id
 * per test), so the tests do not see each other's objects. Each item sits in exactly one calendar
 * (the entries filter by label), so a change for Plane made from one calendar never shows up as
 * Plane's own change in another (the last section, on purpose, shows one item in two calendars).
 * Every object is read and edited straight in Radicale, never through the proxy.
 *
 * The tests in the last describe show bugs in src/ and fail until those are fixed.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DavCalendarStore } from '../../src/caldav/dav-store.js';
import type { RemoteObject } from '../../src/caldav/store.js';
import { objectNameForUid, uidScheme } from '../../src/event/uid.js';
import type { CalendarReport, RunReport } from '../../src/sync/report.js';
import { calendarSlugFor } from '../../src/views/targets.js';
import type { WebhookReport } from '../../src/webhook/handle.js';
import { type CliResult, runCli, runJson, scratchDir } from '../support/cli.js';
import { clientRunner, requireProgram, writeTodomanConfig } from '../support/clients.js';
import { type FakeIssue, type FakePlane, type FakeProject, startFakePlane } from '../support/fake-plane.js';
import { property } from '../support/ical-text.js';
import { directStore, type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { calendarOf, writesThrough } from '../support/sync-report.js';

const SECRET = 'plane_wh_0b1c2d3e4f5a69788796a5b4c3d2e1f0';
const WEB_URL = 'https://plane.example.test';

let radicale: Radicale;
let plane: FakePlane;
let dav: RecordingProxy;
let reader: DavCalendarStore;
let homeUrl: string;
/** Configs, client configs, vdirs and the clients' homes; removed after the file. */
let work: string;

beforeAll(async () => {
  work = scratchDir('calplanebot-write-back-');
  radicale = await startRadicale();
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 4242 });
  dav = await startRecordingProxy(radicale.url);
  reader = directStore(radicale);
  homeUrl = (await reader.calendarUrlFor('x')).replace(/x\/$/, '');
});

afterAll(async () => {
  await dav?.close();
  await plane?.close();
  await radicale?.stop();
});

let dirCounter = 0;
function newDir(label: string): string {
  dirCounter += 1;
  const dir = join(work, `${label}-${dirCounter}`);
  mkdirSync(dir);
  return dir;
}

let projectCounter = 0;
function newProject(name: string): FakeProject {
  projectCounter += 1;
  return plane.addProject({ name, identifier: `WB${projectCounter}` });
}

// ── the calendar entries ────────────────────────────────────────────────────────

/** A deadline event per item labelled "deadline" (its day is the target date), one calendar per project. */
const DEADLINES = { id: 'deadlines', perProject: true, writeBack: ['dates'], filter: { labels: ['deadline'] } };
/** A start → target block per item labelled "span", one calendar per project. */
const SPANS = { id: 'plan', perProject: true, dates: 'span', writeBack: ['dates'], filter: { labels: ['span'] } };
/** A task list (spanning the config's projects) of the items labelled "task"; `id` keeps each test's list apart. */
const tasksEntry = (id: string) => ({
  id,
  as: 'tasks',
  writeBack: { fields: ['dates', 'completion'] },
  filter: { labels: ['task'] },
});

type Entry = { id: string; perProject?: boolean };

/** Where an entry keeps an item's object: `{home}{slug}/{object name}`. */
function hrefOf(entry: Entry, project: FakeProject, issue: { id: string }): string {
  const slug = calendarSlugFor(entry.id, entry.perProject ? project.id : undefined);
  return `${homeUrl}${slug}/${objectNameForUid(uidScheme(entry.id).uidFor(issue.id))}`;
}

function calendarUrlOf(entry: Entry, project: FakeProject): string {
  return `${homeUrl}${calendarSlugFor(entry.id, entry.perProject ? project.id : undefined)}/`;
}

// ── the CLI ─────────────────────────────────────────────────────────────────────

interface Run extends CliResult {
  report: RunReport;
}

/** A config through the recording proxy: the projects by identifier, the entries, any `sync` settings, the webhook secret. */
function configFor(projects: FakeProject[], calendars: unknown[], sync: Record<string, unknown> = {}): string {
  const user = radicale.users[0]!;
  const file = join(newDir('config'), 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: plane.url,
      webUrl: WEB_URL,
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
      projects: projects.map((p) => p.identifier),
    },
    caldav: { serverUrl: dav.url, username: user.username, password: user.password },
    http: { retries: 1, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 10000 },
    webhook: { secret: SECRET },
    ...(Object.keys(sync).length > 0 ? { sync } : {}),
    calendars,
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

/** Forgets what the fake Plane and the proxy saw: afterwards plane.writes, plane.requests and dav.requests are the next run's. */
function resetRecords(): void {
  dav.reset();
  plane.resetRequests();
  plane.resetWrites();
}

/** `sync --json [args]` (records reset first), expecting `code`. */
async function sync(config: string, args: string[] = [], code = 0): Promise<Run> {
  resetRecords();
  const run = await runJson(config, 'sync', ...args);
  const errors = run.report.calendars.flatMap((c) => c.errors);
  expect(run.code, `exit code of sync ${args.join(' ')}\n${run.stderr}\n${JSON.stringify(errors, null, 2)}`).toBe(code);
  return run;
}

/** The CLI's CalDAV writes since the last reset, "METHOD /decoded/path". */
const davWrites = (): string[] => writesThrough(dav);

/** Every PATCH the fake Plane received since the last reset: the work item, the body, the answer's status. */
function planeWrites(): Array<{ issueId: string; body: Record<string, unknown>; status: number }> {
  return plane.writes.map((w) => ({ issueId: w.issueId, body: w.body, status: w.status }));
}

/** Sorted by work item id, to compare the PATCHes of a run whatever the order they went in. */
const byIssue = <T extends { issueId: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => a.issueId.localeCompare(b.issueId));

const doneStateOf = (project: FakeProject): string => plane.states(project.id).find((s) => s.group === 'completed')!.id;
const current = (issue: FakeIssue): FakeIssue => plane.issue(issue.id)!;

// ── Radicale, as an app sees it ─────────────────────────────────────────────────

function basicAuth(): string {
  const user = radicale.users[0]!;
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** The object at `href`, read straight from Radicale; it must be there. */
async function objectAt(href: string): Promise<RemoteObject> {
  const object = await reader.get(href);
  expect(object, `an object at ${href}`).not.toBeNull();
  return object!;
}

/** What a calendar holds, straight from Radicale: href → [ETag, bytes], sorted by href. */
async function snapshot(url: string): Promise<Array<[string, string | null, string]>> {
  const objects = await reader.list({ url, displayName: '' });
  return objects
    .map((o): [string, string | null, string] => [o.href, o.etag, o.data])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** An app saving an edit: PUT of the whole object with If-Match on the ETag it read; the object as stored afterwards. */
async function appSave(object: RemoteObject, data: string): Promise<RemoteObject> {
  expect(object.etag, 'Radicale gives ETags').not.toBeNull();
  const response = await fetch(object.href, {
    method: 'PUT',
    headers: { Authorization: basicAuth(), 'Content-Type': 'text/calendar; charset=utf-8', 'If-Match': object.etag! },
    body: data,
  });
  const answer = await response.text();
  expect([201, 204], `PUT ${object.href}: HTTP ${response.status} ${answer}`).toContain(response.status);
  return objectAt(object.href);
}

const CONTENT_LINE = (name: string) => new RegExp(`^${name}[;:][^\\r\\n]*\\r?\\n(?:[ \\t][^\\r\\n]*\\r?\\n)*`, 'gm');

/**
 * `data` with the one `name` content line (folded continuation lines too) of its VEVENT or VTODO
 * replaced by `line` (or removed, for null); a VTIMEZONE's lines before the item are left alone.
 */
function replaceLine(data: string, name: string, line: string | null): string {
  const at = data.search(/^BEGIN:(?:VEVENT|VTODO)\r?$/m);
  expect(at, `an item in\n${data}`).toBeGreaterThan(0);
  const [head, item] = [data.slice(0, at), data.slice(at)];
  const matches = item.match(CONTENT_LINE(name)) ?? [];
  expect(matches, `exactly one ${name} line in\n${item}`).toHaveLength(1);
  return head + item.replace(CONTENT_LINE(name), line === null ? '' : `${line}\r\n`);
}

const utcNow = (): string =>
  new Date()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

/**
 * An edit the way an app makes one: the given lines replaced (null: removed), SEQUENCE bumped,
 * LAST-MODIFIED and DTSTAMP set to now; `add` lines go in before the item's END.
 */
function appEdit(data: string, replace: Record<string, string | null>, add: string[] = []): string {
  let out = data;
  for (const [name, line] of Object.entries(replace)) out = replaceLine(out, name, line);
  const sequence = Number(property(out, 'SEQUENCE') ?? '0');
  out = replaceLine(out, 'SEQUENCE', `SEQUENCE:${sequence + 1}`);
  out = replaceLine(out, 'LAST-MODIFIED', `LAST-MODIFIED:${utcNow()}`);
  out = replaceLine(out, 'DTSTAMP', `DTSTAMP:${utcNow()}`);
  if (add.length > 0)
    out = out.replace(/^(END:(?:VEVENT|VTODO)\r?\n)/m, `${add.map((line) => `${line}\r\n`).join('')}$1`);
  return out;
}

/** "YYYY-MM-DD" as an iCalendar DATE value line. */
const dateLine = (name: string, date: string): string => `${name};VALUE=DATE:${date.replace(/-/g, '')}`;

const basisOf = (data: string): string | undefined => property(data, 'X-CALPLANEBOT-BASE');

// ── 1. edits made over CalDAV ───────────────────────────────────────────────────

describe('edits saved over CalDAV go to Plane', () => {
  it('moved events, spans and tasks, a ticked task and a rewritten object become exactly their PATCHes; an object without its base is put back; a second run does nothing', async () => {
    const project = newProject('Write-back edits');
    const tasks = tasksEntry('todo-edits');
    const items = {
      deadline: plane.addIssue(project.id, {
        name: 'Deadline moved',
        labels: ['deadline'],
        start_date: '2027-03-01',
        target_date: '2027-03-10',
        state: 'Todo',
      }),
      rewritten: plane.addIssue(project.id, {
        name: 'Rewritten by an app',
        labels: ['deadline'],
        target_date: '2027-07-01',
        state: 'Todo',
      }),
      baseless: plane.addIssue(project.id, {
        name: 'Base dropped',
        labels: ['deadline'],
        target_date: '2027-08-01',
        state: 'Todo',
      }),
      spanWhole: plane.addIssue(project.id, {
        name: 'Span moved whole',
        labels: ['span'],
        start_date: '2027-04-01',
        target_date: '2027-04-05',
        state: 'Todo',
      }),
      spanEnd: plane.addIssue(project.id, {
        name: 'Span end dragged',
        labels: ['span'],
        start_date: '2027-05-01',
        target_date: '2027-05-03',
        state: 'Todo',
      }),
      taskDue: plane.addIssue(project.id, {
        name: 'Task due moved',
        labels: ['task'],
        target_date: '2027-06-10',
        state: 'Todo',
      }),
      taskDone: plane.addIssue(project.id, {
        name: 'Task ticked off',
        labels: ['task'],
        target_date: '2027-06-20',
        state: 'Todo',
      }),
    };
    const config = configFor([project], [DEADLINES, SPANS, tasks]);
    const first = await sync(config);
    expect(first.report.totals).toMatchObject({ created: 7, failed: 0, planeWrites: 0, conflicts: 0 });
    const href = {
      deadline: hrefOf(DEADLINES, project, items.deadline),
      rewritten: hrefOf(DEADLINES, project, items.rewritten),
      baseless: hrefOf(DEADLINES, project, items.baseless),
      spanWhole: hrefOf(SPANS, project, items.spanWhole),
      spanEnd: hrefOf(SPANS, project, items.spanEnd),
      taskDue: hrefOf(tasks, project, items.taskDue),
      taskDone: hrefOf(tasks, project, items.taskDone),
    };
    for (const [name, url] of Object.entries(href))
      expect(basisOf((await objectAt(url)).data), `${name} has a base`).toBeDefined();

    // The edits, each saved as an app saves it.
    const deadline = await objectAt(href.deadline);
    expect(property(deadline.data, 'DTSTART')).toBe('20270310');
    await appSave(
      deadline,
      appEdit(deadline.data, { DTSTART: dateLine('DTSTART', '2027-03-13'), DTEND: dateLine('DTEND', '2027-03-14') }),
    );

    const spanWhole = await objectAt(href.spanWhole);
    expect([property(spanWhole.data, 'DTSTART'), property(spanWhole.data, 'DTEND')]).toEqual(['20270401', '20270406']);
    await appSave(
      spanWhole,
      appEdit(spanWhole.data, { DTSTART: dateLine('DTSTART', '2027-04-08'), DTEND: dateLine('DTEND', '2027-04-13') }),
    );

    const spanEnd = await objectAt(href.spanEnd);
    expect([property(spanEnd.data, 'DTSTART'), property(spanEnd.data, 'DTEND')]).toEqual(['20270501', '20270504']);
    await appSave(spanEnd, appEdit(spanEnd.data, { DTEND: dateLine('DTEND', '2027-05-08') }));

    const taskDue = await objectAt(href.taskDue);
    expect(property(taskDue.data, 'DUE')).toBe('20270610');
    await appSave(taskDue, appEdit(taskDue.data, { DUE: dateLine('DUE', '2027-06-17') }));

    const taskDone = await objectAt(href.taskDone);
    expect(property(taskDone.data, 'STATUS')).toBe('NEEDS-ACTION');
    expect(property(taskDone.data, 'COMPLETED')).toBeUndefined();
    const tickedAt = utcNow();
    await appSave(
      taskDone,
      appEdit(taskDone.data, { STATUS: 'STATUS:COMPLETED' }, [`COMPLETED:${tickedAt}`, 'PERCENT-COMPLETE:100']),
    );

    // An app that rewrites the whole object: its own property order, its own X- property, its own
    // serialisation (ical.js), the date moved; calplanebot's X-CALPLANEBOT-BASE kept as it was.
    const rewritten = await objectAt(href.rewritten);
    const rewrittenBase = basisOf(rewritten.data);
    const calendar = new ICAL.Component(ICAL.parse(rewritten.data) as unknown[]);
    const event = calendar.getFirstSubcomponent('vevent')!;
    const props = [...event.getAllProperties()];
    for (const prop of props) event.removeProperty(prop);
    for (const prop of [...props].reverse()) event.addProperty(prop);
    event.addPropertyWithValue('x-apple-travel-advisory-behavior', 'AUTOMATIC');
    event.updatePropertyWithValue('dtstart', ICAL.Time.fromDateString('2027-07-02'));
    event.updatePropertyWithValue('dtend', ICAL.Time.fromDateString('2027-07-03'));
    event.updatePropertyWithValue('sequence', Number(event.getFirstPropertyValue('sequence') ?? 0) + 1);
    const rewrittenText = `${calendar.toString()}\r\n`;
    expect(rewrittenText.indexOf('X-CALPLANEBOT-BASE'), 'the base now comes before the summary').toBeLessThan(
      rewrittenText.indexOf('SUMMARY'),
    );
    const saved = await appSave(rewritten, rewrittenText);
    expect(basisOf(saved.data)).toBe(rewrittenBase);

    // An app that drops our X- property: the edit is lost (Plane wins), never a wrong write.
    const baseless = await objectAt(href.baseless);
    await appSave(
      baseless,
      appEdit(baseless.data, {
        DTSTART: dateLine('DTSTART', '2027-08-05'),
        DTEND: dateLine('DTEND', '2027-08-06'),
        'X-CALPLANEBOT-BASE': null,
      }),
    );
    expect(basisOf((await objectAt(href.baseless)).data)).toBeUndefined();

    const run = await sync(config);
    const done = doneStateOf(project);
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: items.deadline.id, body: { target_date: '2027-03-13', start_date: '2027-03-01' }, status: 200 },
        { issueId: items.rewritten.id, body: { target_date: '2027-07-02', start_date: null }, status: 200 },
        { issueId: items.spanWhole.id, body: { target_date: '2027-04-12', start_date: '2027-04-08' }, status: 200 },
        { issueId: items.spanEnd.id, body: { target_date: '2027-05-07', start_date: '2027-05-01' }, status: 200 },
        { issueId: items.taskDue.id, body: { target_date: '2027-06-17', start_date: null }, status: 200 },
        { issueId: items.taskDone.id, body: { state: done }, status: 200 },
      ]),
    );
    expect(
      plane.requests.filter((r) => r.method !== 'GET' && r.method !== 'PATCH'),
      'nothing but GETs and those PATCHes',
    ).toEqual([]);
    expect(
      plane.requests.filter((r) => r.path.endsWith('/states/')),
      'the states are read once, for the tick',
    ).toHaveLength(1);

    // Plane holds the new values.
    expect([current(items.deadline).start_date, current(items.deadline).target_date]).toEqual([
      '2027-03-01',
      '2027-03-13',
    ]);
    expect(current(items.rewritten).target_date).toBe('2027-07-02');
    expect([current(items.spanWhole).start_date, current(items.spanWhole).target_date]).toEqual([
      '2027-04-08',
      '2027-04-12',
    ]);
    expect([current(items.spanEnd).start_date, current(items.spanEnd).target_date]).toEqual([
      '2027-05-01',
      '2027-05-07',
    ]);
    expect(current(items.taskDue).target_date).toBe('2027-06-17');
    expect(current(items.taskDone).state).toBe(done);
    expect(current(items.taskDone).completed_at).not.toBeNull();
    expect(current(items.baseless).target_date, 'the edit of an object without a base never reaches Plane').toBe(
      '2027-08-01',
    );

    // The report says so, per calendar.
    const changesOf = (report: CalendarReport) =>
      byIssue((report.planeChanges ?? []).map((c) => ({ issueId: c.issueId, fields: c.fields, applied: c.applied })));
    const deadlines = calendarOf(run.report, 'deadlines', project.id);
    expect(changesOf(deadlines)).toEqual(
      byIssue([
        {
          issueId: items.deadline.id,
          fields: [{ field: 'target_date', from: '2027-03-10', to: '2027-03-13' }],
          applied: true,
        },
        {
          issueId: items.rewritten.id,
          fields: [{ field: 'target_date', from: '2027-07-01', to: '2027-07-02' }],
          applied: true,
        },
      ]),
    );
    expect(deadlines).toMatchObject({ planeWrites: 2, conflicts: 0, planeConflicts: [], failed: 0, errors: [] });
    // The object without a base: rewritten from Plane (its date back, a base again).
    expect(deadlines.changes.map((c) => [c.op, c.issueId, c.applied])).toEqual([['update', items.baseless.id, true]]);
    const spans = calendarOf(run.report, 'plan', project.id);
    expect(changesOf(spans)).toEqual(
      byIssue([
        {
          issueId: items.spanWhole.id,
          fields: [
            { field: 'target_date', from: '2027-04-05', to: '2027-04-12' },
            { field: 'start_date', from: '2027-04-01', to: '2027-04-08' },
          ],
          applied: true,
        },
        {
          issueId: items.spanEnd.id,
          fields: [{ field: 'target_date', from: '2027-05-03', to: '2027-05-07' }],
          applied: true,
        },
      ]),
    );
    expect(spans).toMatchObject({ planeWrites: 2, conflicts: 0, changes: [] });
    const list = calendarOf(run.report, tasks.id);
    expect(changesOf(list)).toEqual(
      byIssue([
        {
          issueId: items.taskDue.id,
          fields: [{ field: 'target_date', from: '2027-06-10', to: '2027-06-17' }],
          applied: true,
        },
        { issueId: items.taskDone.id, fields: [{ field: 'state', from: 'unstarted', to: 'completed' }], applied: true },
      ]),
    );
    expect(list).toMatchObject({ planeWrites: 2, conflicts: 0, changes: [] });
    expect(run.report.totals).toMatchObject({
      planeWrites: 6,
      conflicts: 0,
      updated: 1,
      created: 0,
      deleted: 0,
      failed: 0,
    });

    // The calendar shows the edits (now Plane's values) with a new base; the app's own additions stay.
    const after = {
      deadline: await objectAt(href.deadline),
      rewritten: await objectAt(href.rewritten),
      baseless: await objectAt(href.baseless),
      spanWhole: await objectAt(href.spanWhole),
      spanEnd: await objectAt(href.spanEnd),
      taskDue: await objectAt(href.taskDue),
      taskDone: await objectAt(href.taskDone),
    };
    expect([property(after.deadline.data, 'DTSTART'), property(after.deadline.data, 'DTEND')]).toEqual([
      '20270313',
      '20270314',
    ]);
    expect(basisOf(after.deadline.data)).toContain('target=2027-03-13');
    expect(property(after.rewritten.data, 'DTSTART')).toBe('20270702');
    expect(property(after.rewritten.data, 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR')).toBe('AUTOMATIC');
    expect(basisOf(after.rewritten.data)).toContain('target=2027-07-02');
    expect(
      [property(after.baseless.data, 'DTSTART'), property(after.baseless.data, 'DTEND')],
      'Plane wins over an object without a base',
    ).toEqual(['20270801', '20270802']);
    expect(basisOf(after.baseless.data)).toContain('target=2027-08-01');
    expect([property(after.spanWhole.data, 'DTSTART'), property(after.spanWhole.data, 'DTEND')]).toEqual([
      '20270408',
      '20270413',
    ]);
    expect([property(after.spanEnd.data, 'DTSTART'), property(after.spanEnd.data, 'DTEND')]).toEqual([
      '20270501',
      '20270508',
    ]);
    expect(property(after.taskDue.data, 'DUE')).toBe('20270617');
    expect(property(after.taskDone.data, 'STATUS')).toBe('COMPLETED');
    expect(property(after.taskDone.data, 'PERCENT-COMPLETE')).toBe('100');
    expect(basisOf(after.taskDone.data)).toContain('group=completed');

    // A second run: nothing for Plane, nothing for the calendars, not a byte changed.
    const urls = [calendarUrlOf(DEADLINES, project), calendarUrlOf(SPANS, project), calendarUrlOf(tasks, project)];
    const before = await Promise.all(urls.map(snapshot));
    const again = await sync(config);
    expect(planeWrites(), 'no PATCH on the second run').toEqual([]);
    expect(
      plane.requests.filter((r) => r.path.endsWith('/states/')),
      'no states read without a tick to send',
    ).toEqual([]);
    expect(davWrites(), 'no CalDAV write on the second run').toEqual([]);
    expect(again.report.totals).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      failed: 0,
      planeWrites: 0,
      conflicts: 0,
      unchanged: 7,
    });
    expect(await Promise.all(urls.map(snapshot))).toEqual(before);
  });
});

describe('the rest of what flows back, and what never does', () => {
  it('a time of day is kept, a dragged start moves only the start, a span without a start keeps none, un-ticking reopens, a task moved and ticked is one PATCH, a cancelled task ticked goes to writeBack.completedState; a stretched deadline, a removed DUE and an edited title are put back', async () => {
    const project = newProject('Write-back shapes');
    const shipped = plane.addState(project.id, { name: 'Shipped', group: 'completed', sequence: 99_999 });
    const tasks = {
      ...tasksEntry('todo-shapes'),
      writeBack: { fields: ['dates', 'completion'], completedState: 'Shipped' },
    };
    const items = {
      timed: plane.addIssue(project.id, {
        name: 'Has a time of day',
        labels: ['deadline'],
        target_date: '2027-03-10T15:00',
      }),
      stretched: plane.addIssue(project.id, { name: 'End stretched', labels: ['deadline'], target_date: '2027-03-20' }),
      retitled: plane.addIssue(project.id, { name: 'Title edited', labels: ['deadline'], target_date: '2027-03-25' }),
      startDragged: plane.addIssue(project.id, {
        name: 'Start dragged',
        labels: ['span'],
        start_date: '2027-04-01',
        target_date: '2027-04-05',
      }),
      noStart: plane.addIssue(project.id, {
        name: 'Span without a start moved',
        labels: ['span'],
        target_date: '2027-04-10',
      }),
      unticked: plane.addIssue(project.id, {
        name: 'Un-ticked',
        labels: ['task'],
        target_date: '2027-06-10',
        state: 'Done',
      }),
      movedAndTicked: plane.addIssue(project.id, {
        name: 'Moved and ticked',
        labels: ['task'],
        start_date: '2027-06-01',
        target_date: '2027-06-12',
        state: 'In Progress',
      }),
      cancelled: plane.addIssue(project.id, {
        name: 'Cancelled then ticked',
        labels: ['task'],
        target_date: '2027-06-14',
        state: 'Cancelled',
      }),
      dueRemoved: plane.addIssue(project.id, {
        name: 'Due removed',
        labels: ['task'],
        target_date: '2027-06-16',
        state: 'Todo',
      }),
    };
    const config = configFor([project], [DEADLINES, SPANS, tasks]);
    await sync(config);
    const edit = async (entry: Entry, item: FakeIssue, replace: Record<string, string | null>, add: string[] = []) => {
      const object = await objectAt(hrefOf(entry, project, item));
      await appSave(object, appEdit(object.data, replace, add));
    };
    expect(
      property((await objectAt(hrefOf(DEADLINES, project, items.timed))).data, 'DTSTART'),
      'an item with a time is shown on its date',
    ).toBe('20270310');
    await edit(DEADLINES, items.timed, {
      DTSTART: dateLine('DTSTART', '2027-03-12'),
      DTEND: dateLine('DTEND', '2027-03-13'),
    });
    await edit(DEADLINES, items.stretched, { DTEND: dateLine('DTEND', '2027-03-23') });
    await edit(DEADLINES, items.retitled, { SUMMARY: 'SUMMARY:My own title' });
    await edit(SPANS, items.startDragged, { DTSTART: dateLine('DTSTART', '2027-04-03') });
    await edit(SPANS, items.noStart, {
      DTSTART: dateLine('DTSTART', '2027-04-13'),
      DTEND: dateLine('DTEND', '2027-04-14'),
    });
    await edit(tasks, items.unticked, { STATUS: 'STATUS:NEEDS-ACTION', COMPLETED: null, 'PERCENT-COMPLETE': null });
    await edit(
      tasks,
      items.movedAndTicked,
      { STATUS: 'STATUS:COMPLETED', DUE: dateLine('DUE', '2027-06-13'), DTSTART: dateLine('DTSTART', '2027-06-02') },
      [`COMPLETED:${utcNow()}`, 'PERCENT-COMPLETE:100'],
    );
    await edit(tasks, items.cancelled, { STATUS: 'STATUS:COMPLETED' }, [`COMPLETED:${utcNow()}`]);
    await edit(tasks, items.dueRemoved, { DUE: null });

    const run = await sync(config);
    const backlog = plane.states(project.id).find((state) => state.default)!.id;
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: items.timed.id, body: { target_date: '2027-03-12T15:00', start_date: null }, status: 200 },
        { issueId: items.startDragged.id, body: { target_date: '2027-04-05', start_date: '2027-04-03' }, status: 200 },
        { issueId: items.noStart.id, body: { target_date: '2027-04-13', start_date: null }, status: 200 },
        { issueId: items.unticked.id, body: { state: backlog }, status: 200 },
        {
          issueId: items.movedAndTicked.id,
          body: { target_date: '2027-06-13', start_date: '2027-06-02', state: shipped.id },
          status: 200,
        },
        { issueId: items.cancelled.id, body: { state: shipped.id }, status: 200 },
      ]),
    );
    const putBack = (id: string) =>
      byIssue(
        calendarOf(run.report, id, id === tasks.id ? null : project.id).changes.map((c) => ({
          issueId: c.issueId,
          op: c.op,
          applied: c.applied,
        })),
      );
    expect(putBack('deadlines')).toEqual(
      byIssue([items.stretched, items.retitled].map((item) => ({ issueId: item.id, op: 'update', applied: true }))),
    );
    expect(putBack(tasks.id)).toEqual([{ issueId: items.dueRemoved.id, op: 'update', applied: true }]);
    expect(run.report.totals).toMatchObject({ planeWrites: 6, conflicts: 0, failed: 0 });

    expect(current(items.timed).target_date, 'the time of day Plane holds is kept').toBe('2027-03-12T15:00');
    expect(current(items.movedAndTicked)).toMatchObject({
      start_date: '2027-06-02',
      target_date: '2027-06-13',
      state: shipped.id,
    });
    expect(current(items.unticked)).toMatchObject({ state: backlog, completed_at: null });
    for (const item of [items.stretched, items.retitled, items.dueRemoved])
      expect(current(item)).toMatchObject({
        name: item.name,
        target_date: item.target_date,
        updated_at: item.updated_at,
      });
    const shown = async (entry: Entry, item: FakeIssue, ...names: string[]) => {
      const data = (await objectAt(hrefOf(entry, project, item))).data;
      return names.map((name) => property(data, name));
    };
    expect(await shown(DEADLINES, items.timed, 'DTSTART', 'DTEND')).toEqual(['20270312', '20270313']);
    expect(await shown(DEADLINES, items.stretched, 'DTSTART', 'DTEND')).toEqual(['20270320', '20270321']);
    expect(await shown(DEADLINES, items.retitled, 'SUMMARY')).toEqual([`[${items.retitled.sequence_id}] Title edited`]);
    expect(await shown(SPANS, items.startDragged, 'DTSTART', 'DTEND')).toEqual(['20270403', '20270406']);
    expect(await shown(SPANS, items.noStart, 'DTSTART', 'DTEND')).toEqual(['20270413', '20270414']);
    expect(await shown(tasks, items.unticked, 'STATUS', 'COMPLETED', 'PERCENT-COMPLETE')).toEqual([
      'NEEDS-ACTION',
      undefined,
      undefined,
    ]);
    expect(await shown(tasks, items.movedAndTicked, 'STATUS', 'DTSTART', 'DUE')).toEqual([
      'COMPLETED',
      '20270602',
      '20270613',
    ]);
    expect(await shown(tasks, items.cancelled, 'STATUS')).toEqual(['COMPLETED']);
    expect(await shown(tasks, items.dueRemoved, 'DUE')).toEqual(['20270616']);

    const again = await sync(config);
    expect(planeWrites()).toEqual([]);
    expect(davWrites()).toEqual([]);
    expect(again.report.totals).toMatchObject({ updated: 0, planeWrites: 0, conflicts: 0, unchanged: 9 });
  });
});

// ── 2. both sides changed ───────────────────────────────────────────────────────

describe('an edit in the calendar and a change in Plane', () => {
  it("to different values: a conflict, Plane wins (no PATCH, the object shows Plane's value, --json says both); to the same value: nothing sent, the object gets the new base", async () => {
    const project = newProject('Write-back conflicts');
    const tasks = tasksEntry('todo-conflicts');
    const clash = plane.addIssue(project.id, {
      name: 'Moved on both sides',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const agreed = plane.addIssue(project.id, {
      name: 'Moved alike on both sides',
      labels: ['deadline'],
      target_date: '2027-04-10',
    });
    const tickClash = plane.addIssue(project.id, {
      name: 'Ticked here and started there',
      labels: ['task'],
      target_date: '2027-05-10',
      state: 'Todo',
    });
    const tickAgreed = plane.addIssue(project.id, {
      name: 'Ticked here and done there',
      labels: ['task'],
      target_date: '2027-05-12',
      state: 'Todo',
    });
    const config = configFor([project], [DEADLINES, tasks]);
    await sync(config);

    const move = async (item: FakeIssue, to: string, next: string) => {
      const object = await objectAt(hrefOf(DEADLINES, project, item));
      await appSave(object, appEdit(object.data, { DTSTART: dateLine('DTSTART', to), DTEND: dateLine('DTEND', next) }));
    };
    const tick = async (item: FakeIssue) => {
      const object = await objectAt(hrefOf(tasks, project, item));
      await appSave(
        object,
        appEdit(object.data, { STATUS: 'STATUS:COMPLETED' }, [`COMPLETED:${utcNow()}`, 'PERCENT-COMPLETE:100']),
      );
    };
    await move(clash, '2027-03-12', '2027-03-13');
    plane.updateIssue(clash.id, { target_date: '2027-03-15' });
    await move(agreed, '2027-04-12', '2027-04-13');
    plane.updateIssue(agreed.id, { target_date: '2027-04-12' });
    await tick(tickClash);
    plane.updateIssue(tickClash.id, { state: 'In Progress' });
    await tick(tickAgreed);
    plane.updateIssue(tickAgreed.id, { state: 'Done' });

    const run = await sync(config);
    expect(planeWrites(), 'no PATCH: Plane wins a conflict, and an agreement needs none').toEqual([]);
    expect(current(clash).target_date).toBe('2027-03-15');
    const report = calendarOf(run.report, 'deadlines', project.id);
    expect(report.planeConflicts).toEqual([
      {
        uid: uidScheme('deadlines').uidFor(clash.id),
        issueId: clash.id,
        summary: `[${clash.sequence_id}] Moved on both sides`,
        field: 'dates',
        calendar: '2027-03-12',
        plane: '2027-03-15',
      },
    ]);
    expect(report).toMatchObject({ conflicts: 1, planeWrites: 0, planeChanges: [], failed: 0, errors: [] });
    const list = calendarOf(run.report, tasks.id);
    expect(list.planeConflicts).toEqual([
      expect.objectContaining({ issueId: tickClash.id, field: 'completion', calendar: 'completed', plane: 'started' }),
    ]);
    expect(list).toMatchObject({ conflicts: 1, planeWrites: 0, planeChanges: [], failed: 0, errors: [] });
    expect(run.report.totals).toMatchObject({ conflicts: 2, planeWrites: 0 });

    const clashAfter = await objectAt(hrefOf(DEADLINES, project, clash));
    expect([property(clashAfter.data, 'DTSTART'), property(clashAfter.data, 'DTEND')], "Plane's date").toEqual([
      '20270315',
      '20270316',
    ]);
    expect(basisOf(clashAfter.data)).toContain('target=2027-03-15');
    const agreedAfter = await objectAt(hrefOf(DEADLINES, project, agreed));
    expect(property(agreedAfter.data, 'DTSTART')).toBe('20270412');
    expect(basisOf(agreedAfter.data), 'the new base').toContain('target=2027-04-12');
    const tickClashAfter = await objectAt(hrefOf(tasks, project, tickClash));
    expect(
      [property(tickClashAfter.data, 'STATUS'), property(tickClashAfter.data, 'COMPLETED')],
      "Plane's state",
    ).toEqual(['IN-PROCESS', undefined]);
    expect(basisOf(tickClashAfter.data)).toContain('group=started');
    const tickAgreedAfter = await objectAt(hrefOf(tasks, project, tickAgreed));
    expect(property(tickAgreedAfter.data, 'STATUS')).toBe('COMPLETED');
    expect(basisOf(tickAgreedAfter.data)).toContain('group=completed');

    // Settled: the next run has nothing to do.
    const again = await sync(config);
    expect(planeWrites()).toEqual([]);
    expect(davWrites()).toEqual([]);
    expect(again.report.totals).toMatchObject({ conflicts: 0, planeWrites: 0, updated: 0 });
  });
});

// ── 3. without writeBack ────────────────────────────────────────────────────────

describe('a calendar without writeBack', () => {
  it('puts the same edits back from Plane and sends Plane nothing but GETs', async () => {
    const project = newProject('Read only');
    const plain = { ...DEADLINES, id: 'readonly', writeBack: undefined };
    const plainTasks = { ...tasksEntry('todo-readonly'), writeBack: undefined };
    const event = plane.addIssue(project.id, {
      name: 'Moved, but Plane only reads',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const task = plane.addIssue(project.id, {
      name: 'Ticked, but Plane only reads',
      labels: ['task'],
      target_date: '2027-03-20',
      state: 'Todo',
    });
    const config = configFor([project], [plain, plainTasks]);
    await sync(config);

    const eventObject = await objectAt(hrefOf(plain, project, event));
    expect(basisOf(eventObject.data), 'no base without writeBack').toBeUndefined();
    await appSave(
      eventObject,
      appEdit(eventObject.data, { DTSTART: dateLine('DTSTART', '2027-03-13'), DTEND: dateLine('DTEND', '2027-03-14') }),
    );
    const taskObject = await objectAt(hrefOf(plainTasks, project, task));
    await appSave(
      taskObject,
      appEdit(taskObject.data, { STATUS: 'STATUS:COMPLETED', DUE: dateLine('DUE', '2027-03-22') }, [
        `COMPLETED:${utcNow()}`,
        'PERCENT-COMPLETE:100',
      ]),
    );

    const run = await sync(config);
    expect(plane.writes).toEqual([]);
    expect(plane.requests.length).toBeGreaterThan(0);
    expect(
      plane.requests.filter((r) => r.method !== 'GET'),
      'every request to Plane is a GET',
    ).toEqual([]);
    expect(calendarOf(run.report, 'readonly', project.id).changes.map((c) => [c.op, c.issueId, c.applied])).toEqual([
      ['update', event.id, true],
    ]);
    expect(calendarOf(run.report, 'todo-readonly').changes.map((c) => [c.op, c.issueId, c.applied])).toEqual([
      ['update', task.id, true],
    ]);
    expect(run.report.calendars.every((c) => c.planeChanges === undefined && c.planeConflicts === undefined)).toBe(
      true,
    );
    expect(run.report.totals.planeWrites).toBeUndefined();

    const eventAfter = await objectAt(hrefOf(plain, project, event));
    expect([property(eventAfter.data, 'DTSTART'), property(eventAfter.data, 'DTEND')]).toEqual([
      '20270310',
      '20270311',
    ]);
    const taskAfter = await objectAt(hrefOf(plainTasks, project, task));
    expect([
      property(taskAfter.data, 'STATUS'),
      property(taskAfter.data, 'DUE'),
      property(taskAfter.data, 'COMPLETED'),
    ]).toEqual(['NEEDS-ACTION', '20270320', undefined]);
    expect([current(event).target_date, current(task).target_date, plane.state(current(task).state!)?.name]).toEqual([
      '2027-03-10',
      '2027-03-20',
      'Todo',
    ]);
  });
});

// ── 4. real clients ─────────────────────────────────────────────────────────────

const clients = clientRunner(() => work);
const tool = clients.ok;

/** A two-way vdirsyncer pair between the CalDAV collection at `url` and a local vdir `{parent}/{name}/`. */
function twoWayPair(name: string, url: string): { config: string; parent: string; folder: string } {
  const dir = newDir('vdirsyncer');
  const parent = join(dir, 'vdirs');
  const folder = join(parent, name);
  mkdirSync(join(dir, 'status'));
  mkdirSync(folder, { recursive: true });
  const user = radicale.users[0]!;
  const q = (text: string) => JSON.stringify(text);
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      '[general]',
      `status_path = ${q(`${join(dir, 'status')}/`)}`,
      '',
      `[pair ${name}]`,
      `a = "${name}_remote"`,
      `b = "${name}_local"`,
      'collections = null',
      '',
      `[storage ${name}_remote]`,
      'type = "caldav"',
      `url = ${q(url)}`,
      `username = ${q(user.username)}`,
      `password = ${q(user.password)}`,
      '',
      `[storage ${name}_local]`,
      'type = "filesystem"',
      `path = ${q(`${folder}/`)}`,
      'fileext = ".ics"',
      '',
    ].join('\n'),
  );
  return { config, parent, folder };
}

interface PorcelainTodo {
  id: number;
  summary: string;
  due: number | null;
  completed: boolean;
  percent: number | null;
}

/** Epoch seconds of a date's midnight in UTC (todoman, run with TZ=UTC, counts a date-only DUE from local midnight). */
const midnightUtc = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

describe('real clients: todoman through a two-way vdirsyncer pair', () => {
  it('todoman done and todoman edit --due, pushed by vdirsyncer, become exactly two PATCHes; todoman then lists the tasks as Plane has them', async () => {
    requireProgram('vdirsyncer', 'the task list (two-way)');
    requireProgram('todoman', 'the task list');
    const project = newProject('Todoman');
    const tasks = tasksEntry('todo-clients');
    const items = {
      tick: plane.addIssue(project.id, {
        name: 'Tick me in todoman',
        labels: ['task'],
        target_date: '2027-06-10',
        state: 'Todo',
      }),
      move: plane.addIssue(project.id, {
        name: 'Move me in todoman',
        labels: ['task'],
        target_date: '2027-06-12',
        state: 'In Progress',
      }),
      keep: plane.addIssue(project.id, {
        name: 'Leave me alone',
        labels: ['task'],
        start_date: '2027-06-01',
        target_date: '2027-06-14',
        state: 'Todo',
      }),
    };
    const config = configFor([project], [tasks]);
    await sync(config);
    const listUrl = calendarUrlOf(tasks, project);

    const pair = twoWayPair('tasks', listUrl);
    await tool('vdirsyncer', ['-c', pair.config, 'discover'], { stdin: 'y\n'.repeat(10) });
    await tool('vdirsyncer', ['-c', pair.config, 'sync']);
    expect(readdirSync(pair.folder).filter((f) => f.endsWith('.ics'))).toHaveLength(3);

    const todoman = writeTodomanConfig(newDir('todoman'), pair.parent);
    const todo = (args: string[]) => tool('todoman', ['--config', todoman, ...args], { env: { TZ: 'UTC' } });
    const list = async (): Promise<PorcelainTodo[]> =>
      JSON.parse((await todo(['--porcelain', 'list', '--status', 'ANY'])).stdout) as PorcelainTodo[];
    const idOf = (todos: PorcelainTodo[], item: FakeIssue) => {
      const found = todos.find((t) => t.summary === `[${item.sequence_id}] ${item.name}`);
      expect(found, `todoman lists ${item.name}`).toBeDefined();
      return String(found!.id);
    };
    const listed = await list();
    await todo(['done', idOf(listed, items.tick)]);
    await todo(['edit', idOf(listed, items.move), '--due', '2027-06-19']);
    const localFile = (item: FakeIssue) =>
      readFileSync(
        join(
          pair.folder,
          readdirSync(pair.folder).find((f) => readFileSync(join(pair.folder, f), 'utf8').includes(item.id))!,
        ),
        'utf8',
      );
    const todomanTick = localFile(items.tick);
    const todomanMove = localFile(items.move);

    // vdirsyncer pushes todoman's two rewrites to Radicale (and nothing else).
    const before = await snapshot(listUrl);
    await tool('vdirsyncer', ['-c', pair.config, 'sync']);
    const pushed = await snapshot(listUrl);
    const changedHrefs = pushed
      .filter((entry, i) => entry[1] !== before[i]![1])
      .map((entry) => entry[0])
      .sort();
    expect(changedHrefs).toEqual([hrefOf(tasks, project, items.tick), hrefOf(tasks, project, items.move)].sort());
    const onServer = {
      tick: await objectAt(hrefOf(tasks, project, items.tick)),
      move: await objectAt(hrefOf(tasks, project, items.move)),
    };
    expect(property(onServer.tick.data, 'STATUS')).toBe('COMPLETED');

    // Does todoman keep X-CALPLANEBOT-BASE when it rewrites a task? (Write-back needs it.)
    const kept = { tick: basisOf(onServer.tick.data), move: basisOf(onServer.move.data) };
    expect(kept, `todoman's rewrites:\n${todomanTick}\n${todomanMove}`).toEqual({
      tick: expect.stringContaining('group=unstarted'),
      move: expect.stringContaining('target=2027-06-12'),
    });

    const run = await sync(config);
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: items.tick.id, body: { state: doneStateOf(project) }, status: 200 },
        { issueId: items.move.id, body: { target_date: '2027-06-19', start_date: null }, status: 200 },
      ]),
    );
    expect(
      calendarOf(run.report, tasks.id)
        .planeChanges?.map((c) => [c.issueId, c.applied])
        .sort(),
    ).toEqual(
      [
        [items.tick.id, true],
        [items.move.id, true],
      ].sort(),
    );
    expect(current(items.tick).state).toBe(doneStateOf(project));
    expect(current(items.move).target_date).toBe('2027-06-19');
    expect(current(items.keep)).toMatchObject({ start_date: '2027-06-01', target_date: '2027-06-14' });

    // Settled: another run changes nothing, and after vdirsyncer todoman shows Plane's values.
    await sync(config);
    expect(planeWrites()).toEqual([]);
    await tool('vdirsyncer', ['-c', pair.config, 'sync']);
    const after = await list();
    const show = (item: FakeIssue) => after.find((t) => t.summary === `[${item.sequence_id}] ${item.name}`);
    expect(show(items.tick)).toMatchObject({ completed: true, percent: 100, due: midnightUtc('2027-06-10') });
    expect(show(items.move)).toMatchObject({ completed: false, due: midnightUtc('2027-06-19') });
    expect(show(items.keep)).toMatchObject({ completed: false, due: midnightUtc('2027-06-14') });
    for (const item of [items.tick, items.move]) {
      expect(
        basisOf((await objectAt(hrefOf(tasks, project, item))).data),
        `${item.name}: the base survives on the server`,
      ).toBeDefined();
    }
  });
});

// ── 5. the safety rails ─────────────────────────────────────────────────────────

describe('safety rails', () => {
  it("a date Plane refuses: exit 3 with Plane's reason, and the object is back to Plane's values at once", async () => {
    const project = newProject('Refused dates');
    const span = plane.addIssue(project.id, {
      name: 'Start dragged past the end',
      labels: ['span'],
      start_date: '2027-04-01',
      target_date: '2027-04-05',
    });
    const deadline = plane.addIssue(project.id, {
      name: 'Deadline before its start',
      labels: ['deadline'],
      start_date: '2027-03-05',
      target_date: '2027-03-10',
    });
    const config = configFor([project], [DEADLINES, SPANS]);
    await sync(config);

    const spanObject = await objectAt(hrefOf(SPANS, project, span));
    await appSave(spanObject, appEdit(spanObject.data, { DTSTART: dateLine('DTSTART', '2027-04-09') }));
    const deadlineObject = await objectAt(hrefOf(DEADLINES, project, deadline));
    await appSave(
      deadlineObject,
      appEdit(deadlineObject.data, {
        DTSTART: dateLine('DTSTART', '2027-03-02'),
        DTEND: dateLine('DTEND', '2027-03-03'),
      }),
    );

    const run = await sync(config, [], 3);
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: span.id, body: { target_date: '2027-04-05', start_date: '2027-04-09' }, status: 400 },
        { issueId: deadline.id, body: { target_date: '2027-03-02', start_date: '2027-03-05' }, status: 400 },
      ]),
    );
    expect(run.stderr).toContain('Start date cannot exceed target date');
    const failures = run.stderr.split('\n').filter((line) => line.includes('Start date cannot exceed target date'));
    expect(failures, `one line per refused item:\n${run.stderr}`).toHaveLength(2);
    for (const [entry, item] of [
      ['deadlines', deadline],
      ['plan', span],
    ] as const) {
      const report = calendarOf(run.report, entry, project.id);
      expect(report.planeChanges?.map((c) => [c.issueId, c.applied])).toEqual([[item.id, false]]);
      expect(report.errors).toEqual([
        expect.objectContaining({ operation: 'write-back', issueId: item.id, status: 400 }),
      ]);
      expect(report.errors[0]!.message).toContain('Start date cannot exceed target date');
      expect(report.failed).toBe(1);
    }
    // Plane unchanged, and the calendar shows it right after the run.
    expect([
      current(span).start_date,
      current(span).target_date,
      current(deadline).start_date,
      current(deadline).target_date,
    ]).toEqual(['2027-04-01', '2027-04-05', '2027-03-05', '2027-03-10']);
    const spanAfter = await objectAt(hrefOf(SPANS, project, span));
    expect([property(spanAfter.data, 'DTSTART'), property(spanAfter.data, 'DTEND')]).toEqual(['20270401', '20270406']);
    expect(basisOf(spanAfter.data)).toContain('start=2027-04-01');
    const deadlineAfter = await objectAt(hrefOf(DEADLINES, project, deadline));
    expect([property(deadlineAfter.data, 'DTSTART'), property(deadlineAfter.data, 'DTEND')]).toEqual([
      '20270310',
      '20270311',
    ]);

    // The refused edit is gone for good: the next run is quiet.
    const again = await sync(config);
    expect(planeWrites()).toEqual([]);
    expect(davWrites()).toEqual([]);
    expect(again.report.totals).toMatchObject({ planeWrites: 0, updated: 0, failed: 0 });
  });

  it('a read-only key: exit 3 saying the key may not edit, one PATCH tried per project, the edits kept in the calendar for a later run', async () => {
    const project = newProject('Guest key');
    const other = newProject('Member key');
    const first = plane.addIssue(project.id, {
      name: 'Moved by a guest',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const second = plane.addIssue(project.id, {
      name: 'Also moved by a guest',
      labels: ['deadline'],
      target_date: '2027-03-20',
    });
    const elsewhere = plane.addIssue(other.id, {
      name: 'Moved by a member',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const config = configFor([project, other], [DEADLINES]);
    await sync(config);
    plane.setProjectRole(project.id, 5);
    const elsewhereObject = await objectAt(hrefOf(DEADLINES, other, elsewhere));
    await appSave(elsewhereObject, appEdit(elsewhereObject.data, { DTSTART: dateLine('DTSTART', '2027-03-12') }));

    const edited: Record<string, string> = {};
    for (const [item, to] of [
      [first, '2027-03-11'],
      [second, '2027-03-21'],
    ] as const) {
      const object = await objectAt(hrefOf(DEADLINES, project, item));
      const saved = await appSave(object, appEdit(object.data, { DTSTART: dateLine('DTSTART', to) }));
      edited[item.id] = saved.data;
    }

    const run = await sync(config, [], 3);
    const refused = planeWrites().filter((w) => w.issueId !== elsewhere.id);
    expect(refused, 'the first PATCH is refused, the second not tried').toEqual([
      { issueId: expect.any(String), body: expect.objectContaining({ start_date: null }), status: 403 },
    ]);
    expect(
      planeWrites().filter((w) => w.issueId === elsewhere.id),
      "another project's write goes on",
    ).toEqual([{ issueId: elsewhere.id, body: { target_date: '2027-03-12', start_date: null }, status: 200 }]);
    expect(calendarOf(run.report, 'deadlines', other.id)).toMatchObject({ planeWrites: 1, errors: [] });
    expect(run.stderr).toMatch(/may read this project but not edit its work items/);
    const report = calendarOf(run.report, 'deadlines', project.id);
    expect(report.withheldPlaneWrites).toEqual({ reason: 'refused', count: 1 });
    expect(report.errors).toEqual([expect.objectContaining({ operation: 'write-back', status: 403 })]);
    expect(report.planeChanges?.map((c) => c.applied)).toEqual([false, false]);
    // Both edits are still in the calendar, over their old bases.
    for (const [item, to, base] of [
      [first, '20270311', 'target=2027-03-10'],
      [second, '20270321', 'target=2027-03-20'],
    ] as const) {
      const object = await objectAt(hrefOf(DEADLINES, project, item));
      expect(property(object.data, 'DTSTART'), `${item.name}: the edit is kept`).toBe(to);
      expect(basisOf(object.data)).toContain(base);
    }
    expect([current(first).target_date, current(second).target_date]).toEqual(['2027-03-10', '2027-03-20']);

    // Once the key may edit, the next run sends both.
    plane.setProjectRole(project.id, 15);
    await sync(config);
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: first.id, body: { target_date: '2027-03-11', start_date: null }, status: 200 },
        { issueId: second.id, body: { target_date: '2027-03-21', start_date: null }, status: 200 },
      ]),
    );
  });

  it('diff lists the pending write for Plane and sends nothing; diff --exit-code exits 5', async () => {
    const project = newProject('Diff');
    const item = plane.addIssue(project.id, {
      name: 'Pending for Plane',
      labels: ['deadline'],
      target_date: '2027-12-27',
    });
    const config = configFor([project], [DEADLINES]);
    await sync(config);
    const object = await objectAt(hrefOf(DEADLINES, project, item));
    const saved = await appSave(
      object,
      appEdit(object.data, { DTSTART: dateLine('DTSTART', '2027-12-30'), DTEND: dateLine('DTEND', '2027-12-31') }),
    );

    resetRecords();
    const human = await runCli(['--config', config, 'diff']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      `⇢ Plane [${item.sequence_id}] Pending for Plane: target_date 2027-12-27 → 2027-12-30`,
    );
    expect(human.stdout).toMatch(/1 to write to Plane/);

    const json = await runJson(config, 'diff');
    expect(json.code, json.stderr).toBe(0);
    expect(json.report.dryRun).toBe(true);
    expect(calendarOf(json.report, 'deadlines', project.id).planeChanges).toEqual([
      expect.objectContaining({
        issueId: item.id,
        fields: [{ field: 'target_date', from: '2027-12-27', to: '2027-12-30' }],
        applied: false,
      }),
    ]);
    expect(json.report.totals.planeWrites).toBe(1);

    const counted = await runCli(['--config', config, 'diff', '--exit-code']);
    expect(counted.code, `${counted.stdout}\n${counted.stderr}`).toBe(5);

    expect(plane.writes, 'diff sends Plane nothing').toEqual([]);
    expect(plane.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(davWrites(), 'diff writes no calendar').toEqual([]);
    expect(await objectAt(object.href)).toEqual(saved);
    expect(current(item).target_date).toBe('2027-12-27');
  });

  it('sync.maxPlaneWrites: 1 with two edits sends one PATCH and exits 3 naming --allow-mass-write; sync --allow-mass-write sends the other', async () => {
    const project = newProject('Capped');
    const items = [
      plane.addIssue(project.id, { name: 'First edit', labels: ['deadline'], target_date: '2027-03-10' }),
      plane.addIssue(project.id, { name: 'Second edit', labels: ['deadline'], target_date: '2027-03-20' }),
    ];
    /** Where the calendar moves each item to. */
    const movedTo: Record<string, string> = { [items[0]!.id]: '2027-03-14', [items[1]!.id]: '2027-03-24' };
    const config = configFor([project], [DEADLINES], { maxPlaneWrites: 1 });
    await sync(config);
    for (const item of items) {
      const object = await objectAt(hrefOf(DEADLINES, project, item));
      await appSave(object, appEdit(object.data, { DTSTART: dateLine('DTSTART', movedTo[item.id]!) }));
    }

    const capped = await sync(config, [], 3);
    expect(planeWrites()).toHaveLength(1);
    const sent = planeWrites()[0]!;
    const [done, held] = sent.issueId === items[0]!.id ? [items[0]!, items[1]!] : [items[1]!, items[0]!];
    expect(sent).toEqual({ issueId: done.id, body: { target_date: movedTo[done.id], start_date: null }, status: 200 });
    expect(
      capped.stderr.split('\n').filter((line) => line.includes('--allow-mass-write')),
      capped.stderr,
    ).toHaveLength(1);
    const report = calendarOf(capped.report, 'deadlines', project.id);
    expect(report.withheldPlaneWrites).toEqual({ reason: 'max-plane-writes', count: 1 });
    expect(report.errors).toEqual([expect.objectContaining({ operation: 'write-guard' })]);
    expect(report.planeChanges?.map((c) => [c.issueId, c.applied])).toEqual([[done.id, true]]);
    const heldObject = await objectAt(hrefOf(DEADLINES, project, held));
    expect(property(heldObject.data, 'DTSTART'), 'the withheld edit stays in the calendar').toBe(
      movedTo[held.id]!.replace(/-/g, ''),
    );
    expect(basisOf(heldObject.data)).toContain(`target=${held.target_date}`);
    expect(current(held).target_date).toBe(held.target_date);

    const allowed = await sync(config, ['--allow-mass-write']);
    expect(planeWrites()).toEqual([
      { issueId: held.id, body: { target_date: movedTo[held.id], start_date: null }, status: 200 },
    ]);
    expect(calendarOf(allowed.report, 'deadlines', project.id).withheldPlaneWrites).toBeUndefined();
    expect(current(held).target_date).toBe(movedTo[held.id]);
  });

  it('Plane unreachable (HTTP 502 on the PATCH): exit 3, the object is as the person left it, and the next run sends the change', async () => {
    const project = newProject('Outage');
    const item = plane.addIssue(project.id, {
      name: 'Moved during an outage',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const config = configFor([project], [DEADLINES]);
    await sync(config);
    const object = await objectAt(hrefOf(DEADLINES, project, item));
    const saved = await appSave(
      object,
      appEdit(object.data, { DTSTART: dateLine('DTSTART', '2027-03-12'), DTEND: dateLine('DTEND', '2027-03-13') }),
    );

    plane.failNext({ method: 'PATCH', pathIncludes: item.id }, { status: 502, times: 10 });
    const run = await sync(config, [], 3);
    plane.clearFaults();
    expect(planeWrites().length).toBeGreaterThan(0);
    expect(
      planeWrites().every(
        (w) =>
          w.issueId === item.id &&
          w.status === 502 &&
          JSON.stringify(w.body) === JSON.stringify({ target_date: '2027-03-12', start_date: null }),
      ),
    ).toBe(true);
    expect(run.stderr).toContain('HTTP 502');
    expect(calendarOf(run.report, 'deadlines', project.id).planeChanges?.map((c) => c.applied)).toEqual([false]);
    expect(current(item).target_date).toBe('2027-03-10');
    expect((await objectAt(object.href)).data, "the person's edit, byte for byte").toBe(saved.data);

    await sync(config);
    expect(planeWrites()).toEqual([
      { issueId: item.id, body: { target_date: '2027-03-12', start_date: null }, status: 200 },
    ]);
    expect(current(item).target_date).toBe('2027-03-12');
  });

  it('an incomplete Plane listing sends nothing for that project and keeps its edit in the calendar; the next complete run sends it', async () => {
    const failing = newProject('Listing fails');
    const fine = newProject('Listing fine');
    const tasks = tasksEntry('todo-partial');
    const lost = plane.addIssue(failing.id, {
      name: 'In the failed listing',
      labels: ['task'],
      target_date: '2027-06-10',
    });
    const listed = plane.addIssue(fine.id, {
      name: 'In the complete listing',
      labels: ['task'],
      target_date: '2027-06-10',
    });
    const config = configFor([failing, fine], [tasks]);
    await sync(config);
    for (const [project, item] of [
      [failing, lost],
      [fine, listed],
    ] as const) {
      const object = await objectAt(hrefOf(tasks, project, item));
      await appSave(object, appEdit(object.data, { DUE: dateLine('DUE', '2027-06-11') }));
    }

    plane.failNext({ method: 'GET', pathIncludes: `/projects/${failing.id}/work-items/` }, { status: 500, times: 10 });
    const partial = await sync(config, [], 3);
    plane.clearFaults();
    const firstWrites = planeWrites();
    expect(
      firstWrites.filter((w) => w.issueId === lost.id),
      'nothing from a project whose listing failed',
    ).toEqual([]);
    expect(calendarOf(partial.report, tasks.id).withheldPlaneWrites?.reason).toBe('listing-incomplete');
    const kept = await objectAt(hrefOf(tasks, failing, lost));
    expect(property(kept.data, 'DUE')).toBe('20270611');
    expect(basisOf(kept.data)).toContain('target=2027-06-10');
    expect(current(lost).target_date).toBe('2027-06-10');

    await sync(config);
    const allWrites = [...firstWrites, ...planeWrites()];
    expect(byIssue(allWrites), 'each edit reaches Plane once over the two runs').toEqual(
      byIssue([
        { issueId: lost.id, body: { target_date: '2027-06-11', start_date: null }, status: 200 },
        { issueId: listed.id, body: { target_date: '2027-06-11', start_date: null }, status: 200 },
      ]),
    );
  });

  it('three runs at once (no shared state dir, as cron beside a webhook or two CI jobs): each edit reaches Plane exactly once', async () => {
    const project = newProject('Race');
    const items = Array.from({ length: 6 }, (_, i) =>
      plane.addIssue(project.id, { name: `Race ${i}`, labels: ['deadline'], target_date: `2027-03-1${i}` }),
    );
    const config = configFor([project], [DEADLINES]);
    await sync(config);
    for (const [i, item] of items.entries()) {
      const object = await objectAt(hrefOf(DEADLINES, project, item));
      await appSave(
        object,
        appEdit(object.data, {
          DTSTART: dateLine('DTSTART', `2027-04-1${i}`),
          DTEND: dateLine('DTEND', `2027-04-2${i}`),
        }),
      );
    }
    resetRecords();
    const runs = await Promise.all([runJson(config, 'sync'), runJson(config, 'sync'), runJson(config, 'sync')]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(byIssue(planeWrites())).toEqual(
      byIssue(
        items.map((item, i) => ({
          issueId: item.id,
          body: { target_date: `2027-04-1${i}`, start_date: null },
          status: 200,
        })),
      ),
    );
    expect(runs.reduce((sum, run) => sum + (run.report.totals.planeWrites ?? 0), 0)).toBe(6);

    // Converged after one more run (a run that read Plane before another's PATCH may have put an
    // object back to the old date; that run's view was stale, and the next run corrects it).
    await sync(config);
    expect(planeWrites()).toEqual([]);
    for (const [i, item] of items.entries()) {
      expect(current(item).target_date).toBe(`2027-04-1${i}`);
      expect(property((await objectAt(hrefOf(DEADLINES, project, item))).data, 'DTSTART')).toBe(`2027041${i}`);
    }
    await sync(config);
    expect(davWrites()).toEqual([]);
  });
});

// ── 6. handle-webhook ───────────────────────────────────────────────────────────

interface Delivered extends CliResult {
  report: WebhookReport;
}

/** Pipes Plane's signed `issue updated` delivery for `issue` into `handle-webhook --json` (records reset first). */
async function deliverUpdated(
  config: string,
  issue: FakeIssue,
  field: string,
  env: Record<string, string> = {},
): Promise<Delivered> {
  const delivery = plane.webhookDelivery('issue', 'updated', issue.id, {
    secret: SECRET,
    deliveryId: randomUUID(),
    activity: { field },
  });
  resetRecords();
  const result = await runCli(
    [
      '--json',
      '--config',
      config,
      'handle-webhook',
      `--signature=${delivery.headers['X-Plane-Signature']}`,
      `--event=${delivery.headers['X-Plane-Event']}`,
      `--delivery=${delivery.headers['X-Plane-Delivery']}`,
    ],
    { stdin: Buffer.from(delivery.body, 'utf8'), env },
  );
  try {
    return { ...result, report: JSON.parse(result.stdout) as WebhookReport };
  } catch {
    throw new Error(`no JSON on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

describe('handle-webhook', () => {
  it("the deliveries Plane sends for calplanebot's own changes (a date, a tick) find the objects up to date: no PATCH, no CalDAV write", async () => {
    const project = newProject('Own echo');
    const tasks = tasksEntry('todo-echo');
    const item = plane.addIssue(project.id, {
      name: 'Moved then echoed',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const task = plane.addIssue(project.id, {
      name: 'Ticked then echoed',
      labels: ['task'],
      target_date: '2027-03-20',
      state: 'Todo',
    });
    const config = configFor([project], [DEADLINES, tasks]);
    await sync(config);
    const object = await objectAt(hrefOf(DEADLINES, project, item));
    await appSave(
      object,
      appEdit(object.data, { DTSTART: dateLine('DTSTART', '2027-03-16'), DTEND: dateLine('DTEND', '2027-03-17') }),
    );
    const taskObject = await objectAt(hrefOf(tasks, project, task));
    await appSave(
      taskObject,
      appEdit(taskObject.data, { STATUS: 'STATUS:COMPLETED' }, [`COMPLETED:${utcNow()}`, 'PERCENT-COMPLETE:100']),
    );
    await sync(config);
    expect(byIssue(planeWrites())).toEqual(
      byIssue([
        { issueId: item.id, body: { target_date: '2027-03-16', start_date: null }, status: 200 },
        { issueId: task.id, body: { state: doneStateOf(project) }, status: 200 },
      ]),
    );

    for (const [entry, echoed, field] of [
      [DEADLINES, item, 'target_date'],
      [tasks, task, 'state_id'],
    ] as const) {
      const written = await objectAt(hrefOf(entry, project, echoed));
      const echo = await deliverUpdated(config, echoed, field);
      expect(echo.code, echo.stderr).toBe(0);
      expect(echo.report.webhook).toMatchObject({
        event: 'issue',
        action: 'updated',
        id: echoed.id,
        nothingToDo: null,
      });
      expect(plane.writes, `${echoed.name}: no PATCH`).toEqual([]);
      expect(davWrites(), `${echoed.name}: no CalDAV write`).toEqual([]);
      expect(echo.report.totals).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
      expect(echo.report.totals.planeWrites ?? 0).toBe(0);
      const after = await objectAt(written.href);
      expect(after.etag, `${echoed.name}: ETag unchanged`).toBe(written.etag);
      expect(after.data).toBe(written.data);
    }
  });

  it('without a state dir, an edit in the calendar followed only by a delivery for that item is written back', async () => {
    const project = newProject('Webhook only');
    const event = plane.addIssue(project.id, {
      name: 'Moved, then the item changed in Plane',
      labels: ['deadline'],
      target_date: '2027-05-10',
      priority: 'low',
    });
    const task = plane.addIssue(project.id, {
      name: 'Ticked, then a delivery',
      labels: ['task'],
      target_date: '2027-05-20',
      state: 'In Progress',
    });
    const tasks = tasksEntry('todo-webhook');
    const config = configFor([project], [DEADLINES, tasks]);
    /** A fresh, empty state dir for every run, as a CI job has. */
    const stateless = () => ({ CALPLANEBOT_STATE_DIR: newDir('state') });
    resetRecords();
    const seeded = await runJson(config, 'sync');
    expect(seeded.code, seeded.stderr).toBe(0);

    const eventObject = await objectAt(hrefOf(DEADLINES, project, event));
    await appSave(
      eventObject,
      appEdit(eventObject.data, { DTSTART: dateLine('DTSTART', '2027-05-14'), DTEND: dateLine('DTEND', '2027-05-15') }),
    );
    const taskObject = await objectAt(hrefOf(tasks, project, task));
    await appSave(
      taskObject,
      appEdit(taskObject.data, { STATUS: 'STATUS:COMPLETED' }, [`COMPLETED:${utcNow()}`, 'PERCENT-COMPLETE:100']),
    );
    // Plane sends a delivery when the item changes there: here its priority (a field write-back leaves alone).
    plane.updateIssue(event.id, { priority: 'high' });

    const delivered = await deliverUpdated(config, event, 'priority', stateless());
    expect(delivered.code, delivered.stderr).toBe(0);
    expect(planeWrites(), 'the delivery reconciles that one item').toEqual([
      { issueId: event.id, body: { target_date: '2027-05-14', start_date: null }, status: 200 },
    ]);
    expect(current(event)).toMatchObject({ target_date: '2027-05-14', priority: 'high' });
    const eventAfter = await objectAt(hrefOf(DEADLINES, project, event));
    expect(property(eventAfter.data, 'DTSTART')).toBe('20270514');
    expect(property(eventAfter.data, 'COLOR'), "and the object shows Plane's change").toBe('darkorange');
    expect(basisOf(eventAfter.data)).toContain('target=2027-05-14');
    const planeChanges = delivered.report.calendars.flatMap((c) => c.planeChanges ?? []);
    expect(planeChanges.map((c) => [c.issueId, c.applied])).toEqual([[event.id, true]]);

    // The task's own delivery (Plane would send one for any change of it) writes its tick back too.
    plane.updateIssue(task.id, { name: 'Ticked then a delivery (renamed)' });
    const ticked = await deliverUpdated(config, task, 'name', stateless());
    expect(ticked.code, ticked.stderr).toBe(0);
    expect(planeWrites()).toEqual([{ issueId: task.id, body: { state: doneStateOf(project) }, status: 200 }]);
    const taskAfter = await objectAt(hrefOf(tasks, project, task));
    expect([property(taskAfter.data, 'STATUS'), property(taskAfter.data, 'SUMMARY')]).toEqual([
      'COMPLETED',
      `[${task.sequence_id}] Ticked then a delivery (renamed)`,
    ]);

    // A full run afterwards, again without state, finds nothing left to do.
    resetRecords();
    const settled = await runCli(['--json', '--config', config, 'sync'], { env: stateless() });
    expect(settled.code, settled.stderr).toBe(0);
    expect(plane.writes).toEqual([]);
    expect(davWrites()).toEqual([]);
  });

  it('a delivery for an item changed on both sides: a conflict, Plane wins, exit 0', async () => {
    const project = newProject('Webhook conflict');
    const item = plane.addIssue(project.id, {
      name: 'Moved here and there',
      labels: ['deadline'],
      target_date: '2027-03-10',
    });
    const config = configFor([project], [DEADLINES]);
    await sync(config);
    const object = await objectAt(hrefOf(DEADLINES, project, item));
    await appSave(
      object,
      appEdit(object.data, { DTSTART: dateLine('DTSTART', '2027-03-12'), DTEND: dateLine('DTEND', '2027-03-13') }),
    );
    plane.updateIssue(item.id, { target_date: '2027-03-15' });

    const delivered = await deliverUpdated(config, item, 'target_date');
    expect(delivered.code, delivered.stderr).toBe(0);
    expect(plane.writes).toEqual([]);
    expect(delivered.report.calendars.flatMap((c) => c.planeConflicts ?? [])).toEqual([
      expect.objectContaining({ issueId: item.id, field: 'dates', calendar: '2027-03-12', plane: '2027-03-15' }),
    ]);
    expect(property((await objectAt(object.href)).data, 'DTSTART')).toBe('20270315');
  });
});

// ── bugs this file found in src/ (each test fails until it is fixed) ──────────────

describe('write-back bugs (these tests fail until src/ is fixed)', () => {
  it("a timed event saved by an app in UTC is read on its UTC date, not its date in the project's zone: an hour earlier on the same day must send nothing, the next morning must move the date", async () => {
    // src/sync/write-back.ts moved() compares `now.slice(0, 10)` of the shown DTSTART as the app
    // wrote it. An app that saves a time in UTC (or in the person's own zone) shifts that date for a
    // project far from UTC: 08:00 in Tokyo on the 10th is 23:00 UTC on the 9th.
    const project = plane.addProject({ name: 'Tokyo times', identifier: 'WBTYO', timezone: 'Asia/Tokyo' });
    const timed = { ...DEADLINES, id: 'timed', times: 'timed' };
    const earlier = plane.addIssue(project.id, {
      name: 'An hour earlier, same day',
      labels: ['deadline'],
      target_date: '2027-03-10T09:00',
    });
    const nextDay = plane.addIssue(project.id, {
      name: 'The next morning',
      labels: ['deadline'],
      target_date: '2027-03-10T09:00',
    });
    const config = configFor([project], [timed]);
    await sync(config);
    const earlierObject = await objectAt(hrefOf(timed, project, earlier));
    expect(earlierObject.data).toContain('DTSTART;TZID=Asia/Tokyo:20270310T090000');
    // 08:00 Tokyo on the 10th, as UTC.
    await appSave(
      earlierObject,
      appEdit(earlierObject.data, { DTSTART: 'DTSTART:20270309T230000Z', DTEND: 'DTEND:20270310T000000Z' }),
    );
    const nextDayObject = await objectAt(hrefOf(timed, project, nextDay));
    // 08:00 Tokyo on the 11th, as UTC.
    await appSave(
      nextDayObject,
      appEdit(nextDayObject.data, { DTSTART: 'DTSTART:20270310T230000Z', DTEND: 'DTEND:20270311T000000Z' }),
    );

    await sync(config);
    expect(planeWrites(), 'only the item moved to another day in Tokyo, by that one day, its time of day kept').toEqual(
      [{ issueId: nextDay.id, body: { target_date: '2027-03-11T09:00', start_date: null }, status: 200 }],
    );
    expect(current(earlier).target_date, 'never a wrong write').toBe('2027-03-10T09:00');
  });

  it('one item in two writeBack calendars, moved differently in each: one PATCH and a conflict, not two PATCHes where the later silently overwrites the earlier', async () => {
    // Each calendar decides against the Plane listing read at the start of the run; after the first
    // calendar's PATCH the second still sees Plane unchanged and sends its own value too.
    const project = newProject('Two calendars');
    const deadlines = { ...DEADLINES, id: 'twice-deadline', filter: { labels: ['twice'] } };
    const spans = { ...SPANS, id: 'twice-span', filter: { labels: ['twice'] } };
    const item = plane.addIssue(project.id, {
      name: 'Shown twice',
      labels: ['twice'],
      start_date: '2027-03-01',
      target_date: '2027-03-10',
    });
    const config = configFor([project], [deadlines, spans]);
    await sync(config);
    const deadline = await objectAt(hrefOf(deadlines, project, item));
    await appSave(
      deadline,
      appEdit(deadline.data, { DTSTART: dateLine('DTSTART', '2027-03-12'), DTEND: dateLine('DTEND', '2027-03-13') }),
    );
    const span = await objectAt(hrefOf(spans, project, item));
    await appSave(span, appEdit(span.data, { DTEND: dateLine('DTEND', '2027-03-20') }));

    const run = await sync(config);
    expect(
      planeWrites().filter((w) => w.issueId === item.id),
      'one PATCH for the item in one run',
    ).toHaveLength(1);
    expect(run.report.totals.conflicts, "the other calendar's edit is reported as a conflict").toBe(1);
  });
});
