/**
 * calplanebot as a library: the same core the CLI runs on. Plane → events (pure) → plan (pure)
 * → apply, over swappable edges (a PlaneSource and a CalendarStore).
 */
export type { Config, LoadedConfig, CalendarEntry, CalendarFilter } from './config/types.js';
export { loadConfig } from './config/load.js';

export type { PlaneSource, PlaneIssue, PlaneProject, PlaneCycle, PlaneModule } from './plane/types.js';
export { PlaneClient } from './plane/client.js';

export type { EventModel, ManagedFields, FieldChange } from './event/model.js';
export { issueToEvent, type TransformContext } from './event/transform.js';
export { cycleToEvent, moduleToEvent } from './event/blocks.js';
export { renderEvent } from './event/render.js';
export { mergeEvent } from './event/merge.js';
export { parseCalendarObject, fieldChanges } from './event/parse.js';
export { uidForIssue, isOwnedUid, issueIdFromUid, uidScheme, type UidScheme } from './event/uid.js';

export { compileFilter, todayIn, type FilterContext } from './views/filter.js';
export { planTargets, type CalendarTarget } from './views/targets.js';

export type { CalendarStore, CalendarRef, RemoteObject } from './caldav/store.js';
export { DavCalendarStore } from './caldav/dav-store.js';
export { MemoryCalendarStore } from './caldav/memory-store.js';

export { plan, type Plan, type Change, type PlanInput } from './sync/plan.js';
export { runSync, selectProjects, type SyncDeps, type SyncSettings } from './sync/run.js';
export type { RunReport, ProjectReport, CalendarReport } from './sync/report.js';

export { runExport, type ExportReport, type ExportSettings, type FeedReport } from './feed/export.js';
export { renderFeed } from './feed/render.js';

export { createHttpClient, RequestStats } from './http/fetcher.js';
export * from './errors.js';
export { ExitCode } from './cli/exit-codes.js';
