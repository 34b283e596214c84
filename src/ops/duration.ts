/** Durations as people type them on a command line: `90s`, `15m`, `2h`, `1d`, `1h30m`. */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds; a UsageError (exit 2) for anything else, naming the option it came from. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim().toLowerCase();
  if (!WHOLE.test(trimmed)) {
    throw new UsageError(`${option} "${text}" is not a duration`, {
      hint: 'use a number with a unit: 90s, 15m, 2h, 1d or 1h30m',
    });
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit as string] ?? 0);
  if (total <= 0) throw new UsageError(`${option} must be longer than zero`, { hint: 'for example 15m or 2h' });
  return total;
}

/** "3 min", "2 h 5 min", "4 d": how long ago something was, for human output. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}
