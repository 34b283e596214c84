/** Plane's state groups a filter can name (triage items are hidden from the v1 API). */
export const STATE_GROUPS = ['backlog', 'unstarted', 'started', 'completed', 'cancelled'] as const;
export const PRIORITIES = ['urgent', 'high', 'medium', 'low', 'none'] as const;

/** A calendar's id: its identity in URLs and UIDs (the name can change freely). */
export const CALENDAR_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** The entry that stands for today's one-calendar-per-project default, with today's URLs and UIDs. */
export const DEFAULT_VIEW_ID = 'projects';

/** Which work items a calendar shows. Keys combine with AND, the values of one key with OR; absent = no limit. */
export interface CalendarFilter {
  /** Project identifiers or UUIDs. */
  projects?: string[] | undefined;
  /** User UUIDs, display names or emails (case-insensitive), or "me" (the API key's owner). */
  assignees?: string[] | undefined;
  /** Label names, case-insensitive. */
  labels?: string[] | undefined;
  stateGroups?: Array<(typeof STATE_GROUPS)[number]> | undefined;
  priorities?: Array<(typeof PRIORITIES)[number]> | undefined;
  /** Target date within this many days of today (in sync.timeZone); a side left out is unbounded. */
  window?: { pastDays?: number | undefined; futureDays?: number | undefined } | undefined;
}

/** The placeholders a `summary` template may use. */
export const SUMMARY_PLACEHOLDERS = ['sequence', 'identifier', 'name', 'project', 'state', 'priority'] as const;
export const DEFAULT_SUMMARY = '[{sequence}] {name}';

/** One entry of `calendars`: a selection of work items, reconciled into one calendar or one per project. */
export interface CalendarEntry {
  id: string;
  /** Display name; with perProject a template with {project} and {identifier}. */
  name: string;
  perProject: boolean;
  filter: CalendarFilter;
  /** How each item is shown. Absent: today's event (DEFAULT_SUMMARY, target date, completed shown). */
  summary?: string | undefined;
  /** `span`: from start date to target date; `target` (default): the target date. */
  dates?: 'target' | 'span' | undefined;
  /** `hide`: completed and cancelled items have no object; `show` (default): STATUS:CANCELLED. */
  completed?: 'show' | 'hide' | undefined;
  /** Reminders, as RFC 5545 durations relative to the start ("-PT15H": 09:00 the day before an all-day item); a task's count from DUE. */
  alarms?: string[] | undefined;
  /** `tasks`: VTODOs in a calendar made for tasks; `events` (default): VEVENTs. */
  as?: 'events' | 'tasks' | undefined;
  /** Tasks only. `include`: items without a target date are tasks without DUE; `skip` (default): none. */
  undated?: 'skip' | 'include' | undefined;
  /** Each cycle with both dates as an all-day block `Cycle: {name}`. */
  cycles?: boolean | undefined;
  /** Each module with a start and target date as an all-day block `Module: {name}`. */
  modules?: boolean | undefined;
  /** `timed`: an item with a time (newer Plane) is a timed event or task; `dates` (default): shown on its date. */
  times?: 'dates' | 'timed' | undefined;
  /** What a person's edits in the calendar change in Plane; absent: nothing (only GETs are sent to Plane). */
  writeBack?: WriteBack | undefined;
}

/** sync.maxPlaneWrites' default: changes for Plane per run before the rest wait for --allow-mass-write. */
export const DEFAULT_MAX_PLANE_WRITES = 25;

/** The edits that flow back to Plane: moved dates, ticked-off tasks. */
export const WRITE_BACK_FIELDS = ['dates', 'completion'] as const;

export interface WriteBack {
  fields: Array<(typeof WRITE_BACK_FIELDS)[number]>;
  /** The state a ticked-off task moves to, by name; default the project's first state of group `completed`. */
  completedState?: string | undefined;
}

/** The keys of how a calendar entry's items look (all optional; none: today's events). */
export const SHAPE_KEYS = [
  'summary',
  'dates',
  'completed',
  'alarms',
  'as',
  'undated',
  'cycles',
  'modules',
  'times',
] as const;

/** The validated, fully defaulted configuration every command works from. */
export interface Config {
  plane: {
    /** API origin, e.g. https://api.plane.so (no trailing slash after normalisation). */
    baseUrl: string;
    /** Web origin used for event URLs, e.g. https://app.plane.so. Defaults to baseUrl. */
    webUrl: string;
    workspaceSlug: string;
    apiKey: string;
    /** Project UUIDs or identifiers (e.g. "WEB") to limit the run to; empty = all. */
    projects: string[];
  };
  caldav: {
    serverUrl: string;
    username: string;
    password: string;
    /** Display-name template; `{project}` = project name, `{identifier}` = project identifier. */
    calendarName: string;
  };
  /** The calendars to keep; without a `calendars` key, one per project (the `projects` entry). */
  calendars: CalendarEntry[];
  export: {
    /** RFC 5545 duration a feed asks subscribers to refresh after (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
    refreshInterval: string;
  };
  webhook: {
    secret: string | undefined;
    /** Explicit opt-out of signature checking when no secret is configured. */
    allowUnsigned: boolean;
  };
  sync: {
    /** Refuse to delete more than this percentage of a calendar's owned events (when it holds > 10). */
    maxDeletePercent: number;
    /** Write at most this many changes to Plane per run (write-back); the rest wait for --allow-mass-write. */
    maxPlaneWrites: number;
    /** Where run state lives; default $XDG_STATE_HOME/calplanebot. */
    stateDir: string | undefined;
    /** IANA zone whose "today" a filter window counts from; undefined = the machine's. */
    timeZone: string | undefined;
    /** How long a timed event without an end lasts (`times: "timed"`): an RFC 5545 duration, default PT1H. */
    defaultDuration: string;
  };
  http: {
    /** Per-request timeout. */
    timeoutMs: number;
    /** Attempts for connection errors, timeouts and 5xx (1 = no retry). */
    retries: number;
    /** Exponential backoff bounds between attempts. */
    backoffMinMs: number;
    backoffMaxMs: number;
    /** Upper bound for a Retry-After wait. */
    maxRetryAfterMs: number;
    /** Total 429/503 waiting per service per run; after it, rate-limited requests fail at once. */
    maxRateLimitWaitMs: number;
    /** Allow http:// to non-loopback hosts. */
    allowInsecureHttp: boolean;
  };
}

/** The names of every secret, for redaction. */
export const SECRET_PATHS = ['plane.apiKey', 'caldav.password', 'webhook.secret'] as const;

export interface LoadedConfig {
  config: Config;
  /** The file the config came from; undefined when it came from the environment alone. */
  filepath: string | undefined;
  /** Non-fatal findings (unknown keys, world-readable file holding a secret). */
  warnings: string[];
}
