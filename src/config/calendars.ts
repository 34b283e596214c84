/**
 * The `calendars` key: which work items go into which calendar. The file format (check.ts) and the
 * cross-entry rules (unique ids, name templates) that turn it into `CalendarEntry[]`.
 *
 * Entries and their filters are strict: an unknown key there is an error, not a warning, because a
 * misspelt filter would silently widen a calendar to every work item.
 */
import { durationSeconds } from '../event/dates.js';
import { array, boolean, type Check, int, object, oneOf, optional, refine, string, union } from './check.js';
import type { ConfigIssue } from './issues.js';
import {
  CALENDAR_ID,
  type CalendarEntry,
  type CalendarFilter,
  DEFAULT_VIEW_ID,
  PRIORITIES,
  SHAPE_KEYS,
  STATE_GROUPS,
  SUMMARY_PLACEHOLDERS,
  WRITE_BACK_FIELDS,
  type WriteBack,
} from './types.js';

type WriteBackField = (typeof WRITE_BACK_FIELDS)[number];
type WriteBackObject = { fields: WriteBackField[]; completedState?: string | undefined };

/** One entry as the file gives it: `id` required, `writeBack` as a list or as an object. */
export interface CalendarFileEntry extends Pick<CalendarEntry, (typeof SHAPE_KEYS)[number]> {
  id: string;
  name?: string | undefined;
  perProject?: boolean | undefined;
  filter?: CalendarFilter | undefined;
  writeBack?: WriteBackField[] | WriteBackObject | undefined;
}

export type CalendarsFile = CalendarFileEntry[];

const nonEmpty = refine(string(), (value) => value.trim() !== '', 'must not be empty');
const days = int({ min: 0, max: 36_500 });
const writeBackFields = array(oneOf(WRITE_BACK_FIELDS));

const filterSchema = object<CalendarFilter>(
  {
    projects: optional(array(nonEmpty)),
    assignees: optional(array(nonEmpty)),
    labels: optional(array(nonEmpty)),
    stateGroups: optional(array(oneOf(STATE_GROUPS))),
    priorities: optional(array(oneOf(PRIORITIES))),
    window: optional(
      object<NonNullable<CalendarFilter['window']>>(
        { pastDays: optional(days), futureDays: optional(days) },
        { strict: { hint: 'a window takes pastDays and futureDays' } },
      ),
    ),
  },
  { strict: { hint: 'a filter takes projects, assignees, labels, stateGroups, priorities and window' } },
);

const entrySchema = object<CalendarFileEntry>(
  {
    id: refine(
      string(),
      (value) => CALENDAR_ID.test(value),
      `must match ${CALENDAR_ID.source} (lower-case letters, digits and "-", at most 40)`,
    ),
    name: optional(nonEmpty),
    perProject: optional(boolean()),
    filter: optional(filterSchema),
    summary: optional(nonEmpty),
    dates: optional(oneOf(['target', 'span'])),
    completed: optional(oneOf(['show', 'hide'])),
    alarms: optional(array(string())),
    as: optional(oneOf(['events', 'tasks'])),
    undated: optional(oneOf(['skip', 'include'])),
    cycles: optional(boolean()),
    modules: optional(boolean()),
    times: optional(oneOf(['dates', 'timed'])),
    writeBack: optional(
      union(
        [
          writeBackFields,
          object<WriteBackObject>(
            { fields: writeBackFields, completedState: optional(nonEmpty) },
            { strict: { hint: 'writeBack takes fields and completedState' } },
          ),
        ],
        `must be a list of ${WRITE_BACK_FIELDS.map((field) => `"${field}"`).join(' and ')}, or {"fields": [...], "completedState": "a state's name"}`,
      ),
    ),
  },
  { strict: { hint: `an entry takes id, name, perProject, filter, ${SHAPE_KEYS.join(', ')} and writeBack` } },
);

export const calendarsSchema: Check<CalendarsFile> = array(entrySchema);

const TEMPLATE_PLACEHOLDER = /\{(?:project|identifier)\}/;
const ENDS_WITH_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The entries with their defaults. No `calendars` key means exactly one entry, `projects`, per
 * project, named by `caldav.calendarName`: today's calendars, unchanged.
 */
export function resolveCalendars(
  file: CalendarsFile | undefined,
  defaultName: string,
  issues: ConfigIssue[],
): CalendarEntry[] {
  if (file === undefined) return [{ id: DEFAULT_VIEW_ID, name: defaultName, perProject: true, filter: {} }];
  if (file.length === 0)
    issues.push({
      key: 'calendars',
      message: 'is empty, so nothing would be synced',
      hint: 'remove the key for one calendar per project, or add an entry',
    });
  const seen = new Set<string>();
  return file.map((entry, index) => {
    const key = `calendars[${index}]`;
    const isDefault = entry.id === DEFAULT_VIEW_ID;
    const perProject = entry.perProject ?? isDefault;
    if (seen.has(entry.id))
      issues.push({ key: `${key}.id`, message: `"${entry.id}" is used by an earlier entry; ids must be unique` });
    seen.add(entry.id);
    if (ENDS_WITH_UUID.test(entry.id))
      issues.push({ key: `${key}.id`, message: 'must not end with a UUID (calendar URLs append the project id)' });
    if (isDefault && !perProject) {
      issues.push({
        key: `${key}.perProject`,
        message: `the "${DEFAULT_VIEW_ID}" entry is the one-calendar-per-project default and must be perProject`,
        hint: 'give a combined calendar another id',
      });
    }
    const name =
      entry.name ?? (isDefault ? defaultName : perProject ? `Plane: {project} (${entry.id})` : `Plane: ${entry.id}`);
    checkName(`${key}.name`, name, perProject, issues);
    if (entry.summary !== undefined) checkSummary(`${key}.summary`, entry.summary, issues);
    for (const [index, alarm] of (entry.alarms ?? []).entries()) checkAlarm(`${key}.alarms[${index}]`, alarm, issues);
    checkComponent(key, entry, issues);
    const writeBack = writeBackOf(`${key}.writeBack`, entry, issues);
    return {
      id: entry.id,
      name,
      perProject,
      filter: entry.filter ?? {},
      ...shapeOf(entry),
      ...(writeBack ? { writeBack } : {}),
    };
  });
}

