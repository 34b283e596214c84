/**
 * Shape checks for what Plane sends. Policy:
 * - a page whose *envelope* is wrong (not JSON, no `results` array, an item that is not an object,
 *   "more pages" without a cursor) is rejected as a whole: returning it would silently drop items;
 * - an *item* with bad essential fields is kept. The client reports it (`issueProblems`) and the
 *   transform rejects it per issue, so one odd work item never fails a project's listing;
 * - a cycle or module is kept too, unless it has no usable id (`hasUsableId`): nothing can refer
 *   to it then, and no two such items could be told apart.
 */

export interface Envelope {
  results: Record<string, unknown>[];
  nextCursor: string | undefined;
}

/** Why a value is not a usable cursor envelope; undefined when it is one. */
export function envelopeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not a JSON object';
  const record = body as Record<string, unknown>;
  if (!Array.isArray(record.results)) return 'the page has no "results" array';
  const bad = record.results.findIndex((item) => typeof item !== 'object' || item === null || Array.isArray(item));
  if (bad >= 0) return `results[${bad}] is not an object`;
  if (typeof record.next_page_results !== 'boolean') return 'the page has no boolean "next_page_results"';
  if (record.next_page_results && (typeof record.next_cursor !== 'string' || record.next_cursor === '')) {
    return 'the page says more results follow but has no "next_cursor"';
  }
  return undefined;
}

/** The envelope's parts; call only after `envelopeProblem` returned undefined. */
export function readEnvelope(body: unknown): Envelope {
  const record = body as { results: Record<string, unknown>[]; next_page_results: boolean; next_cursor?: string };
  return { results: record.results, nextCursor: record.next_page_results ? record.next_cursor : undefined };
}

const isDateOrNull = (value: unknown): boolean => value === null || (typeof value === 'string' && value !== '');

/** What is wrong with a listed work item's essential fields; empty when nothing is. */
export function issueProblems(item: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof item.id !== 'string' || item.id === '') problems.push('"id" is not a string');
  if (typeof item.name !== 'string') problems.push('"name" is not a string');
  if (typeof item.sequence_id !== 'number' || !Number.isInteger(item.sequence_id))
    problems.push('"sequence_id" is not an integer');
  if (!isDateOrNull(item.target_date)) problems.push('"target_date" is neither a date string nor null');
  if (typeof item.state !== 'object' || item.state === null) problems.push('"state" is not an (expanded) object');
  if (!Array.isArray(item.labels)) problems.push('"labels" is not a list');
  if (!Array.isArray(item.assignees)) problems.push('"assignees" is not a list');
  return problems;
}

/** What is wrong with a listed project's essential fields; empty when nothing is. */
export function projectProblems(item: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof item.id !== 'string' || item.id === '') problems.push('"id" is not a string');
  if (typeof item.identifier !== 'string' || item.identifier === '') problems.push('"identifier" is not a string');
  if (typeof item.name !== 'string') problems.push('"name" is not a string');
  if (item.archived_at !== undefined && !isDateOrNull(item.archived_at))
    problems.push('"archived_at" is neither a date string nor null');
  return problems;
}

/** Whether a listed item has an id anything can key on (a non-empty string). */
export function hasUsableId(item: Record<string, unknown>): boolean {
  return typeof item.id === 'string' && item.id !== '';
}

/** What is wrong with a listed cycle's essential fields (its dates are datetimes); empty when nothing is. */
export function cycleProblems(item: Record<string, unknown>): string[] {
  return blockProblems(item, ['start_date', 'end_date'], 'datetime');
}

/** What is wrong with a listed module's essential fields; empty when nothing is. */
export function moduleProblems(item: Record<string, unknown>): string[] {
  return blockProblems(item, ['start_date', 'target_date'], 'date');
}

function blockProblems(item: Record<string, unknown>, dates: readonly string[], kind: string): string[] {
  const problems: string[] = [];
  if (!hasUsableId(item)) problems.push('"id" is not a string');
  if (typeof item.name !== 'string') problems.push('"name" is not a string');
  for (const name of dates)
    if (!isDateOrNull(item[name])) problems.push(`"${name}" is neither a ${kind} string nor null`);
  return problems;
}
