/**
 * Whatever arrives on stdin, the verify + parse layer ends in a Delivery or a DeliveryRejectedError
 * (exit 4): never another exception, and never a Delivery from bytes the secret did not sign.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/webhook/delivery.js';
import { DeliveryRejectedError } from '../../../src/webhook/rejection.js';
import { signBody } from '../../../src/webhook/signature.js';
import { verifyDelivery } from '../../../src/webhook/verify.js';

const SECRET = 'plane_wh_00112233445566778899aabbccddeeff';
const _OPTIONS = { allowUnsigned: false };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Outcome = { delivery: Delivery } | { rejected: DeliveryRejectedError };

/** Runs the gate; any exception other than a rejection fails the property. */
function gate(
  raw: Buffer,
  signature: string | undefined,
  secret: string | undefined = SECRET,
  allowUnsigned = false,
): Outcome {
  try {
    return { delivery: verifyDelivery(raw, signature, secret, { allowUnsigned }) };
  } catch (error) {
    if (error instanceof DeliveryRejectedError) return { rejected: error };
    throw error;
  }
}

function expectSane(delivery: Delivery): void {
  expect(delivery.event).toMatch(/^[a-z][a-z_]*$/);
  expect(['created', 'updated', 'deleted']).toContain(delivery.action);
  expect(delivery.id).toMatch(UUID);
  if (delivery.projectId !== null) expect(delivery.projectId).toMatch(UUID);
  if (delivery.event === 'issue' && delivery.action !== 'deleted') expect(delivery.projectId).not.toBeNull();
}

/** Mostly values Plane could send, sometimes anything at all. */
const plausible = <T>(values: T[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 4 }, { arbitrary: fc.anything(), weight: 1 });
const ids = fc.record({
  id: fc.oneof({ arbitrary: fc.uuid(), weight: 4 }, { arbitrary: fc.string(), weight: 1 }),
  project: fc.oneof(
    { arbitrary: fc.uuid(), weight: 3 },
    { arbitrary: fc.string(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
  ),
});
const payload = fc.record(
  {
    event: plausible(['issue', 'project', 'cycle', 'module', 'issue_comment', 'Issue', 'workitem.updated', '']),
    action: plausible(['created', 'updated', 'deleted', 'create', 'update', 'delete', 'archived', 'Update']),
    data: fc.oneof(
      { arbitrary: ids, weight: 4 },
      {
        arbitrary: ids.chain((record) =>
          fc
            .subarray(Object.keys(record))
            .map((keys) => Object.fromEntries(keys.map((k) => [k, record[k as keyof typeof record]]))),
        ),
        weight: 1,
      },
      { arbitrary: fc.anything(), weight: 1 },
    ),
    activity: fc.anything(),
  },
  { requiredKeys: ['event', 'action', 'data'] },
);

describe('the verify + parse layer, for any input', () => {
  it('any bytes with any signature: a rejection, never a crash, never an accepted forgery', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.option(fc.string({ maxLength: 80 })), (bytes, signature) => {
        const raw = Buffer.from(bytes);
        const outcome = gate(raw, signature ?? undefined);
        if ('delivery' in outcome) {
          // Only possible if the arbitrary signature is the real one: astronomically unlikely, but then legitimate.
          expect(signature?.trim().toLowerCase()).toBe(signBody(raw, SECRET));
        } else {
          expect(outcome.rejected.exitCode).toBe(4);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('correctly signed JSON of any shape: a sane Delivery or a rejection with a reason', () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(payload, fc.constantFrom('', ' ', '\n'), (value, pad) => {
        const raw = Buffer.from(`${pad}${JSON.stringify(value)}${pad}`, 'utf8');
        const outcome = gate(raw, signBody(raw, SECRET));
        if ('delivery' in outcome) {
          seen.accepted += 1;
          expectSane(outcome.delivery);
        } else {
          seen.rejected += 1;
          expect(outcome.rejected.reason).not.toMatch(/^signature|^no-secret|^too-large/);
        }
      }),
      { numRuns: 1000 },
    );
    // Both branches were exercised, so the property says something about each.
    expect(seen.accepted).toBeGreaterThan(20);
    expect(seen.rejected).toBeGreaterThan(20);
  });

  it('with unsigned deliveries allowed, any bytes still end in a sane Delivery or a rejection', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
          payload.map((v) => Buffer.from(JSON.stringify(v))),
        ),
        (raw) => {
          const outcome = gate(raw, undefined, undefined, true);
          if ('delivery' in outcome) expectSane(outcome.delivery);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('changing any one byte of a signed, valid delivery makes it a signature mismatch', () => {
    const raw = Buffer.from(
      '{"event": "issue", "action": "updated", "data": {"id": "5b9f3c1e-0d2a-4c47-9a55-3f0e8b1d2c44", "project": "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"}}',
    );
    const signature = signBody(raw, SECRET);
    expect('delivery' in gate(raw, signature)).toBe(true);
    fc.assert(
      fc.property(fc.nat(raw.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const changed = Buffer.from(raw);
        changed[at] = (changed[at] as number) ^ xor;
        const outcome = gate(changed, signature);
        expect('rejected' in outcome && outcome.rejected.reason).toBe('signature-mismatch');
      }),
      { numRuns: 300 },
    );
  });
});
