/**
 * Everything the CLI prints goes through here: results on stdout (human or `--json`), logs and
 * failures on stderr, colours only on a TTY without NO_COLOR, and every line through the secret
 * redactor. Commands and the sync engine never call console.* themselves.
 */
import type { ChalkInstance } from 'chalk';

/** `--log-format`: short human lines on stderr, or one JSON object per line (for log shippers). */
export type LogFormat = 'human' | 'json';

export interface GlobalOptions {
  config?: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  logFormat?: LogFormat | undefined;
}

/** One structured log line: a level, a message, and whatever fields say what happened. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  [field: string]: unknown;
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export class Output {
  private redact: (text: string) => string = (text) => text;

  constructor(
    readonly options: GlobalOptions,
    private readonly streams: Streams,
    readonly colors: ChalkInstance,
  ) {}

  /** From the moment the config is loaded, every secret it holds is masked in all output. */
  setRedactor(redact: (text: string) => string): void {
    this.redact = redact;
  }

  /** A result line on stdout (human mode only). */
  line(text = ''): void {
    if (this.options.json) return;
    this.streams.stdout.write(`${this.redact(text)}\n`);
  }

  /** The `--json` artifact: one JSON document on stdout. */
  json(value: unknown): void {
    this.streams.stdout.write(`${this.redact(JSON.stringify(value, this.maskStrings, 2))}\n`);
  }

  /** The redactor itself, for text that leaves through another door (the run-state file). */
  redacted(text: string): string {
    return this.redact(text);
  }

  /** Diagnostics on stderr, shown with --verbose. */
  debug(text: string): void {
    if (!this.options.verbose) return;
    if (this.jsonLogs) this.log({ level: 'debug', message: text });
    else this.streams.stderr.write(`${this.redact(text)}\n`);
  }

  /** Warnings on stderr, always (unless --quiet). */
  warn(text: string): void {
    if (this.options.quiet) return;
    if (this.jsonLogs) this.log({ level: 'warn', message: text });
    else this.streams.stderr.write(`${this.redact(`${this.colors.yellow('warning:')} ${text}`)}\n`);
  }

  /** A plain notice on stderr that is neither a warning nor a failure ("skipped: …"). */
  notice(text: string): void {
    if (this.jsonLogs) this.log({ level: 'info', message: text });
    else this.streams.stderr.write(`${this.redact(text)}\n`);
  }

  /** One line per failure on stderr, with what to do about it. Never silenced. */
  failure(text: string, hint?: string): void {
    if (this.jsonLogs) {
      this.log({ level: 'error', message: text, ...(hint ? { hint } : {}) });
      return;
    }
    const tail = hint ? ` ${this.colors.dim(`(${hint})`)}` : '';
    this.streams.stderr.write(`${this.redact(`${this.colors.red('calplanebot:')} ${text}${tail}`)}\n`);
  }

  /**
   * A structured record: with `--log-format json` one JSON line on stderr (time and level first);
   * in the human format only debug-level records show, under --verbose, as their message.
   */
  log(record: LogRecord): void {
    if (!this.jsonLogs) {
      if (record.level === 'debug' && this.options.verbose) this.streams.stderr.write(`${this.redact(record.message)}\n`);
      return;
    }
    if (record.level === 'debug' && !this.options.verbose) return;
    this.streams.stderr.write(`${this.redact(JSON.stringify({ time: new Date().toISOString(), ...record }, this.maskStrings))}\n`);
  }

  /** A JSON.stringify replacer: strings are masked before JSON escapes them (a secret holding a quote would slip past after). */
  private readonly maskStrings = (_key: string, value: unknown): unknown => (typeof value === 'string' ? this.redact(value) : value);

  private get jsonLogs(): boolean {
    return this.options.logFormat === 'json';
  }

  /** Spinners only where a person watches: a TTY, not --json, not --quiet, not JSON logs. */
  get interactive(): boolean {
    return Boolean(this.streams.stderr.isTTY) && !this.options.json && !this.options.quiet && !this.jsonLogs;
  }

  /** A spinner on a TTY; elsewhere a no-op with the same shape. ora loads only when shown. */
  async spinner(text: string): Promise<Spinner> {
    if (!this.interactive) return { update: () => undefined, stop: () => undefined };
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: this.streams.stderr, color: 'cyan', isEnabled: true }).start();
    return {
      update: (message) => {
        spinner.text = this.redact(message);
      },
      stop: () => {
        if (spinner.isSpinning) spinner.stop();
      },
    };
  }
}

export interface Spinner {
  update(message: string): void;
  stop(): void;
}

/** NO_COLOR (any non-empty value, no-color.org), --no-color, or a non-TTY stdout turn colour off. */
export function colorEnabled(options: Pick<GlobalOptions, 'color'>, streams: Streams): boolean {
  if (!options.color) return false;
  if (streams.env.NO_COLOR !== undefined && streams.env.NO_COLOR !== '') return false;
  if (streams.env.FORCE_COLOR !== undefined && streams.env.FORCE_COLOR !== '0') return true;
  return Boolean(streams.stdout.isTTY);
}
