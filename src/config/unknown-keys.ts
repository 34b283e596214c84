/** Unknown keys are warnings, not errors (a newer config should still run on an older binary). */

/** Section name → its field names. */
export type KeyTree = ReadonlyMap<string, readonly string[]>;

/** Keys in `input` the tree does not know, as warnings with a "did you mean" where one is close. */
export function findUnknownKeys(input: Record<string, unknown>, known: KeyTree, file: string | undefined): string[] {
  const warnings: string[] = [];
  const where = file ?? 'the config';
  for (const [name, value] of Object.entries(input)) {
    const fields = known.get(name);
    if (fields === undefined) {
      warnings.push(unknownKeyWarning(name, suggestTopLevel(name, known), where));
      continue;
    }
    if (!isPlainObject(value)) continue; // a type error, reported by validation
    for (const field of Object.keys(value)) {
      if (fields.includes(field)) continue;
      warnings.push(unknownKeyWarning(`${name}.${field}`, suggestField(name, field, known), where));
    }
  }
  return warnings;
}

function unknownKeyWarning(key: string, suggestion: string | undefined, where: string): string {
  const didYouMean = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return `unknown key "${key}" in ${where}${didYouMean}`;
}

function suggestTopLevel(name: string, known: KeyTree): string | undefined {
  const section = closest(name, [...known.keys()]);
  if (section !== undefined) return section;
  // A field written at the top level: `{"apiKey": …}` → plane.apiKey.
  return fieldElsewhere(name, known, undefined);
}

function suggestField(section: string, field: string, known: KeyTree): string | undefined {
  const sibling = closest(field, known.get(section) ?? []);
  if (sibling !== undefined) return `${section}.${sibling}`;
  return fieldElsewhere(field, known, section);
}

function fieldElsewhere(field: string, known: KeyTree, except: string | undefined): string | undefined {
  for (const [section, fields] of known) {
    if (section === except) continue;
    const match = fields.find((candidate) => normalise(candidate) === normalise(field));
    if (match !== undefined) return `${section}.${match}`;
  }
  return undefined;
}

/** The candidate within a third of the name's length in edits (case, `_` and `-` ignored). */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const target = normalise(name);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate.startsWith('$')) continue;
    const distance = editDistance(target, normalise(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
