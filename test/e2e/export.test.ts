/**
 * `export` end to end: the built CLI as a child process against the fake Plane (the sample
 * workspace), writing one `.ics` feed per calendar into temp folders. The feeds are then read the
 * way subscribers read them: served over loopback HTTP to a real `vdirsyncer` (an `http` storage
 * pulled into a `filesystem` one), imported into a real `khal`, parsed with ical.js. Their events
 * are compared byte for byte with what `sync` PUTs to a real Radicale for the same config.
 *
 * The configs here have no `caldav` section (export needs Plane only), except the one `sync` runs
 * with. The calendars: the default per-project entry (`projects-web.ics`, `projects-ops.ics`) and a
 * combined "my work" entry (`mine.ics`: jonas's open items, one per project).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportReport, FeedReport } from '../../src/feed/export.js';
import { type CliResult, runCli, runJson } from '../support/cli.js';
import { clientRunner, requireProgram, writeKhalConfig } from '../support/clients.js';
import { type FakeIssue, type FakePlane, startFakePlane } from '../support/fake-plane.js';
import { type Radicale, startRadicale } from '../support/radicale.js';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.js';
import { daysFrom, type SampleWorkspace, seedSampleWorkspace } from '../support/sample-workspace.js';

let plane: FakePlane;
let sample: SampleWorkspace;
let radicale: Radicale;
let dav: RecordingProxy;
let feeds: FeedServer;
/** Everything this file writes (configs, feeds, client configs and storages) lives under here. */
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'calplanebot-export-'));
  plane = await startFakePlane({ rateLimitPerMinute: null, seed: 41 });
  sample = seedSampleWorkspace(plane);
  radicale = await startRadicale();
  dav = await startRecordingProxy(radicale.url);
  feeds = await startFeedServer(work);
});

