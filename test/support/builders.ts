/** Plain-object fixtures for the pure core: issues, projects and an in-memory Plane. */
import { createHash, randomUUID } from 'node:crypto';
import { HttpError, NotFoundError } from '../../src/errors.js';
import type {
  IssuePage,
  PlaneCycle,
  PlaneEditor,
  PlaneIssue,
  PlaneModule,
  PlaneProject,
  PlaneSource,
  PlaneState,
  PlaneStateDetail,
  PlaneUser,
  UpdatedWorkItem,
  WorkItemUpdate,
} from '../../src/plane/types.js';
import type { PlanInput } from '../../src/sync/plan.js';
import { type CalendarReport, calendarOfProject, type ProjectReport } from '../../src/sync/report.js';
import type { SyncSettings } from '../../src/sync/run.js';
import type { WebhookPlane } from '../../src/webhook/issue.js';

export const STATES: Record<string, PlaneState> = {
  backlog: { id: '00000000-0000-4000-8000-000000000001', name: 'Backlog', color: '#999', group: 'backlog' },
  started: { id: '00000000-0000-4000-8000-000000000002', name: 'In Progress', color: '#f59e0b', group: 'started' },
  done: { id: '00000000-0000-4000-8000-000000000003', name: 'Done', color: '#16a34a', group: 'completed' },
  cancelled: { id: '00000000-0000-4000-8000-000000000004', name: 'Cancelled', color: '#ef4444', group: 'cancelled' },
};

/** The sync settings unit tests start from: Plane Cloud's web URL, the default calendar name, every project, the default guard. */
export function syncSettings(overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    webUrl: 'https://app.plane.so',
    workspaceSlug: 'acme',
    calendarNameTemplate: 'Plane: {project}',
    projects: [],
    guard: { maxDeletePercent: 50, allowMassDelete: false },
    dryRun: false,
    ...overrides,
  };
}

export function project(overrides: Partial<PlaneProject> = {}): PlaneProject {
  return { id: randomUUID(), identifier: 'WEB', name: 'Web Application', archived_at: null, ...overrides };
}

let sequence = 0;

export function issue(projectId: string, overrides: Partial<PlaneIssue> = {}): PlaneIssue {
  sequence += 1;
  return {
    id: randomUUID(),
    name: `Issue ${sequence}`,
    description_html: '<p>Some details</p>',
    priority: 'medium',
    start_date: null,
    target_date: '2025-12-27',
    sequence_id: sequence,
    created_at: '2025-12-01T10:00:00.000000Z',
    updated_at: '2025-12-02T10:00:00.000000Z',
    completed_at: null,
    archived_at: null,
    is_draft: false,
    project: projectId,
    state: STATES.started as PlaneState,
    labels: [],
    assignees: [],
    ...overrides,
  };
}

let cycleCount = 0;

/** A two-week cycle as PlaneClient returns it (datetimes, UTC); give `project_id` for MemoryPlane to list it. */
export function cycle(overrides: Partial<PlaneCycle> = {}): PlaneCycle {
  cycleCount += 1;
  return {
    id: randomUUID(),
    name: `Cycle ${cycleCount}`,
    description: '',
    start_date: '2025-12-01T00:00:01Z',
    end_date: '2025-12-14T23:59:00Z',
    archived_at: null,
    timezone: 'UTC',
    created_at: '2025-11-20T10:00:00.000000Z',
    updated_at: '2025-11-20T10:00:00.000000Z',
    ...overrides,
  };
}

let moduleCount = 0;

/** A module as PlaneClient returns it (plain dates); give `project_id` for MemoryPlane to list it. */
export function module(overrides: Partial<PlaneModule> = {}): PlaneModule {
  moduleCount += 1;
  return {
    id: randomUUID(),
    name: `Module ${moduleCount}`,
    description: '',
    start_date: '2025-12-01',
    target_date: '2025-12-31',
    status: 'planned',
    archived_at: null,
    created_at: '2025-11-20T10:00:00.000000Z',
    updated_at: '2025-11-20T10:00:00.000000Z',
    ...overrides,
  };
}

