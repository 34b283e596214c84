/**
 * Carries out one change for Plane (a WriteBackChange), in the order that keeps every rail:
 *
 *   1. claim the object: rewrite it as Plane will have it, with If-Match on the ETag it was read
 *      with; of two runs that read the same edit only one gets past this, so Plane is written once;
 *   2. PATCH the work item (its dates and/or state, nothing else);
 *   3. when Plane's answer renders differently than foreseen (a task's COMPLETED time), write that.
 *
 * Plane refuses the change (a 400: start after target): the object is put back to Plane's values
 * at once, and the item fails with Plane's reason. Plane could not be asked (an outage, a 403, a
 * 404): the object is put back as the person left it, so the edit waits for the next run. A 403
 * stops write-back for the rest of that project's objects in this run.
 */
import type { CalendarStore } from '../caldav/store.js';
import { ExitCode } from '../cli/exit-codes.js';
import { AuthError, CalplanebotError, HttpError, PreconditionFailedError } from '../errors.js';
import { mergeEvent } from '../event/merge.js';
import type { EventModel } from '../event/model.js';
import { fieldChanges } from '../event/parse.js';
import type { PlaneEditor, PlaneState, PlaneStateDetail, WorkItemUpdate } from '../plane/types.js';
import type { WriteBackChange } from './plan.js';
import {
  describeDates,
  type IssueChanges,
  type PlanePatch,
  type WriteBackConflict,
  type WriteBackField,
} from './write-back.js';

/** A change for Plane that cannot be made as configured (no such state); that item fails. */
export class WriteBackError extends CalplanebotError {
  readonly exitCode = ExitCode.Partial;
}

export type WriteBackResult = {
  kind: /** Plane has the change, and the object shows it. */
    | 'written'
    /** Not sent: the object changed after it was read (a person, or another run, acted first). */
    | 'lost-race'
    /** Not sent: Plane refused an earlier write of this project's (403) in this run. */
    | 'withheld'
    /** Not sent: this run already changed the item from another calendar's edit, which stands (the object now shows it). */
    | 'superseded';
  /** Where this edit and one another calendar made first in this run disagree: the first one won. */
  conflicts: WriteBackConflict[];
};

/** What this run changed in an item already: which aspects, and what Plane now holds. */
interface Written {
  aspects: Set<WriteBackField>;
  now: IssueChanges;
}

export class PlaneWriter {
  private readonly states = new Map<string, Promise<PlaneStateDetail[]>>();
  /** Projects whose write Plane refused with 403 in this run: no more are tried. */
  private readonly refused = new Set<string>();
  /**
   * Items this run changed in Plane. Every calendar planned against the listing read before any
   * change, so a second calendar's edit of the same item is measured against what the first wrote:
   * an aspect already written is not written again (a different value is a conflict, the first
   * edit wins), an aspect not yet written still goes.
   */
  private readonly written = new Map<string, Written>();

  constructor(
    private readonly editor: PlaneEditor,
    private readonly store: CalendarStore,
  ) {}

  async write(change: WriteBackChange): Promise<WriteBackResult> {
    const project = change.projectId.toLowerCase();
    if (this.refused.has(project)) return { kind: 'withheld', conflicts: [] };
    const earlier = this.written.get(change.issueId.toLowerCase());
    const conflicts = earlier ? conflictsWith(change.patch, earlier) : [];
    const patch = earlier ? withoutAspects(change.patch, earlier.aspects) : change.patch;
    if (earlier && patch.dates === undefined && patch.completion === undefined) {
      // Best-effort: the next run would bring the object in line with Plane too.
      await this.store
        .update(change.href, mergeEvent(change.existing, this.revised(change, earlier.now)), change.etag)
        .catch(() => undefined);
      return { kind: 'superseded', conflicts };
    }

    const state = patch.completion === undefined ? undefined : await this.stateFor(change, patch.completion);
    const update: WorkItemUpdate = {
      ...(patch.dates ? { target_date: patch.dates.target, start_date: patch.dates.start } : {}),
      ...(state ? { state: state.id } : {}),
    };
    const foreseen = this.revised(change, {
      ...earlier?.now,
      ...datesOf(update),
      ...(state ? { state: stateOf(state) } : {}),
    });

    let claimed: { data: string; etag: string | null };
    try {
      const data = mergeEvent(change.existing, foreseen);
      claimed = { data, etag: (await this.store.update(change.href, data, change.etag)).etag };
    } catch (error) {
      if (error instanceof PreconditionFailedError) return { kind: 'lost-race', conflicts: [] };
      throw error;
    }

    let answer: Awaited<ReturnType<PlaneEditor['updateWorkItem']>>;
    try {
      answer = await this.editor.updateWorkItem(change.projectId, change.issueId, update);
    } catch (error) {
      if (error instanceof AuthError && error.status === 403) this.refused.add(project);
      // Refused on its merits: Plane's values stand, shown at once. Not reached: the edit waits.
      const back = isRefusal(error)
        ? mergeEvent(change.existing, earlier ? this.revised(change, earlier.now) : change.event)
        : change.existing;
      await this.store.update(change.href, back, claimed.etag).catch(() => undefined);
      throw error;
    }

    const now: IssueChanges = {
      ...earlier?.now,
      target_date: answer.target_date,
      start_date: answer.start_date,
      completed_at: answer.completed_at,
      updated_at: answer.updated_at,
      ...(state ? { state: stateOf(state) } : {}),
    };
    const aspects = new Set<WriteBackField>([
      ...(earlier?.aspects ?? []),
      ...(patch.dates ? ['dates' as const] : []),
      ...(patch.completion ? ['completion' as const] : []),
    ]);
    this.written.set(change.issueId.toLowerCase(), { aspects, now });
    const after = this.revised(change, now);
    if (fieldChanges(foreseen.fields, after.fields, after.component).length > 0) {
      // Best-effort: Plane has the change; a run that finds the object behind brings it in line.
      await this.store.update(change.href, mergeEvent(claimed.data, after), claimed.etag).catch(() => undefined);
    }
    return { kind: 'written', conflicts };
  }

