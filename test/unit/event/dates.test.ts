import { describe, expect, it } from 'vitest';
import { addDays, daysInMonth, isCalendarDate, isLeapYear } from '../../../src/event/dates.js';

describe('isLeapYear', () => {
  it('follows the Gregorian century rule', () => {
    expect(isLeapYear(2024)).toBe(true);
    expect(isLeapYear(2025)).toBe(false);
    expect(isLeapYear(1900)).toBe(false);
    expect(isLeapYear(2000)).toBe(true);
    expect(isLeapYear(2100)).toBe(false);
    expect(isLeapYear(2400)).toBe(true);
  });
});

describe('daysInMonth', () => {
  it('knows every month', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((month) => daysInMonth(2025, month))).toEqual([
      31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]);
    expect(daysInMonth(2024, 2)).toBe(29);
  });
});

describe('isCalendarDate', () => {
  it.each(['2025-01-01', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each([
    '2025-02-29',
    '1900-02-29',
    '2025-02-30',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-1-5',
    '25-01-05',
    '2025-01-05T00:00:00Z',
    ' 2025-01-05',
    '2025/01/05',
    '0000-01-01',
    'garbage',
    '',
  ])('rejects %j', (date) => {
    expect(isCalendarDate(date)).toBe(false);
  });
});

describe('addDays', () => {
  it.each([
    ['2025-01-30', 1, '2025-01-31'],
    ['2025-01-31', 1, '2025-02-01'],
    ['2025-04-30', 1, '2025-05-01'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2024-02-29', 1, '2024-03-01'],
    ['1900-02-28', 1, '1900-03-01'],
    ['2000-02-28', 1, '2000-02-29'],
    ['2100-02-28', 1, '2100-03-01'],
    ['1999-12-31', 1, '2000-01-01'],
    ['0001-01-01', 1, '0001-01-02'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2025-01-01', 365, '2026-01-01'],
    ['2024-01-01', 366, '2025-01-01'],
    ['2025-01-15', 0, '2025-01-15'],
  ] as const)('%s + %i = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('agrees with UTC Date arithmetic on every day of 1899–2101', () => {
    let day = Date.UTC(1899, 0, 1);
    const last = Date.UTC(2101, 11, 31);
    while (day < last) {
      const today = new Date(day).toISOString().slice(0, 10);
      const tomorrow = new Date(day + 86_400_000).toISOString().slice(0, 10);
      if (addDays(today, 1) !== tomorrow) expect(addDays(today, 1)).toBe(tomorrow);
      day += 86_400_000;
    }
  });

  it('refuses a string that is not a calendar date', () => {
    expect(() => addDays('2025-02-30', 1)).toThrow(RangeError);
  });
});
