/**
 * Cycles and modules → the all-day blocks of a calendar with `cycles` / `modules` (pure, like
 * transform.ts): `Cycle: {name}` from its first to its last day, with its description and a link.
 */
import type { PlaneCycle, PlaneModule, PlaneProject } from '../plane/types.js';
import { addDays, planeDateOf } from './dates.js';
import type { EventModel } from './model.js';
import { cleanLine, cleanText, htmlToPlainText } from './text.js';
import { dateInZone, isTimeZone } from './timezone.js';
import { EPOCH_STAMP, planeWebUrl, type TransformContext, toUtcStamp } from './transform.js';
import { LEGACY_SCHEME } from './uid.js';

interface Block {
  kind: 'cycle' | 'module';
  id: string;
  name: string;
  description: string | null | undefined;
  first: string | null;
  last: string | null;
  done: boolean;
  updatedAt: string | undefined;
  createdAt: string | undefined;
}

/**
 * A cycle's block; null without both dates. Plane stores a cycle's dates as datetimes (its first
 * day from 00:00 and its last to 23:59 in the project's zone): each becomes its date in the
 * project's zone; else in the configured one, else the cycle's own `timezone` (which Plane leaves
 * at UTC).
 */
export function cycleToEvent(cycle: PlaneCycle, project: PlaneProject, ctx: TransformContext): EventModel | null {
  const zone =
    [project.timezone, ctx.timeZone, cycle.timezone].find(
      (z): z is string => typeof z === 'string' && z !== '' && isTimeZone(z),
    ) ?? 'UTC';
  const dateOf = (value: string | null) =>
    value === null || value === '' ? null : (planeDateOf(value) ?? dateInZone(value, zone));
  return blockEvent(
    {
      kind: 'cycle',
      id: cycle.id,
      name: cycle.name,
      description: cycle.description,
      first: dateOf(cycle.start_date),
      last: dateOf(cycle.end_date),
      done: false,
      updatedAt: cycle.updated_at,
      createdAt: cycle.created_at,
    },
    project,
    ctx,
  );
}

/** A module's block (its dates are plain dates); null without both. A completed or cancelled module shows as CANCELLED. */
export function moduleToEvent(module: PlaneModule, project: PlaneProject, ctx: TransformContext): EventModel | null {
  const done = module.status === 'completed' || module.status === 'cancelled';
  return blockEvent(
    {
      kind: 'module',
      id: module.id,
      name: module.name,
      description: module.description,
      first: planeDateOf(module.start_date),
      last: planeDateOf(module.target_date),
      done,
      updatedAt: module.updated_at,
      createdAt: module.created_at,
    },
    project,
    ctx,
  );
}

const TITLES: Record<Block['kind'], string> = { cycle: 'Cycle', module: 'Module' };

function blockEvent(block: Block, project: PlaneProject, ctx: TransformContext): EventModel | null {
  if (block.first === null || block.last === null) return null;
  // A block whose end comes before its start shows on its last day, as an item's span does.
  // biome-ignore lint/complexity/useMathMinMax: the dates are "YYYY-MM-DD" strings, not numbers
  const start = block.first <= block.last ? block.first : block.last;
  const url = planeWebUrl(ctx, project, `${block.kind}s`, block.id);
  const body = htmlToPlainText(block.description ?? '');
  const description = cleanText(
    [...(body === '' ? [] : [body]), '---', `${TITLES[block.kind]} in ${cleanLine(project.name)}`, url].join('\n'),
  );
  return {
    uid: (ctx.scheme ?? LEGACY_SCHEME).uidFor(block.id, block.kind),
    source: block.kind,
    issueId: block.id,
    projectId: project.id,
    fields: {
      summary: `${TITLES[block.kind]}: ${cleanLine(block.name)}`,
      description,
      start,
      end: addDays(block.last, 1),
      status: block.done ? 'CANCELLED' : 'CONFIRMED',
      categories: [],
      url,
      color: null,
    },
    stamp: toUtcStamp(block.updatedAt) ?? toUtcStamp(block.createdAt) ?? EPOCH_STAMP,
  };
}
