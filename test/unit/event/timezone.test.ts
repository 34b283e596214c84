/** Zones from the runtime's tz database: VTIMEZONEs for a TZID, and the date of an instant in a zone. */
import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dateInZone,
  isTimeZone,
  offsetMinutesAt,
  vtimezone,
  wallClockAt,
  wallClockIn,
} from '../../../src/event/timezone.js';
import { BERLIN_2026 } from './vtimezones.js';

const lines = (text: string) => {
  expect(text.endsWith('\r\n')).toBe(true);
  return text.slice(0, -2).split('\r\n');
};

describe('vtimezone', () => {
  it('Europe/Berlin 2026: CET on 1 January, CEST from the last Sunday of March, CET from the last Sunday of October', () => {
    expect(lines(vtimezone('Europe/Berlin', 2026, 2026))).toEqual(BERLIN_2026);
  });

  it('America/New_York over two years: every transition of both', () => {
    expect(lines(vtimezone('America/New_York', 2026, 2027))).toEqual([
      'BEGIN:VTIMEZONE',
      'TZID:America/New_York',
      'BEGIN:STANDARD',
      'DTSTART:20260101T000000',
      'TZOFFSETFROM:-0500',
      'TZOFFSETTO:-0500',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:20260308T020000',
      'TZOFFSETFROM:-0500',
      'TZOFFSETTO:-0400',
      'END:DAYLIGHT',
      'BEGIN:STANDARD',
      'DTSTART:20261101T020000',
      'TZOFFSETFROM:-0400',
      'TZOFFSETTO:-0500',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:20270314T020000',
      'TZOFFSETFROM:-0500',
      'TZOFFSETTO:-0400',
      'END:DAYLIGHT',
      'BEGIN:STANDARD',
      'DTSTART:20271107T020000',
      'TZOFFSETFROM:-0400',
      'TZOFFSETTO:-0500',
      'END:STANDARD',
      'END:VTIMEZONE',
    ]);
  });

  it.each([
    ['Asia/Kolkata', '+0530'],
    ['Asia/Tokyo', '+0900'],
    ['Asia/Kathmandu', '+0545'],
    ['Pacific/Kiritimati', '+1400'],
    ['Pacific/Pago_Pago', '-1100'],
    ['UTC', '+0000'],
  ])('a zone without DST (%s) is one STANDARD observance at %s', (zone, offset) => {
    expect(lines(vtimezone(zone, 2026, 2027))).toEqual([
      'BEGIN:VTIMEZONE',
      `TZID:${zone}`,
      'BEGIN:STANDARD',
      'DTSTART:20260101T000000',
      `TZOFFSETFROM:${offset}`,
      `TZOFFSETTO:${offset}`,
      'END:STANDARD',
      'END:VTIMEZONE',
    ]);
  });

  it('a southern zone starts the year in DAYLIGHT', () => {
    const sydney = lines(vtimezone('Australia/Sydney', 2026, 2026));
    expect(sydney.slice(2, 7)).toEqual([
      'BEGIN:DAYLIGHT',
      'DTSTART:20260101T000000',
      'TZOFFSETFROM:+1100',
      'TZOFFSETTO:+1100',
      'END:DAYLIGHT',
    ]);
    expect(sydney.filter((line) => line.startsWith('DTSTART'))).toEqual([
      'DTSTART:20260101T000000',
      'DTSTART:20260405T030000',
      'DTSTART:20261004T020000',
    ]);
  });

  it('a half-hour DST shift (Australia/Lord_Howe) is found to the minute', () => {
    const howe = lines(vtimezone('Australia/Lord_Howe', 2026, 2026));
    expect(howe.filter((line) => /^(DTSTART|TZOFFSETTO)/.test(line))).toEqual([
      'DTSTART:20260101T000000',
      'TZOFFSETTO:+1100',
      'DTSTART:20260405T020000',
      'TZOFFSETTO:+1030',
      'DTSTART:20261004T020000',
      'TZOFFSETTO:+1100',
    ]);
  });

  it.each([
    ['Europe/Berlin', 2026, 2027],
    ['America/New_York', 2026, 2027],
    ['Australia/Sydney', 2026, 2026],
    ['America/St_Johns', 2025, 2026],
    ['Asia/Kolkata', 2026, 2026],
  ])('%s %i–%i gives ical.js the offset Intl knows, every day of those years', (zone, from, to) => {
    const tz = new ICAL.Timezone(new ICAL.Component(ICAL.parse(vtimezone(zone, from, to))));
    for (let ms = Date.UTC(from, 0, 1, 12); ms < Date.UTC(to + 1, 0, 1); ms += 86_400_000) {
      const wall = wallClockAt(ms, zone);
      const local = ICAL.Time.fromDateTimeString(wall);
      local.zone = tz;
      expect(tz.utcOffset(local), `${zone} ${wall}`).toBe(offsetMinutesAt(ms, zone) * 60);
      expect(local.toUnixTime() * 1000, `${zone} ${wall}`).toBe(ms);
    }
  });

  it('is the same text for the same zone and years (cached)', () => {
    expect(vtimezone('Europe/Berlin', 2026, 2026)).toBe(vtimezone('Europe/Berlin', 2026, 2026));
  });
});

