/**
 * The fake Plane's data: a workspace with projects, states, labels, members, work items, cycles
 * and modules, plus the mutations tests use to change it. Records mirror Plane's model fields (db/models/*.py);
 * times are kept as epoch microseconds because Plane renders microseconds.
 * Visibility follows `Issue.issue_objects` (plane-api.md §7): deleted, archived, draft, triage and
 * archived-project items are hidden from the list and the detail.
 */
import { offsetMinutesAt } from '../../src/event/timezone.js';
import type { Priority, StateGroup } from '../../src/plane/types.js';
import { Random } from './fake-plane-random.js';

export type Micros = number;

export interface FakeUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  avatar: string;
  avatar_url: string | null;
  display_name: string;
  /** Workspace role: 20 admin, 15 member, 5 guest. */
  role: 5 | 15 | 20;
}

interface Audit {
  created_at: Micros;
  updated_at: Micros;
  deleted_at: Micros | null;
  created_by: string | null;
  updated_by: string | null;
}

export interface FakeState extends Audit {
  id: string;
  project: string;
  name: string;
  description: string;
  color: string;
  slug: string;
  sequence: number;
  group: StateGroup;
  is_triage: boolean;
  default: boolean;
}

export interface FakeLabel extends Audit {
  id: string;
  project: string | null;
  name: string;
  description: string;
  color: string;
  sort_order: number;
  parent: string | null;
}

export interface FakeProject extends Audit {
  id: string;
  name: string;
  identifier: string;
  description: string;
  /** 0 secret, 2 public: public projects are listed to non-members too. */
  network: 0 | 2;
  archived_at: Micros | null;
  timezone: string;
  /** Whether the API key's user is an active member (non-members get 403 on project endpoints). */
  is_member: boolean;
  /**
   * The key owner's project role while a member: 20 admin, 15 member, 5 guest. Writes (PATCH) need
   * 15 or more (ProjectEntityPermission); a guest can still read.
   */
  role: 5 | 15 | 20;
  sort_order: number | null;
  emoji: string | null;
  nextSequence: number;
}

export interface FakeIssue extends Audit {
  id: string;
  project: string;
  name: string;
  description_html: string;
  description_binary: string | null;
  priority: Priority;
  start_date: string | null;
  target_date: string | null;
  sequence_id: number;
  sort_order: number;
  completed_at: Micros | null;
  /** A date, as Plane's Issue.archived_at is a DateField. */
  archived_at: string | null;
  is_draft: boolean;
  external_source: string | null;
  external_id: string | null;
  parent: string | null;
  state: string | null;
  point: number | null;
  assignees: string[];
  labels: string[];
}

/** db/models/cycle.py. The dates are instants (DateTimeField); null on both for a draft cycle. */
export interface FakeCycle extends Audit {
  id: string;
  project: string;
  name: string;
  description: string;
  start_date: Micros | null;
  end_date: Micros | null;
  owned_by: string;
  sort_order: number;
  external_source: string | null;
  external_id: string | null;
  archived_at: Micros | null;
  /** The model's own field, default "UTC"; Plane's API converts dates with the *project's* timezone. */
  timezone: string;
  /** Work item ids in the cycle (CycleIssue rows); drives the *_issues counts. */
  issues: string[];
}

export type ModuleStatus = 'backlog' | 'planned' | 'in-progress' | 'paused' | 'completed' | 'cancelled';

/** db/models/module.py. The dates are plain dates (DateField). */
export interface FakeModule extends Audit {
  id: string;
  project: string;
  name: string;
  description: string;
  start_date: string | null;
  target_date: string | null;
  status: ModuleStatus;
  sort_order: number;
  external_source: string | null;
  external_id: string | null;
  archived_at: Micros | null;
  lead: string | null;
  members: string[];
  /** Work item ids in the module (ModuleIssue rows); drives the *_issues counts. */
  issues: string[];
}

/** The fields cycles and modules share. */
type PlanRecord = Audit &
  Pick<
    FakeCycle & FakeModule,
    'id' | 'project' | 'name' | 'description' | 'sort_order' | 'external_source' | 'external_id' | 'archived_at'
  >;

type PlanRecordInput = Pick<
  CycleInput & ModuleInput,
  'id' | 'name' | 'description' | 'created_at' | 'external_source' | 'external_id'
>;

export interface CycleInput {
  id?: string;
  name?: string;
  description?: string;
  /**
   * "YYYY-MM-DD" is stored the way Plane's API stores it (convert_to_utc): 00:00:01 of that day in
   * the *project's* timezone, or the current instant when that day is today there. A Date or an
   * ISO datetime with an offset is stored as that instant (as the web app or older versions may).
   */
  start_date?: string | Date | null;
  /** "YYYY-MM-DD" → 23:59:00 of that day in the project's timezone; a Date or ISO datetime as is. */
  end_date?: string | Date | null;
  /** Work item ids. */
  issues?: string[];
  /** A member id, display name or email; default the key owner. */
  owned_by?: string;
  timezone?: string;
  created_at?: Date | string;
  archived?: boolean;
  external_source?: string | null;
  external_id?: string | null;
}

