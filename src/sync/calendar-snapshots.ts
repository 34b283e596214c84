/**
 * Calendar snapshots: what each calendar held when a run last read it (every object, with its
 * ETag and data) and the RFC 6578 sync-token that state stands at, so that the next run reads only
 * what changed since (incremental-read.ts). `snapshots/` in the state dir, two files a calendar:
 * the head (`<hash>.json`: token, ctag, and each object's href and ETag) and the data
 * (`<hash>.data.jsonl`: one line per object). A run that only needs to know whether anything
 * changed (the run after a writing run) reads and rewrites the head alone.
 *
 * A snapshot is what the run read, with the run's own successful writes applied, at the token read
 * BEFORE those writes: a change anyone made after that token is in the next delta, and the run's
 * own writes come back in it with the ETags their PUTs answered, so nobody's data is downloaded
 * twice. Its `version` (the ctag) is set only when the run wrote nothing to the calendar: then an
 * unchanged ctag means the calendar is exactly the snapshot, and no request is needed at all.
 *
 * A snapshot can make a run cheaper, never wrong: a missing, unreadable or odd one (another schema,
 * another calendar's URL, a data file of another head) is no snapshot, and the calendar is listed whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteObject } from '../caldav/store.js';
import { readJsonFile, writeAtomicWith, writeFileAtomic } from '../ops/state-dir.js';

export const SNAPSHOT_DIR = 'snapshots';
const SCHEMA_VERSION = 2;

/** What a snapshot says without its data: enough to tell what a delta changes. */
export interface SnapshotHead {
  /** The sync-token the objects stand at (changes after it are in the next delta). */
  token: string;
  /** calendarVersion() at which the calendar held exactly these objects; undefined after a run wrote to it. */
  version: string | undefined;
  /** Each object's ETag (null: the server gave none), by href. */
  etags: ReadonlyMap<string, string | null>;
  /** Names the data file written with this head. */
  dataId: string;
}

export interface CalendarSnapshot {
  token: string;
  version: string | undefined;
  objects: readonly RemoteObject[];
}

interface HeadFile {
  schemaVersion: typeof SCHEMA_VERSION;
  url: string;
  token: string;
  version: string | null;
  dataId: string;
  /** [href, etag]: no key names per object. */
  etags: Array<[string, string | null]>;
}

export class SnapshotStore {
  /** `dir`: the state dir's snapshots folder; undefined keeps nothing (no state dir). */
  constructor(private readonly dir: string | undefined) {}

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  loadHead(calendarUrl: string): SnapshotHead | undefined {
    if (!this.dir) return undefined;
    const stored = readJsonFile<HeadFile>(this.fileOf(calendarUrl, 'json'));
    if (!isHeadFile(stored) || stored.url !== calendarUrl) return undefined;
    return {
      token: stored.token,
      version: stored.version ?? undefined,
      etags: new Map(stored.etags),
      dataId: stored.dataId,
    };
  }

  /** The objects `head` stands for; undefined when the data file is missing, torn or of another head. */
  loadObjects(calendarUrl: string, head: SnapshotHead): RemoteObject[] | undefined {
    let lines: string[];
    try {
      lines = readFileSync(this.fileOf(calendarUrl, 'data.jsonl'), 'utf8').split('\n');
    } catch {
      return undefined;
    }
    try {
      const first = JSON.parse(lines[0] ?? '') as { dataId?: unknown; url?: unknown };
      if (first.dataId !== head.dataId || first.url !== calendarUrl) return undefined;
      const objects: RemoteObject[] = [];
      for (let i = 1; i < lines.length; i++) {
        if (lines[i] === '') continue;
        const [href, data] = JSON.parse(lines[i] as string) as [unknown, unknown];
        if (typeof href !== 'string' || typeof data !== 'string' || !head.etags.has(href)) return undefined;
        objects.push({ href, etag: head.etags.get(href) ?? null, data });
      }
      return objects.length === head.etags.size ? objects : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Best-effort, and not flushed to disk: a lost or torn snapshot only costs a listing. The data
   * is written a line at a time (no string of the whole calendar), then the head that names it.
   */
  save(calendarUrl: string, snapshot: CalendarSnapshot): void {
    if (!this.dir) return;
    const dataId = randomBytes(8).toString('hex');
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.writeData(calendarUrl, dataId, snapshot.objects);
      const etags = new Map(snapshot.objects.map((o) => [o.href, o.etag]));
      this.writeHead(calendarUrl, { token: snapshot.token, version: snapshot.version, etags, dataId });
    } catch {
      this.drop(calendarUrl); // never leave an older snapshot behind a newer state
    }
  }

  /** A new token and version for objects that did not change: the data file stays as it is. */
  saveHead(calendarUrl: string, head: SnapshotHead): void {
    if (!this.dir) return;
    try {
      this.writeHead(calendarUrl, head);
    } catch {
      this.drop(calendarUrl);
    }
  }

  drop(calendarUrl: string): void {
    if (!this.dir) return;
    rmSync(this.fileOf(calendarUrl, 'json'), { force: true });
    rmSync(this.fileOf(calendarUrl, 'data.jsonl'), { force: true });
  }

  private writeHead(calendarUrl: string, head: SnapshotHead): void {
    const body: HeadFile = {
      schemaVersion: SCHEMA_VERSION,
      url: calendarUrl,
      token: head.token,
      version: head.version ?? null,
      dataId: head.dataId,
      etags: [...head.etags],
    };
    writeFileAtomic(this.fileOf(calendarUrl, 'json'), JSON.stringify(body), 0o600, { durable: false });
  }

  private writeData(calendarUrl: string, dataId: string, objects: readonly RemoteObject[]): void {
    writeAtomicWith(this.fileOf(calendarUrl, 'data.jsonl'), 0o600, false, (fd) => {
      writeSync(fd, `${JSON.stringify({ dataId, url: calendarUrl })}\n`);
      for (const object of objects) writeSync(fd, `${JSON.stringify([object.href, object.data])}\n`);
    });
  }

  private fileOf(calendarUrl: string, extension: string): string {
    return join(this.dir ?? '', `${nameOf(calendarUrl)}.${extension}`);
  }
}

/** The snapshots of the state dir; without one, a store that keeps nothing. */
export function openSnapshots(stateDir: string | undefined): SnapshotStore {
  return new SnapshotStore(stateDir ? join(stateDir, SNAPSHOT_DIR) : undefined);
}

/** A file name any URL can have: the first 32 hex digits of its SHA-256. */
function nameOf(calendarUrl: string): string {
  return createHash('sha256').update(calendarUrl).digest('hex').slice(0, 32);
}

function isHeadFile(value: unknown): value is HeadFile {
  const f = value as Partial<HeadFile> | null | undefined;
  return (
    f?.schemaVersion === SCHEMA_VERSION &&
    typeof f.url === 'string' &&
    typeof f.token === 'string' &&
    typeof f.dataId === 'string' &&
    (f.version === null || typeof f.version === 'string') &&
    Array.isArray(f.etags) &&
    f.etags.every(
      (o) =>
        Array.isArray(o) && o.length === 2 && typeof o[0] === 'string' && (o[1] === null || typeof o[1] === 'string'),
    )
  );
}
