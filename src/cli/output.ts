/**
 * Everything the CLI prints goes through here: results on stdout (human or `--json`), logs and
 * failures on stderr, colours only on a TTY without NO_COLOR, and every line through the secret
 * redactor. Commands and the sync engine never call console.* themselves.
 */
import type { ChalkInstance } from 'chalk';

export interface GlobalOptions {
  config?: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
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
    this.streams.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  /** Diagnostics on stderr, shown with --verbose. */
  debug(text: string): void {
    if (this.options.verbose) this.streams.stderr.write(`${this.redact(text)}\n`);
  }

  /** Warnings on stderr, always (unless --quiet). */
  warn(text: string): void {
    if (!this.options.quiet) this.streams.stderr.write(`${this.redact(`${this.colors.yellow('warning:')} ${text}`)}\n`);
  }

  /** One line per failure on stderr, with what to do about it. Never silenced. */
  failure(text: string, hint?: string): void {
    const tail = hint ? ` ${this.colors.dim(`(${hint})`)}` : '';
    this.streams.stderr.write(`${this.redact(`${this.colors.red('calplanebot:')} ${text}${tail}`)}\n`);
  }

  /** Spinners only where a person watches: a TTY, not --json, not --quiet. */
  get interactive(): boolean {
    return Boolean(this.streams.stderr.isTTY) && !this.options.json && !this.options.quiet;
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
