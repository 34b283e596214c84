/**
 * Starts Debian's `webhook` (adnanh/webhook) on a free loopback port with a hooks file: the real
 * HTTP receiver in front of `calplanebot handle-webhook`. One per test file, like Radicale.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../ports.js';

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:41234/hooks/ — append the hook id. */
  hooksUrl: string;
  /** Everything the receiver logged (-verbose), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  hooksFile: string;
  /** The commands' working directory (where calplanebot finds its config). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** More `webhook` options, e.g. `-template`. */
  args?: string[];
}

const SERVING = /serving hooks on http:\/\/127\.0\.0\.1:(\d+)/;

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  // The port is picked by binding :0 and letting go; another process may grab it in between, so retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOn(await freePort(), options);
    } catch (error) {
      lastError = error;
      if (!/address already in use/.test(String(error))) throw error;
    }
  }
  throw lastError;
}

async function startOn(port: number, options: ReceiverOptions): Promise<WebhookReceiver> {
  const child = spawn(
    'webhook',
    ['-hooks', options.hooksFile, '-ip', '127.0.0.1', '-port', String(port), '-verbose', ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const collect = (chunk: string) => (log += chunk);
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  await waitUntilServing(child, () => log);
  return {
    hooksUrl: `http://127.0.0.1:${port}/hooks/`,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitUntilServing(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`webhook did not start within 15 s:\n${log()}`)), 15_000);
    const poll = setInterval(() => {
      if (SERVING.test(log())) done();
    }, 20);
    const done = () => {
      clearTimeout(timer);
      clearInterval(poll);
      child.removeAllListeners('exit');
      resolve();
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new Error('webhook (adnanh/webhook) is not installed; run `apt-get install -y webhook` (see README)')
          : error,
      );
    });
    child.once('exit', (code) => fail(new Error(`webhook exited with code ${code} before serving:\n${log()}`)));
  });
}