afterAll(async () => {
  await feeds?.close();
  await dav?.close();
  await radicale?.stop();
  await plane?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ── the config and the CLI ──────────────────────────────────────────────

const CALENDARS = [
  { id: 'projects', perProject: true },
  {
    id: 'mine',
    name: 'Plane: my work',
    filter: { assignees: ['jonas'], stateGroups: ['backlog', 'unstarted', 'started'] },
  },
];

let dirCounter = 0;
/** A new folder under `work` (not created when `create` is false: export must make it). */
function newDir(label: string, create = true): string {
  dirCounter += 1;
  const dir = join(work, `${label}-${dirCounter}`);
  if (create) mkdirSync(dir);
  return dir;
}

/** A config file with `plane.*` and `calendars` and no `caldav` section, plus `extra`. */
function exportConfig(extra: Record<string, unknown> = {}): string {
  const file = join(newDir('config'), 'calplanebot.config.json');
  const body = {
    plane: {
      baseUrl: plane.url,
      webUrl: 'https://plane.example.test',
      workspaceSlug: plane.workspaceSlug,
      apiKey: plane.apiKey,
    },
    calendars: CALENDARS,
    http: { retries: 2, backoffMinMs: 10, backoffMaxMs: 50, maxRetryAfterMs: 2000, timeoutMs: 10000 },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(body, null, 2), { mode: 0o600 });
  return file;
}

function exportJson(config: string, ...args: string[]): Promise<CliResult & { report: ExportReport }> {
  return runJson<ExportReport>(config, 'export', ...args);
}

/** `export --json --out <dir>`, which must succeed. */
async function exportOk(config: string, out: string, ...args: string[]): Promise<ExportReport> {
  const run = await exportJson(config, '--out', out, ...args);
  expect(run.code, run.stderr).toBe(0);
  return run.report;
}

// ── what each feed must hold ──────────────────────────────────────────────

type Handle = keyof SampleWorkspace['issues'];

interface FeedSpec {
  file: string;
  /** The calendar's display name (NAME, X-WR-CALNAME). */
  name: string;
  id: string;
  project: string | null;
  uidOf(issue: FakeIssue): string;
  /** The sample items the feed shows (only dated ones become events). */
  handles: Handle[];
}

const SPECS: FeedSpec[] = [
  {
    file: 'projects-web.ics',
    name: 'Plane: Website',
    id: 'projects',
    project: 'WEB',
    uidOf: (issue) => `plane-issue-${issue.id}@calplanebot`,
    // `colours` has no target date.
    handles: ['pricing', 'checkout', 'guide', 'cafe', 'release'],
  },
  {
    file: 'projects-ops.ics',
    name: 'Plane: Operations',
    id: 'projects',
    project: 'OPS',
    uidOf: (issue) => `plane-issue-${issue.id}@calplanebot`,
    handles: ['tls', 'drill', 'ci'],
  },
  {
    file: 'mine.ics',
    name: 'Plane: my work',
    id: 'mine',
    project: null,
    uidOf: (issue) => `plane-issue-${issue.id}@mine.calplanebot`,
    // jonas's items not completed or cancelled: `release` is Done.
    handles: ['checkout', 'tls'],
  },
];
const FILES = SPECS.map((spec) => spec.file);
const spec = (file: string): FeedSpec => SPECS.find((s) => s.file === file)!;
/** The item as Plane holds it now (names change in some tests). */
const current = (handle: Handle): FakeIssue => plane.issue(sample.issues[handle].id)!;
const summaryOf = (issue: FakeIssue): string => `[${issue.sequence_id}] ${issue.name}`;

function fileOf(report: ExportReport, file: string): FeedReport {
  const s = spec(file);
  const found = report.files.filter((f) => f.id === s.id && f.project === s.project);
  expect(found, `report lines for ${file}`).toHaveLength(1);
  return found[0]!;
}

function statuses(report: ExportReport): Record<string, string> {
  return Object.fromEntries(FILES.map((file) => [file, fileOf(report, file).status]));
}

// ── reading iCalendar text ────────────────────────────────────────────────

const unfold = (text: string): string => text.replace(/\r?\n[ \t]/g, '');

/** The VEVENT components of `text`, each exactly as it stands (folded, CRLF-terminated). */
function veventsOf(text: string): string[] {
  return [...text.matchAll(/BEGIN:VEVENT\r?\n[\s\S]*?END:VEVENT\r?\n/g)].map((m) => m[0]);
}

function property(component: string, name: string): string | undefined {
  return new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*?)\\r?$`, 'm').exec(unfold(component))?.[1];
}

/** A component's unfolded content lines, less `drop`, sorted: equal for the same event however a tool reorders it. */
function contentLines(component: string, drop: readonly string[] = []): string[] {
  return unfold(component)
    .split(/\r?\n/)
    .filter((line) => line !== '' && !drop.some((name) => new RegExp(`^${name}[;:]`).test(line)))
    .sort();
}

interface FileState {
  bytes: Buffer;
  ino: number;
  mtimeMs: number;
}

function snapshot(dir: string): Record<string, FileState> {
  return Object.fromEntries(
    FILES.map((file) => {
      const path = join(dir, file);
      const stat = statSync(path);
      return [file, { bytes: readFileSync(path), ino: stat.ino, mtimeMs: stat.mtimeMs }];
    }),
  );
}

function expectUntouched(before: FileState, dir: string, file: string): void {
  const now = snapshot(dir)[file]!;
  expect(now.bytes.equals(before.bytes), `${file}: bytes`).toBe(true);
  expect(now.ino, `${file}: inode (replaced)`).toBe(before.ino);
  expect(now.mtimeMs, `${file}: mtime (rewritten)`).toBe(before.mtimeMs);
}

/** Written by rename: new bytes in a new inode. */
function expectReplaced(before: FileState, dir: string, file: string): void {
  const now = snapshot(dir)[file]!;
  expect(now.bytes.equals(before.bytes), `${file}: bytes should have changed`).toBe(false);
  expect(now.ino, `${file}: a new inode (written to a temp file, renamed over)`).not.toBe(before.ino);
}

/** Exactly the three feeds, no leftover temp file. */
function expectOnlyFeeds(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual([...FILES].sort());
}

/**
 * Everything a subscriber relies on: a complete VCALENDAR with the feed header, CRLF throughout,
 * exactly the expected UIDs in date order, and each event's date and summary as Plane has them.
 */
function expectFeed(text: string, feed: FeedSpec, refreshInterval = 'PT1H'): void {
  expect(text.split('\r\n').slice(0, 9), feed.file).toEqual([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//calplanebot//calplanebot//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${feed.name}`,
    `X-WR-CALNAME:${feed.name}`,
    `REFRESH-INTERVAL;VALUE=DURATION:${refreshInterval}`,
    `X-PUBLISHED-TTL:${refreshInterval}`,
  ]);
  expect(text.endsWith('END:VCALENDAR\r\n'), `${feed.file} ends with END:VCALENDAR`).toBe(true);
  expect(text.replace(/\r\n/g, ''), `${feed.file}: a bare LF or CR`).not.toMatch(/[\r\n]/);
  expect(text.match(/^BEGIN:VCALENDAR\r$/gm), `${feed.file}: one VCALENDAR`).toHaveLength(1);

  const items = feed.handles.map(current);
  const events = veventsOf(text);
  expect(events.map((e) => property(e, 'UID')).sort(), feed.file).toEqual(items.map(feed.uidOf).sort());
  // A stable order: by date (then UID).
  const starts = events.map((e) => property(e, 'DTSTART') ?? '');
  expect(starts, `${feed.file}: events in date order`).toEqual([...starts].sort());

  // ical.js, in this process's TZ (the suite runs under Pacific/Kiritimati): dates stay dates.
  const parsed = ICAL.parse(text);
  expect(parsed[0], `${feed.file}: one root component`).toBe('vcalendar');
  const calendar = new ICAL.Component(parsed);
  expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
  expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(feed.name);
  expect(String(calendar.getFirstPropertyValue('refresh-interval'))).toBe(refreshInterval);
  const vevents = calendar.getAllSubcomponents('vevent');
  expect(vevents).toHaveLength(items.length);
  for (const item of items) {
    const vevent = vevents.find((v) => v.getFirstPropertyValue('uid') === feed.uidOf(item));
    expect(vevent, `${feed.file}: ${item.name}`).toBeDefined();
    const event = new ICAL.Event(vevent);
    expect(event.startDate.isDate, `${feed.file}: ${item.name} is all-day`).toBe(true);
    expect(event.startDate.toString()).toBe(item.target_date);
    expect(event.endDate.toString()).toBe(daysFrom(item.target_date!, 1));
    expect(event.summary).toBe(summaryOf(item));
  }
}

