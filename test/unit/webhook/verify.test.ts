import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { WebhookRejectedError } from '../../../src/errors.js';
import { parseDelivery } from '../../../src/webhook/delivery.js';
import { readBody } from '../../../src/webhook/read-body.js';
import { DeliveryRejectedError, type RejectionReason } from '../../../src/webhook/rejection.js';
import { signatureMatches, signBody } from '../../../src/webhook/signature.js';
import { MAX_BODY_BYTES, type VerifyOptions, verifyDelivery } from '../../../src/webhook/verify.js';

// plane-api.md §5: Plane's own test vector (json.dumps separators, no prefix, lowercase hex).
const VECTOR_SECRET = 'plane_wh_0123456789abcdef0123456789abcdef';
const VECTOR_BODY =
  '{"event": "project", "action": "deleted", "webhook_id": "3c2c32ac-82df-48b3-be2a-a3e21dbe8692", "workspace_id": "d2d97c94-a6ad-4012-b526-5577c0d7c769", "data": {"id": "22b6fc9c-1849-45da-b103-52a3e3a6b4c1"}, "activity": {"field": null, "new_value": null, "old_value": null, "actor": {"id": "797b5aea-3f40-4199-be84-5f94e0d04501", "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com", "avatar": "", "avatar_url": null, "display_name": "jane"}, "old_identifier": null, "new_identifier": null}}';
const VECTOR_SIGNATURE = 'd546e372c432137f64e9768264ad91cad35dde426e2494ab6cbc3bf9af6d1fa6';

const SECRET = 'plane_wh_fedcba9876543210fedcba9876543210';
const ISSUE = '5b9f3c1e-0d2a-4c47-9a55-3f0e8b1d2c44';
const PROJECT = '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
const OPTIONS: VerifyOptions = { allowUnsigned: false };

/** A body serialized the way Plane does (Python json.dumps defaults) for simple ASCII values. */
function pyBody(value: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(value).replace(/","/g, '", "').replace(/":/g, '": ').replace(/,"/g, ', "'), 'utf8');
}

function issueBody(overrides: Record<string, unknown> = {}): Buffer {
  return pyBody({
    event: 'issue',
    action: 'updated',
    webhook_id: PROJECT,
    data: { id: ISSUE, project: PROJECT, name: 'x' },
    ...overrides,
  });
}

function rejection(run: () => unknown): DeliveryRejectedError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryRejectedError);
    return error as DeliveryRejectedError;
  }
  throw new Error('expected a rejection, got a delivery');
}

function expectRejected(reason: RejectionReason, run: () => unknown): DeliveryRejectedError {
  const error = rejection(run);
  expect(error.reason).toBe(reason);
  return error;
}

describe('the signature', () => {
  it("reproduces Plane's own test vector, over the raw bytes", () => {
    const raw = Buffer.from(VECTOR_BODY, 'utf8');
    expect(signBody(raw, VECTOR_SECRET)).toBe(VECTOR_SIGNATURE);
    const delivery = verifyDelivery(raw, VECTOR_SIGNATURE, VECTOR_SECRET, OPTIONS);
    expect(delivery).toEqual({
      event: 'project',
      action: 'deleted',
      id: '22b6fc9c-1849-45da-b103-52a3e3a6b4c1',
      projectId: null,
      deliveryId: null,
    });
  });

  it('is over the exact bytes: the same JSON re-serialized by JavaScript no longer matches', () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(VECTOR_BODY)), 'utf8');
    expect(reserialized.equals(Buffer.from(VECTOR_BODY))).toBe(false);
    expectRejected('signature-mismatch', () => verifyDelivery(reserialized, VECTOR_SIGNATURE, VECTOR_SECRET, OPTIONS));
  });

  it('covers non-ASCII exactly as Plane escapes it (\\uXXXX), and a raw UTF-8 body differently', () => {
    const escaped = Buffer.from(
      `{"event": "issue", "action": "updated", "data": {"id": "${ISSUE}", "project": "${PROJECT}", "name": "Caf\\u00e9 \\ud83d\\ude80"}}`,
    );
    const signature = createHmac('sha256', SECRET).update(escaped).digest('hex');
    expect(verifyDelivery(escaped, signature, SECRET, OPTIONS).id).toBe(ISSUE);
    const utf8 = Buffer.from(escaped.toString('latin1').replace('Caf\\u00e9 \\ud83d\\ude80', 'Café 🚀'), 'utf8');
    expectRejected('signature-mismatch', () => verifyDelivery(utf8, signature, SECRET, OPTIONS));
  });

  it('accepts upper-case hex and surrounding whitespace (same digest), nothing else', () => {
    const raw = Buffer.from(VECTOR_BODY);
    expect(verifyDelivery(raw, ` ${VECTOR_SIGNATURE.toUpperCase()}\n`, VECTOR_SECRET, OPTIONS).event).toBe('project');
    expectRejected('signature-malformed', () =>
      verifyDelivery(raw, `sha256=${VECTOR_SIGNATURE}`, VECTOR_SECRET, OPTIONS),
    );
    expectRejected('signature-malformed', () => verifyDelivery(raw, VECTOR_SIGNATURE.slice(1), VECTOR_SECRET, OPTIONS));
    expectRejected('signature-malformed', () =>
      verifyDelivery(raw, `${VECTOR_SIGNATURE.slice(1)}g`, VECTOR_SECRET, OPTIONS),
    );
  });

  it('a signature made with another secret, or for one changed byte, does not match', () => {
    const raw = Buffer.from(VECTOR_BODY);
    expect(signatureMatches(raw, VECTOR_SIGNATURE, VECTOR_SECRET)).toBe(true);
    expect(signatureMatches(raw, VECTOR_SIGNATURE, `${VECTOR_SECRET}x`)).toBe(false);
    const flipped = Buffer.from(raw);
    flipped[10] = (flipped[10] as number) ^ 1;
    expect(signatureMatches(flipped, VECTOR_SIGNATURE, VECTOR_SECRET)).toBe(false);
  });
});

