/**
 * The basis of an object written for a calendar with `writeBack`: the Plane values it was rendered
 * from and what it showed for them, kept inside the object (X-CALPLANEBOT-BASE). It is what makes a
 * three-way decision possible without a database: the basis, the object now, Plane now
 * (sync/write-back.ts). Apps that rewrite an object keep unknown X- properties (Thunderbird,
 * DAVx⁵); one that drops it leaves an object without a basis, which Plane then wins.
 */
import type { StateGroup } from '../plane/types.js';

/** How the object shows the item's dates: a deadline event, a start→target span, or a task. */
export type BasisShape = 'event' | 'span' | 'task';

export interface Basis {
  shape: BasisShape;
  /** Plane's target_date and start_date as Plane sent them ("YYYY-MM-DD", or with a time); null for none. */
  target: string | null;
  start: string | null;
  /** The state group; null when the item has no state. */
  group: StateGroup | null;
  /** What the object showed: ManagedFields start and end (DTSTART and DTEND/DUE), "" for none. */
  shown: { start: string; end: string };
}

const STATE_GROUPS: ReadonlySet<string> = new Set([
  'backlog',
  'unstarted',
  'started',
  'completed',
  'cancelled',
  'triage',
]);
const SHAPES: ReadonlySet<string> = new Set(['event', 'span', 'task']);
/** Dates, times and group names only: nothing that TEXT escaping (or an app's re-serialisation) could alter. */
const SAFE_VALUE = /^[0-9A-Za-z:.-]*$/;
const VERSION = '1';

/** "v=1&shape=span&target=2025-01-15&start=2025-01-10&group=started&shown-start=…&shown-end=…" */
export function formatBasis(basis: Basis): string {
  const pairs: [string, string][] = [
    ['v', VERSION],
    ['shape', basis.shape],
    ['target', basis.target ?? ''],
    ['start', basis.start ?? ''],
    ['group', basis.group ?? ''],
    ['shown-start', basis.shown.start],
    ['shown-end', basis.shown.end],
  ];
  return pairs.map(([key, value]) => `${key}=${SAFE_VALUE.test(value) ? value : ''}`).join('&');
}

/** The basis in a stored X-CALPLANEBOT-BASE value; undefined when absent, of another version, or damaged. */
export function parseBasis(text: string | undefined): Basis | undefined {
  if (text === undefined) return undefined;
  const values = new Map<string, string>();
  for (const pair of text.trim().split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    const value = pair.slice(at + 1);
    if (!SAFE_VALUE.test(value)) return undefined;
    values.set(pair.slice(0, at), value);
  }
  const shape = values.get('shape') ?? '';
  const group = values.get('group') ?? '';
  const shownStart = values.get('shown-start');
  const shownEnd = values.get('shown-end');
  if (values.get('v') !== VERSION || !SHAPES.has(shape) || (group !== '' && !STATE_GROUPS.has(group))) return undefined;
  if (shownStart === undefined || shownEnd === undefined || !values.has('target') || !values.has('start'))
    return undefined;
  return {
    shape: shape as BasisShape,
    target: values.get('target') || null,
    start: values.get('start') || null,
    group: group === '' ? null : (group as StateGroup),
    shown: { start: shownStart, end: shownEnd },
  };
}
