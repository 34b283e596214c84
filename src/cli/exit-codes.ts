/**
 * Every exit status calplanebot can end with. One table, documented in the README and `--help`;
 * `exitCodeFor()` in errors.ts is the only place an error becomes one of these.
 */
export const ExitCode = {
  /** Success, or nothing to do. */
  Ok: 0,
  /** A runtime failure: Plane or CalDAV unreachable, credentials refused, an unexpected error. */
  Failure: 1,
  /** Usage or configuration error: fix the command line or the config file. */
  Usage: 2,
  /** Partial failure: some events or projects failed, the rest were synced. */
  Partial: 3,
  /** A webhook delivery was rejected (bad signature, malformed payload). */
  WebhookRejected: 4,
  /** `diff --exit-code`: changes are pending. */
  ChangesPending: 5,
  /** Interrupted by SIGINT (Ctrl-C): stopped between writes, recorded, lock released (128 + 2). */
  Interrupted: 130,
  /** Interrupted by SIGTERM (a deadline, a CI cancel): likewise (128 + 15). */
  Terminated: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0  success, or nothing to do
  1  runtime failure (Plane or CalDAV unreachable, credentials refused)
  2  usage or configuration error
  3  partial failure (some events or projects failed; see the report)
  4  webhook delivery rejected (bad signature or payload)
  5  diff --exit-code: changes pending
130  interrupted (SIGINT) between writes; 143 for SIGTERM`;