describe('fail closed', () => {
  const raw = issueBody();
  const good = signBody(raw, SECRET);

  it('refuses every delivery when no secret is configured, saying how to configure one', () => {
    for (const secret of [undefined, '']) {
      const error = expectRejected('no-secret-configured', () => verifyDelivery(raw, good, secret, OPTIONS));
      expect(error.hint).toMatch(/webhook\.secret.*PLANE_WEBHOOK_SECRET.*allowUnsigned/);
      expect(error.exitCode).toBe(ExitCode.WebhookRejected);
      expect(error).toBeInstanceOf(WebhookRejectedError);
    }
  });

  it('accepts unsigned deliveries only with the explicit opt-out and no secret', () => {
    expect(verifyDelivery(raw, undefined, undefined, { allowUnsigned: true }).id).toBe(ISSUE);
    // A configured secret always wins over the opt-out: a missing or wrong signature is still refused.
    expectRejected('signature-missing', () => verifyDelivery(raw, undefined, SECRET, { allowUnsigned: true }));
    expectRejected('signature-mismatch', () => verifyDelivery(raw, '0'.repeat(64), SECRET, { allowUnsigned: true }));
  });

  it('refuses a missing or blank signature when a secret is configured', () => {
    expectRejected('signature-missing', () => verifyDelivery(raw, undefined, SECRET, OPTIONS));
    expectRejected('signature-missing', () => verifyDelivery(raw, '  ', SECRET, OPTIONS));
  });

  it('checks the signature before looking at the payload', () => {
    expectRejected('signature-mismatch', () =>
      verifyDelivery(Buffer.from('not json'), '0'.repeat(64), SECRET, OPTIONS),
    );
  });

  it('never puts the secret into a message or hint', () => {
    for (const run of [
      () => verifyDelivery(raw, '0'.repeat(64), SECRET, OPTIONS),
      () => verifyDelivery(raw, undefined, SECRET, OPTIONS),
      () => verifyDelivery(raw, 'zz', SECRET, OPTIONS),
    ]) {
      const error = rejection(run);
      expect(`${error.message} ${error.hint}`).not.toContain(SECRET);
    }
  });
});

describe('the size cap', () => {
  it('is 1 MiB, and a body one byte over it is refused before the signature is computed', () => {
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    expectRejected('too-large', () => verifyDelivery(big, signBody(big, SECRET), SECRET, OPTIONS));
    const padded = Buffer.concat([issueBody(), Buffer.alloc(MAX_BODY_BYTES - issueBody().length, 0x20)]);
    expect(padded.length).toBe(MAX_BODY_BYTES);
    expect(verifyDelivery(padded, signBody(padded, SECRET), SECRET, OPTIONS).id).toBe(ISSUE);
  });

  it('is enforced while reading: an endless stream is cut off just past the cap', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        pulled += 1;
        yield Buffer.alloc(64 * 1024, 0x61);
      }
    }
    await expect(readBody(endless(), MAX_BODY_BYTES)).rejects.toMatchObject({ reason: 'too-large' });
    expect(pulled).toBe(17); // 16 chunks fill 1 MiB exactly; the 17th goes over
  });

  it('reads bytes as they are, whatever the chunking', async () => {
    const bytes = Buffer.from([0x7b, 0xe2, 0x82, 0xac, 0x7d]);
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 3), bytes.subarray(3)];
    expect((await readBody(Readable.from(chunks), 100)).equals(bytes)).toBe(true);
    expect((await readBody(Readable.from([]), 100)).length).toBe(0);
  });
});