export type CyclePatch = Omit<CycleInput, 'id' | 'created_at' | 'archived'>;

export interface ModuleInput {
  id?: string;
  name?: string;
  description?: string;
  start_date?: string | null;
  target_date?: string | null;
  /** Default "planned". */
  status?: ModuleStatus;
  /** A member id, display name or email. */
  lead?: string | null;
  /** Member ids, display names or emails. */
  members?: string[];
  /** Work item ids. */
  issues?: string[];
  created_at?: Date | string;
  archived?: boolean;
  external_source?: string | null;
  external_id?: string | null;
}

export type ModulePatch = Omit<ModuleInput, 'id' | 'created_at' | 'archived'>;

export interface ProjectInput {
  name: string;
  identifier: string;
  id?: string;
  archived?: boolean;
  /** Default true. A non-member sees a public project in the list but gets 403 on its items. */
  member?: boolean;
  /** The key owner's project role: 20 admin (default), 15 member, 5 guest (read-only: PATCH → 403). */
  role?: 5 | 15 | 20;
  network?: 0 | 2;
  timezone?: string;
  description?: string;
  emoji?: string | null;
}

export interface IssueInput {
  id?: string;
  name?: string;
  description_html?: string;
  priority?: Priority;
  /** A state id or name (case-insensitive); default: the project's default (Backlog). */
  state?: string;
  /** Label ids or names; an unknown name creates the label. */
  labels?: string[];
  /** Member ids, display names or emails. */
  assignees?: string[];
  /**
   * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (a wall-clock time, stored as "YYYY-MM-DDTHH:MM": newer
   * Plane merges its start_time/target_time into the date fields) or null.
   */
  start_date?: string | null;
  /** Like start_date. */
  target_date?: string | null;
  sequence_id?: number;
  sort_order?: number;
  created_at?: Date | string;
  is_draft?: boolean;
  archived_at?: string | null;
  parent?: string | null;
  external_source?: string | null;
  external_id?: string | null;
  description_binary?: string | null;
  point?: number | null;
}

export type IssuePatch = Omit<IssueInput, 'id' | 'sequence_id' | 'created_at'>;

export interface MemberInput {
  id?: string;
  first_name: string;
  last_name?: string;
  email?: string;
  display_name?: string;
  avatar?: string;
  role?: 5 | 15 | 20;
}

export interface StoreOptions {
  /** Seeds ids (and generated data); random when absent. */
  seed?: number;
  /** The data clock (created_at, updated_at, ...); the real clock when absent. */
  now?: () => Date;
  workspaceSlug?: string;
  workspaceId?: string;
  workspaceName?: string;
  /** The API key's owner; also the default webhook actor. */
  me?: Partial<Omit<FakeUser, 'role'>>;
}

const DEFAULT_STATES: readonly { name: string; group: StateGroup; color: string }[] = [
  { name: 'Backlog', group: 'backlog', color: '#60646C' },
  { name: 'Todo', group: 'unstarted', color: '#60646C' },
  { name: 'In Progress', group: 'started', color: '#F59E0B' },
  { name: 'Done', group: 'completed', color: '#46A758' },
  { name: 'Cancelled', group: 'cancelled', color: '#9AA4BC' },
  { name: 'Triage', group: 'triage', color: '#4E5355' },
];

