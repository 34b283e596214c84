/**
 * The Plane v1 API shapes calplanebot reads (see shared/reference/plane-api.md). Only the fields we
 * use are typed; the server sends more.
 */

export type StateGroup = 'backlog' | 'unstarted' | 'started' | 'completed' | 'cancelled' | 'triage';
export type Priority = 'urgent' | 'high' | 'medium' | 'low' | 'none';

/** The cursor envelope every paginated v1 list returns. */
export interface PlanePage<T> {
  next_cursor: string;
  prev_cursor?: string;
  next_page_results: boolean;
  prev_page_results?: boolean;
  count?: number;
  total_count?: number;
  total_pages?: number;
  total_results?: number;
  results: T[];
}

export interface PlaneProject {
  id: string;
  identifier: string;
  name: string;
  /** Set when the project is archived (its issues vanish from the list). */
  archived_at: string | null;
  timezone?: string;
}

export interface PlaneState {
  id: string;
  name: string;
  color: string;
  group: StateGroup;
}

/** A state as the states list gives it (StateSerializer, every field); only what write-back needs is typed. */
export interface PlaneStateDetail extends PlaneState {
  /** The project's default state (new work items start there). */
  default?: boolean;
  /** Order within the project's states. */
  sequence?: number;
}

export interface PlaneLabel {
  id: string;
  name: string;
  color: string;
}

export interface PlaneUser {
  id: string;
  display_name: string;
  first_name?: string;
  last_name?: string;
  email?: string;
}

/** A work item as listed with `expand=state,labels,assignees`. */
export interface PlaneIssue {
  id: string;
  name: string;
  /** There is no plain `description` in CE v1; defaults to "<p></p>". */
  description_html: string | null;
  priority: Priority;
  start_date: string | null;
  /** "YYYY-MM-DD" or null. */
  target_date: string | null;
  sequence_id: number;
  created_at: string;
  /** ISO-8601, possibly with an offset (rendered in the key owner's timezone). */
  updated_at: string;
  completed_at: string | null;
  archived_at: string | null;
  is_draft: boolean;
  /** Project UUID. */
  project: string;
  /** Expanded; `{}` when the state is null. */
  state: PlaneState | Record<string, never>;
  labels: PlaneLabel[];
  assignees: PlaneUser[];
}

/**
 * A cycle as the v1 list returns it (CycleSerializer, plane-api.md §4). start_date/end_date are
 * datetimes (ISO with offset or "Z", rendered in the key owner's timezone), or null for a draft.
 * Plane's API stores the start as 00:00:01 (or "now", when that day is today) and the end as 23:59
 * of the chosen days in the *project's* timezone (utils/timezone_converter.py convert_to_utc).
 */
export interface PlaneCycle {
  id: string;
  name: string;
  description?: string | null;
  start_date: string | null;
  end_date: string | null;
  /** The v1 list sends `project`; PlaneClient fills this in with the project it listed. */
  project_id?: string;
  archived_at?: string | null;
  /** IANA name, default "UTC". */
  timezone?: string | null;
  created_at?: string;
  updated_at?: string;
}

/** A module (ModuleSerializer); start_date/target_date are dates "YYYY-MM-DD" or null. */
export interface PlaneModule {
  id: string;
  name: string;
  description?: string | null;
  start_date: string | null;
  target_date: string | null;
  /** As for PlaneCycle: the list sends `project`; PlaneClient fills this in. */
  project_id?: string;
  /** backlog | planned | in-progress | paused | completed | cancelled. */
  status?: string;
  archived_at?: string | null;
  created_at?: string;
  updated_at?: string;
}

/** One page of a project's work items. */
export interface IssuePage {
  issues: PlaneIssue[];
  /**
   * A digest of the page as Plane sent it: the same digest, the same issues. Lets a run that
   * finds every page as it was last time skip the work the page would cause (calendar-cache.ts).
   * Computed on demand: most readers of a listing never need it.
   */
  digest(): string;
}

/** The read side of Plane that the sync needs. PlaneClient implements it; tests may fake it. */
export interface PlaneSource {
  /** All projects visible to the key (every page), archived ones included. */
  listProjects(): Promise<PlaneProject[]>;
  /**
   * The project's visible work items, one page (up to 1000) at a time, expanded.
   * Throws on any failed page: a caller that has not seen the generator finish must treat the
   * listing as incomplete.
   */
  listIssues(projectId: string): AsyncIterable<IssuePage>;
  /** One work item, expanded; null when Plane answers 404 (deleted, archived, draft, triage). */
  getIssue(projectId: string, issueId: string): Promise<PlaneIssue | null>;
  /** The API key's owner (`GET /api/v1/users/me/`): who a filter's "me" is. */
  currentUser(): Promise<PlaneUser>;
  /**
   * The project's non-archived cycles (every page): completed, current, upcoming and draft ones
   * (no dates) alike. Throws on any failed page, like listIssues, so a partial list is never
   * mistaken for the whole.
   */
  listCycles(projectId: string): Promise<PlaneCycle[]>;
  /** The project's non-archived modules (every page). Throws on any failed page, like listCycles. */
  listModules(projectId: string): Promise<PlaneModule[]>;
}

/** What write-back may change on a work item: its dates and its state (a state id). Nothing else, ever. */
export interface WorkItemUpdate {
  target_date?: string | null;
  start_date?: string | null;
  state?: string;
}

/** A work item as PATCH answers it: unexpanded (`state` is an id); the fields write-back reads. */
export interface UpdatedWorkItem {
  id: string;
  target_date: string | null;
  start_date: string | null;
  state: string | null;
  completed_at: string | null;
  updated_at: string;
}

/**
 * The write side of Plane, used only by write-back (a calendar entry with `writeBack`). Without
 * one, calplanebot sends Plane nothing but GETs.
 */
export interface PlaneEditor {
  /** The project's states (every page; triage states are hidden by Plane). */
  listStates(projectId: string): Promise<PlaneStateDetail[]>;
  /** PATCH the work item; throws the mapped error on a refusal (400 with Plane's reason, 403, 404). */
  updateWorkItem(projectId: string, issueId: string, update: WorkItemUpdate): Promise<UpdatedWorkItem>;
}