describe('wallClockAt and offsetMinutesAt', () => {
  it('read the tz database, to the minute and in both directions from UTC', () => {
    expect(wallClockAt(Date.UTC(2026, 2, 1, 23, 30), 'Europe/Berlin')).toBe('2026-03-02T00:30:00');
    expect(wallClockAt(Date.UTC(2026, 2, 1, 23, 30, 59), 'UTC')).toBe('2026-03-01T23:30:59');
    expect(wallClockAt(Date.UTC(2026, 2, 1, 10, 0), 'Pacific/Kiritimati')).toBe('2026-03-02T00:00:00');
    expect(wallClockAt(Date.UTC(2026, 2, 1, 10, 0), 'Pacific/Pago_Pago')).toBe('2026-02-28T23:00:00');
    expect(offsetMinutesAt(Date.UTC(2026, 0, 15), 'Europe/Berlin')).toBe(60);
    expect(offsetMinutesAt(Date.UTC(2026, 6, 15), 'Europe/Berlin')).toBe(120);
    expect(offsetMinutesAt(Date.UTC(2026, 0, 15), 'Asia/Kathmandu')).toBe(345);
    expect(offsetMinutesAt(Date.UTC(2026, 0, 15), 'America/St_Johns')).toBe(-210);
    expect(offsetMinutesAt(Date.UTC(2026, 6, 15), 'America/St_Johns')).toBe(-150);
  });

  it('switch at the transition instant', () => {
    const change = Date.UTC(2026, 2, 29, 1, 0); // 02:00 CET → 03:00 CEST
    expect(offsetMinutesAt(change - 1000, 'Europe/Berlin')).toBe(60);
    expect(offsetMinutesAt(change, 'Europe/Berlin')).toBe(120);
    expect(wallClockAt(change - 1000, 'Europe/Berlin')).toBe('2026-03-29T01:59:59');
    expect(wallClockAt(change, 'Europe/Berlin')).toBe('2026-03-29T03:00:00');
  });
});

describe('dateInZone', () => {
  it.each([
    // Berlin (CET, +01:00) around its midnight.
    ['2026-03-01T22:59:59Z', 'Europe/Berlin', '2026-03-01'],
    ['2026-03-01T23:00:00Z', 'Europe/Berlin', '2026-03-02'],
    ['2026-03-01T23:30:00Z', 'Europe/Berlin', '2026-03-02'],
    // Berlin in summer (CEST, +02:00).
    ['2026-07-01T21:59:59Z', 'Europe/Berlin', '2026-07-01'],
    ['2026-07-01T22:00:00Z', 'Europe/Berlin', '2026-07-02'],
    // West of UTC.
    ['2026-03-02T04:59:59Z', 'America/New_York', '2026-03-01'],
    ['2026-03-02T05:00:00Z', 'America/New_York', '2026-03-02'],
    // The zones the suite runs in: UTC+14 and UTC−11.
    ['2026-03-01T09:59:59Z', 'Pacific/Kiritimati', '2026-03-01'],
    ['2026-03-01T10:00:00Z', 'Pacific/Kiritimati', '2026-03-02'],
    ['2026-03-02T10:59:59Z', 'Pacific/Pago_Pago', '2026-03-01'],
    ['2026-03-02T11:00:00Z', 'Pacific/Pago_Pago', '2026-03-02'],
    // An instant rendered in the key owner's zone (Plane renders datetimes so), with and without a colon.
    ['2026-03-01T18:30:00-05:00', 'Europe/Berlin', '2026-03-02'],
    ['2026-03-02T00:30:00.123456+0100', 'UTC', '2026-03-01'],
    ['2026-03-02T00:30:00+01:00', 'Europe/Berlin', '2026-03-02'],
    // Without an offset: UTC; a space for the T.
    ['2026-03-01T23:30:00', 'Europe/Berlin', '2026-03-02'],
    ['2026-03-01 23:30:00', 'Europe/Berlin', '2026-03-02'],
    ['2026-12-31T23:30:00Z', 'Europe/Berlin', '2027-01-01'],
  ])('%s is %s in %s', (instant, zone, date) => {
    expect(dateInZone(instant, zone)).toBe(date);
  });

  it.each(['garbage', '', '2026-13-01T00:00:00Z'])('is null for %j', (instant) => {
    expect(dateInZone(instant, 'Europe/Berlin')).toBeNull();
  });
});