/** A page as the real client yields it: the digest stands for the bytes Plane would have sent. */
export function memoryPage(issues: PlaneIssue[]): IssuePage {
  return { issues, digest: () => createHash('sha256').update(JSON.stringify(issues)).digest('hex') };
}

/**
 * A PlaneSource over plain arrays; `failListing` makes a project's listing throw after its first page.
 * Cycles and modules are listed by `project_id`, archived ones left out like Plane does;
 * `failCycles` / `failModules` make a project's list throw.
 */
export class MemoryPlane implements PlaneSource {
  readonly projects: PlaneProject[] = [];
  readonly issues: PlaneIssue[] = [];
  readonly cycles: PlaneCycle[] = [];
  readonly modules: PlaneModule[] = [];
  failListing = new Set<string>();
  failCycles = new Set<string>();
  failModules = new Set<string>();
  pageSize = 1000;
  /** The key owner, for filters that say "me". */
  me: PlaneUser = { id: '00000000-0000-4000-8000-0000000000ee', display_name: 'me', email: 'me@example.com' };
  meLookups = 0;

  async currentUser(): Promise<PlaneUser> {
    this.meLookups += 1;
    return this.me;
  }

  async listProjects(): Promise<PlaneProject[]> {
    return [...this.projects];
  }

  async *listIssues(projectId: string): AsyncIterable<IssuePage> {
    const all = this.issues.filter((i) => i.project === projectId);
    for (let offset = 0; offset < Math.max(all.length, 1); offset += this.pageSize) {
      if (offset > 0 && this.failListing.has(projectId)) throw new Error('HTTP 502 on page 2');
      if (offset === 0 && this.failListing.has(projectId) && all.length <= this.pageSize)
        throw new Error('HTTP 502 on page 1');
      yield memoryPage(all.slice(offset, offset + this.pageSize));
    }
  }

  async getIssue(projectId: string, issueId: string): Promise<PlaneIssue | null> {
    return this.issues.find((i) => i.project === projectId && i.id === issueId) ?? null;
  }

  async listCycles(projectId: string): Promise<PlaneCycle[]> {
    if (this.failCycles.has(projectId)) throw new Error('HTTP 502 listing cycles');
    return this.cycles.filter((c) => c.project_id === projectId && !c.archived_at).map((c) => ({ ...c }));
  }

  async listModules(projectId: string): Promise<PlaneModule[]> {
    if (this.failModules.has(projectId)) throw new Error('HTTP 502 listing modules');
    return this.modules.filter((m) => m.project_id === projectId && !m.archived_at).map((m) => ({ ...m }));
  }

  remove(issueId: string): void {
    const index = this.issues.findIndex((i) => i.id === issueId);
    if (index >= 0) this.issues.splice(index, 1);
  }

  update(issueId: string, patch: Partial<PlaneIssue>): void {
    const found = this.issues.find((i) => i.id === issueId);
    if (!found) throw new Error(`no issue ${issueId}`);
    Object.assign(found, patch, { updated_at: new Date(Date.parse(found.updated_at) + 60_000).toISOString() });
  }
}

/** MemoryPlane plus the two reads a webhook adds; counts project lookups (they cost a request). */
export class WebhookMemoryPlane extends MemoryPlane implements WebhookPlane {
  projectLookups = 0;

  async getIssueWithProject(
    projectId: string,
    issueId: string,
  ): Promise<{ issue: PlaneIssue; project: PlaneProject } | null> {
    const found = await this.getIssue(projectId, issueId);
    const owner = this.projects.find((p) => p.id === projectId);
    return found && owner ? { issue: found, project: owner } : null;
  }

  async getProject(projectId: string): Promise<PlaneProject | null> {
    this.projectLookups += 1;
    return this.projects.find((p) => p.id === projectId) ?? null;
  }
}

