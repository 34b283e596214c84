/**
 * The fake Plane's JSON shapes, key order included (plane-api.md §4–5, reconstructed from the DRF
 * serializers): the v1 API's IssueSerializer / ProjectSerializer / CycleSerializer /
 * ModuleSerializer / State / Label / UserLite with `fields=` and `expand=`, and the webhook's
 * IssueExpandSerializer / ProjectSerializer.
 */
import { PyFloat, type PyJson } from './fake-plane-pyjson.js';
import type {
  FakeCycle,
  FakeIssue,
  FakeLabel,
  FakeModule,
  FakePlaneStore,
  FakeProject,
  FakeState,
  FakeUser,
  Micros,
} from './fake-plane-store.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * DRF's DateTimeField: isoformat with microseconds (omitted when zero), "Z" for UTC, otherwise the
 * key owner's offset (`offsetMinutes`), since Plane renders in the user's profile timezone.
 */
export function formatDateTime(micros: Micros | null, offsetMinutes = 0): string | null {
  if (micros === null) return null;
  const shifted = micros + offsetMinutes * 60_000_000;
  const seconds = Math.floor(shifted / 1_000_000);
  const fraction = shifted - seconds * 1_000_000;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const micro = fraction === 0 ? '' : `.${String(fraction).padStart(6, '0')}`;
  return `${base}${micro}${offsetSuffix(offsetMinutes)}`;
}

function offsetSuffix(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function userLite(user: FakeUser): JsonObject {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    avatar: user.avatar,
    avatar_url: user.avatar_url,
    display_name: user.display_name,
  };
}

export function stateLite(state: FakeState): JsonObject {
  return { id: state.id, name: state.name, color: state.color, group: state.group };
}

export function labelLite(label: FakeLabel): JsonObject {
  return { id: label.id, name: label.name, color: label.color };
}

export function projectLite(project: FakeProject): JsonObject {
  return {
    id: project.id,
    identifier: project.identifier,
    name: project.name,
    cover_image: null,
    icon_prop: null,
    emoji: project.emoji,
    description: project.description,
    cover_image_url: null,
  };
}

/** Renders objects for one response; `offsetMinutes` is the key owner's timezone. */
export class Serializer {
  /** Labels, states and users repeat across a page: render each once per data version. */
  private memo = new Map<string, JsonObject>();
  private memoVersion = -1;

  constructor(
    private readonly store: FakePlaneStore,
    private readonly offsetMinutes = 0,
  ) {}

  private cached(key: string, render: () => JsonObject): JsonObject {
    if (this.memoVersion !== this.store.dataVersion) {
      this.memo = new Map();
      this.memoVersion = this.store.dataVersion;
    }
    let value = this.memo.get(key);
    if (value === undefined) {
      value = render();
      this.memo.set(key, value);
    }
    return value;
  }

  private time(micros: Micros | null): string | null {
    return formatDateTime(micros, this.offsetMinutes);
  }

  stateFull(state: FakeState): JsonObject {
    return {
      id: state.id,
      created_at: this.time(state.created_at),
      updated_at: this.time(state.updated_at),
      deleted_at: this.time(state.deleted_at),
      name: state.name,
      description: state.description,
      color: state.color,
      slug: state.slug,
      sequence: state.sequence,
      group: state.group,
      is_triage: state.is_triage,
      default: state.default,
      external_source: null,
      external_id: null,
      created_by: state.created_by,
      updated_by: state.updated_by,
      project: state.project,
      workspace: this.store.workspaceId,
    };
  }

  labelFull(label: FakeLabel): JsonObject {
    return {
      id: label.id,
      created_at: this.time(label.created_at),
      updated_at: this.time(label.updated_at),
      deleted_at: this.time(label.deleted_at),
      name: label.name,
      description: label.description,
      color: label.color,
      sort_order: label.sort_order,
      external_source: null,
      external_id: null,
      created_by: label.created_by,
      updated_by: label.updated_by,
      workspace: this.store.workspaceId,
      project: label.project,
      parent: label.parent,
    };
  }