  private revised(change: WriteBackChange, changes: IssueChanges): EventModel {
    const event = change.revise(changes);
    if (event === null) throw new WriteBackError(`work item ${change.issueId} would have no object after the change`);
    return event;
  }

  /** The state a ticked-off task moves to (writeBack.completedState, else the first completed one), or an un-ticked one (the default). */
  private async stateFor(change: WriteBackChange, completion: 'done' | 'open'): Promise<PlaneStateDetail> {
    const project = change.projectId.toLowerCase();
    let listing = this.states.get(project);
    if (listing === undefined) {
      listing = this.editor.listStates(change.projectId);
      this.states.set(project, listing);
    }
    const states = [...(await listing)].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    const found = completion === 'done' ? doneState(states, change.completedState) : openState(states);
    if (found) return found;
    const wanted =
      completion === 'done'
        ? change.completedState
          ? `state named "${change.completedState}"`
          : 'state of group "completed"'
        : 'default state';
    throw new WriteBackError(
      `the project has no ${wanted}, so "${change.summary}" cannot be ${completion === 'done' ? 'completed' : 'reopened'} in Plane`,
      {
        hint: change.completedState
          ? "check writeBack.completedState against the project's states in Plane"
          : 'add such a state to the project in Plane',
      },
    );
  }
}

function doneState(states: PlaneStateDetail[], name: string | undefined): PlaneStateDetail | undefined {
  if (name !== undefined) return states.find((state) => state.name.trim().toLowerCase() === name.toLowerCase());
  return states.find((state) => state.group === 'completed');
}

function openState(states: PlaneStateDetail[]): PlaneStateDetail | undefined {
  return (
    states.find((state) => state.default === true) ??
    states.find((state) => state.group === 'backlog' || state.group === 'unstarted')
  );
}

/** Where this edit and what the run already wrote to the item disagree. */
function conflictsWith(patch: PlanePatch, earlier: Written): WriteBackConflict[] {
  const conflicts: WriteBackConflict[] = [];
  const { now } = earlier;
  if (patch.dates && earlier.aspects.has('dates')) {
    const plane = { target: now.target_date ?? null, start: now.start_date ?? null };
    if ((patch.dates.target ?? '') !== (plane.target ?? '') || (patch.dates.start ?? '') !== (plane.start ?? '')) {
      conflicts.push({ field: 'dates', calendar: describeDates(patch.dates), plane: describeDates(plane) });
    }
  }
  if (patch.completion && earlier.aspects.has('completion') && now.state !== undefined && 'group' in now.state) {
    if ((patch.completion === 'done') !== (now.state.group === 'completed')) {
      conflicts.push({
        field: 'completion',
        calendar: patch.completion === 'done' ? 'completed' : 'open',
        plane: now.state.group,
      });
    }
  }
  return conflicts;
}

function withoutAspects(patch: PlanePatch, aspects: ReadonlySet<WriteBackField>): PlanePatch {
  return {
    ...(aspects.has('dates') ? {} : { dates: patch.dates }),
    ...(aspects.has('completion') ? {} : { completion: patch.completion }),
  };
}

function stateOf(state: PlaneStateDetail): PlaneState {
  return { id: state.id, name: state.name, color: state.color, group: state.group };
}

function datesOf(update: WorkItemUpdate): IssueChanges {
  return 'target_date' in update
    ? { target_date: update.target_date ?? null, start_date: update.start_date ?? null }
    : {};
}

/** Plane answered and said no (a 4xx about the change itself), as opposed to not being reached or not allowing writes. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof HttpError) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 && ![401, 403, 404, 408, 429].includes(error.status);
}
