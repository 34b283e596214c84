/**
 * Calendar snapshots: what each calendar held when a run last read it (every object, with its
 * ETag and data) and the RFC 6578 sync-token that state stands at, so that the next run reads only
 * what changed since (incremental-read.ts). `snapshots/` in the state dir, one file a calendar.
 *
 * A snapshot is what the run read, with the run's own successful writes applied, at the token read
 * BEFORE those writes: a change anyone made after that token is in the next delta, and the run's
 * own writes come back in it with the ETags their PUTs answered, so nobody's data is downloaded
 * twice. Its `version` (the ctag) is set only when the run wrote nothing to the calendar: then an
 * unchanged ctag means the calendar is exactly the snapshot, and no request is needed at all.
 *
 * A snapshot can make a run cheaper, never wrong: a missing, unreadable or odd one (another schema,
 * another calendar's URL) is no snapshot, and the calendar is listed whole.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteObject } from '../caldav/store.js';
import { readJsonFile, writeFileAtomic } from '../ops/state-dir.js';

export const SNAPSHOT_DIR = 'snapshots';
const SCHEMA_VERSION = 1;

export interface CalendarSnapshot {
  /** The sync-token the objects stand at (changes after it are in the next delta). */
  token: string;
  /** calendarVersion() at which the calendar held exactly `objects`; undefined after a run wrote to it. */
  version: string | undefined;
  objects: RemoteObject[];
}

interface SnapshotFile {
  schemaVersion: typeof SCHEMA_VERSION;
  url: string;
  token: string;
  version: string | null;
  /** [href, etag, data]: a thousand events are a megabyte, so no key names per object. */
  objects: Array<[string, string | null, string]>;
}

export class SnapshotStore {
  /** `dir`: the state dir's snapshots folder; undefined keeps nothing (no state dir). */
  constructor(private readonly dir: string | undefined) {}

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  load(calendarUrl: string): CalendarSnapshot | undefined {
    if (!this.dir) return undefined;
    const stored = readJsonFile<SnapshotFile>(this.fileOf(calendarUrl));
    if (!isSnapshotFile(stored) || stored.url !== calendarUrl) return undefined;
    return {
      token: stored.token,
      version: stored.version ?? undefined,
      objects: stored.objects.map(([href, etag, data]) => ({ href, etag, data })),
    };
  }

  /** Best-effort, and not flushed to disk: a lost or torn snapshot only costs a listing. */
  save(calendarUrl: string, snapshot: CalendarSnapshot): void {
    if (!this.dir) return;
    const body: SnapshotFile = {
      schemaVersion: SCHEMA_VERSION,
      url: calendarUrl,
      token: snapshot.token,
      version: snapshot.version ?? null,
      objects: snapshot.objects.map((o) => [o.href, o.etag, o.data]),
    };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(this.fileOf(calendarUrl), JSON.stringify(body), 0o600, { durable: false });
    } catch {
      this.drop(calendarUrl); // never leave an older snapshot behind a newer state
    }
  }

  drop(calendarUrl: string): void {
    if (!this.dir) return;
    rmSync(this.fileOf(calendarUrl), { force: true });
  }

  private fileOf(calendarUrl: string): string {
    const name = createHash('sha256').update(calendarUrl).digest('hex').slice(0, 32);
    return join(this.dir ?? '', `${name}.json`);
  }
}

/** The snapshots of the state dir; without one, a store that keeps nothing. */
export function openSnapshots(stateDir: string | undefined): SnapshotStore {
  return new SnapshotStore(stateDir ? join(stateDir, SNAPSHOT_DIR) : undefined);
}

function isSnapshotFile(value: unknown): value is SnapshotFile {
  const f = value as Partial<SnapshotFile> | null | undefined;
  return (
    f?.schemaVersion === SCHEMA_VERSION &&
    typeof f.url === 'string' &&
    typeof f.token === 'string' &&
    (f.version === null || typeof f.version === 'string') &&
    Array.isArray(f.objects) &&
    f.objects.every(
      (o) =>
        Array.isArray(o) &&
        typeof o[0] === 'string' &&
        (o[1] === null || typeof o[1] === 'string') &&
        typeof o[2] === 'string',
    )
  );
}
