/**
 * How the benchmark measures one process: wall time here (ms resolution), CPU time and peak RSS
 * from GNU time (`/usr/bin/time`, the same figures as its `-v` report), and the traffic that went
 * through the recording proxies while it ran. Always spawned asynchronously: the fake Plane answers
 * from this very process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedRequest, RecordingProxy } from '../support/recording-proxy.js';

export const GNU_TIME = '/usr/bin/time';

export interface ProcessSample {
  wallMs: number;
  userMs: number;
  sysMs: number;
  /** Peak resident set size, MiB. */
  maxRssMb: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  cwd?: string;
}

export function requireGnuTime(): void {
  if (!existsSync(GNU_TIME))
    throw new Error(`${GNU_TIME} is missing: install GNU time (Debian: apt-get install -y time)`);
}

/** Runs `command args` to completion under GNU time. Never throws on a non-zero exit: the caller judges. */
export function timedRun(command: string, args: string[], options: RunOptions = {}): Promise<ProcessSample> {
  const dir = mkdtempSync(join(tmpdir(), 'calplanebot-bench-time-'));
  const timeFile = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, command, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? tmpdir(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        // GNU time writes "Command exited with non-zero status N" first when the command failed.
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
        const [user, sys, rssKb] = last.split(/\s+/).map(Number);
        if (user === undefined || sys === undefined || rssKb === undefined || [user, sys, rssKb].some(Number.isNaN))
          throw new Error(`unreadable GNU time output: ${last}`);
        resolve({
          wallMs,
          userMs: user * 1000,
          sysMs: sys * 1000,
          maxRssMb: rssKb / 1024,
          code: code ?? -1,
          stdout,
          stderr,
        });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** What crossed a recording proxy during one run. */
export interface Traffic {
  requests: number;
  byMethod: Record<string, number>;
  /** Request body bytes (client → server). */
  bytesUp: number;
  /** Response body bytes (server → client). */
  bytesDown: number;
  /** Wall time during which at least one write (PUT, DELETE) was in flight: the writes' own time. */
  writeWallMs?: number;
}

export function trafficOf(proxy: RecordingProxy | undefined): Traffic {
  const traffic: Traffic = { requests: 0, byMethod: {}, bytesUp: 0, bytesDown: 0 };
  for (const r of proxy?.requests ?? []) {
    traffic.requests += 1;
    traffic.byMethod[r.method] = (traffic.byMethod[r.method] ?? 0) + 1;
    traffic.bytesUp += r.requestBytes ?? 0;
    traffic.bytesDown += r.responseBytes ?? 0;
  }
  traffic.writeWallMs = Math.round(busyMs(proxy?.requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE')));
  return traffic;
}

/** The length of the union of the requests' [start, end] intervals. */
function busyMs(requests: RecordedRequest[] | undefined): number {
  const spans = (requests ?? [])
    .filter((r) => r.startMs !== undefined && r.endMs !== undefined)
    .map((r) => [r.startMs as number, r.endMs as number] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

export function addTraffic(a: Traffic, b: Traffic): Traffic {
  const byMethod = { ...a.byMethod };
  for (const [method, n] of Object.entries(b.byMethod)) byMethod[method] = (byMethod[method] ?? 0) + n;
  return {
    requests: a.requests + b.requests,
    byMethod,
    bytesUp: a.bytesUp + b.bytesUp,
    bytesDown: a.bytesDown + b.bytesDown,
    writeWallMs: (a.writeWallMs ?? 0) + (b.writeWallMs ?? 0),
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
