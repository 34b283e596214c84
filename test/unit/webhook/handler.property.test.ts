/**
 * The whole handler layer, as `handle-webhook` runs it (verifyDelivery, then handleDelivery on a
 * calendar store), over arbitrary bytes and over bodies built from the ids that exist: it ends in a
 * report or a rejection (exit 4), never in another exception, and it writes only for a delivery
 * the secret signed. The bodies name real issues and projects, so a write is possible in every
 * sample that passes the gate (and the test checks that such samples do write).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCalendarStore } from '../../../src/caldav/memory-store.js';
import { WebhookRejectedError } from '../../../src/errors.js';
import { RequestStats } from '../../../src/http/fetcher.js';
import { syntaxErrorWhere } from '../../../src/webhook/delivery.js';
import { handleDelivery, type WebhookReport } from '../../../src/webhook/handle.js';
import { DeliveryRejectedError, quote } from '../../../src/webhook/rejection.js';
import { signBody } from '../../../src/webhook/signature.js';
import { verifyDelivery } from '../../../src/webhook/verify.js';
import { issue, project, WebhookMemoryPlane } from '../../support/builders.js';

const SECRET = 'plane_wh_00112233445566778899aabbccddeeff';

const web = project({ identifier: 'WEB', name: 'Web' });
const dated = issue(web.id, { name: 'Dated' });

/** A fresh world per sample: the issue exists in Plane, its event does not (so any accepted delivery about it writes). */
function world() {
  const plane = new WebhookMemoryPlane();
  plane.projects.push(web);
  plane.issues.push({ ...dated });
  return { plane, store: new MemoryCalendarStore() };
}

type Mode = 'secret' | 'no-secret' | 'unsigned-allowed';
type Outcome = { report: WebhookReport } | { rejected: WebhookRejectedError };

/** What handle-webhook does with a body, a signature and a configuration. */
async function handle(raw: Buffer, signature: string | undefined, mode: Mode) {
  const { plane, store } = world();
  let outcome: Outcome;
  try {
    const delivery = verifyDelivery(raw, signature, mode === 'secret' ? SECRET : undefined, {
      allowUnsigned: mode === 'unsigned-allowed',
    });
    const deps = { plane, store, stats: { plane: new RequestStats(), caldav: new RequestStats() } };
    const settings = {
      webUrl: 'https://app.plane.so',
      workspaceSlug: 'acme',
      calendarNameTemplate: 'Plane: {project}',
      projects: [],
      guard: { maxDeletePercent: 50, allowMassDelete: false },
    };
    outcome = { report: await handleDelivery(delivery, deps, settings) };
  } catch (error) {
    if (!(error instanceof WebhookRejectedError)) throw error; // a crash: fails the property
    outcome = { rejected: error };
  }
  return { outcome, writes: store.writes };
}

// ── bodies ──────────────────────────────────────────────────────────────────

const anyValue = fc.anything({ maxDepth: 2 });
const idOrJunk = fc.oneof(
  { arbitrary: fc.constantFrom(dated.id, web.id, dated.id.toUpperCase()), weight: 4 },
  { arbitrary: fc.oneof(fc.uuid(), fc.string({ maxLength: 8 }), anyValue), weight: 1 },
);
const structured = fc.record(
  {
    event: fc.oneof(
      { arbitrary: fc.constantFrom('issue', 'project'), weight: 4 },
      { arbitrary: fc.constantFrom('cycle', 'Issue', 'issue ', ''), weight: 1 },
      { arbitrary: anyValue, weight: 1 },
    ),
    action: fc.oneof(
      { arbitrary: fc.constantFrom('created', 'updated', 'update', 'deleted'), weight: 4 },
      { arbitrary: fc.constantFrom('archived', 'Update'), weight: 1 },
      { arbitrary: anyValue, weight: 1 },
    ),
    data: fc.oneof(
      { arbitrary: fc.record({ id: idOrJunk, project: idOrJunk }, { requiredKeys: [] }), weight: 5 },
      { arbitrary: anyValue, weight: 1 },
    ),
    webhook_id: fc.uuid(),
  },
  { requiredKeys: ['data'] },
);
/** JSON text of a structured body, sometimes damaged (cut, or a byte changed). */
const structuredBytes = fc.oneof(
  { arbitrary: structured.map((value) => Buffer.from(JSON.stringify(value), 'utf8')), weight: 4 },
  {
    arbitrary: fc.tuple(structured, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([value, at, byte]) => {
      const bytes = Buffer.from(JSON.stringify(value), 'utf8');
      const copy = Buffer.from(bytes);
      copy[at % copy.length] = byte;
      return at % 2 === 0 ? copy : bytes.subarray(0, at % bytes.length);
    }),
    weight: 1,
  },
);
/** What Plane sends about the objects that exist, in both spellings of the action. */
const genuine = fc
  .oneof(
    fc.record({
      event: fc.constant('issue'),
      action: fc.constantFrom('created', 'updated', 'update'),
      data: fc.constant({ id: dated.id, project: web.id }),
    }),
    fc.record({
      event: fc.constant('project'),
      action: fc.constantFrom('created', 'updated'),
      data: fc.constant({ id: web.id }),
    }),
  )
  .map((value) => Buffer.from(JSON.stringify(value), 'utf8'));