  /** IssueSerializer (exclude description_json, description_stripped) with fields= and expand=. */
  issue(issue: FakeIssue, fields: string[] | undefined, expand: string[]): JsonObject {
    const out: JsonObject = {
      id: issue.id,
      type_id: null,
      created_at: this.time(issue.created_at),
      updated_at: this.time(issue.updated_at),
      deleted_at: this.time(issue.deleted_at),
      point: issue.point,
      name: issue.name,
      description_html: issue.description_html,
      description_binary: issue.description_binary,
      priority: issue.priority,
      start_date: issue.start_date,
      target_date: issue.target_date,
      sequence_id: issue.sequence_id,
      sort_order: issue.sort_order,
      completed_at: this.time(issue.completed_at),
      archived_at: issue.archived_at,
      is_draft: issue.is_draft,
      external_source: issue.external_source,
      external_id: issue.external_id,
      created_by: issue.created_by,
      updated_by: issue.updated_by,
      project: issue.project,
      workspace: this.store.workspaceId,
      parent: issue.parent,
      state: issue.state,
      estimate_point: null,
      type: null,
    };
    // assignees and labels are write-only declared fields: "in self.fields" unless fields= drops them.
    const present = presentKeys(out, fields, ['assignees', 'labels']);
    const shaped = fields === undefined ? out : pick(out, present);
    this.expand(shaped, present, expand, this.issueExpanders(issue));
    // IssueSerializer.to_representation sets these last (after BaseSerializer put null placeholders).
    if (present.has('assignees')) shaped.assignees = this.assignees(issue, expand.includes('assignees'));
    if (present.has('labels')) shaped.labels = this.labels(issue, expand.includes('labels'));
    return shaped;
  }

  private assignees(issue: FakeIssue, expanded: boolean): Json[] {
    if (!expanded) return [...issue.assignees];
    return issue.assignees.flatMap((id) => {
      const user = this.store.member(id);
      return user ? [this.cached(`user ${id}`, () => userLite(user))] : [];
    });
  }

  private labels(issue: FakeIssue, expanded: boolean): Json[] {
    if (!expanded) return [...issue.labels];
    return issue.labels.flatMap((id) => {
      const label = this.store.label(id);
      return label ? [this.cached(`label ${id}`, () => this.labelFull(label))] : [];
    });
  }

  private issueExpanders(issue: FakeIssue): Record<string, () => Json> {
    return {
      state: () =>
        lite(issue.state === null ? undefined : this.store.state(issue.state), (state) =>
          this.cached(`state ${state.id}`, () => stateLite(state)),
        ),
      project: () => lite(this.store.project(issue.project), projectLite),
      parent: (): Json => {
        const parent = issue.parent === null ? undefined : this.store.issue(issue.parent);
        return parent ? { id: parent.id, sequence_id: parent.sequence_id, project_id: parent.project } : {};
      },
      estimate_point: () => ({}),
      created_by: () => lite(issue.created_by === null ? undefined : this.store.member(issue.created_by), userLite),
      updated_by: () => lite(issue.updated_by === null ? undefined : this.store.member(issue.updated_by), userLite),
      workspace: () => this.workspaceLite(),
    };
  }

  private workspaceLite(): JsonObject {
    return { name: this.store.workspaceName, slug: this.store.workspaceSlug, id: this.store.workspaceId };
  }

  /**
   * BaseSerializer.to_representation: for each expand name present among the fields, a mapped
   * serializer replaces the value in place; an unmapped name becomes `getattr(obj, name + "_id")`,
   * which is null for everything the fake models (and appends the key when it was not output yet).
   */
  private expand(out: JsonObject, present: Set<string>, expand: string[], expanders: Record<string, () => Json>): void {
    for (const name of expand) {
      if (!present.has(name)) continue;
      const expander = expanders[name];
      out[name] = expander ? expander() : null;
    }
  }

