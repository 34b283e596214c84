/**
 * Which work items a calendar shows: a calendar entry's filter as a predicate over issues. Pure:
 * "me" and "today" come in as data, so every rule is a unit test with plain objects.
 */
import type { CalendarEntry, CalendarFilter } from '../config/types.js';
import { addDays, planeDateOf } from '../event/dates.js';
import type { PlaneIssue, PlaneUser } from '../plane/types.js';

export interface FilterContext {
  /** The API key's owner, when a filter says "me" (GET /users/me/, once per run). */
  me: Pick<PlaneUser, 'id'> | undefined;
  /** "YYYY-MM-DD" in sync.timeZone, for `window`. */
  today: string;
}

export type IssueFilter = (issue: PlaneIssue) => boolean;

export const ME = 'me';

/** True when some value of `filter.assignees` is "me", in any case. */
export function usesMe(filter: CalendarFilter): boolean {
  return (filter.assignees ?? []).some((who) => who.trim().toLowerCase() === ME);
}

/** Keys combine with AND, the values of one key with OR; a key left out does not limit. */
export function compileFilter(filter: CalendarFilter, ctx: FilterContext): IssueFilter {
  const tests: IssueFilter[] = [];
  if (filter.assignees) tests.push(assigneeTest(filter.assignees, ctx));
  if (filter.labels) {
    const wanted = new Set(filter.labels.map(fold));
    tests.push((issue) => issue.labels.some((label) => wanted.has(fold(label.name))));
  }
  if (filter.stateGroups) {
    const wanted = new Set<string>(filter.stateGroups);
    tests.push((issue) => 'group' in issue.state && wanted.has(issue.state.group));
  }
  if (filter.priorities) {
    const wanted = new Set<string>(filter.priorities);
    tests.push((issue) => wanted.has(issue.priority));
  }
  if (filter.window) {
    const { from, to } = windowBounds(ctx.today, filter.window);
    tests.push((issue) => {
      const date = planeDateOf(issue.target_date);
      return date !== null && (from === undefined || date >= from) && (to === undefined || date <= to);
    });
  }
  return (issue) => tests.every((test) => test(issue));
}

/** What a calendar shows: its filter, less completed and cancelled items when the entry hides them. */
export function compileSelection(entry: Pick<CalendarEntry, 'filter' | 'completed'>, ctx: FilterContext): IssueFilter {
  const filter = compileFilter(entry.filter, ctx);
  if (entry.completed !== 'hide') return filter;
  return (issue) =>
    filter(issue) &&
    !('group' in issue.state && (issue.state.group === 'completed' || issue.state.group === 'cancelled'));
}

function assigneeTest(assignees: readonly string[], ctx: FilterContext): IssueFilter {
  const wanted = new Set<string>();
  for (const who of assignees.map(fold)) {
    if (who !== ME) wanted.add(who);
    else if (ctx.me) wanted.add(fold(ctx.me.id));
    else throw new Error('the filter names "me" but the key owner was not looked up');
  }
  return (issue) =>
    issue.assignees.some((user) =>
      [user.id, user.display_name, user.email].some((name) => typeof name === 'string' && wanted.has(fold(name))),
    );
}

/** The first and last target dates a window lets in (inclusive); a side left out is open. */
export function windowBounds(
  today: string,
  window: NonNullable<CalendarFilter['window']>,
): { from: string | undefined; to: string | undefined } {
  return {
    from: window.pastDays === undefined ? undefined : addDays(today, -window.pastDays),
    to: window.futureDays === undefined ? undefined : addDays(today, window.futureDays),
  };
}

/** Today's date in `timeZone` (an IANA name; undefined = the process's zone) at `now`. */
export function todayIn(timeZone: string | undefined, now: Date): string {
  // The process's zone needs no Intl formatter (the first one costs ~10 ms of ICU start-up).
  if (timeZone === undefined) {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${String(now.getFullYear()).padStart(4, '0')}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * Filter values that match nothing this run saw: a misspelt label or person would otherwise be a
 * silently empty calendar. Only meaningful over every project the entry covers.
 */
export function unmatchedValues(
  filter: CalendarFilter,
  seen: { people: ReadonlySet<string>; labels: ReadonlySet<string> },
): { assignees: string[]; labels: string[] } {
  return {
    assignees: (filter.assignees ?? []).filter((who) => fold(who) !== ME && !seen.people.has(fold(who))),
    labels: (filter.labels ?? []).filter((label) => !seen.labels.has(fold(label))),
  };
}

/** What an issue contributes to `unmatchedValues`' `seen`. */
export function noteNames(issue: PlaneIssue, seen: { people: Set<string>; labels: Set<string> }): void {
  for (const user of issue.assignees)
    for (const name of [user.id, user.display_name, user.email])
      if (typeof name === 'string') seen.people.add(fold(name));
  for (const label of issue.labels) seen.labels.add(fold(label.name));
}

function fold(text: string): string {
  return text.trim().toLowerCase();
}
