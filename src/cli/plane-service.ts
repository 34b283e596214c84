/**
 * The Plane side of the composition root, on its own: `export` needs Plane and nothing of CalDAV
 * (so it never loads the CalDAV client), `services.ts` builds on it for the other commands.
 */
import type { Config } from '../config/types.js';
import { createHttpClient, type HttpClient, type RequestStats, type RetryPolicy } from '../http/fetcher.js';
import { PlaneClient } from '../plane/client.js';
import type { Output } from './output.js';

export function retryPolicy(config: Config): RetryPolicy {
  const { timeoutMs, retries, backoffMinMs, backoffMaxMs, maxRetryAfterMs, maxRateLimitWaitMs } = config.http;
  return { timeoutMs, retries, backoffMinMs, backoffMaxMs, maxRetryAfterMs, maxRateLimitWaitMs };
}

/** An HTTP client for one side, its retries and answers logged under --verbose. */
export function httpClientFor(
  service: 'plane' | 'caldav',
  config: Config,
  stats: RequestStats,
  output: Output,
): HttpClient {
  const onRetry = (info: { method: string; where: string; attempt: number; waitMs: number; reason: string }) =>
    output.debug(
      `retrying ${info.method} ${info.where} in ${info.waitMs} ms (${info.reason}, attempt ${info.attempt})`,
    );
  const onResponse = (info: { method: string; where: string; status: number; ms: number }) =>
    output.debug(`${info.method} ${info.where} → ${info.status} (${info.ms} ms)`);
  return createHttpClient({ service, policy: retryPolicy(config), stats, onRetry, onResponse });
}

export function openPlane(config: Config, output: Output, stats: RequestStats): PlaneClient {
  return new PlaneClient({
    baseUrl: config.plane.baseUrl,
    workspaceSlug: config.plane.workspaceSlug,
    apiKey: config.plane.apiKey,
    http: httpClientFor('plane', config, stats, output),
    onWarning: (message) => output.warn(message),
  });
}
