/**
 * calplanebot as a library: the same core the CLI runs on. Plane → events (pure) → plan (pure)
 * → apply, over swappable edges (a PlaneSource and a CalendarStore).
 */

export { DavCalendarStore } from './caldav/dav-store.js';
export { MemoryCalendarStore } from './caldav/memory-store.js';
export type { CalendarRef, CalendarStore, RemoteObject } from './caldav/store.js';
export { ExitCode } from './cli/exit-codes.js';
export { loadConfig } from './config/load.js';
export type { CalendarEntry, CalendarFilter, Config, LoadedConfig } from './config/types.js';
export * from './errors.js';
export { cycleToEvent, moduleToEvent } from './event/blocks.js';
export { mergeEvent } from './event/merge.js';
export type { EventModel, FieldChange, ManagedFields } from './event/model.js';
export { fieldChanges, parseCalendarObject } from './event/parse.js';
export { renderEvent } from './event/render.js';
export { issueToEvent, type TransformContext } from './event/transform.js';
export { isOwnedUid, issueIdFromUid, type UidScheme, uidForIssue, uidScheme } from './event/uid.js';
export { type ExportReport, type ExportSettings, type FeedReport, runExport } from './feed/export.js';
export { renderFeed } from './feed/render.js';
export { createHttpClient, RequestStats } from './http/fetcher.js';
export { PlaneClient } from './plane/client.js';
export type { PlaneCycle, PlaneIssue, PlaneModule, PlaneProject, PlaneSource } from './plane/types.js';
export { type Change, type Plan, type PlanInput, plan } from './sync/plan.js';
export type { CalendarReport, ProjectReport, RunReport } from './sync/report.js';
export { runSync, type SyncDeps, type SyncSettings, selectProjects } from './sync/run.js';
export { compileFilter, type FilterContext, todayIn } from './views/filter.js';
export { type CalendarTarget, planTargets } from './views/targets.js';