describe('the payload', () => {
  const parse = (body: Buffer, headers = {}) => parseDelivery(body, headers);

  it('reads event, action, data.id and data.project', () => {
    expect(parse(issueBody(), { event: 'issue', deliveryId: '0c8e6e53-6b43-4a57-9c2f-2b1b8b3d6f10' })).toEqual({
      event: 'issue',
      action: 'updated',
      id: ISSUE,
      projectId: PROJECT,
      deliveryId: '0c8e6e53-6b43-4a57-9c2f-2b1b8b3d6f10',
    });
  });

  it.each([
    ['created', 'created'],
    ['updated', 'updated'],
    ['deleted', 'deleted'],
    ['create', 'created'],
    ['update', 'updated'],
    ['delete', 'deleted'],
  ] as const)('accepts the action spelling %s as %s', (sent, normalized) => {
    expect(parse(issueBody({ action: sent })).action).toBe(normalized);
  });

  it.each(['Created', 'UPDATE', 'archived', 'patch', '', 'created '])('rejects the action %j', (action) => {
    expectRejected('bad-action', () => parse(issueBody({ action })));
  });

  it('rejects a missing or non-string action', () => {
    expectRejected('bad-action', () => parse(pyBody({ event: 'issue', data: { id: ISSUE, project: PROJECT } })));
    expectRejected('bad-action', () => parse(issueBody({ action: ['updated'] })));
    expectRejected('bad-action', () => parse(issueBody({ action: 'constructor' })));
  });

  it('a deleted issue body carries only data.id; the project is optional there', () => {
    expect(parse(pyBody({ event: 'issue', action: 'deleted', data: { id: ISSUE } }))).toMatchObject({
      action: 'deleted',
      id: ISSUE,
      projectId: null,
    });
  });

  it('lower-cases UUIDs (Plane writes them lower-case; UIDs are built from them)', () => {
    expect(parse(issueBody({ data: { id: ISSUE.toUpperCase(), project: PROJECT.toUpperCase() } }))).toMatchObject({
      id: ISSUE,
      projectId: PROJECT,
    });
  });

  it('passes events it does not act on (cycle, module, issue_comment) through for "nothing to do"', () => {
    for (const event of ['cycle', 'module', 'issue_comment']) {
      expect(parse(pyBody({ event, action: 'created', data: { id: ISSUE } })).event).toBe(event);
    }
  });

  const cases: Array<[RejectionReason, Buffer, Record<string, string>?]> = [
    ['invalid-json', Buffer.from('')],
    ['invalid-json', Buffer.from('{"event": "issue",')],
    ['invalid-json', Buffer.from([0x7b, 0xff, 0x7d])],
    ['not-an-object', Buffer.from('[1, 2]')],
    ['not-an-object', Buffer.from('null')],
    ['not-an-object', Buffer.from('"issue"')],
    ['bad-event', pyBody({ action: 'updated', data: { id: ISSUE } })],
    ['bad-event', pyBody({ event: 7, action: 'updated', data: { id: ISSUE } })],
    ['bad-event', pyBody({ event: 'workitem.updated', action: 'updated', data: { id: ISSUE } })],
    ['bad-event', pyBody({ event: 'Issue', action: 'updated', data: { id: ISSUE } })],
    ['event-header-mismatch', issueBody(), { event: 'project' }],
    ['bad-data', pyBody({ event: 'issue', action: 'updated' })],
    ['bad-data', pyBody({ event: 'issue', action: 'updated', data: [ISSUE] })],
    ['bad-data', pyBody({ event: 'issue', action: 'updated', data: null })],
    ['bad-id', pyBody({ event: 'issue', action: 'updated', data: { project: PROJECT } })],
    ['bad-id', pyBody({ event: 'issue', action: 'updated', data: { id: 'WEB-12', project: PROJECT } })],
    ['bad-id', pyBody({ event: 'issue', action: 'updated', data: { id: `${ISSUE}/../x`, project: PROJECT } })],
    ['bad-project', pyBody({ event: 'issue', action: 'updated', data: { id: ISSUE } })],
    ['bad-project', pyBody({ event: 'issue', action: 'created', data: { id: ISSUE, project: { id: PROJECT } } })],
    ['bad-delivery-id', issueBody(), { deliveryId: 'a b' }],
    ['bad-delivery-id', issueBody(), { deliveryId: 'x'.repeat(129) }],
  ];
  it.each(cases)('rejects with %s', (reason, body, headers) => {
    const error = expectRejected(reason, () => parse(body, headers));
    expect(error.message).toMatch(/^webhook delivery rejected: /);
    expect(error.exitCode).toBe(4);
  });

  it('quotes a bad value only as a short escaped excerpt', () => {
    const error = expectRejected('bad-event', () =>
      parse(pyBody({ event: `x\n${'y'.repeat(500)}`, action: 'updated', data: { id: ISSUE } })),
    );
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThan(120);
  });

  it('an X-Plane-Event header that agrees (or is empty) is fine', () => {
    expect(parse(issueBody(), { event: 'issue' }).event).toBe('issue');
    expect(parse(issueBody(), { event: '' }).event).toBe('issue');
  });
});
