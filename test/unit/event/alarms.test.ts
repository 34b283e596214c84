/** Managed VALARMs: rendered from the entry's `alarms`, read back, and replaced on update without touching a person's own alarms. */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { mergeEvent } from '../../../src/event/merge.js';
import type { EventModel } from '../../../src/event/model.js';
import { fieldChanges, parseCalendarObject } from '../../../src/event/parse.js';
import { renderEvent } from '../../../src/event/render.js';
import { issueToEvent } from '../../../src/event/transform.js';
import { CTX, sampleIssue, sampleProject } from './fixtures.js';

const withAlarms = (alarms: string[] | undefined): EventModel =>
  issueToEvent(sampleIssue(), sampleProject(), { ...CTX, alarms }) as EventModel;
const valarms = (data: string) =>
  new ICAL.Component(ICAL.parse(data)).getFirstSubcomponent('vevent')!.getAllSubcomponents('valarm');
const PERSONAL = ['BEGIN:VALARM', 'ACTION:AUDIO', 'TRIGGER:-PT5M', 'X-APPLE-DEFAULT-ALARM:TRUE', 'END:VALARM', ''].join(
  '\r\n',
);
const addPersonal = (data: string) => data.replace('END:VEVENT', `${PERSONAL}END:VEVENT`);

describe('managed alarms', () => {
  it("no alarms configured renders exactly today's event", () => {
    expect(renderEvent(withAlarms(undefined))).toBe(renderEvent(withAlarms([])));
    expect(renderEvent(withAlarms([]))).not.toContain('VALARM');
  });

  it('one VALARM per trigger, relative to the start, recognisable and read back', () => {
    const model = withAlarms(['-PT15H', '-P1D']);
    const data = renderEvent(model);
    const alarms = valarms(data);
    expect(alarms.map((a) => a.getFirstPropertyValue('trigger')?.toString())).toEqual(['-PT15H', '-P1D']);
    expect(alarms.map((a) => a.getFirstPropertyValue('action'))).toEqual(['DISPLAY', 'DISPLAY']);
    expect(alarms.map((a) => a.getFirstPropertyValue('uid'))).toEqual([
      `${model.uid}#alarm-PT15H`,
      `${model.uid}#alarm-P1D`,
    ]);
    expect(alarms[0]?.getFirstPropertyValue('description')).toBe(model.fields.summary);
    expect(parseCalendarObject(data).fields?.alarms).toEqual(['-PT15H', '-P1D']);
    expect(fieldChanges(parseCalendarObject(data).fields, model.fields)).toEqual([]);
  });

  it('a change of alarms is a change of the event; the order of the triggers is not', () => {
    const stored = parseCalendarObject(renderEvent(withAlarms(['-PT15H', '-P1D']))).fields;
    expect(fieldChanges(stored, withAlarms(['-P1D', '-PT15H']).fields)).toEqual([]);
    expect(fieldChanges(stored, withAlarms(['-PT15H']).fields)).toEqual([
      { field: 'alarms', from: '-PT15H, -P1D', to: '-PT15H' },
    ]);
    expect(fieldChanges(stored, withAlarms(undefined).fields)).toEqual([
      { field: 'alarms', from: '-PT15H, -P1D', to: null },
    ]);
  });

  it('an update replaces exactly the managed alarms and keeps the one a person added', () => {
    const stored = addPersonal(renderEvent(withAlarms(['-PT15H', '-P1D'])));
    const fewer = mergeEvent(stored, withAlarms(['-PT15H']));
    expect(valarms(fewer).map((a) => a.getFirstPropertyValue('trigger')?.toString())).toEqual(['-PT5M', '-PT15H']);
    expect(parseCalendarObject(fewer).fields?.alarms).toEqual(['-PT15H']);
    const none = mergeEvent(fewer, withAlarms(undefined));
    expect(valarms(none).map((a) => a.getFirstPropertyValue('trigger')?.toString())).toEqual(['-PT5M']);
    expect(parseCalendarObject(none).fields?.alarms).toBeUndefined();
    // Over our own render, a merge gives a render's bytes.
    const own = renderEvent(withAlarms(['-PT15H']));
    expect(parseCalendarObject(mergeEvent(own, withAlarms(['-PT15H']))).fields).toEqual(
      parseCalendarObject(own).fields,
    );
  });

  it('an app that drops X- properties but keeps the RFC 9074 UID: the alarm is still ours', () => {
    const stripped = renderEvent(withAlarms(['-PT15H'])).replace(/X-CALPLANEBOT-ALARM:[^\r\n]*\r\n/g, '');
    expect(parseCalendarObject(stripped).fields?.alarms).toEqual(['-PT15H']);
    const merged = mergeEvent(stripped, withAlarms(['-P2D']));
    expect(valarms(merged).map((a) => a.getFirstPropertyValue('trigger')?.toString())).toEqual(['-P2D']);
  });
});