  /** ProjectSerializer with the list's annotations. */
  project(project: FakeProject, fields: string[] | undefined, expand: string[]): JsonObject {
    const out: JsonObject = {
      id: project.id,
      total_members: this.store.members().length,
      // Subquery counts over Cycle.objects / Module.objects: archived ones count, deleted ones do not.
      total_cycles: this.store.cycles(project.id).filter((cycle) => cycle.deleted_at === null).length,
      total_modules: this.store.modules(project.id).filter((module) => module.deleted_at === null).length,
      is_member: project.is_member,
      sort_order: project.sort_order,
      member_role: project.is_member ? 20 : null,
      is_deployed: false,
      cover_image_url: null,
      ...this.projectModelFields(project),
    };
    const present = presentKeys(out, fields, []);
    const shaped = fields === undefined ? out : pick(out, present);
    this.expand(shaped, present, expand, {
      workspace: () => this.workspaceLite(),
      created_by: () => lite(project.created_by === null ? undefined : this.store.member(project.created_by), userLite),
      updated_by: () => lite(project.updated_by === null ? undefined : this.store.member(project.updated_by), userLite),
      default_assignee: () => ({}),
      project_lead: () => ({}),
    });
    return shaped;
  }

  /**
   * The list's *_issues annotations, in the serializer's declared order. The declared
   * *_estimates fields are not annotated by the v1 list, so DRF skips them (read-only, missing).
   */
  private issueCounts(issueIds: readonly string[]): JsonObject {
    const counts = this.store.issueCounts(issueIds);
    return {
      total_issues: counts.total,
      cancelled_issues: counts.cancelled,
      completed_issues: counts.completed,
      started_issues: counts.started,
      unstarted_issues: counts.unstarted,
      backlog_issues: counts.backlog,
    };
  }

  /** CycleSerializer (`fields="__all__"`): pk, declared counts, model fields, then foreign keys. Dates are datetimes. */
  cycle(cycle: FakeCycle, fields: string[] | undefined, expand: string[]): JsonObject {
    const out: JsonObject = {
      id: cycle.id,
      ...this.issueCounts(cycle.issues),
      created_at: this.time(cycle.created_at),
      updated_at: this.time(cycle.updated_at),
      deleted_at: this.time(cycle.deleted_at),
      name: cycle.name,
      description: cycle.description,
      start_date: this.time(cycle.start_date),
      end_date: this.time(cycle.end_date),
      view_props: {},
      sort_order: cycle.sort_order,
      external_source: cycle.external_source,
      external_id: cycle.external_id,
      progress_snapshot: {},
      archived_at: this.time(cycle.archived_at),
      logo_props: {},
      timezone: cycle.timezone,
      version: 1,
      created_by: cycle.created_by,
      updated_by: cycle.updated_by,
      project: cycle.project,
      workspace: this.store.workspaceId,
      owned_by: cycle.owned_by,
    };
    const present = presentKeys(out, fields, []);
    const shaped = fields === undefined ? out : pick(out, present);
    this.expand(shaped, present, expand, {
      ...this.projectEntityExpanders(cycle),
      owned_by: () => lite(this.store.member(cycle.owned_by), userLite),
    });
    return shaped;
  }

  /** ModuleSerializer: like a cycle, dates are plain dates; `members` (ids) is always appended last. */
  module(module: FakeModule, fields: string[] | undefined, expand: string[]): JsonObject {
    const out: JsonObject = {
      id: module.id,
      ...this.issueCounts(module.issues),
      created_at: this.time(module.created_at),
      updated_at: this.time(module.updated_at),
      deleted_at: this.time(module.deleted_at),
      name: module.name,
      description: module.description,
      description_text: null,
      description_html: null,
      start_date: module.start_date,
      target_date: module.target_date,
      status: module.status,
      view_props: {},
      sort_order: module.sort_order,
      external_source: module.external_source,
      external_id: module.external_id,
      archived_at: this.time(module.archived_at),
      logo_props: {},
      created_by: module.created_by,
      updated_by: module.updated_by,
      project: module.project,
      workspace: this.store.workspaceId,
      lead: module.lead,
    };
    const present = presentKeys(out, fields, []);
    const shaped = fields === undefined ? out : pick(out, present);
    // `lead` has no mapped serializer: BaseSerializer puts `lead_id` back.
    this.expand(shaped, present, expand, { ...this.projectEntityExpanders(module), lead: () => module.lead });
    // ModuleSerializer.to_representation adds this after everything, whatever fields= said.
    shaped.members = [...module.members];
    return shaped;
  }

