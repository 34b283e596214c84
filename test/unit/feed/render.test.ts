import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { EventModel } from '../../../src/event/model.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { uidScheme } from '../../../src/event/uid.js';
import { renderFeed } from '../../../src/feed/render.js';
import { issue, project } from '../../support/builders.js';

const web = project({ identifier: 'WEB', name: 'Web' });
const ctx = { webUrl: 'https://app.plane.so', workspaceSlug: 'acme' };
const event = (target_date: string, name = 'Item'): EventModel => issueToEvent(issue(web.id, { target_date, name }), web, ctx) as EventModel;
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

  it('an empty calendar is still a valid feed; another entry\'s UIDs are its own', () => {
    expect(new ICAL.Component(ICAL.parse(renderFeed([], options))).getAllSubcomponents('vevent')).toEqual([]);
    const mine = issueToEvent(issue(web.id, { target_date: '2026-03-02' }), web, { ...ctx, scheme: uidScheme('mine') }) as EventModel;
    expect(renderFeed([mine], options)).toContain(`UID:${mine.uid}`);
    expect(mine.uid).toMatch(/@mine\.calplanebot$/);
  });
});