/** A default-entry calendar's report standing for a project's (what a run reports per calendar). */
export function asCalendar(project: ProjectReport, name = `Plane: ${project.name}`): CalendarReport {
  return calendarOfProject(project, name);
}

/** A PlanInput for `calendarUrl` with a complete listing, no special issues and the default guard, plus overrides. */
export function planInput(calendarUrl: string, overrides: Partial<PlanInput>): PlanInput {
  return {
    calendarUrl,
    desired: [],
    remote: [],
    listingComplete: true,
    undatedIssueIds: new Set(),
    protectedIssueIds: new Set(),
    guard: { maxDeletePercent: 50, allowMassDelete: false },
    ...overrides,
  };
}

/** The states MemoryPlane's projects have, as the states list gives them (Backlog is the default). */
export const STATE_DETAILS: PlaneStateDetail[] = [
  { ...(STATES.backlog as PlaneState), default: true, sequence: 15000 },
  { ...(STATES.started as PlaneState), default: false, sequence: 35000 },
  { ...(STATES.done as PlaneState), default: false, sequence: 45000 },
  { ...(STATES.cancelled as PlaneState), default: false, sequence: 55000 },
];

/**
 * WebhookMemoryPlane with Plane's write side, for write-back: PATCH validates like Plane (start
 * after target → 400) and records what it was sent; `refuse` answers an item's PATCH with an error.
 */
export class EditableMemoryPlane extends WebhookMemoryPlane implements PlaneEditor {
  readonly writes: Array<{ projectId: string; issueId: string; update: WorkItemUpdate }> = [];
  readonly stateLookups: string[] = [];
  /** Errors to throw for an item's PATCH instead of applying it. */
  readonly refuse = new Map<string, Error>();
  states: PlaneStateDetail[] = STATE_DETAILS;

  async listStates(projectId: string): Promise<PlaneStateDetail[]> {
    this.stateLookups.push(projectId);
    return this.states.map((state) => ({ ...state }));
  }

  async updateWorkItem(projectId: string, issueId: string, update: WorkItemUpdate): Promise<UpdatedWorkItem> {
    this.writes.push({ projectId, issueId, update: { ...update } });
    const refusal = this.refuse.get(issueId);
    if (refusal) throw refusal;
    const found = this.issues.find((i) => i.id === issueId && i.project === projectId);
    if (!found) throw new NotFoundError('plane', 'Plane has no such work item (HTTP 404)', 404, 'PATCH', 'memory');
    const start = update.start_date !== undefined ? update.start_date : found.start_date;
    const target = update.target_date !== undefined ? update.target_date : found.target_date;
    if (start && target && start > target)
      throw new HttpError(
        'plane',
        'Plane answered HTTP 400 to PATCH memory: Start date cannot exceed target date',
        400,
        'PATCH',
        'memory',
      );
    const state = update.state === undefined ? undefined : this.states.find((s) => s.id === update.state);
    if (update.state !== undefined && !state)
      throw new HttpError(
        'plane',
        `Plane answered HTTP 400 to PATCH memory: state: Invalid pk "${update.state}"`,
        400,
        'PATCH',
        'memory',
      );
    const completedAt =
      state === undefined ? found.completed_at : state.group === 'completed' ? '2026-01-02T03:04:05.000000Z' : null;
    this.update(issueId, {
      start_date: start,
      target_date: target,
      completed_at: completedAt,
      ...(state ? { state: { id: state.id, name: state.name, color: state.color, group: state.group } } : {}),
    });
    const now = this.issues.find((i) => i.id === issueId) as PlaneIssue;
    const stateId = 'id' in now.state ? (now.state.id as string) : null;
    return {
      id: now.id,
      target_date: now.target_date,
      start_date: now.start_date,
      state: stateId,
      completed_at: now.completed_at,
      updated_at: now.updated_at,
    };
  }
}
