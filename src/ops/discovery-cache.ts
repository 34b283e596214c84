/**
 * The calendar-discovery cache (seed: 1-hour TTL): where the principal and the calendar home are,
 * and which calendar mirrors which project. It saves the two discovery PROPFINDs of every run and
 * lets a one-issue command find its calendar without listing. `discovery.json` in the state dir,
 * for one CalDAV account (a cache made for another server or user is ignored). Invalidated by a
 * project webhook (`invalidateDiscoveryCache`) and by a 404 on a calendar (`rememberRun`).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DavDiscovery } from '../caldav/dav-store.js';
import { calendarDisplayName } from '../sync/calendars.js';
import type { ProjectReport } from '../sync/report.js';
import { ensureStateDir, readJsonFile, writeJsonFileAtomic } from './state-dir.js';

export const DISCOVERY_FILE = 'discovery.json';
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;

export interface CachedCalendar {
  url: string;
  displayName: string;
}

interface DiscoveryCacheFile {
  schemaVersion: 1;
  /** A hash of server URL and username: which account the cache describes. */
  account: string;
  discovery?: DavDiscovery & { savedAt: number };
  /** Each entry ages on its own: only a run that found that project's calendar refreshes it. */
  calendars?: { byProject: Record<string, CachedCalendar & { savedAt: number }> };
}

export function discoveryAccount(caldav: { serverUrl: string; username: string }): string {
  return createHash('sha256').update(`${caldav.serverUrl}\n${caldav.username}`).digest('hex').slice(0, 32);
}

function fileIn(stateDir: string): string {
  return join(stateDir, DISCOVERY_FILE);
}

function readCache(stateDir: string | undefined, account: string): DiscoveryCacheFile | undefined {
  if (!stateDir) return undefined;
  const cache = readJsonFile<DiscoveryCacheFile>(fileIn(stateDir));
  return cache?.schemaVersion === 1 && cache.account === account ? cache : undefined;
}

const fresh = (savedAt: number | undefined, now: number): boolean =>
  typeof savedAt === 'number' && now - savedAt < DISCOVERY_TTL_MS && savedAt <= now;

/** The remembered principal and calendar home, when younger than the TTL. */
export function readDiscovery(
  stateDir: string | undefined,
  account: string,
  now = Date.now(),
): DavDiscovery | undefined {
  const entry = readCache(stateDir, account)?.discovery;
  if (!entry || !fresh(entry.savedAt, now) || !entry.principalUrl || !entry.homeUrl) return undefined;
  return { principalUrl: entry.principalUrl, homeUrl: entry.homeUrl };
}

/** The remembered calendar of a project, when younger than the TTL. */
export function cachedCalendar(
  stateDir: string | undefined,
  account: string,
  projectId: string,
  now = Date.now(),
): CachedCalendar | undefined {
  const entry = readCache(stateDir, account)?.calendars?.byProject[projectId];
  return entry && fresh(entry.savedAt, now) ? { url: entry.url, displayName: entry.displayName } : undefined;
}

/** Every remembered project calendar, when younger than the TTL. */
export function cachedCalendars(
  stateDir: string | undefined,
  account: string,
  now = Date.now(),
): Array<{ projectId: string; url: string }> {
  const entries = Object.entries(readCache(stateDir, account)?.calendars?.byProject ?? {});
  return entries
    .filter(([, entry]) => fresh(entry.savedAt, now))
    .map(([projectId, entry]) => ({ projectId, url: entry.url }));
}

/**
 * After a run: remember a discovery made in this run (one taken from the cache keeps its age, so
 * the TTL really expires), the calendars the projects were found in (pass no projects for a dry
 * run: its calendars may not exist), and forget what a 404 showed to be wrong. Best-effort: a state
 * dir that cannot be written is ignored.
 */
export function rememberRun(
  stateDir: string | undefined,
  account: string,
  run: { discovery: DavDiscovery | undefined; calendarNameTemplate: string; projects: ProjectReport[] },
  now = Date.now(),
): void {
  if (!stateDir || !ensureStateDir(stateDir)) return;
  const cache: DiscoveryCacheFile = readCache(stateDir, account) ?? { schemaVersion: 1, account };
  if (
    run.discovery &&
    (cache.discovery?.homeUrl !== run.discovery.homeUrl || cache.discovery.principalUrl !== run.discovery.principalUrl)
  ) {
    cache.discovery = { ...run.discovery, savedAt: now };
  }
  // Expired entries are dropped; the others keep their age unless this run found them again.
  const byProject = Object.fromEntries(
    Object.entries(cache.calendars?.byProject ?? {}).filter(([, entry]) => fresh(entry.savedAt, now)),
  );
  for (const project of run.projects) {
    if (calendarWentMissing(project)) {
      delete byProject[project.id];
      delete cache.discovery; // the home may have moved: discover again next time
    } else if (project.calendarUrl && !project.errors.some((e) => e.operation === 'create-calendar')) {
      byProject[project.id] = {
        url: project.calendarUrl,
        displayName: calendarDisplayName(run.calendarNameTemplate, project),
        savedAt: now,
      };
    }
  }
  cache.calendars = { byProject };
  write(stateDir, cache);
}

/** A project webhook (the project or its calendar may have changed): forget that project, or everything. */
export function invalidateDiscoveryCache(stateDir: string | undefined, projectId?: string): void {
  if (!stateDir) return;
  if (projectId === undefined) {
    rmSync(fileIn(stateDir), { force: true });
    return;
  }
  const cache = readJsonFile<DiscoveryCacheFile>(fileIn(stateDir));
  if (!cache?.calendars?.byProject[projectId]) return;
  delete cache.calendars.byProject[projectId];
  write(stateDir, cache);
}

function calendarWentMissing(project: ProjectReport): boolean {
  return project.errors.some((e) => e.operation === 'list-calendar' && (e.status === 404 || e.status === 410));
}

function write(stateDir: string, cache: DiscoveryCacheFile): void {
  try {
    writeJsonFileAtomic(fileIn(stateDir), cache);
  } catch {
    // Remembering is an optimisation; the next run discovers again.
  }
}
