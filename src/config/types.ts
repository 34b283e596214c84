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
  webhook: {
    secret: string | undefined;
    /** Explicit opt-out of signature checking when no secret is configured. */
    allowUnsigned: boolean;
  };
  sync: {
    /** Refuse to delete more than this percentage of a calendar's owned events (when it holds > 10). */
    maxDeletePercent: number;
    /** Where run state lives; default $XDG_STATE_HOME/calplanebot. */
    stateDir: string | undefined;
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