  private projectEntityExpanders(entity: {
    project: string;
    created_by: string | null;
    updated_by: string | null;
  }): Record<string, () => Json> {
    return {
      project: () => lite(this.store.project(entity.project), projectLite),
      workspace: () => this.workspaceLite(),
      created_by: () => lite(entity.created_by === null ? undefined : this.store.member(entity.created_by), userLite),
      updated_by: () => lite(entity.updated_by === null ? undefined : this.store.member(entity.updated_by), userLite),
    };
  }

  private projectModelFields(project: FakeProject): JsonObject {
    return {
      created_at: this.time(project.created_at),
      updated_at: this.time(project.updated_at),
      deleted_at: this.time(project.deleted_at),
      name: project.name,
      description: project.description,
      description_text: null,
      description_html: null,
      network: project.network,
      identifier: project.identifier,
      emoji: project.emoji,
      icon_prop: null,
      module_view: true,
      cycle_view: true,
      issue_views_view: true,
      page_view: true,
      intake_view: false,
      is_time_tracking_enabled: false,
      is_issue_type_enabled: false,
      guest_view_all_features: false,
      cover_image: null,
      archive_in: 0,
      close_in: 0,
      logo_props: {},
      archived_at: this.time(project.archived_at),
      timezone: project.timezone,
      external_source: null,
      external_id: null,
      created_by: project.created_by,
      updated_by: project.updated_by,
      workspace: this.store.workspaceId,
      default_assignee: null,
      project_lead: null,
      cover_image_asset: null,
      estimate: null,
      default_state: null,
    };
  }

  /** IssueExpandSerializer as the webhook task runs it (expand labels, assignees; UTC times). */
  webhookIssue(issue: FakeIssue): { [key: string]: PyJson } {
    const state = issue.state === null ? undefined : this.store.state(issue.state);
    return {
      id: issue.id,
      cycle: null,
      module: null,
      labels: issue.labels.flatMap((id) => {
        const label = this.store.label(id);
        return label ? [labelLite(label)] : [];
      }),
      assignees: this.assignees(issue, true),
      state: state ? stateLite(state) : null,
      description: {},
      created_at: this.time(issue.created_at),
      updated_at: this.time(issue.updated_at),
      deleted_at: this.time(issue.deleted_at),
      point: issue.point,
      name: issue.name,
      description_json: {},
      description_html: issue.description_html,
      description_stripped: stripTags(issue.description_html),
      description_binary: issue.description_binary,
      priority: issue.priority,
      start_date: issue.start_date,
      target_date: issue.target_date,
      sequence_id: issue.sequence_id,
      sort_order: new PyFloat(issue.sort_order),
      completed_at: this.time(issue.completed_at),
      archived_at: issue.archived_at,
      is_draft: issue.is_draft,
      external_source: issue.external_source,
      external_id: issue.external_id,
      created_by: issue.created_by,
      updated_by: issue.updated_by,
      project: issue.project,
      workspace: this.store.workspaceId,
      parent: issue.parent,
      estimate_point: null,
      type: null,
    };
  }

  /**
   * ProjectSerializer on a plain `Project.objects.get` (no annotations): the annotated read-only
   * fields are skipped, cover_image_url (a model property) stays.
   */
  webhookProject(project: FakeProject): { [key: string]: PyJson } {
    return { id: project.id, cover_image_url: null, ...this.projectModelFields(project) };
  }
}

/** Expanding a null foreign key gives DRF's `Serializer(None).data`, i.e. `{}`. */
function lite<T>(value: T | undefined, render: (value: T) => JsonObject): JsonObject {
  return value === undefined ? {} : render(value);
}

function presentKeys(out: JsonObject, fields: string[] | undefined, extra: string[]): Set<string> {
  const all = [...Object.keys(out), ...extra];
  return new Set(fields === undefined ? all : all.filter((key) => fields.includes(key)));
}

function pick(out: JsonObject, keys: Set<string>): JsonObject {
  const picked: JsonObject = {};
  for (const [key, value] of Object.entries(out)) if (keys.has(key)) picked[key] = value;
  return picked;
}

/** Django's strip_tags, near enough: tags removed, entities left as they are. */
export function stripTags(html: string): string | null {
  if (html === '') return null;
  return html.replace(/<[^>]*>/g, '');
}
