/**
 * The calendar cache: which calendars a run left converged, so the next run can skip listing them
 * (the listing REPORT is the one expensive CalDAV request of a no-op run) and skip turning the
 * project's issues into events. `calendars.json` in the state dir, one record per calendar: its
 * version (sync-token, else ctag) as read BEFORE it was listed, and the key of the Plane listing
 * (listingKey(): the pages exactly as Plane sent them, and everything else the events depend on)
 * whose events that listing matched exactly.
 *
 * Why that is safe: a record is only written when the listing needed no change at all (no write,
 * no error, nothing withheld, no duplicate), so at that version the calendar held exactly what the
 * listing's events call for. The transform is deterministic, so the same key means the same
 * events. Any later write, ours or anyone's, changes the version; any change in Plane changes the
 * key (also ones that change no event, such as a comment: those only cost a listing). Either way
 * the calendar is read again. A run that wrote cannot know the version its own writes led to, and
 * re-reading the calendar afterwards could take in someone else's edit made in between without our
 * ever seeing it. So, when every change was written, it asks the server what changed since the
 * token it read the calendar at (RFC 6578, calendar-sync.ts): when that is nothing but its own
 * writes (each with the ETag its PUT answered), the calendar is converged at the token that answer
 * gives. Without sync-collection a run that wrote records nothing, and the next one reads the
 * calendar once more.
 *
 * Without a state dir (a CI runner) the cache is empty and nothing is saved: every calendar is listed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CalendarRef } from '../caldav/store.js';
import { type CalendarEntry, DEFAULT_VIEW_ID, SHAPE_KEYS } from '../config/types.js';
import { ensureStateDir, readJsonFile, writeJsonFileAtomic } from '../ops/state-dir.js';
import type { PlaneProject } from '../plane/types.js';

export const CALENDAR_CACHE_FILE = 'calendars.json';
const SCHEMA_VERSION = 3;

export interface ConvergedCalendar {
  projectId: string;
  /** `ctag:…` or `sync-token:…`, as the calendar list showed it before the listing. */
  version: string;
  /** listingKey() of the Plane listing whose events the calendar matched. */
  desired: string;
  /** For the report of a skipped run: the issues with an event, those without a target date, */
  unchanged: number;
  skipped: number;
  /** and the objects calplanebot does not own. */
  foreign: number;
}

/** What a skipped run reports for a converged calendar. */
export type ConvergedCounts = Pick<ConvergedCalendar, 'unchanged' | 'skipped' | 'foreign'>;

interface CalendarCacheFile {
  schemaVersion: typeof SCHEMA_VERSION;
  /** The calplanebot version that wrote it: another version may plan differently, so its records are dropped. */
  producer: string;
  calendars: Record<string, ConvergedCalendar>;
}

/**
 * What identifies the calendar's content on the server; undefined when it offers neither. The
 * sync-token first: a sync-collection answer gives it too, so a run can learn the version its own
 * writes led to; the ctag says the same where there is no token.
 */
export function calendarVersion(calendar: CalendarRef): string | undefined {
  if (calendar.syncToken) return `sync-token:${calendar.syncToken}`;
  if (calendar.ctag) return `ctag:${calendar.ctag}`;
  return undefined;
}

/** Everything besides Plane's pages that a project's events are made of (transform.ts). */
export interface ListingContext {
  project: Pick<PlaneProject, 'id' | 'identifier' | 'name'>;
  webUrl: string;
  workspaceSlug: string;
}

/**
 * The key of a complete Plane listing: its pages' digests in order, and the rest of the input of
 * the transform. Hashed from the bytes Plane sent, so a converged project costs no transform.
 */
export function listingKey(pageDigests: readonly string[], context: ListingContext): string {
  const { project, webUrl, workspaceSlug } = context;
  return createHash('sha256')
    .update(JSON.stringify([project.id, project.identifier, project.name, webUrl, workspaceSlug, pageDigests]))
    .digest('hex');
}

export class CalendarCache {
  private changed = false;

  constructor(
    private readonly records: Map<string, ConvergedCalendar> = new Map(),
    /** Where save() writes; undefined: a cache that remembers nothing past the process. */
    private readonly file?: string,
    private readonly producer = '',
  ) {}

