/** The signature comparison goes through crypto.timingSafeEqual, on two equal-length digests. */
import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { signatureMatches } from '../../../src/webhook/signature.js';
import { verifyDelivery } from '../../../src/webhook/verify.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: vi.fn((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => actual.timingSafeEqual(a, b)),
  };
});

const SECRET = 'plane_wh_0123456789abcdef0123456789abcdef';
const BODY = Buffer.from(
  '{"event": "cycle", "action": "created", "data": {"id": "22b6fc9c-1849-45da-b103-52a3e3a6b4c1"}}',
);
const spy = vi.mocked(crypto.timingSafeEqual);

beforeEach(() => {
  spy.mockClear();
});

describe('constant-time comparison', () => {
  it('compares the 32-byte digests with timingSafeEqual, whether they match or not', () => {
    const right = crypto.createHmac('sha256', SECRET).update(BODY).digest('hex');
    const wrong = `${right.slice(0, 63)}${right.endsWith('0') ? '1' : '0'}`;
    expect(signatureMatches(BODY, right, SECRET)).toBe(true);
    expect(signatureMatches(BODY, wrong, SECRET)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });

  it('verifyDelivery uses it for every signed delivery', () => {
    const signature = crypto.createHmac('sha256', SECRET).update(BODY).digest('hex');
    expect(verifyDelivery(BODY, signature, SECRET, { allowUnsigned: false }).event).toBe('cycle');
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
