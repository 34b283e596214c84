import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { formatAge, parseDuration } from '../../../src/ops/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    [' 2H ', 7_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--max-age')).toBe(ms);
  });

  it.each(['', '15', 'm', '15 minutes', '-5m', '1.5h', '0m', '2h-'])(
    'rejects %j as a usage error naming the option',
    (text) => {
      expect(() => parseDuration(text, '--max-age')).toThrow(UsageError);
      expect(() => parseDuration(text, '--max-age')).toThrow(/--max-age/);
    },
  );
});

describe('formatAge', () => {
  it('says how long ago in the largest sensible unit', () => {
    expect(formatAge(4_000)).toBe('4 s');
    expect(formatAge(3 * 60_000 + 10_000)).toBe('3 min');
    expect(formatAge(2 * 3_600_000)).toBe('2 h');
    expect(formatAge(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatAge(5 * 86_400_000)).toBe('5 d');
  });
});