// ── a loopback web server for the feeds ─────────────────────────────────────

interface FeedServer {
  url: string;
  /** Paths served with 200, in order. */
  served: string[];
  close(): Promise<void>;
}

/** Serves the files under `root` as text/calendar, as a static web server would publish them. */
async function startFeedServer(root: string): Promise<FeedServer> {
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const path = resolve(root, `.${pathname}`);
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      !path.startsWith(root + sep) ||
      !existsSync(path) ||
      !statSync(path).isFile()
    ) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const body = readFileSync(path);
    served.push(pathname);
    res.writeHead(200, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'Content-Length': String(body.length),
      'Last-Modified': statSync(path).mtime.toUTCString(),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const urlOf = (path: string): string =>
  `${feeds.url}/${path
    .slice(work.length + 1)
    .split(sep)
    .map(encodeURIComponent)
    .join('/')}`;

// ── the subscribers: vdirsyncer and khal ──────────────────────────────────

const clients = clientRunner(() => work);
const tool = clients.ok;

interface Subscription {
  config: string;
  /** Local folder per feed file. */
  storages: Record<string, string>;
}

/** A vdirsyncer config with one pair per feed: the feed's URL (`http`) pulled into a folder of `.ics` files. */
function vdirsyncerConfig(out: string, files: string[]): Subscription {
  const dir = newDir('vdirsyncer');
  const status = join(dir, 'status');
  mkdirSync(status);
  const q = (s: string) => JSON.stringify(s);
  const lines = ['[general]', `status_path = ${q(`${status}/`)}`, ''];
  const storages: Record<string, string> = {};
  files.forEach((file, i) => {
    const local = join(dir, `feed${i}`);
    mkdirSync(local);
    storages[file] = local;
    lines.push(
      `[pair feed${i}]`,
      `a = "feed${i}_remote"`,
      `b = "feed${i}_local"`,
      'collections = null',
      'conflict_resolution = "a wins"',
      '',
      `[storage feed${i}_remote]`,
      'type = "http"',
      `url = ${q(urlOf(join(out, file)))}`,
      '',
      `[storage feed${i}_local]`,
      'type = "filesystem"',
      `path = ${q(`${local}/`)}`,
      'fileext = ".ics"',
      '',
    );
  });
  const config = join(dir, 'config');
  writeFileSync(config, lines.join('\n'));
  return { config, storages };
}

/** The VEVENTs vdirsyncer stored in a folder, one per file. */
function pulled(folder: string): string[] {
  const names = readdirSync(folder).filter((name) => name.endsWith('.ics'));
  return names.map((name) => {
    const events = veventsOf(readFileSync(join(folder, name), 'utf8'));
    expect(events, `${folder}/${name}: one VEVENT per file`).toHaveLength(1);
    return events[0]!;
  });
}

/**
 * The folder holds exactly the feed's events. vdirsyncer's `http` storage replaces every UID with a
 * hash of the event (`ignore_uids`, fixed on for it in vdirsyncer 0.19), so the events are matched
 * by X-CALPLANEBOT-ISSUE-ID, and each must be the feed's event with only its UID changed.
 */
function expectPulled(folder: string, feedText: string, feed: FeedSpec): void {
  const items = feed.handles.map(current);
  const local = pulled(folder);
  expect(local.map((e) => property(e, 'X-CALPLANEBOT-ISSUE-ID')).sort(), `${feed.file} via vdirsyncer`).toEqual(
    items.map((i) => i.id).sort(),
  );
  const published = veventsOf(feedText);
  for (const item of items) {
    const mine = published.find((e) => property(e, 'UID') === feed.uidOf(item))!;
    const theirs = local.find((e) => property(e, 'X-CALPLANEBOT-ISSUE-ID') === item.id)!;
    expect(contentLines(theirs, ['UID']), `${feed.file}: ${item.name} as vdirsyncer stored it`).toEqual(
      contentLines(mine, ['UID']),
    );
    expect(property(theirs, 'SUMMARY')).toBe(summaryOf(item));
  }
}

/** A khal config with one calendar (an empty vdir), its database in the temp dir. */
function khalConfig(): { config: string; calendar: string } {
  const dir = newDir('khal');
  const calendar = join(dir, 'feed');
  mkdirSync(calendar);
  return { config: writeKhalConfig(dir, 'feed', calendar), calendar };
}

// ── the tests ─────────────────────────────────────────────────────────────

describe('export, end to end', () => {
  it('writes one complete feed per calendar, each holding exactly the events sync PUTs into that calendar', async () => {
    const config = exportConfig();
    const out = newDir('feeds', false);
    const report = await exportOk(config, out);

    expect(report.files.map((f) => f.path)).toEqual(FILES.map((file) => join(out, file)));
    expect(report.totals).toMatchObject({ files: 3, written: 3, unchanged: 0, kept: 0, failed: 0, objects: 5 + 3 + 2 });
    expect(report.warnings).toEqual([]);
    expectOnlyFeeds(out);
    for (const feed of SPECS) {
      const line = fileOf(report, feed.file);
      const text = readFileSync(join(out, feed.file), 'utf8');
      expect(line).toMatchObject({
        name: feed.name,
        status: 'written',
        objects: feed.handles.length,
        bytes: statSync(join(out, feed.file)).size,
        errors: [],
      });
      expectFeed(text, feed);
    }
    expect(fileOf(report, 'projects-web.ics').skipped, 'the undated item').toBe(1);

    // `sync` with the same calendars, into a real Radicale: its PUTs carry the very same VEVENTs.
    const user = radicale.users[0]!;
    const syncConfig = exportConfig({
      caldav: { serverUrl: dav.url, username: user.username, password: user.password },
    });
    const puts: Array<{ collection: string; body: string }> = [];
    dav.intercept(({ method, path, body }) => {
      const collection = /\/([^/]+)\/[^/]+\.ics$/.exec(decodeURIComponent(path))?.[1];
      if (method === 'PUT' && collection) puts.push({ collection, body: body.toString('utf8') });
      return undefined;
    });
    try {
      const sync = await runJson(syncConfig, 'sync');
      expect(sync.code, sync.stderr).toBe(0);
    } finally {
      dav.intercept(undefined);
    }
    const collections: Record<string, string> = {
      'projects-web.ics': `plane-${sample.projects.web.id}`,
      'projects-ops.ics': `plane-${sample.projects.ops.id}`,
      'mine.ics': 'plane-mine',
    };
    expect(puts).toHaveLength(report.totals.objects);
    for (const feed of SPECS) {
      const put = puts.filter((p) => p.collection === collections[feed.file]).flatMap((p) => veventsOf(p.body));
      expect(put.sort(), `${feed.file} vs the PUTs to ${collections[feed.file]}/`).toEqual(
        veventsOf(readFileSync(join(out, feed.file), 'utf8')).sort(),
      );
    }
  });

  it('vdirsyncer subscribes to the feeds over HTTP and gets every event, then follows a change to one of them', async () => {
    requireProgram('vdirsyncer', 'the exported feeds');
    const config = exportConfig();
    const out = newDir('served', false);
    await exportOk(config, out);
    const subscription = vdirsyncerConfig(out, FILES);
    feeds.served.length = 0;

    // discover asks nothing with `collections = null`; stdin is there in case a version does.
    await tool('vdirsyncer', ['-c', subscription.config, 'discover'], { stdin: 'y\n'.repeat(10) });
    await tool('vdirsyncer', ['-c', subscription.config, 'sync']);
    for (const file of FILES) {
      expect(feeds.served, `vdirsyncer fetched ${file}`).toContain(`/${out.slice(work.length + 1)}/${file}`);
      expectPulled(subscription.storages[file]!, readFileSync(join(out, file), 'utf8'), spec(file));
    }

    // A WEB item renamed in Plane; after the next export vdirsyncer has the new event in place of the old.
    const checkout = sample.issues.checkout;
    const before = summaryOf(current('checkout'));
    plane.updateIssue(checkout.id, { name: 'Fix checkout rounding (VAT)' });
    const again = await exportOk(config, out);
    expect(statuses(again)).toEqual({
      'projects-web.ics': 'written',
      'projects-ops.ics': 'unchanged',
      'mine.ics': 'written',
    });
    const opsBefore = readdirSync(subscription.storages['projects-ops.ics']!).sort();
    await tool('vdirsyncer', ['-c', subscription.config, 'sync']);
    for (const file of FILES)
      expectPulled(subscription.storages[file]!, readFileSync(join(out, file), 'utf8'), spec(file));
    for (const file of ['projects-web.ics', 'mine.ics']) {
      const summaries = pulled(subscription.storages[file]!).map((e) => property(e, 'SUMMARY'));
      expect(summaries, file).toContain(summaryOf(current('checkout')));
      expect(summaries, file).not.toContain(before);
    }
    expect(readdirSync(subscription.storages['projects-ops.ics']!).sort(), 'OPS untouched').toEqual(opsBefore);
  });

  it('khal imports a feed (the per-project WEB one) and lists each event on its date', async () => {
    requireProgram('khal', 'the exported feeds');
    const out = newDir('khal-feed', false);
    await exportOk(exportConfig(), out);
    const khal = khalConfig();
    const file = join(out, 'projects-web.ics');

    await tool('khal', ['-c', khal.config, 'import', '--batch', '-a', 'feed', file]);
    const today = plane.today();
    const listed = await tool('khal', [
      '-c',
      khal.config,
      'list',
      '--once',
      '--format',
      '{start-date}|{end-date}|{title}',
      '--day-format',
      '',
      daysFrom(today, -30),
      daysFrom(today, 30),
    ]);
    const lines = listed.stdout.split('\n').filter((line) => line.trim() !== '');
    const items = spec('projects-web.ics').handles.map(current);
    // All-day events: khal shows the one day (its end date is the inclusive last day).
    expect(lines.sort()).toEqual(items.map((i) => `${i.target_date}|${i.target_date}|${summaryOf(i)}`).sort());
    // The imported events keep the feed's UIDs (khal names the files by them).
    expect(readdirSync(khal.calendar).sort()).toEqual(
      items.map((i) => `${spec('projects-web.ics').uidOf(i)}.ics`).sort(),
    );
  });

  it('rewrites nothing when Plane is unchanged; a changed item rewrites only the files of the calendars that show it', async () => {
    const config = exportConfig();
    const out = newDir('steady', false);
    await exportOk(config, out);
    const first = snapshot(out);
    // Far enough apart that a rewrite would show in the mtime.
    await new Promise((r) => setTimeout(r, 50));

    const second = await exportOk(config, out);
    expect(statuses(second)).toEqual({
      'projects-web.ics': 'unchanged',
      'projects-ops.ics': 'unchanged',
      'mine.ics': 'unchanged',
    });
    expect(second.totals).toMatchObject({ written: 0, unchanged: 3, kept: 0 });
    for (const file of FILES) {
      expectUntouched(first[file]!, out, file);
      expect(fileOf(second, file).bytes, file).toBe(first[file]!.bytes.length);
    }
    // The same Plane gives the same bytes in a fresh folder too.
    const elsewhere = newDir('steady-copy', false);
    await exportOk(config, elsewhere);
    for (const file of FILES) expect(readFileSync(join(elsewhere, file)).equals(first[file]!.bytes), file).toBe(true);

    // `tls` (OPS, jonas, Todo) is in projects-ops.ics and mine.ics.
    plane.updateIssue(sample.issues.tls.id, { name: 'Renew TLS certificates (wildcard)' });
    const third = await exportOk(config, out);
    expect(statuses(third)).toEqual({
      'projects-web.ics': 'unchanged',
      'projects-ops.ics': 'written',
      'mine.ics': 'written',
    });
    expectUntouched(first['projects-web.ics']!, out, 'projects-web.ics');
    expectReplaced(first['projects-ops.ics']!, out, 'projects-ops.ics');
    expectReplaced(first['mine.ics']!, out, 'mine.ics');
    for (const file of FILES) expectFeed(readFileSync(join(out, file), 'utf8'), spec(file));
    expectOnlyFeeds(out);

    // `guide` (WEB, priya and maria) is in projects-web.ics only.
    const afterTls = snapshot(out);
    await new Promise((r) => setTimeout(r, 50));
    plane.updateIssue(sample.issues.guide.id, { name: 'Write the migration guide for v2.1' });
    const fourth = await exportOk(config, out);
    expect(statuses(fourth)).toEqual({
      'projects-web.ics': 'written',
      'projects-ops.ics': 'unchanged',
      'mine.ics': 'unchanged',
    });
    expectReplaced(afterTls['projects-web.ics']!, out, 'projects-web.ics');
    expectUntouched(afterTls['projects-ops.ics']!, out, 'projects-ops.ics');
    expectUntouched(afterTls['mine.ics']!, out, 'mine.ics');
    expect(readFileSync(join(out, 'projects-web.ics'), 'utf8')).toContain(`SUMMARY:${summaryOf(current('guide'))}`);
    expectOnlyFeeds(out);
  });

  it("a project whose Plane listing fails keeps its file byte for byte (status kept, exit 3); the other project's file is written", async () => {
    const config = exportConfig();
    const out = newDir('faulty', false);
    await exportOk(config, out);
    const before = snapshot(out);
    await new Promise((r) => setTimeout(r, 50));
    const web = sample.projects.web;
    // `pricing` is in projects-web.ics only; `tls` (OPS, jonas) in projects-ops.ics and mine.ics.
    plane.updateIssue(sample.issues.pricing.id, { name: 'Launch the new pricing page (EU)' });
    plane.updateIssue(sample.issues.tls.id, { name: 'Renew TLS certificates before Friday' });

    const listing = `/projects/${web.id}/work-items/`;
    plane.resetRequests();
    plane.failNext({ pathIncludes: listing }, { status: 500, times: Infinity });
    let run: CliResult & { report: ExportReport };
    try {
      run = await exportJson(config, '--out', out);
    } finally {
      plane.clearFaults();
    }
    expect(run.code, run.stderr).toBe(3);
    expect(
      plane.requests.filter((r) => r.path.includes(listing)).map((r) => r.status),
      'the fault was hit',
    ).toContain(500);

    const webLine = fileOf(run.report, 'projects-web.ics');
    expect(webLine.status).toBe('kept');
    expect(webLine.errors).toEqual([expect.objectContaining({ operation: 'list-issues', status: 500 })]);
    expectUntouched(before['projects-web.ics']!, out, 'projects-web.ics');
    // "my work" spans WEB too: a feed is never published with one project's share missing, even
    // though its OPS share changed.
    expect(fileOf(run.report, 'mine.ics')).toMatchObject({
      status: 'kept',
      errors: [expect.objectContaining({ operation: 'list-issues', status: 500 })],
    });
    expectUntouched(before['mine.ics']!, out, 'mine.ics');
    // OPS was read completely: its file has the renamed tls.
    expect(fileOf(run.report, 'projects-ops.ics')).toMatchObject({ status: 'written', errors: [] });
    expectReplaced(before['projects-ops.ics']!, out, 'projects-ops.ics');
    expectFeed(readFileSync(join(out, 'projects-ops.ics'), 'utf8'), spec('projects-ops.ics'));
    expect(run.report.totals).toMatchObject({ files: 3, written: 1, kept: 2 });
    expect(run.stderr).toContain(`${join(out, 'projects-web.ics')}: list-issues failed`);
    expect(run.stderr).toContain(`${join(out, 'mine.ics')}: list-issues failed`);
    expectOnlyFeeds(out);

    // Plane answers again: the kept files catch up.
    const healed = await exportOk(config, out);
    expect(statuses(healed)).toEqual({
      'projects-web.ics': 'written',
      'projects-ops.ics': 'unchanged',
      'mine.ics': 'written',
    });
    for (const file of FILES) expectFeed(readFileSync(join(out, file), 'utf8'), spec(file));
    expect(readFileSync(join(out, 'projects-web.ics'), 'utf8')).toContain(`SUMMARY:${summaryOf(current('pricing'))}`);
    expect(readFileSync(join(out, 'mine.ics'), 'utf8')).toContain(`SUMMARY:${summaryOf(current('tls'))}`);
  });

  it('--out - prints exactly the bytes of the one selected file; a selection of two exits 2', async () => {
    const config = exportConfig();
    const out = newDir('stdout', false);
    await exportOk(config, out);

    for (const [file, args] of [
      ['mine.ics', ['--calendar', 'mine']],
      ['projects-web.ics', ['--calendar', 'projects', '--project', 'WEB']],
      ['projects-ops.ics', ['--calendar', 'projects', '--project', 'OPS']],
    ] as const) {
      const run = await runCli(['--config', config, 'export', '--out', '-', ...args]);
      expect(run.code, run.stderr).toBe(0);
      expect(
        Buffer.from(run.stdout, 'utf8').equals(readFileSync(join(out, file))),
        `stdout of ${args.join(' ')} is ${file}`,
      ).toBe(true);
    }

    for (const args of [['--calendar', 'projects', '--calendar', 'mine'], ['--calendar', 'projects'], []]) {
      const run = await runCli(['--config', config, 'export', '--out', '-', ...args]);
      expect(run.code, `--out - ${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stdout, 'nothing on stdout').toBe('');
      expect(run.stderr).toMatch(/--out -/);
    }
    // The report and the feed cannot share stdout: --json gets its error report there, and no feed.
    const both = await runCli(['--json', '--config', config, 'export', '--out', '-', '--calendar', 'mine']);
    expect(both.code, both.stderr).toBe(2);
    expect(both.stdout).not.toContain('BEGIN:VCALENDAR');
    expect(JSON.parse(both.stdout)).toMatchObject({
      error: { exitCode: 2, message: expect.stringContaining('--out -') },
    });
  });

  it('needs no caldav section: export exits 0 with a Plane-only config, while sync with it exits 2 naming caldav.serverUrl', async () => {
    const config = exportConfig();
    expect(JSON.parse(readFileSync(config, 'utf8'))).not.toHaveProperty('caldav');
    const out = newDir('plane-only', false);
    const run = await runCli(['--config', config, 'export', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/caldav/i);
    expectOnlyFeeds(out);

    const sync = await runCli(['--config', config, 'sync']);
    expect(sync.code, sync.stderr).toBe(2);
    expect(sync.stderr).toContain('caldav.serverUrl');
  });

  it('export.refreshInterval goes into REFRESH-INTERVAL and X-PUBLISHED-TTL; a malformed one exits 2 naming the key and writes nothing', async () => {
    const out = newDir('refresh', false);
    await exportOk(exportConfig(), out);
    const report = await exportOk(exportConfig({ export: { refreshInterval: 'PT30M' } }), out);
    // A header change is a change of bytes: every file is written again.
    expect(statuses(report)).toEqual({
      'projects-web.ics': 'written',
      'projects-ops.ics': 'written',
      'mine.ics': 'written',
    });
    for (const feed of SPECS) {
      const text = readFileSync(join(out, feed.file), 'utf8');
      expectFeed(text, feed, 'PT30M');
      expect(text).not.toContain('PT1H');
    }

    const nowhere = newDir('refresh-bad', false);
    const bad = await runCli([
      '--config',
      exportConfig({ export: { refreshInterval: '1 hour' } }),
      'export',
      '--out',
      nowhere,
    ]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('export.refreshInterval');
    expect(existsSync(nowhere), 'no folder made').toBe(false);
  });
});