describe('isTimeZone', () => {
  it('knows IANA names, and nothing else', () => {
    for (const zone of ['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Pacific/Kiritimati'])
      expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['Mars/Olympus_Mons', 'CEST+2', 'Europe/Berlin ']) expect(isTimeZone(zone), zone).toBe(false);
  });
});

describe('time zones whatever the process TZ', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('give the same dates, clocks and VTIMEZONE transitions under any process.env.TZ', () => {
    const probe = () => [
      dateInZone('2026-03-01T23:30:00Z', 'Europe/Berlin'),
      dateInZone('2026-03-01T23:30:00Z', 'UTC'),
      dateInZone('2026-03-02T10:30:00', 'Pacific/Pago_Pago'),
      wallClockAt(Date.UTC(2026, 9, 25, 0, 59, 59), 'Europe/Berlin'),
      offsetMinutesAt(Date.UTC(2026, 6, 1), 'America/New_York'),
    ];
    const expected = probe();
    expect(expected).toEqual(['2026-03-02', '2026-03-01', '2026-03-01', '2026-10-25T02:59:59', -240]);
    // Each zone computes a year not asked for before (the VTIMEZONE text is cached per zone and years).
    const zones = [
      'UTC',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
      'Asia/Kathmandu',
      'America/St_Johns',
      'Europe/Berlin',
    ];
    zones.forEach((zone, index) => {
      process.env.TZ = zone;
      expect(probe(), zone).toEqual(expected);
      const year = 2040 + index;
      const transitions = lines(vtimezone('Europe/Berlin', year, year)).filter((line) =>
        /^(DTSTART|TZOFFSET)/.test(line),
      );
      expect(transitions, zone).toEqual([
        `DTSTART:${year}0101T000000`,
        'TZOFFSETFROM:+0100',
        'TZOFFSETTO:+0100',
        expect.stringMatching(new RegExp(`^DTSTART:${year}03(2[5-9]|3[01])T020000$`)),
        'TZOFFSETFROM:+0100',
        'TZOFFSETTO:+0200',
        expect.stringMatching(new RegExp(`^DTSTART:${year}10(2[5-9]|3[01])T030000$`)),
        'TZOFFSETFROM:+0200',
        'TZOFFSETTO:+0100',
      ]);
    });
  });
});

describe('wallClockIn', () => {
  it('reads a UTC time as the wall clock of the zone, across midnight and daylight saving', () => {
    expect(wallClockIn('2026-08-26T22:30:00Z', undefined, 'Europe/Berlin')).toBe('2026-08-27T00:30:00');
    expect(wallClockIn('2026-01-15T23:30:00Z', undefined, 'Europe/Berlin')).toBe('2026-01-16T00:30:00');
  });

  it('converts a wall clock of another zone, and leaves one of the same zone, a floating time and a date alone', () => {
    expect(wallClockIn('2026-08-26T18:30:00', 'America/New_York', 'Europe/Berlin')).toBe('2026-08-27T00:30:00');
    expect(wallClockIn('2026-08-27T00:30:00', 'Europe/Berlin', 'Europe/Berlin')).toBe('2026-08-27T00:30:00');
    expect(wallClockIn('2026-08-27T00:30:00', undefined, 'Europe/Berlin')).toBe('2026-08-27T00:30:00');
    expect(wallClockIn('2026-08-27', 'America/New_York', 'Europe/Berlin')).toBe('2026-08-27');
    expect(wallClockIn('2026-08-27T00:30:00', 'W. Europe Standard Time', 'Europe/Berlin')).toBe('2026-08-27T00:30:00');
  });
});
