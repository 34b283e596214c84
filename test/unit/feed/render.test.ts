import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent, type TransformContext } from '../../../src/event/transform.js';
import { uidScheme } from '../../../src/event/uid.js';
import { renderFeed } from '../../../src/feed/render.js';
import { issue, project } from '../../support/builders.js';

const web = project({ identifier: 'WEB', name: 'Web' });
const ctx = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };
const event = (target_date: string, name = 'Item'): EventModel =>
  issueToEvent(issue(web.id, { target_date, name }), web, ctx) as EventModel;
const options = { name: 'Plane: my work, all of it', refreshInterval: 'PT1H' };

describe('renderFeed', () => {
  it('is one VCALENDAR that says it is a published feed, its name and how often to refresh', () => {
    const text = renderFeed([event('2026-03-02')], options);
    const lines = text.split('\r\n');
    expect(lines.slice(0, 9)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//calplanebot//calplanebot//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'NAME:Plane: my work\\, all of it',
      'X-WR-CALNAME:Plane: my work\\, all of it',
      'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
      'X-PUBLISHED-TTL:PT1H',
    ]);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(calendar.getFirstProperty('refresh-interval')?.getFirstValue()?.toString()).toBe('PT1H');
  });

  it('holds each event exactly as sync writes it, sorted by date then UID whatever the input order', () => {
    const events = [event('2026-03-05', 'late'), event('2026-03-01', 'early'), event('2026-03-05', 'late too')];
    const text = renderFeed(events, options);
    const parsed = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent');
    const sorted = [...events].sort((a, b) => a.fields.start.localeCompare(b.fields.start) || (a.uid < b.uid ? -1 : 1));
    expect(parsed.map((c) => c.getFirstPropertyValue('uid'))).toEqual(sorted.map((e) => e.uid));
    for (const e of events) {
      const object = renderEvent(e);
      expect(text).toContain(object.slice(object.indexOf('BEGIN:VEVENT'), object.indexOf('END:VEVENT')));
    }
    expect(renderFeed([...events].reverse(), options)).toBe(text);
  });

  it("an empty calendar is still a valid feed; another entry's UIDs are its own", () => {
    expect(new ICAL.Component(ICAL.parse(renderFeed([], options))).getAllSubcomponents('vevent')).toEqual([]);
    const mine = issueToEvent(issue(web.id, { target_date: '2026-03-02' }), web, {
      ...ctx,
      scheme: uidScheme('mine'),
    }) as EventModel;
    expect(renderFeed([mine], options)).toContain(`UID:${mine.uid}`);
    expect(mine.uid).toMatch(/@mine\.calplanebot$/);
  });
});

describe('renderFeed with tasks and timed items', () => {
  const berlin = project({ identifier: 'WEB', name: 'Web', timezone: 'Europe/Berlin' });
  const timed = (target_date: string, extra: Partial<TransformContext> = {}, inProject = berlin): EventModel =>
    issueToEvent(issue(inProject.id, { target_date, name: target_date }), inProject, {
      ...ctx,
      times: 'timed',
      ...extra,
    }) as EventModel;

  it('holds ONE VTIMEZONE per zone, covering every year of its items, before the items', () => {
    const events = [
      timed('2026-03-02T14:30'),
      timed('2027-07-01T09:00'),
      timed('2026-11-30T23:30'),
      event('2026-05-01'),
    ];
    const text = renderFeed(events, options);
    const calendar = new ICAL.Component(ICAL.parse(text));
    const zones = calendar.getAllSubcomponents('vtimezone');
    expect(zones.map((zone) => zone.getFirstPropertyValue('tzid'))).toEqual(['Europe/Berlin']);
    const starts = zones[0]!
      .getAllSubcomponents()
      .map((observance) => String(observance.getFirstPropertyValue('dtstart')));
    expect(starts).toEqual([
      '2026-01-01T00:00:00',
      '2026-03-29T02:00:00',
      '2026-10-25T03:00:00',
      '2027-03-28T02:00:00',
      '2027-10-31T03:00:00',
    ]);
    expect(calendar.getAllSubcomponents('vevent')).toHaveLength(4);
    const lines = text.split('\r\n');
    expect(lines.indexOf('END:VTIMEZONE')).toBeLessThan(lines.indexOf('BEGIN:VEVENT'));
    expect(text.match(/^BEGIN:VTIMEZONE$/gm)).toHaveLength(1);
  });

  it("holds each timed event as sync writes it, without the object's own VTIMEZONE", () => {
    const item = timed('2026-03-02T14:30');
    const text = renderFeed([item], options);
    const object = renderEvent(item);
    expect(text).toContain(object.slice(object.indexOf('BEGIN:VEVENT'), object.indexOf('END:VCALENDAR')));
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20260302T143000\r\n');
  });

  it('one VTIMEZONE for each zone, sorted by TZID', () => {
    const york = project({ identifier: 'NY', name: 'New York', timezone: 'America/New_York' });
    const text = renderFeed(
      [timed('2026-03-02T14:30'), timed('2026-03-03T09:00', {}, york), timed('2026-04-02T14:30')],
      options,
    );
    const zones = new ICAL.Component(ICAL.parse(text))
      .getAllSubcomponents('vtimezone')
      .map((zone) => zone.getFirstPropertyValue('tzid'));
    expect(zones).toEqual(['America/New_York', 'Europe/Berlin']);
  });

  it('has no VTIMEZONE without timed items', () => {
    expect(renderFeed([event('2026-03-02'), event('2027-03-02')], options)).not.toContain('VTIMEZONE');
  });

  it('with tasks emits VTODOs (and no VEVENT), each as sync writes it', () => {
    const tasks = [
      issueToEvent(issue(web.id, { target_date: '2026-03-05', start_date: '2026-03-01' }), web, {
        ...ctx,
        as: 'tasks',
      }) as EventModel,
      issueToEvent(issue(web.id, { target_date: null }), web, {
        ...ctx,
        as: 'tasks',
        undated: 'include',
      }) as EventModel,
      timed('2026-03-02T14:30', { as: 'tasks' }),
    ];
    const text = renderFeed(tasks, options);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(
      calendar
        .getAllSubcomponents('vtodo')
        .map((todo) => todo.getFirstPropertyValue('uid'))
        .sort(),
    ).toEqual(tasks.map((task) => task.uid).sort());
    expect(calendar.getAllSubcomponents('vevent')).toEqual([]);
    expect(calendar.getAllSubcomponents('vtimezone')).toHaveLength(1);
    for (const task of tasks) {
      const object = renderEvent(task);
      expect(text).toContain(object.slice(object.indexOf('BEGIN:VTODO'), object.indexOf('END:VCALENDAR')));
    }
    expect(text.endsWith('END:VTODO\r\nEND:VCALENDAR\r\n')).toBe(true);
    expect(renderFeed([...tasks].reverse(), options)).toBe(text);
  });
});