const LABEL_COLORS = ['#EF4444', '#F97316', '#EAB308', '#22C55E', '#06B6D4', '#3B82F6', '#8B5CF6', '#EC4899'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A work item's date with an optional wall-clock time (plane-api.md, addendum); seconds are dropped. */
const ITEM_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
/** An ISO datetime that names its offset: a cycle date without one would depend on the test's TZ. */
const DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const MODULE_STATUSES: readonly ModuleStatus[] = [
  'backlog',
  'planned',
  'in-progress',
  'paused',
  'completed',
  'cancelled',
];
const IDENTIFIER = /^[A-Z0-9]{1,12}$/;

export class FakePlaneStore {
  readonly random: Random;
  readonly workspaceSlug: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly me: FakeUser;
  private readonly clock: () => Date;
  private lastStamp = 0;
  /** Bumped by every mutation; caches of sorted lists key on it. */
  protected version = 0;
  protected readonly projectsById = new Map<string, FakeProject>();
  protected readonly statesById = new Map<string, FakeState>();
  protected readonly labelsById = new Map<string, FakeLabel>();
  /** Per-project indexes, so seeding 10,000 items does not scan every state and label each time. */
  private readonly statesByProject = new Map<string, FakeState[]>();
  private readonly labelsByProject = new Map<string, FakeLabel[]>();
  protected readonly membersById = new Map<string, FakeUser>();
  protected readonly issuesById = new Map<string, FakeIssue>();
  protected readonly issuesByProject = new Map<string, FakeIssue[]>();
  protected readonly cyclesById = new Map<string, FakeCycle>();
  protected readonly cyclesByProject = new Map<string, FakeCycle[]>();
  protected readonly modulesById = new Map<string, FakeModule>();
  protected readonly modulesByProject = new Map<string, FakeModule[]>();

  constructor(options: StoreOptions = {}) {
    this.random = new Random(options.seed);
    this.clock = options.now ?? (() => new Date());
    this.workspaceSlug = options.workspaceSlug ?? 'acme';
    this.workspaceId = options.workspaceId ?? this.random.uuid();
    this.workspaceName = options.workspaceName ?? 'Acme';
    this.me = this.addMember({ first_name: 'Ada', last_name: 'Admin', display_name: 'ada', role: 20, ...options.me });
  }

  /** Changes with every mutation; lets renderers cache until the data changes. */
  get dataVersion(): number {
    return this.version;
  }

  /** The data clock. */
  now(): Date {
    return this.clock();
  }

  /** Today (UTC) on the data clock, "YYYY-MM-DD". */
  today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  /** A strictly increasing timestamp, so a fixed clock still orders and bumps updated_at. */
  protected stamp(at?: Date | string): Micros {
    const wanted = at === undefined ? this.clock().getTime() * 1000 : toMicros(at);
    if (Number.isNaN(wanted)) throw new Error(`invalid date ${String(at)}`);
    if (at !== undefined) return wanted;
    this.lastStamp = Math.max(wanted, this.lastStamp + 1);
    return this.lastStamp;
  }

  private audit(): Audit {
    const at = this.stamp();
    return { created_at: at, updated_at: at, deleted_at: null, created_by: this.me?.id ?? null, updated_by: null };
  }

  // ── members ──────────────────────────────────────────────────────────────

  addMember(input: MemberInput): FakeUser {
    const display = input.display_name ?? input.first_name.toLowerCase();
    const member: FakeUser = {
      id: input.id ?? this.random.uuid(),
      first_name: input.first_name,
      last_name: input.last_name ?? '',
      email: input.email ?? `${display.replace(/[^a-z0-9]+/gi, '.').toLowerCase()}@example.com`,
      avatar: input.avatar ?? '',
      avatar_url: null,
      display_name: display,
      role: input.role ?? 15,
    };
    this.membersById.set(member.id, member);
    this.version += 1;
    return { ...member };
  }

  members(): FakeUser[] {
    return [...this.membersById.values()].map((member) => ({ ...member }));
  }

  member(id: string): FakeUser | undefined {
    return this.membersById.get(id);
  }

  // ── projects, states, labels ─────────────────────────────────────────────

  addProject(input: ProjectInput): FakeProject {
    if (!IDENTIFIER.test(input.identifier))
      throw new Error(`project identifier must be 1–12 uppercase letters/digits: ${input.identifier}`);
    const member = input.member ?? true;
    const project: FakeProject = {
      ...this.audit(),
      id: input.id ?? this.random.uuid(),
      name: input.name,
      identifier: input.identifier,
      description: input.description ?? '',
      network: input.network ?? 2,
      archived_at: null,
      timezone: input.timezone ?? 'UTC',
      is_member: member,
      role: input.role ?? 20,
      // The member's own sort order drives the project list order; non-members have none (sorted last).
      sort_order: member ? 65535 + 1000 * this.projectsById.size : null,
      emoji: input.emoji ?? null,
      nextSequence: 1,
    };
    this.projectsById.set(project.id, project);
    this.issuesByProject.set(project.id, []);
    for (const [index, state] of DEFAULT_STATES.entries())
      this.addState(project.id, { ...state, sequence: 15000 + 10000 * index, default: index === 0 });
    if (input.archived) this.archiveProject(project.id);
    this.version += 1;
    return { ...project };
  }

  project(id: string): FakeProject | undefined {
    return this.projectsById.get(id);
  }

  projects(): FakeProject[] {
    return [...this.projectsById.values()].map((project) => ({ ...project }));
  }

  archiveProject(id: string): void {
    this.mutateProject(id, (project) => (project.archived_at = this.stamp()));
  }

  unarchiveProject(id: string): void {
    this.mutateProject(id, (project) => (project.archived_at = null));
  }

  /** Soft delete: gone from the list and the detail; its item endpoints answer 403 (no membership). */
  deleteProject(id: string): void {
    this.mutateProject(id, (project) => (project.deleted_at = this.stamp()));
  }

  renameProject(id: string, name: string): void {
    this.mutateProject(id, (project) => (project.name = name));
  }

  setProjectMembership(id: string, member: boolean): void {
    this.mutateProject(id, (project) => (project.is_member = member));
  }

  /** The key owner's role in the project (a ProjectMember row: the project itself is not updated). */
  setProjectRole(id: string, role: 5 | 15 | 20): void {
    if (role !== 5 && role !== 15 && role !== 20)
      throw new Error(`project role must be 5, 15 or 20, got ${String(role)}`);
    this.requireProject(id).role = role;
    this.version += 1;
  }

  private mutateProject(id: string, change: (project: FakeProject) => void): void {
    const project = this.requireProject(id);
    change(project);
    project.updated_at = this.stamp();
    this.version += 1;
  }

  addState(
    projectId: string,
    input: { name: string; group: StateGroup; color?: string; sequence?: number; default?: boolean; id?: string },
  ): FakeState {
    this.requireProject(projectId);
    const state: FakeState = {
      ...this.audit(),
      id: input.id ?? this.random.uuid(),
      project: projectId,
      name: input.name,
      description: '',
      color: input.color ?? '#60646C',
      slug: input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      sequence: input.sequence ?? 65535,
      group: input.group,
      is_triage: input.group === 'triage',
      default: input.default ?? false,
    };
    this.statesById.set(state.id, state);
    pushTo(this.statesByProject, projectId, state);
    this.version += 1;
    return { ...state };
  }

  states(projectId: string): FakeState[] {
    return (this.statesByProject.get(projectId) ?? []).filter((state) => state.deleted_at === null);
  }

  state(id: string): FakeState | undefined {
    return this.statesById.get(id);
  }

  addLabel(
    projectId: string,
    input: { name: string; color?: string; description?: string; id?: string; parent?: string | null },
  ): FakeLabel {
    this.requireProject(projectId);
    const count = this.labels(projectId).length;
    const label: FakeLabel = {
      ...this.audit(),
      id: input.id ?? this.random.uuid(),
      project: projectId,
      name: input.name,
      description: input.description ?? '',
      color: input.color ?? (LABEL_COLORS[count % LABEL_COLORS.length] as string),
      sort_order: 65535 + 10000 * count,
      parent: input.parent ?? null,
    };
    this.labelsById.set(label.id, label);
    pushTo(this.labelsByProject, projectId, label);
    this.version += 1;
    return { ...label };
  }

  labels(projectId: string): FakeLabel[] {
    return (this.labelsByProject.get(projectId) ?? []).filter((label) => label.deleted_at === null);
  }

  label(id: string): FakeLabel | undefined {
    return this.labelsById.get(id);
  }

  // ── work items ───────────────────────────────────────────────────────────

  /** Adds a work item with Plane's defaults; returns a snapshot of the stored record. */
  addIssue(projectId: string, input: IssueInput = {}): FakeIssue {
    const project = this.requireProject(projectId);
    const sequence = input.sequence_id ?? project.nextSequence;
    project.nextSequence = Math.max(project.nextSequence, sequence + 1);
    const at = input.created_at === undefined ? this.stamp() : this.stamp(input.created_at);
    const issue: FakeIssue = {
      created_at: at,
      updated_at: at,
      deleted_at: null,
      created_by: this.me.id,
      updated_by: null,
      id: input.id ?? this.random.uuid(),
      project: projectId,
      name: input.name ?? `Work item ${sequence}`,
      description_html: input.description_html ?? '<p></p>',
      description_binary: input.description_binary ?? null,
      priority: input.priority ?? 'none',
      start_date: null,
      target_date: null,
      sequence_id: sequence,
      sort_order: input.sort_order ?? 65535 + 10000 * (sequence - 1),
      completed_at: null,
      archived_at: input.archived_at ?? null,
      is_draft: input.is_draft ?? false,
      external_source: input.external_source ?? null,
      external_id: input.external_id ?? null,
      parent: input.parent ?? null,
      state: this.defaultState(projectId),
      point: input.point ?? null,
      assignees: [],
      labels: [],
    };
    if (this.issuesById.has(issue.id)) throw new Error(`duplicate work item id ${issue.id}`);
    this.applyFields(issue, input);
    this.issuesById.set(issue.id, issue);
    (this.issuesByProject.get(projectId) as FakeIssue[]).push(issue);
    this.version += 1;
    return this.snapshot(issue);
  }

  /** Changes fields and bumps updated_at (every Plane activity does). */
  updateIssue(id: string, patch: IssuePatch): FakeIssue {
    const issue = this.requireIssue(id);
    this.applyFields(issue, patch);
    if (patch.name !== undefined) issue.name = patch.name;
    if (patch.description_html !== undefined) issue.description_html = patch.description_html;
    if (patch.priority !== undefined) issue.priority = patch.priority;
    if (patch.archived_at !== undefined) issue.archived_at = patch.archived_at;
    if (patch.is_draft !== undefined) issue.is_draft = patch.is_draft;
    if (patch.parent !== undefined) issue.parent = patch.parent;
    if (patch.external_source !== undefined) issue.external_source = patch.external_source;
    if (patch.external_id !== undefined) issue.external_id = patch.external_id;
    if (patch.description_binary !== undefined) issue.description_binary = patch.description_binary;
    if (patch.point !== undefined) issue.point = patch.point;
    if (patch.sort_order !== undefined) issue.sort_order = patch.sort_order;
    this.touch(issue);
    return this.snapshot(issue);
  }

  /** Soft delete (sets deleted_at): hidden from the list, 404 on the detail. */
  deleteIssue(id: string): void {
    const issue = this.requireIssue(id);
    issue.deleted_at = this.stamp();
    this.version += 1;
  }

  /** Archives as of today on the data clock (archived_at is a date). */
  archiveIssue(id: string): void {
    this.updateIssue(id, { archived_at: this.today() });
  }

  setDraft(id: string, draft = true): void {
    this.updateIssue(id, { is_draft: draft });
  }

  /** Moves the item into the project's Triage state (intake), which hides it from the v1 API. */
  moveToTriage(id: string): void {
    const issue = this.requireIssue(id);
    const triage = this.states(issue.project).find((state) => state.group === 'triage');
    if (!triage) throw new Error(`project ${issue.project} has no triage state`);
    this.updateIssue(id, { state: triage.id });
  }

  issue(id: string): FakeIssue | undefined {
    const issue = this.issuesById.get(id);
    return issue && this.snapshot(issue);
  }

  /** Every stored item of a project, hidden ones included, in creation order. */
  issues(projectId: string): FakeIssue[] {
    return (this.issuesByProject.get(projectId) ?? []).map((issue) => this.snapshot(issue));
  }

  /** What `Issue.issue_objects` would return. */
  isVisible(issue: FakeIssue): boolean {
    if (issue.deleted_at !== null || issue.archived_at !== null || issue.is_draft) return false;
    const project = this.projectsById.get(issue.project);
    if (!project || project.archived_at !== null || project.deleted_at !== null) return false;
    return issue.state === null || this.statesById.get(issue.state)?.group !== 'triage';
  }

  // ── cycles ───────────────────────────────────────────────────────────────

  /** Adds a cycle (both dates or neither, like Plane's API); returns a snapshot of the stored record. */
  addCycle(projectId: string, input: CycleInput = {}): FakeCycle {
    const project = this.requireProject(projectId);
    const cycle: FakeCycle = {
      ...this.newPlanRecord(projectId, input, this.cyclesByProject, 'Cycle'),
      start_date: null,
      end_date: null,
      owned_by: input.owned_by === undefined ? this.me.id : this.resolveMember(input.owned_by),
      timezone: input.timezone ?? 'UTC',
      issues: [],
    };
    if (this.cyclesById.has(cycle.id)) throw new Error(`duplicate cycle id ${cycle.id}`);
    this.applyCycleFields(cycle, project, input);
    this.storePlanRecord(this.cyclesById, this.cyclesByProject, cycle, input.archived);
    return snapshotCycle(cycle);
  }

  /** Changes fields and bumps updated_at. */
  updateCycle(id: string, patch: CyclePatch): FakeCycle {
    const cycle = this.requireCycle(id);
    this.applyCycleFields(cycle, this.requireProject(cycle.project), patch);
    if (patch.owned_by !== undefined) cycle.owned_by = this.resolveMember(patch.owned_by);
    if (patch.timezone !== undefined) cycle.timezone = patch.timezone;
    this.patchPlanRecord(cycle, patch);
    return snapshotCycle(cycle);
  }

  /** Soft delete: gone from the list. */
  deleteCycle(id: string): void {
    this.softDelete(this.requireCycle(id));
  }

  /** Hidden from the list (Plane only lets completed cycles be archived; the fake does not check). */
  archiveCycle(id: string): void {
    this.setArchived(this.requireCycle(id), true);
  }

  unarchiveCycle(id: string): void {
    this.setArchived(this.requireCycle(id), false);
  }

  cycle(id: string): FakeCycle | undefined {
    const cycle = this.cyclesById.get(id);
    return cycle && snapshotCycle(cycle);
  }

  /** Every stored cycle of a project, deleted and archived ones included, in creation order. */
  cycles(projectId: string): FakeCycle[] {
    return (this.cyclesByProject.get(projectId) ?? []).map(snapshotCycle);
  }

  // ── modules ──────────────────────────────────────────────────────────────

  /** Adds a module; returns a snapshot of the stored record. */
  addModule(projectId: string, input: ModuleInput = {}): FakeModule {
    this.requireProject(projectId);
    const module: FakeModule = {
      ...this.newPlanRecord(projectId, input, this.modulesByProject, 'Module'),
      start_date: null,
      target_date: null,
      status: 'planned',
      lead: null,
      members: [],
      issues: [],
    };
    if (this.modulesById.has(module.id)) throw new Error(`duplicate module id ${module.id}`);
    // The name is unique per project among live modules (a database constraint).
    if (this.modules(projectId).some((other) => other.deleted_at === null && other.name === module.name)) {
      throw new Error(`project ${projectId} already has a module named ${module.name}`);
    }
    this.applyModuleFields(module, input);
    this.storePlanRecord(this.modulesById, this.modulesByProject, module, input.archived);
    return snapshotModule(module);
  }

  /** Changes fields and bumps updated_at. */
  updateModule(id: string, patch: ModulePatch): FakeModule {
    const module = this.requireModule(id);
    this.applyModuleFields(module, patch);
    this.patchPlanRecord(module, patch);
    return snapshotModule(module);
  }

  /** Soft delete: gone from the list. */
  deleteModule(id: string): void {
    this.softDelete(this.requireModule(id));
  }

  /** Hidden from the list (Plane only archives completed or cancelled modules; the fake does not check). */
  archiveModule(id: string): void {
    this.setArchived(this.requireModule(id), true);
  }

  unarchiveModule(id: string): void {
    this.setArchived(this.requireModule(id), false);
  }

  module(id: string): FakeModule | undefined {
    const module = this.modulesById.get(id);
    return module && snapshotModule(module);
  }

  /** Every stored module of a project, deleted and archived ones included, in creation order. */
  modules(projectId: string): FakeModule[] {
    return (this.modulesByProject.get(projectId) ?? []).map(snapshotModule);
  }

  /**
   * The counts Plane annotates cycles and modules with: linked work items that are not deleted,
   * archived or drafts; `total` includes triage ones, the groups do not.
   */
  issueCounts(issueIds: readonly string[]): Record<'total' | Exclude<StateGroup, 'triage'>, number> {
    const counts = { total: 0, backlog: 0, unstarted: 0, started: 0, completed: 0, cancelled: 0 };
    for (const id of new Set(issueIds)) {
      const issue = this.issuesById.get(id);
      if (!issue || issue.deleted_at !== null || issue.archived_at !== null || issue.is_draft) continue;
      counts.total += 1;
      const group = issue.state === null ? undefined : this.statesById.get(issue.state)?.group;
      if (group !== undefined && group !== 'triage') counts[group] += 1;
    }
    return counts;
  }

  protected requireCycle(id: string): FakeCycle {
    return requireIn(this.cyclesById, id, 'cycle');
  }

  protected requireModule(id: string): FakeModule {
    return requireIn(this.modulesById, id, 'module');
  }

  /** What a new cycle and a new module share: audit fields, id, default name, sort order, external ids. */
  private newPlanRecord(
    projectId: string,
    input: PlanRecordInput,
    byProject: Map<string, PlanRecord[]>,
    noun: 'Cycle' | 'Module',
  ): PlanRecord {
    const at = input.created_at === undefined ? this.stamp() : this.stamp(input.created_at);
    const siblings = byProject.get(projectId) ?? [];
    return {
      created_at: at,
      updated_at: at,
      deleted_at: null,
      created_by: this.me.id,
      updated_by: null,
      id: input.id ?? this.random.uuid(),
      project: projectId,
      name: input.name ?? `${noun} ${siblings.length + 1}`,
      description: input.description ?? '',
      // Cycle.save / Module.save: a new one goes before the others.
      sort_order: siblings.length === 0 ? 65535 : Math.min(...siblings.map((other) => other.sort_order)) - 10000,
      external_source: input.external_source ?? null,
      external_id: input.external_id ?? null,
      archived_at: null,
    };
  }

  /** Indexes a new cycle or module, archived at once when asked. */
  private storePlanRecord<T extends PlanRecord>(
    byId: Map<string, T>,
    byProject: Map<string, T[]>,
    record: T,
    archived: boolean | undefined,
  ): void {
    byId.set(record.id, record);
    pushTo(byProject, record.project, record);
    if (archived) record.archived_at = this.stamp();
    this.version += 1;
  }

  /** The fields a cycle's and a module's patch share, then bumps updated_at. */
  private patchPlanRecord(record: PlanRecord, patch: Omit<PlanRecordInput, 'id' | 'created_at'>): void {
    if (patch.name !== undefined) record.name = patch.name;
    if (patch.description !== undefined) record.description = patch.description;
    if (patch.external_source !== undefined) record.external_source = patch.external_source;
    if (patch.external_id !== undefined) record.external_id = patch.external_id;
    this.touchRecord(record);
  }

  /** Soft delete (sets deleted_at): gone from the list. */
  private softDelete(record: Audit): void {
    record.deleted_at = this.stamp();
    this.version += 1;
  }

  private setArchived(record: Audit & { archived_at: Micros | null }, archived: boolean): void {
    record.archived_at = archived ? this.stamp() : null;
    this.touchRecord(record);
  }

  private touchRecord(record: Audit): void {
    record.updated_at = this.stamp();
    record.updated_by = this.me.id;
    this.version += 1;
  }

  /** Dates (both or neither, start ≤ end, as CycleCreateSerializer insists) and work items. */
  private applyCycleFields(cycle: FakeCycle, project: FakeProject, input: CyclePatch): void {
    const start =
      input.start_date === undefined
        ? cycle.start_date
        : this.cycleInstant(input.start_date, project.timezone, 'start_date');
    const end =
      input.end_date === undefined ? cycle.end_date : this.cycleInstant(input.end_date, project.timezone, 'end_date');
    if ((start === null) !== (end === null))
      throw new Error('Both start date and end date are either required or are to be null');
    if (start !== null && end !== null && start > end) throw new Error('Start date cannot exceed end date');
    cycle.start_date = start;
    cycle.end_date = end;
    if (input.issues !== undefined) cycle.issues = input.issues.map((id) => this.requireIssue(id).id);
  }

  /** convert_to_utc (utils/timezone_converter.py) for a date; an instant as given. */
  private cycleInstant(value: string | Date | null, zone: string, field: 'start_date' | 'end_date'): Micros | null {
    if (value === null) return null;
    if (value instanceof Date || DATETIME_WITH_OFFSET.test(value)) {
      const micros = this.stamp(value);
      if (Number.isNaN(micros)) throw new Error(`${field} is not a valid datetime: ${String(value)}`);
      return micros;
    }
    if (!DATE.test(value))
      throw new Error(`${field} must be YYYY-MM-DD, an ISO datetime with an offset, a Date or null, got ${value}`);
    if (field === 'end_date') return zonedWallTimeToEpochMs(value, 23, 59, 0, zone) * 1000;
    const now = this.now();
    if (localDate(now.getTime(), zone) === value) return now.getTime() * 1000;
    return zonedWallTimeToEpochMs(value, 0, 0, 1, zone) * 1000;
  }

  private applyModuleFields(module: FakeModule, input: ModulePatch): void {
    const start = input.start_date === undefined ? module.start_date : checkDate(input.start_date, 'start_date');
    const target = input.target_date === undefined ? module.target_date : checkDate(input.target_date, 'target_date');
    if (start !== null && target !== null && start > target) throw new Error('Start date cannot exceed target date');
    module.start_date = start;
    module.target_date = target;
    if (input.status !== undefined) {
      if (!MODULE_STATUSES.includes(input.status))
        throw new Error(`module status must be one of ${MODULE_STATUSES.join(', ')}, got ${String(input.status)}`);
      module.status = input.status;
    }
    if (input.lead !== undefined) module.lead = input.lead === null ? null : this.resolveMember(input.lead);
    if (input.members !== undefined) module.members = input.members.map((who) => this.resolveMember(who));
    if (input.issues !== undefined) module.issues = input.issues.map((id) => this.requireIssue(id).id);
  }

  protected requireProject(id: string): FakeProject {
    const project = this.projectsById.get(id);
    if (!project) throw new Error(`no project ${id} in the fake Plane`);
    return project;
  }

  protected requireIssue(id: string): FakeIssue {
    const issue = this.issuesById.get(id);
    if (!issue) throw new Error(`no work item ${id} in the fake Plane`);
    return issue;
  }

  private touch(issue: FakeIssue): void {
    issue.updated_at = this.stamp();
    issue.updated_by = this.me.id;
    this.version += 1;
  }

  private snapshot(issue: FakeIssue): FakeIssue {
    return { ...issue, assignees: [...issue.assignees], labels: [...issue.labels] };
  }

  /** Fields shared by add and update that need resolving or checking; throws before changing anything. */
  private applyFields(issue: FakeIssue, input: IssuePatch): void {
    const state = input.state === undefined ? issue.state : this.resolveState(issue.project, input.state);
    const start = input.start_date === undefined ? issue.start_date : checkItemDate(input.start_date, 'start_date');
    const target =
      input.target_date === undefined ? issue.target_date : checkItemDate(input.target_date, 'target_date');
    if (input.archived_at !== undefined) checkDate(input.archived_at, 'archived_at');
    if (startExceedsTarget(start, target)) throw new Error('Start date cannot exceed target date');
    const assignees = input.assignees?.map((who) => this.resolveMember(who));
    // Last: an unknown label name creates the label.
    const labels = input.labels?.map((label) => this.resolveLabel(issue.project, label));
    issue.state = state;
    issue.start_date = start;
    issue.target_date = target;
    if (assignees !== undefined) issue.assignees = assignees;
    if (labels !== undefined) issue.labels = labels;
    // Issue._sync_completed_at: set on entering a completed state, cleared on leaving it.
    const group = issue.state === null ? undefined : this.statesById.get(issue.state)?.group;
    if (group !== 'completed') issue.completed_at = null;
    else if (issue.completed_at === null) issue.completed_at = this.stamp();
  }

  private defaultState(projectId: string): string | null {
    return this.states(projectId).find((state) => state.default)?.id ?? null;
  }

  private resolveState(projectId: string, ref: string): string {
    const byId = this.statesById.get(ref);
    if (byId?.project === projectId) return byId.id;
    const states = this.states(projectId);
    const found =
      states.find((state) => state.id === ref) ??
      states.find((state) => state.name.toLowerCase() === ref.toLowerCase());
    if (!found) throw new Error(`project ${projectId} has no state ${ref}`);
    return found.id;
  }

  private resolveLabel(projectId: string, ref: string): string {
    const byId = this.labelsById.get(ref);
    if (byId) return byId.id;
    const byName = this.labels(projectId).find((label) => label.name.toLowerCase() === ref.toLowerCase());
    return byName?.id ?? this.addLabel(projectId, { name: ref }).id;
  }

  private resolveMember(ref: string): string {
    for (const member of this.membersById.values()) {
      if (member.id === ref || member.display_name === ref || member.email === ref) return member.id;
    }
    throw new Error(`no member ${ref} in the fake Plane`);
  }
}

function pushTo<T>(index: Map<string, T[]>, key: string, item: T): void {
  const list = index.get(key);
  if (list) list.push(item);
  else index.set(key, [item]);
}

function requireIn<T>(index: Map<string, T>, id: string, noun: string): T {
  const record = index.get(id);
  if (!record) throw new Error(`no ${noun} ${id} in the fake Plane`);
  return record;
}

function snapshotCycle(cycle: FakeCycle): FakeCycle {
  return { ...cycle, issues: [...cycle.issues] };
}

function snapshotModule(module: FakeModule): FakeModule {
  return { ...module, members: [...module.members], issues: [...module.issues] };
}

/** The zone's offset at an instant, in ms (the runtime's tz data, as calplanebot reads it). */
function zoneOffsetMs(zone: string, epochMs: number): number {
  return offsetMinutesAt(epochMs, zone) * 60_000;
}

/** pytz `localize` of a wall time, near enough (DST gaps and folds resolve to one of their sides). */
function zonedWallTimeToEpochMs(date: string, hour: number, minute: number, second: number, zone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const guess = wall - zoneOffsetMs(zone, wall);
  return wall - zoneOffsetMs(zone, guess);
}

/** "YYYY-MM-DD" of an instant in an IANA zone. */
function localDate(epochMs: number, zone: string): string {
  return new Date(epochMs + zoneOffsetMs(zone, epochMs)).toISOString().slice(0, 10);
}

function checkDate(value: string | null, field: string): string | null {
  if (value !== null && !DATE.test(value)) throw new Error(`${field} must be YYYY-MM-DD or null, got ${value}`);
  return value;
}

/**
 * A work item's start_date/target_date as stored: null, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (seconds
 * dropped); undefined for anything else, an impossible day or time included (DRF's "Date has wrong format").
 */
export function parseItemDate(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string') return undefined;
  const m = ITEM_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(2000, month - 1, day));
  at.setUTCFullYear(year);
  if (year < 1 || at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day)
    return undefined;
  if (m[4] === undefined) return value.slice(0, 10);
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59)) return undefined;
  return value.slice(0, 16);
}

/**
 * IssueSerializer.validate's "Start date cannot exceed target date": the days decide; on the same
 * day, the times when both carry one (a date-only side has no time to compare).
 */
export function startExceedsTarget(start: string | null, target: string | null): boolean {
  if (start === null || target === null) return false;
  const [startDay, startTime] = start.split('T') as [string, string | undefined];
  const [targetDay, targetTime] = target.split('T') as [string, string | undefined];
  if (startDay !== targetDay) return startDay > targetDay;
  return startTime !== undefined && targetTime !== undefined && startTime > targetTime;
}

function checkItemDate(value: string | null, field: string): string | null {
  const parsed = parseItemDate(value);
  if (parsed === undefined)
    throw new Error(`${field} must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or null, got ${String(value)}`);
  return parsed;
}

/** Epoch microseconds, keeping the digits past milliseconds that a Date would drop. */
function toMicros(at: Date | string): Micros {
  if (at instanceof Date) return at.getTime() * 1000;
  const extra = /\.\d{3}(\d{1,3})/.exec(at)?.[1];
  return Date.parse(at) * 1000 + (extra === undefined ? 0 : Number(extra.padEnd(3, '0')));
}
