/**
 * Starts a real Radicale (Debian's `radicale`) on a free loopback port with a temporary store and
 * htpasswd users. One per test file: start it in beforeAll, stop it in afterAll.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import { createHttpClient } from '../../src/http/fetcher.js';

export interface RadicaleUser {
  username: string;
  password: string;
}

export interface Radicale {
  /** Server root, e.g. http://127.0.0.1:41234/ */
  url: string;
  users: RadicaleUser[];
  /** The filesystem store, for tests that want to look underneath. */
  storageDir: string;
  stop(): Promise<void>;
}

export const DEFAULT_USERS: RadicaleUser[] = [
  { username: 'alice', password: 'radicale-test-password-a1' },
  { username: 'bob', password: 'radicale-test-password-b2' },
];

const LISTENING = /Listening on '?\[?127\.0\.0\.1\]?'?:(\d+)/;

export async function startRadicale(users: RadicaleUser[] = DEFAULT_USERS): Promise<Radicale> {
  const dir = mkdtempSync(join(tmpdir(), 'calplanebot-radicale-'));
  const usersFile = join(dir, 'users');
  writeFileSync(usersFile, `${users.map((u) => `${u.username}:${u.password}`).join('\n')}\n`);
  const storageDir = join(dir, 'collections');

  const child = spawn(
    'radicale',
    [
      '-C', // load no config file: Debian's /etc/radicale/config is not what tests want
      '--hosts',
      '127.0.0.1:0',
      '--storage-filesystem-folder',
      storageDir,
      '--auth-type',
      'htpasswd',
      '--auth-htpasswd-filename',
      usersFile,
      '--auth-htpasswd-encryption',
      'plain',
      '--auth-delay',
      '0',
      '--rights-type',
      'owner_only',
      '--logging-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );

  const port = await waitForPort(child);
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    users,
    storageDir,
    stop: () => stopServer(child, dir),
  };
}

/** SIGTERM to a server this process started, awaited, then its temporary dir removed. */
export async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`radicale did not start within 15 s:\n${log}`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new Error('radicale is not installed; run `apt-get install -y radicale` (see README)')
          : error,
      );
    });
    child.once('exit', (code) => fail(new Error(`radicale exited with code ${code} before listening:\n${log}`)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      const match = LISTENING.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        // Keep draining stderr so a chatty server never blocks on a full pipe.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    });
  });
}

/** A store that reads and edits straight in Radicale (past any recording proxy, so it never counts), as the first user. */
export function directStore(radicale: Radicale): DavCalendarStore {
  const user = radicale.users[0]!;
  return new DavCalendarStore({
    serverUrl: radicale.url,
    username: user.username,
    password: user.password,
    http: createHttpClient({
      service: 'caldav',
      policy: { timeoutMs: 10_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 },
    }),
  });
}
