import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import { AuthError } from '../../src/errors.js';
import { createHttpClient, type RetryPolicy } from '../../src/http/fetcher.js';
import { describeCalendarStoreContract } from '../contract/calendar-store.contract.js';
import { type Radicale, startRadicale } from '../support/radicale.js';

const policy: RetryPolicy = { timeoutMs: 10_000, retries: 2, backoffMinMs: 10, backoffMaxMs: 20, maxRetryAfterMs: 100 };
let radicale: Radicale;

beforeAll(async () => {
  radicale = await startRadicale();
});
afterAll(async () => {
  await radicale?.stop();
});

function storeFor(password?: string): DavCalendarStore {
  const user = radicale.users[0]!;
  return new DavCalendarStore({
    serverUrl: radicale.url,
    username: user.username,
    password: password ?? user.password,
    http: createHttpClient({ service: 'caldav', policy }),
  });
}

describeCalendarStoreContract('Radicale (DavCalendarStore)', async () => storeFor());

describe('DavCalendarStore on Radicale', () => {
  it('maps a wrong password to AuthError with a hint that names the credentials, not the password', async () => {
    const error = await storeFor('wrong-password-zz9')
      .listCalendars()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).hint).toMatch(/CalDAV credentials/);
    expect(JSON.stringify({ m: (error as Error).message, h: (error as AuthError).hint })).not.toContain(
      'wrong-password-zz9',
    );
  });
});
