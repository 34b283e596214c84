/**
 * Starts a real Xandikos (Debian's `xandikos`) on a free loopback port with a temporary git-backed
 * store: the second CalDAV server, for behaviour Radicale alone would not pin down (sync-collection
 * above all). One per test file: start it in beforeAll, stop it in afterAll.
 *
 * Xandikos has no authentication: it serves one principal to anyone. `users` holds one user anyway,
 * so code written for Radicale's shape runs unchanged; the server ignores the credentials.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type Radicale, type RadicaleUser, stopServer } from './radicale.js';

export interface Xandikos extends Radicale {
  /** The one principal, the current-user-principal of every request: `${url}user/`. */
  principalUrl: string;
  /** Its calendar home (calendar-home-set), where MKCALENDAR makes calendars: `${url}user/calendars/`. */
  homeUrl: string;
}

/** Sent as Basic auth like any user's; Xandikos never checks it. */
export const XANDIKOS_USERS: RadicaleUser[] = [{ username: 'alice', password: 'xandikos-test-password' }];

/** Xandikos's default --current-user-principal; its calendar home is `calendars/` below it. */
const PRINCIPAL_PATH = 'user/';
const HOME_PATH = `${PRINCIPAL_PATH}calendars/`;

/** A port picked free can be taken before Xandikos binds it: try again with another, a few times. */
const PORT_ATTEMPTS = 5;
const START_TIMEOUT_MS = 15_000;

/** Xandikos's (aiohttp's) refusal to bind: `OSError: [Errno 98] … address already in use`. */
const PORT_TAKEN = /address already in use/i;

class PortTaken extends Error {}

export async function startXandikos(): Promise<Xandikos> {
  const dir = mkdtempSync(join(tmpdir(), 'calplanebot-xandikos-'));
  const storageDir = join(dir, 'store');
  try {
    for (let attempt = 1; ; attempt++) {
      // `-p 0` binds a free port but Xandikos logs ":0" and never the port it got: pick one here.
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/`;
      const child = spawn(
        'xandikos',
        [
          '--directory',
          storageDir,
          '--listen-address',
          '127.0.0.1',
          '--port',
          String(port),
          // Creates the principal /user/, its calendar home /user/calendars/ (MKCALENDAR needs the
          // parent) and in it one calendar `calendar/` (plus an address book and a schedule inbox).
          '--defaults',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      try {
        await waitForHttp(child, url);
      } catch (error) {
        if (error instanceof PortTaken && attempt < PORT_ATTEMPTS) continue;
        throw error;
      }
      return {
        url,
        users: XANDIKOS_USERS,
        storageDir,
        principalUrl: new URL(PRINCIPAL_PATH, url).href,
        homeUrl: new URL(HOME_PATH, url).href,
        stop: () => stopServer(child, dir),
      };
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Resolves once Xandikos answers HTTP (its "Listening on" log line comes before the bind, so it
 * proves nothing). Rejects with its stderr when it exits first (PortTaken when the port went to
 * someone else) or does not answer in time, then only once it is dead.
 */
function waitForHttp(child: ChildProcess, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      if (error) {
        // Gone before the caller removes its directory: a dying server writes nothing there after.
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) reject(error);
        else {
          child.once('exit', () => reject(error));
          child.kill('SIGKILL');
        }
      } else {
        // Keep draining stderr so a chatty server never blocks on a full pipe.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve();
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`xandikos did not answer at ${url} within ${START_TIMEOUT_MS / 1000} s:\n${log}`)),
      START_TIMEOUT_MS,
    );
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish(
        error.code === 'ENOENT'
          ? new Error(
              'xandikos is not installed; run `node test/support/ensure-servers.mjs --tests` (as root on Debian it installs it)',
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      const message = `xandikos exited (${signal ?? `code ${code}`}) before answering at ${url}:\n${log}`;
      finish(PORT_TAKEN.test(log) ? new PortTaken(message) : new Error(message));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
    });
    const poll = async () => {
      while (!settled) {
        try {
          // The root page needs no collection to exist. Another server that took the port
          // meanwhile is not waited for: Xandikos then exits, refused the port (PortTaken).
          const page = await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).text();
          if (page.includes('Xandikos')) {
            finish();
            return;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    void poll();
  });
}