  /** Whether it remembers past the process (a usable state dir). */
  get persistent(): boolean {
    return this.file !== undefined;
  }

  /** The record that lets this listing be skipped, when the calendar and the desired events are as they were. */
  converged(projectId: string, calendar: CalendarRef, desired: string): ConvergedCalendar | undefined {
    const version = calendarVersion(calendar);
    const record = this.records.get(calendar.url);
    if (!record || version === undefined) return undefined;
    return record.projectId === projectId && record.version === version && record.desired === desired
      ? record
      : undefined;
  }

  /** The calendar, listed at `calendar`'s version, matched the events of listing `desired` exactly. */
  remember(projectId: string, calendar: CalendarRef, desired: string, counts: ConvergedCounts): void {
    const version = calendarVersion(calendar);
    if (version === undefined) return;
    const { unchanged, skipped, foreign } = counts;
    this.records.set(calendar.url, { projectId, version, desired, unchanged, skipped, foreign });
    this.changed = true;
  }

  /** The calendar was (or may have been) changed or found wanting: list it next time. */
  forget(calendarUrl: string): void {
    this.changed = this.records.delete(calendarUrl) || this.changed;
  }

  /** Writes the records back when they changed; best-effort (a cache is never required). */
  save(): void {
    if (!this.file || !this.changed) return;
    const body: CalendarCacheFile = {
      schemaVersion: SCHEMA_VERSION,
      producer: this.producer,
      calendars: Object.fromEntries(this.records),
    };
    try {
      writeJsonFileAtomic(this.file, body);
      this.changed = false;
    } catch {
      // Not remembering only costs the next run a listing.
    }
  }
}

/** The cache of the state dir (an empty one when there is none, or it is unreadable or from another version). */
export function openCalendarCache(stateDir: string | undefined): CalendarCache {
  if (!stateDir || !ensureStateDir(stateDir)) return new CalendarCache();
  const file = join(stateDir, CALENDAR_CACHE_FILE);
  const producer = calplanebotVersion();
  const stored = readJsonFile<CalendarCacheFile>(file);
  const usable =
    stored?.schemaVersion === SCHEMA_VERSION &&
    stored.producer === producer &&
    typeof stored.calendars === 'object' &&
    stored.calendars !== null;
  const records = new Map(usable ? Object.entries(stored.calendars).filter(([, record]) => isRecord(record)) : []);
  return new CalendarCache(records, file, producer);
}

function isRecord(value: unknown): value is ConvergedCalendar {
  const r = value as Partial<ConvergedCalendar> | null;
  return (
    typeof r?.projectId === 'string' &&
    typeof r.version === 'string' &&
    typeof r.desired === 'string' &&
    typeof r.unchanged === 'number' &&
    typeof r.skipped === 'number' &&
    typeof r.foreign === 'number'
  );
}

function calplanebotVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/** What besides its projects' listings a calendar's objects depend on. */
export interface ViewContext {
  entry: CalendarEntry;
  /** Today, when the entry's window depends on it. */
  today: string | undefined;
  /** The key owner's id, when the entry's filter says "me". */
  me: string | undefined;
  /** Anything else the entry's objects are made from (zones, for timed items and cycles). */
  extra?: unknown;
}

/**
 * The key of a calendar's desired objects: the listingKey() of each of its projects, plus its
 * entry (filter, name, id) and what the filter read from the run. The default entry's calendars
 * with no filter keep the key they had before entries existed, so upgrading costs no listing.
 */
export function viewKey(projectKeys: readonly string[], view: ViewContext): string {
  const { entry } = view;
  const shaped = SHAPE_KEYS.some((key) => entry[key] !== undefined);
  const plain = entry.id === DEFAULT_VIEW_ID && entry.perProject && Object.keys(entry.filter).length === 0 && !shaped;
  if (plain && projectKeys.length === 1 && projectKeys[0] !== undefined) return projectKeys[0];
  return createHash('sha256')
    .update(
      JSON.stringify([
        entry,
        view.today ?? null,
        view.me ?? null,
        projectKeys,
        ...(view.extra === undefined ? [] : [view.extra]),
      ]),
    )
    .digest('hex');
}