function checkName(key: string, name: string, perProject: boolean, issues: ConfigIssue[]): void {
  const templated = TEMPLATE_PLACEHOLDER.test(name);
  if (perProject && !templated) {
    issues.push({
      key,
      message: "must contain {project} or {identifier}; otherwise every project's calendar has the same name",
      hint: 'e.g. "Plane: {project}"',
    });
  } else if (!perProject && templated) {
    issues.push({
      key,
      message: 'contains {project} or {identifier}, but this calendar spans projects',
      hint: 'set "perProject": true for one calendar per project, or use a plain name',
    });
  }
}

/** The keys of how items look, only those given (an entry without them renders today's bytes). */
function shapeOf(entry: CalendarFileEntry): Pick<CalendarEntry, (typeof SHAPE_KEYS)[number]> {
  const shape: Partial<Record<(typeof SHAPE_KEYS)[number], unknown>> = {};
  for (const key of SHAPE_KEYS)
    if (entry[key] !== undefined) shape[key] = Array.isArray(entry[key]) ? [...entry[key]] : entry[key];
  return shape as Pick<CalendarEntry, (typeof SHAPE_KEYS)[number]>;
}

/** Keys that only make sense for one component: named, so a task list never silently drops them. */
function checkComponent(key: string, entry: CalendarFileEntry, issues: ConfigIssue[]): void {
  if (entry.as === 'tasks') {
    if (entry.dates !== undefined)
      issues.push({
        key: `${key}.dates`,
        message: 'applies to events only: a task always has its start date as DTSTART and its target date as DUE',
        hint: 'remove the key',
      });
    for (const block of ['cycles', 'modules'] as const) {
      if (entry[block])
        issues.push({
          key: `${key}.${block}`,
          message: `${block} are shown as all-day blocks, which a task list cannot hold`,
          hint: `add an events calendar with "${block}": true`,
        });
    }
  } else if (entry.undated !== undefined) {
    issues.push({
      key: `${key}.undated`,
      message: 'applies to task lists only (an event needs a date)',
      hint: 'add "as": "tasks", or remove the key',
    });
  }
}

/**
 * `writeBack`: a list of fields, or `{ fields, completedState }`; none listed means none. Completion
 * is a task's (an event has no "done" a person can tick).
 */
function writeBackOf(key: string, entry: CalendarFileEntry, issues: ConfigIssue[]): WriteBack | undefined {
  const given = entry.writeBack;
  if (given === undefined) return undefined;
  const { fields, completedState } = Array.isArray(given) ? { fields: given, completedState: undefined } : given;
  if (fields.includes('completion') && entry.as !== 'tasks') {
    issues.push({
      key,
      message: '"completion" applies to task lists only (a task ticked off in the calendar)',
      hint: 'add "as": "tasks", or write back "dates" only',
    });
  }
  if (completedState !== undefined && !fields.includes('completion')) {
    issues.push({
      key: `${key}.completedState`,
      message: 'names the state of a ticked-off task, but "completion" is not written back',
      hint: 'add "completion" to writeBack.fields, or remove the key',
    });
  }
  const unique = [...new Set(fields)];
  if (unique.length === 0) return undefined;
  return { fields: unique, ...(completedState === undefined ? {} : { completedState: completedState.trim() }) };
}

function checkAlarm(key: string, alarm: string, issues: ConfigIssue[]): void {
  if (durationSeconds(alarm) !== null) return;
  issues.push({
    key,
    message: `"${alarm}" is not an iCalendar duration`,
    hint: 'e.g. "-PT15H" (09:00 the day before an all-day item), "-P1D", "PT9H" (09:00 on the day)',
  });
}

function checkSummary(key: string, template: string, issues: ConfigIssue[]): void {
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !(SUMMARY_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    issues.push({
      key,
      message: `unknown placeholder ${unknown.map((name) => `{${name}}`).join(', ')}`,
      hint: `use ${SUMMARY_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}`,
    });
  }
}

/** `sync.timeZone`: an IANA name the runtime knows. */
export function checkTimeZone(zone: string | undefined, issues: ConfigIssue[]): string | undefined {
  if (zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    issues.push({
      key: 'sync.timeZone',
      message: `"${zone}" is not a time zone this system knows`,
      hint: 'use an IANA name such as "Europe/Berlin" or "UTC"',
    });
    return undefined;
  }
}
