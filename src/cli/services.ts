/**
 * The composition root: turns a loaded config into the live Plane client and CalDAV store.
 * The only file that knows which concrete implementations the commands run on.
 */
import { DavCalendarStore, type DavDiscovery } from '../caldav/dav-store.js';
import type { CalendarStore } from '../caldav/store.js';
import type { Config } from '../config/types.js';
import { RequestStats } from '../http/fetcher.js';
import { discoveryAccount, readDiscovery } from '../ops/discovery-cache.js';
import { resolveStateDir } from '../ops/state-dir.js';
import type { PlaneClient } from '../plane/client.js';
import { type CalendarCache, openCalendarCache } from '../sync/calendar-cache.js';
import { openSnapshots, type SnapshotStore } from '../sync/calendar-snapshots.js';
import type { Output } from './output.js';
import { httpClientFor, openPlane } from './plane-service.js';

export { retryPolicy } from './plane-service.js';

export interface Services {
  plane: PlaneClient;
  store: CalendarStore;
  stats: { plane: RequestStats; caldav: RequestStats };
  /** Where run state, caches and the lock live (optional: it may not be writable). */
  stateDir: string;
  /** The CalDAV account's discovery, for the discovery cache (src/ops/discovery-cache.ts). */
  discovery: { account: string; current: () => DavDiscovery | undefined };
  /** Calendars a run left converged, so a no-op sync need not list them (src/sync/calendar-cache.ts). */
  calendarCache: CalendarCache;
  /** What each calendar held when last read, so a sync reads only what changed (src/sync/calendar-snapshots.ts). */
  snapshots: SnapshotStore;
}

export interface OpenServicesOptions {
  /** Start from the remembered calendar home (default). `health` turns it off: it checks discovery itself. */
  discoveryCache?: boolean;
}

export function openServices(config: Config, output: Output, options: OpenServicesOptions = {}): Services {
  const stats = { plane: new RequestStats(), caldav: new RequestStats() };
  const plane = openPlane(config, output, stats.plane);
  const caldavHttp = httpClientFor('caldav', config, stats.caldav, output);
  const stateDir = resolveStateDir(config.sync.stateDir);
  const account = discoveryAccount(config.caldav);
  const cached = options.discoveryCache === false ? undefined : readDiscovery(stateDir, account);
  if (cached) output.debug(`calendar home from the discovery cache: ${cached.homeUrl}`);
  const store = new DavCalendarStore({
    serverUrl: config.caldav.serverUrl,
    username: config.caldav.username,
    password: config.caldav.password,
    http: caldavHttp,
    discovery: cached,
    allowInsecureHttp: config.http.allowInsecureHttp,
    onWarning: (message) => output.warn(message),
  });
  const calendarCache = openCalendarCache(stateDir);
  // Only where the calendar cache could open the state dir (it made it): a snapshot there would be lost anyway.
  const snapshots = openSnapshots(calendarCache.persistent ? stateDir : undefined);
  return {
    plane,
    store,
    stats,
    stateDir,
    discovery: { account, current: () => store.discovery },
    calendarCache,
    snapshots,
  };
}
