/**
 * Typed errors. Each carries what the user needs (what failed, where, what to do) and maps to an
 * exit code in exactly one place, `exitCodeFor()`. Messages never contain secrets: the HTTP layers
 * build them from hosts and paths, never from headers or URL userinfo.
 */
import { ExitCode } from './cli/exit-codes.js';

export abstract class CalplanebotError extends Error {
  abstract readonly exitCode: ExitCode;
  /** One line that says what to do about it, shown after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad or missing configuration. `key` is the dotted path, `file` where it was read from. */
export class ConfigError extends CalplanebotError {
  readonly exitCode = ExitCode.Usage;
  constructor(
    message: string,
    readonly key?: string,
    readonly file?: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Bad command-line usage (unknown project, conflicting flags). */
export class UsageError extends CalplanebotError {
  readonly exitCode = ExitCode.Usage;
}

/** An HTTP failure talking to Plane or CalDAV, after retries. `status` is undefined for network errors. */
export class HttpError extends CalplanebotError {
  readonly exitCode = ExitCode.Failure;
  constructor(
    readonly service: 'plane' | 'caldav',
    message: string,
    readonly status: number | undefined,
    readonly method: string,
    /** host + path, never the query string of an authenticated URL nor userinfo */
    readonly where: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** 401/403: the credentials were refused. Not retried. */
export class AuthError extends HttpError {}

/** A conditional write lost a race (412): the object changed since it was listed. */
export class PreconditionFailedError extends HttpError {}

/** The object or collection is not there (404/410). */
export class NotFoundError extends HttpError {}

/** A webhook delivery was refused; nothing was changed. */
export class WebhookRejectedError extends CalplanebotError {
  readonly exitCode = ExitCode.WebhookRejected;
}

/**
 * A calendar exists where an entry's calendar belongs but does not take the entry's component (an
 * events-only calendar for a task list): that calendar fails, before any PUT.
 */
export class CalendarComponentError extends CalplanebotError {
  readonly exitCode = ExitCode.Partial;
}

/** A run stopped by SIGINT or SIGTERM, between writes: what it finished is recorded, the rest is the next run's. */
export class InterruptedError extends CalplanebotError {
  readonly exitCode: ExitCode;

  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    finished: readonly string[],
  ) {
    const done = finished.length > 0 ? `finished ${finished.join(', ')}` : 'finished no project';
    super(`interrupted by ${signal}: stopped before its next write; ${done}`, {
      hint: 'the next run picks up the rest',
    });
    this.exitCode = signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated;
  }
}

/** An invariant broke: a bug in calplanebot, not in the input. */
export class InternalError extends CalplanebotError {
  readonly exitCode = ExitCode.Failure;
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CalplanebotError) return error.exitCode;
  return ExitCode.Failure;
}

/** A short, secret-free description of any thrown value, for reports and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
