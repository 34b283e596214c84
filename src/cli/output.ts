/**
 * Everything the CLI prints goes through here: results on stdout (human or `--json`), logs and
 * failures on stderr, colours on each stream only when that stream is a TTY (or FORCE_COLOR) and
 * neither NO_COLOR nor --no-color is set, and every line through the secret redactor. Commands and the sync engine never call console.* themselves.
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

  /**
   * `colors` is for stdout (what commands print with `line`), `stderrColors` for the warnings and
   * failures written here: `2>log` must not get escape codes because stdout is a terminal.
   */
  constructor(
    readonly options: GlobalOptions,
    private readonly streams: Streams,
    readonly colors: ChalkInstance,
    private readonly stderrColors: ChalkInstance,
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

  /** A document on stdout exactly as given (`export --out -`): nothing added, secrets still masked. */
  raw(text: string): void {
    this.streams.stdout.write(this.redact(text));
  }

  /**
   * The `--json` artifact: one JSON document on stdout, written a piece at a time (see jsonPieces),
   * each piece only once stdout has taken the one before. A pipe (cron's, the benchmark's) is not
   * blocking: without the wait the whole document (30 MB for an initial sync of 10,000 items) was
   * queued in memory, and copied into buffers on its way out (npm run bench: peak RSS +80 MB).
   */
  async json(value: unknown): Promise<void> {
    let buffered = '';
    for (const piece of jsonPieces(value, this.maskStrings)) {
      buffered += piece;
      if (buffered.length >= 64 * 1024) {
        await this.writeOut(this.redact(buffered));
        buffered = '';
      }
    }
    await this.writeOut(`${this.redact(buffered)}\n`);
  }

  /** Writes to stdout; when its buffer is full, resolves once it drains (or fails, or closes: never hangs). */
  private writeOut(text: string): Promise<void> {
    const { stdout } = this.streams;
    if (stdout.write(text) !== false) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        for (const event of ['drain', 'error', 'close']) stdout.removeListener(event, done);
        resolve();
      };
      for (const event of ['drain', 'error', 'close']) stdout.once(event, done);
    });
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
    else this.streams.stderr.write(`${this.redact(`${this.stderrColors.yellow('warning:')} ${text}`)}\n`);
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
    const tail = hint ? ` ${this.stderrColors.dim(`(${hint})`)}` : '';
    this.streams.stderr.write(`${this.redact(`${this.stderrColors.red('calplanebot:')} ${text}${tail}`)}\n`);
  }

  /**
   * A structured record: with `--log-format json` one JSON line on stderr (time and level first);
   * in the human format only debug-level records show, under --verbose, as their message.
   */
  log(record: LogRecord): void {
    if (!this.jsonLogs) {
      if (record.level === 'debug' && this.options.verbose)
        this.streams.stderr.write(`${this.redact(record.message)}\n`);
      return;
    }
    if (record.level === 'debug' && !this.options.verbose) return;
    this.streams.stderr.write(
      `${this.redact(JSON.stringify({ time: new Date().toISOString(), ...record }, this.maskStrings))}\n`,
    );
  }

  /** A JSON.stringify replacer: strings are masked before JSON escapes them (a secret holding a quote would slip past after). */
  private readonly maskStrings = (_key: string, value: unknown): unknown =>
    typeof value === 'string' ? this.redact(value) : value;

  private get jsonLogs(): boolean {
    return this.options.logFormat === 'json';
  }

  /** A spinner on a TTY (see spinnerStyle); elsewhere a no-op with the same shape. ora loads only when shown. */
  async spinner(text: string): Promise<Spinner> {
    const style = spinnerStyle(this.options, this.streams.env, Boolean(this.streams.stderr.isTTY));
    if (style === 'off') return { update: () => undefined, stop: () => undefined };
    const { default: ora } = await import('ora');
    const color = style === 'color' ? 'cyan' : false;
    const spinner = ora({ text, stream: this.streams.stderr, color, isEnabled: true }).start();
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

/**
 * Whether text written to one stream gets colours: --no-color or NO_COLOR (any non-empty value,
 * no-color.org) turn them off; else FORCE_COLOR (not "0") turns them on; else only a TTY gets them.
 * Decided per stream, since stdout and stderr are redirected separately.
 */
export function colorEnabled(options: Pick<GlobalOptions, 'color'>, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (!options.color) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

/** No spinner, a plain one, or a coloured one. */
export type SpinnerStyle = 'off' | 'plain' | 'color';

/**
 * A spinner only where a person watches stderr: a TTY that can move the cursor (not TERM=dumb),
 * not --json, --quiet or JSON logs. FORCE_COLOR never makes one appear in a log file; NO_COLOR
 * and --no-color leave it uncoloured.
 */
export function spinnerStyle(
  options: Pick<GlobalOptions, 'color' | 'json' | 'quiet' | 'logFormat'>,
  env: NodeJS.ProcessEnv,
  stderrIsTTY: boolean,
): SpinnerStyle {
  if (!stderrIsTTY || env.TERM === 'dumb') return 'off';
  if (options.json || options.quiet || options.logFormat === 'json') return 'off';
  return colorEnabled(options, env, stderrIsTTY) ? 'color' : 'plain';
}

type Replacer = (key: string, value: unknown) => unknown;

/**
 * JSON.stringify(value, replacer, 2) in pieces, none larger than one member four levels down
 * (in a report: one change of one project): the report of a first sync of 10,000 events is
 * megabytes, and as one string (then copied by the redaction and into a write buffer) it set the
 * run's peak memory. Secrets are masked string by string by the replacer, so no piece boundary
 * can split one.
 */
export function* jsonPieces(value: unknown, replacer: Replacer, levels = 4, indent = 0): Generator<string> {
  const pad = ' '.repeat(indent);
  const container =
    typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (levels === 0 || !container) {
    yield (JSON.stringify(value ?? null, replacer, 2) ?? 'null').replace(/\n/g, `\n${pad}`);
    return;
  }
  // What JSON.stringify leaves out of an object; in an array the same values become null (above).
  const members: [string | undefined, unknown][] = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : Object.entries(value).filter(([, member]) => member !== undefined && typeof member !== 'function');
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (members.length === 0) {
    yield `${open}${close}`;
    return;
  }
  yield `${open}\n`;
  for (const [index, [key, member]] of members.entries()) {
    yield key === undefined ? `${pad}  ` : `${pad}  ${JSON.stringify(key)}: `;
    yield* jsonPieces(member, replacer, levels - 1, indent + 2);
    yield index < members.length - 1 ? ',\n' : '\n';
  }
  yield `${pad}${close}`;
}
