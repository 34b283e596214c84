import { describe, expect, it } from 'vitest';
import {
  addDays,
  addSecondsToWallClock,
  daysInMonth,
  durationSeconds,
  isCalendarDate,
  isLeapYear,
  planeDateOf,
  planeDateTimeOf,
} from '../../../src/event/dates.js';

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

describe('planeDateOf and planeDateTimeOf (Plane dates that may carry a wall-clock time)', () => {
  it.each([
    ['2026-03-02', '2026-03-02', null],
    ['2026-03-02T14:30', '2026-03-02', '2026-03-02T14:30:00'],
    ['2026-03-02T14:30:45', '2026-03-02', '2026-03-02T14:30:45'],
    ['2026-03-02T14:30:45.123456', '2026-03-02', '2026-03-02T14:30:45'],
    ['2026-03-02T00:00', '2026-03-02', '2026-03-02T00:00:00'],
    ['2026-03-02T23:59', '2026-03-02', '2026-03-02T23:59:00'],
  ])('%j is on %j, at %j', (value, date, dateTime) => {
    expect(planeDateOf(value)).toBe(date);
    expect(planeDateTimeOf(value)).toBe(dateTime);
  });

  it.each([
    null,
    undefined,
    '',
    'garbage',
    '2026-02-30',
    '2026-02-30T10:00',
    '2026-03-02T24:00',
    '2026-03-02T10:60',
    '2026-03-02T10:00Z',
    '2026-03-02T10:00:00+01:00',
    '2026-03-02 10:00',
    '2026-3-2',
  ])('%j is neither', (value) => {
    expect(planeDateOf(value)).toBeNull();
    expect(planeDateTimeOf(value)).toBeNull();
  });
});

describe('durationSeconds', () => {
  it.each([
    ['PT1H', 3600],
    ['-PT15H', -54_000],
    ['+PT30M', 1800],
    ['P1D', 86_400],
    ['-P1D', -86_400],
    ['P1W', 604_800],
    ['P1DT2H3M4S', 93_784],
    ['PT0S', 0],
    ['PT90S', 90],
  ])('%s is %i seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['P', 'PT', '-P', '-PT', '', '1h', 'PT1.5H', 'P1W2D', 'PT1H1H', 'pt1h', 'P1H', 'PT15', ' PT1H'])(
    '%j is no duration',
    (text) => {
      expect(durationSeconds(text)).toBeNull();
    },
  );
});

describe('addSecondsToWallClock', () => {
  it.each([
    ['2026-03-02T14:30:00', 3600, '2026-03-02T15:30:00'],
    ['2026-03-02T23:30:00', 3600, '2026-03-03T00:30:00'],
    ['2026-12-31T23:59:59', 1, '2027-01-01T00:00:00'],
    ['2024-02-28T12:00:00', 86_400, '2024-02-29T12:00:00'],
    ['2026-03-02T00:15:00', -1800, '2026-03-01T23:45:00'],
    ['2026-03-02T14:30:00', 604_800, '2026-03-09T14:30:00'],
    // Clock arithmetic: a DST change does not move the wall clock.
    ['2026-03-29T01:30:00', 3600, '2026-03-29T02:30:00'],
  ])('%s + %is is %s', (local, seconds, expected) => {
    expect(addSecondsToWallClock(local, seconds)).toBe(expected);
  });
});