const bytes = fc.oneof(
  { arbitrary: genuine, weight: 2 },
  { arbitrary: structuredBytes, weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
);

/** The right signature, one over other bytes, a malformed one, or none. */
type Signing = 'right' | 'other-body' | 'other-secret' | 'junk' | 'none';
const signing = fc.constantFrom<Signing>('right', 'right', 'other-body', 'other-secret', 'junk', 'none');
function signatureFor(raw: Buffer, how: Signing, junk: string): string | undefined {
  switch (how) {
    case 'right':
      return signBody(raw, SECRET);
    case 'other-body':
      return signBody(Buffer.concat([raw, Buffer.from(' ')]), SECRET);
    case 'other-secret':
      return signBody(raw, `${SECRET}x`);
    case 'junk':
      return junk;
    case 'none':
      return undefined;
  }
}

/** An independent reading of "a delivery about an object that exists" (necessary for any write). */
function namesKnownObject(raw: Buffer): boolean {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { data?: { id?: unknown } };
    const id = typeof body.data?.id === 'string' ? body.data.id.toLowerCase() : undefined;
    return id === dated.id || id === web.id;
  } catch {
    return false;
  }
}

describe('the handler layer on hostile input', () => {
  it('property: any bytes, any signature, any mode: a report or exit 4, never a crash; a write only for an accepted delivery about a real object', async () => {
    let wrote = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        bytes,
        signing,
        fc.string({ maxLength: 70 }),
        fc.constantFrom<Mode>('secret', 'secret', 'no-secret', 'unsigned-allowed'),
        async (raw, how, junk, mode) => {
          const signature = signatureFor(raw, how, junk);
          const { outcome, writes } = await handle(raw, signature, mode);
          const authentic = mode === 'unsigned-allowed' || (mode === 'secret' && how === 'right');
          if ('rejected' in outcome) {
            expect(outcome.rejected.exitCode).toBe(4);
            expect(outcome.rejected).toBeInstanceOf(DeliveryRejectedError);
            // Never a raw byte of the body in the message: no control characters, printable ASCII only (plus our own "…").
            expect(outcome.rejected.message).toMatch(/^[\x20-\x7e…]*$/);
            expect(writes).toEqual([]);
            return;
          }
          accepted += 1;
          expect(authentic, 'a delivery got past the gate without a valid signature').toBe(true);
          if (writes.length > 0) {
            wrote += 1;
            expect(namesKnownObject(raw)).toBe(true);
            // Only calplanebot's own calendar and event: nothing else in the home is touched.
            expect(writes.every((w) => w.url.includes(`plane-${web.id}`))).toBe(true);
          }
          expect(outcome.report.projects.flatMap((p) => p.errors)).toEqual([]);
        },
      ),
      { numRuns: 400, seed: 5_2026 },
    );
    // Not vacuous: many samples passed the gate and some of them wrote.
    expect(accepted).toBeGreaterThan(40);
    expect(wrote).toBeGreaterThan(20);
  });

  it('a valid signed delivery about the issue writes its event (the property above can see writes)', async () => {
    const raw = Buffer.from(
      JSON.stringify({ event: 'issue', action: 'updated', data: { id: dated.id, project: web.id } }),
    );
    const { outcome, writes } = await handle(raw, signBody(raw, SECRET), 'secret');
    expect('report' in outcome && outcome.report.totals.created).toBe(1);
    expect(writes.map((w) => w.op)).toEqual(['mkcalendar', 'put']);
  });
});

describe('rejection messages never carry raw body bytes', () => {
  it('invalid JSON with ESC, CR, LF and a bidi override: the position and an escaped excerpt, nothing raw', () => {
    const raw = Buffer.from('{"event": "issue",\u001b[2J\r\n\u202e x}', 'utf8');
    const error = (() => {
      try {
        verifyDelivery(raw, signBody(raw, SECRET), SECRET, { allowUnsigned: false });
      } catch (e) {
        return e as DeliveryRejectedError;
      }
      throw new Error('accepted');
    })();
    expect(error.reason).toBe('invalid-json');
    expect(error.message).toMatch(
      /^webhook delivery rejected: the body is not valid JSON \(\d+ bytes\), at position 18 near ".*"$/,
    );
    expect(error.message).toContain('\\u001b[2J\\u000d\\u000a\\u202e');
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('a body that ends too early says so; a non-SyntaxError adds nothing', () => {
    expect(syntaxErrorWhere(new SyntaxError('Unexpected end of JSON input'), '{"a":')).toBe(', it ends too early');
    expect(syntaxErrorWhere(new TypeError('x'), '')).toBe('');
  });

  it('property: for any text JSON.parse refuses, the message is printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        try {
          JSON.parse(text);
          return;
        } catch (error) {
          expect(syntaxErrorWhere(error, text)).toMatch(/^[\x20-\x7e]*$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('quoted values are printable ASCII too (C1 controls and bidi marks escaped, which JSON.stringify leaves)', () => {
    expect(quote('a\u009b31mb\u202ec')).toBe('"a\\u009b31mb\\u202ec"');
  });
});
