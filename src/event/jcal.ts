/**
 * A thin typed layer over ical.js's jCal arrays (RFC 7265), shared by parse and merge. Working on
 * the arrays directly is faster than ICAL.Component and keeps every property the user added.
 */
import ICAL from 'ical.js';
import { CRLF, foldLine } from './ics.js';

/** [name, params, value type, ...values]; names are lower case. */
export type JcalProperty = [name: string, params: Record<string, unknown>, type: string, ...values: unknown[]];
/** [name, properties, subcomponents]; names are lower case. */
export type JcalComponent = [name: string, properties: JcalProperty[], components: JcalComponent[]];

function isJcalComponent(value: unknown): value is JcalComponent {
  return Array.isArray(value) && typeof value[0] === 'string' && Array.isArray(value[1]) && Array.isArray(value[2]);
}

function parseStrict(data: string): JcalComponent[] | null {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(data);
  } catch {
    return null;
  }
  if (isJcalComponent(parsed)) return [parsed];
  if (Array.isArray(parsed) && parsed.every(isJcalComponent)) return parsed;
  return null;
}

function isReadableLine(line: string): boolean {
  if (/^(BEGIN|END):/i.test(line)) return true;
  if (line.trim() === '') return false;
  try {
    ICAL.parse.property(line);
    return true;
  } catch {
    return false;
  }
}

/** The text without the content lines ical.js refuses (one bad line makes ICAL.parse throw). */
function withoutUnreadableLines(data: string): string {
  const lines = data.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  return lines.filter(isReadableLine).join('\r\n');
}

/**
 * The top-level components of an iCalendar text; null when ical.js cannot read it. Never throws.
 * A property ical.js cannot read (FREQ=BOGUS, an unterminated quote) is left out rather than losing
 * the whole object: an event of ours must not pass for foreign because a client broke one line.
 */
export function parseJcal(data: string): JcalComponent[] | null {
  return parseStrict(data) ?? parseStrict(withoutUnreadableLines(data));
}

export function findProperty(component: JcalComponent, name: string): JcalProperty | undefined {
  return component[1].find((property) => property[0] === name);
}

/** The first value of the first `name` property as a string; undefined when absent or not text-like. */
export function firstValue(component: JcalComponent, name: string): string | undefined {
  const value = findProperty(component, name)?.[3];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function uidOf(component: JcalComponent): string | undefined {
  return firstValue(component, 'uid');
}

export function isRecurrenceOverride(component: JcalComponent): boolean {
  return findProperty(component, 'recurrence-id') !== undefined;
}

// Control characters other than TAB cannot appear in a content line; ical.js keeps a stray CR.
const LINE_CONTROL_CHARS = /[\u0000-\u0008\u000A-\u001F\u007F]/g;

function serializeInto(component: JcalComponent, lines: string[]): void {
  const name = component[0].toUpperCase();
  lines.push(`BEGIN:${name}`);
  for (const property of component[1]) {
    const line = ICAL.stringify.property(property, ICAL.design.icalendar, true);
    lines.push(foldLine(line.replace(LINE_CONTROL_CHARS, '')));
  }
  for (const child of component[2]) serializeInto(child, lines);
  lines.push(`END:${name}`);
}

/** iCalendar text of a component: CRLF everywhere, a final CRLF, lines folded at 75 octets. */
export function serializeJcal(component: JcalComponent): string {
  const lines: string[] = [];
  serializeInto(component, lines);
  return lines.join(CRLF) + CRLF;
}
