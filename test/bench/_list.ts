import { DavCalendarStore } from '../../src/caldav/dav-store.js';
import { createHttpClient } from '../../src/http/fetcher.js';
const store = new DavCalendarStore({ serverUrl: 'http://127.0.0.1:52311/', username: 'alice', password: 'pw', http: createHttpClient({ service: 'caldav', policy: { timeoutMs: 30_000, retries: 1, backoffMinMs: 1, backoffMaxMs: 1, maxRetryAfterMs: 1 } }) });
const cals = await store.listCalendars();
console.log(cals);
for (let i = 0; i < 3; i++) { const t = performance.now(); const objs = await store.list(cals[0]!); console.log(objs.length, performance.now() - t); }
