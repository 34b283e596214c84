/**
 * The Plane v1 REST client (plane-api.md). Reads projects, work items, one work item, one
 * project, cycles, modules and states; writes only for write-back (PATCH of a work item's dates
 * and state). Transport, timeouts, retries and Retry-After waits belong to the
 * shared HttpClient; this file adds Plane's auth header, its cursor pagination, the /work-items/ →
 * /issues/ fallback for instances older than v1.1.0, and the mapping of answers to typed errors
 * (http-errors.ts).
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../errors.js';
import { describeUrl, type HttpClient, type RequestStats } from '../http/fetcher.js';
import { excerpt, isMissingObject, isPageNotFound, type PlaneAnswer, planeStatusError } from './http-errors.js';
import type {
  IssuePage,
  PlaneCycle,
  PlaneEditor,
  PlaneIssue,
  PlaneModule,
  PlaneProject,
  PlaneSource,
  PlaneStateDetail,
  PlaneUser,
  UpdatedWorkItem,
  WorkItemUpdate,
} from './types.js';
import {
  cycleProblems,
  envelopeProblem,
  hasUsableId,
  issueProblems,
  moduleProblems,
  projectProblems,
  readEnvelope,
} from './validate.js';

export interface PlaneClientOptions {
  /** API origin, e.g. https://api.plane.so; a trailing slash or /api/v1 is tolerated. */
  baseUrl: string;
  workspaceSlug: string;
  apiKey: string;
  http: HttpClient;
  /** Items per page, 1..1000 (Plane's maximum and default). */
  pageSize?: number;
  /** Told about odd but survivable answers (malformed items, duplicates across pages). Never given the key. */
  onWarning?: (message: string) => void;
}

/** The two spellings of the work-item routes; `issues` is the pre-1.1.0 one, still served today. */
export type IssuesRoute = 'work-items' | 'issues';

export const ISSUE_EXPAND = 'state,labels,assignees';
const MAX_PAGE_SIZE = 1000;

type Query = Record<string, string>;

/** A request that writes: its method and JSON body. */
interface Write {
  method: 'PATCH';
  body: string;
}

/** A project's plain (unexpanded) lists other than work items. */
type ProjectCollection = 'cycles' | 'modules';

export class PlaneClient implements PlaneSource, PlaneEditor {
  /** Request accounting of the underlying HttpClient, for the run report. */
  readonly stats: RequestStats;
  private readonly apiRoot: string;
  private readonly workspaceRoot: string;
  private readonly pageSize: number;
  private route: IssuesRoute | undefined;
  private probe: Promise<void> | undefined;
  private remaining: number | undefined;

  constructor(private readonly options: PlaneClientOptions) {
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    this.pageSize = pageSize;
    this.stats = options.http.stats;
    this.apiRoot = `${apiOrigin(options.baseUrl)}/api/v1`;
    this.workspaceRoot = `${this.apiRoot}/workspaces/${encodeURIComponent(options.workspaceSlug)}`;
  }

  /** `X-RateLimit-Remaining` from the last answer that carried it (Plane omits it on 429s). */
  get rateLimitRemaining(): number | undefined {
    return this.remaining;
  }

  /** Which work-item route this instance answered on, once known. */
  get issuesRoute(): IssuesRoute | undefined {
    return this.route;
  }

  /** The key owner, a cheap way to check the key and the base URL. */
  async currentUser(): Promise<PlaneUser> {
    const answer = await this.send(`${this.apiRoot}/users/me/`);
    return this.objectFrom(answer) as unknown as PlaneUser;
  }

  async listProjects(): Promise<PlaneProject[]> {
    const projects: PlaneProject[] = [];
    for await (const { results } of this.pages((query) => this.send(`${this.workspaceRoot}/projects/`, query), {})) {
      for (const item of results) {
        this.warnIf(projectProblems(item), `project ${describeItem(item)}`);
        projects.push(item as unknown as PlaneProject);
      }
    }
    return projects;
  }

  /** One project, archived ones included; null when Plane says it does not exist. */
  async getProject(projectId: string): Promise<PlaneProject | null> {
    const answer = await this.send(`${this.workspaceRoot}/projects/${encodeURIComponent(projectId)}/`);
    if (isMissingObject(answer)) return null;
    return this.objectFrom(answer) as unknown as PlaneProject;
  }

  /**
   * The project's visible work items, a page at a time, expanded. Throws on any failed page, so a
   * caller that did not see the generator finish knows the listing is incomplete. An item listed
   * twice (offset pages shift when items are created meanwhile) is yielded once.
   */
  async *listIssues(projectId: string): AsyncGenerator<IssuePage, void, undefined> {
    const seen = new Set<string>();
    const fetchPage = (query: Query) => this.issuesRequest(projectId, '', query);
    for await (const { results, answer } of this.pages(fetchPage, { expand: ISSUE_EXPAND })) {
      yield {
        issues: this.acceptIssues(results, projectId, seen),
        digest: () => createHash('sha256').update(answer.text).digest('hex'),
      };
    }
  }

  /** One work item, expanded; null on 404 (deleted, archived, draft, triage or moved). */
  async getIssue(projectId: string, issueId: string): Promise<PlaneIssue | null> {
    const answer = await this.issuesRequest(projectId, `${encodeURIComponent(issueId)}/`, { expand: ISSUE_EXPAND });
    if (isMissingObject(answer)) return null;
    return this.objectFrom(answer) as unknown as PlaneIssue;
  }

  /**
   * One work item and its project in a single GET (`expand=…,project`): a webhook needs the
   * project's name and identifier too, and a second request would double its Plane cost. An
   * instance that does not expand `project` costs one getProject more. Null on 404.
   */
  async getIssueWithProject(
    projectId: string,
    issueId: string,
  ): Promise<{ issue: PlaneIssue; project: PlaneProject } | null> {
    const answer = await this.issuesRequest(projectId, `${encodeURIComponent(issueId)}/`, {
      expand: `${ISSUE_EXPAND},project`,
    });
    if (isMissingObject(answer)) return null;
    const item = this.objectFrom(answer);
    const expanded = item.project;
    if (isRecord(expanded)) {
      const lite = expanded;
      const problems = projectProblems(lite);
      if (problems.length > 0) throw this.malformed(answer, `the expanded project has ${problems.join(', ')}`);
      // A visible work item's project is not archived (Plane hides the items of archived projects).
      const project: PlaneProject = {
        id: String(lite.id),
        identifier: String(lite.identifier),
        name: String(lite.name),
        archived_at: null,
      };
      return { issue: { ...item, project: project.id } as unknown as PlaneIssue, project };
    }
    const project = await this.getProject(projectId);
    if (!project) return null;
    return { issue: item as unknown as PlaneIssue, project };
  }

  /**
   * The project's non-archived cycles, every page, in Plane's order (newest first). No
   * `cycle_view`: Plane's default is `all` (CycleListCreateAPIEndpoint.get), i.e. completed,
   * current, upcoming and draft cycles; archived ones are never in this list (`current` would even
   * answer a bare array). Each cycle gets `project_id`, which the list itself does not send.
   * A 404 throws (NotFoundError) like listIssues: the project vanished, and an empty list would
   * read as "every cycle was deleted".
   */
  async listCycles(projectId: string): Promise<PlaneCycle[]> {
    const items = await this.listCollection(projectId, 'cycles', 'cycle', cycleProblems);
    return items as unknown as PlaneCycle[];
  }

  /** The project's non-archived modules, every page (Plane's list has no filters), with `project_id`. Fails like listCycles. */
  async listModules(projectId: string): Promise<PlaneModule[]> {
    const items = await this.listCollection(projectId, 'modules', 'module', moduleProblems);
    return items as unknown as PlaneModule[];
  }

  /** The project's states, every page. */
  async listStates(projectId: string): Promise<PlaneStateDetail[]> {
    const url = `${this.workspaceRoot}/projects/${encodeURIComponent(projectId)}/states/`;
    const states: PlaneStateDetail[] = [];
    for await (const { results } of this.pages((query) => this.send(url, query), {})) {
      for (const item of results) if (hasUsableId(item)) states.push(item as unknown as PlaneStateDetail);
    }
    return states;
  }

  /**
   * PATCH a work item with new dates and/or state (write-back). Sent once more only where any
   * request is (the shared HttpClient: a lost connection, a 5xx, a 429): the body sets values, so
   * sending it twice changes nothing more. A refusal throws its mapped error, with Plane's reason.
   */
  async updateWorkItem(projectId: string, issueId: string, update: WorkItemUpdate): Promise<UpdatedWorkItem> {
    const answer = await this.issuesRequest(
      projectId,
      `${encodeURIComponent(issueId)}/`,
      {},
      { method: 'PATCH', body: JSON.stringify(update) },
    );
    return this.objectFrom(answer) as unknown as UpdatedWorkItem;
  }

  /**
   * Every item of a plain project list, each with `project_id`. Odd fields are reported and kept;
   * an item without a usable id is reported and dropped (nothing could refer to it), and one
   * listed twice (offset pages shift) is kept once.
   */
  private async listCollection(
    projectId: string,
    collection: ProjectCollection,
    noun: string,
    problemsOf: (item: Record<string, unknown>) => string[],
  ): Promise<Record<string, unknown>[]> {
    const url = `${this.workspaceRoot}/projects/${encodeURIComponent(projectId)}/${collection}/`;
    const seen = new Set<string>();
    const accepted: Record<string, unknown>[] = [];
    for await (const { results } of this.pages((query) => this.send(url, query), {})) {
      for (const item of results) {
        const problems = problemsOf(item);
        const subject = `${noun} ${describeItem(item)} of project ${projectId}`;
        if (!hasUsableId(item)) {
          this.options.onWarning?.(`Plane sent ${subject} with ${problems.join(', ')}; skipped it`);
          continue;
        }
        this.warnIf(problems, subject);
        const id = item.id as string;
        if (seen.has(id)) {
          this.options.onWarning?.(`Plane listed ${noun} ${id} twice (items moved while paging); kept the first`);
          continue;
        }
        seen.add(id);
        accepted.push({ ...item, project_id: typeof item.project_id === 'string' ? item.project_id : projectId });
      }
    }
    return accepted;
  }

  private acceptIssues(page: Record<string, unknown>[], projectId: string, seen: Set<string>): PlaneIssue[] {
    const accepted: PlaneIssue[] = [];
    for (const item of page) {
      this.warnIf(issueProblems(item), `work item ${describeItem(item)} of project ${projectId}`);
      if (typeof item.id === 'string') {
        if (seen.has(item.id)) {
          this.options.onWarning?.(
            `Plane listed work item ${item.id} twice (items moved while paging); kept the first`,
          );
          continue;
        }
        seen.add(item.id);
      }
      accepted.push(slimIssue(item));
    }
    return accepted;
  }

  /**
   * Every page of a cursor list. The same per_page goes with every cursor: Plane computes the
   * offset as page × per_page *of the request*, so leaving it out skips items (plane-api.md §3).
   */
  private async *pages(
    fetchPage: (query: Query) => Promise<PlaneAnswer>,
    base: Query,
  ): AsyncGenerator<{ results: Record<string, unknown>[]; answer: PlaneAnswer }> {
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const query: Query = { ...base, per_page: String(this.pageSize) };
      if (cursor !== undefined) query.cursor = cursor;
      const answer = await fetchPage(query);
      const { results, nextCursor } = this.envelopeFrom(answer);
      yield { results, answer };
      if (nextCursor === undefined) return;
      if (seenCursors.has(nextCursor) || results.length === 0) {
        throw this.malformed(
          answer,
          `the pagination does not advance (next_cursor ${JSON.stringify(nextCursor)} after ${results.length} items)`,
        );
      }
      seenCursors.add(nextCursor);
      cursor = nextCursor;
    }
  }

  /**
   * A request on the work-item routes. The first one tries /work-items/ and, when the instance
   * does not know that route, /issues/; the answer is remembered, and concurrent first callers
   * wait for it, so a run pays for the probe once.
   */
  private async issuesRequest(projectId: string, rest: string, query: Query, write?: Write): Promise<PlaneAnswer> {
    const url = (route: IssuesRoute) =>
      `${this.workspaceRoot}/projects/${encodeURIComponent(projectId)}/${route}/${rest}`;
    while (this.route === undefined && this.probe !== undefined) await this.probe;
    if (this.route !== undefined) return this.send(url(this.route), query, write);

    let settle = (): void => undefined;
    this.probe = new Promise<void>((resolve) => (settle = resolve));
    try {
      const current = await this.send(url('work-items'), query, write);
      if (!isPageNotFound(current)) {
        if (current.status < 500) this.route = 'work-items';
        return current;
      }
      const legacy = await this.send(url('issues'), query, write);
      // Both 404 "Page not found." means a bad project id, not an old instance: decide nothing.
      if (!isPageNotFound(legacy) && legacy.status < 500) this.route = 'issues';
      return legacy;
    } finally {
      this.probe = undefined;
      settle();
    }
  }

  /** One request (a GET unless `write` says otherwise) with the key; the body comes read, so errors can quote it. Never throws on a status. */
  private async send(url: string, query: Query = {}, write?: Write): Promise<PlaneAnswer> {
    const full = withQuery(url, query);
    const method = write?.method ?? 'GET';
    const headers: Record<string, string> = { 'X-Api-Key': this.options.apiKey, Accept: 'application/json' };
    if (write) headers['Content-Type'] = 'application/json';
    const response = await this.options.http.fetch(full, { method, headers, ...(write ? { body: write.body } : {}) });
    this.noteRateLimit(response.headers.get('x-ratelimit-remaining'));
    return {
      method,
      url: full,
      status: response.status,
      text: await response.text(),
      contentType: response.headers.get('content-type'),
    };
  }

  private noteRateLimit(header: string | null): void {
    if (header === null || !/^\d+$/.test(header.trim())) return;
    this.remaining = Number(header.trim());
  }

  /** The parsed JSON body of a 2xx answer; the mapped error otherwise. */
  private jsonFrom(answer: PlaneAnswer): unknown {
    if (answer.status < 200 || answer.status > 299) throw planeStatusError(answer, this.options.apiKey);
    try {
      return JSON.parse(answer.text);
    } catch (error) {
      throw this.malformed(answer, notJsonReason(answer, error, this.options.apiKey));
    }
  }

  private objectFrom(answer: PlaneAnswer): Record<string, unknown> {
    const body = this.jsonFrom(answer);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw this.malformed(answer, 'the body is not a JSON object');
    return body as Record<string, unknown>;
  }

  private envelopeFrom(answer: PlaneAnswer): ReturnType<typeof readEnvelope> {
    const body = this.jsonFrom(answer);
    const problem = envelopeProblem(body);
    if (problem !== undefined) throw this.malformed(answer, problem);
    return readEnvelope(body);
  }

  private malformed(answer: PlaneAnswer, what: string): HttpError {
    const where = describeUrl(answer.url);
    return new HttpError(
      'plane',
      `Plane's answer to ${answer.method} ${where} is unusable: ${what}`,
      answer.status,
      answer.method,
      where,
      {
        hint: 'check that plane.baseUrl is the Plane API origin; a proxy, captive portal or login page may be answering instead',
      },
    );
  }

  private warnIf(problems: string[], subject: string): void {
    if (problems.length > 0) this.options.onWarning?.(`Plane sent ${subject} with ${problems.join(', ')}`);
  }
}

/** The origin (plus any path prefix) under which /api/v1 lives. */
export function apiOrigin(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/api(\/v1)?$/, '');
}

/** Plane's query strings, with commas left readable (`expand=state,labels,assignees`). */
function withQuery(url: string, query: Query): string {
  const parts = Object.entries(query).map(
    ([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value).replace(/%2C/g, ',')}`,
  );
  return parts.length === 0 ? url : `${url}?${parts.join('&')}`;
}

/** Says why a 2xx body did not parse, quoting as little of it as helps (redacted: proxies echo headers). */
function notJsonReason(answer: PlaneAnswer, error: unknown, apiKey: string): string {
  const start = answer.text.trimStart();
  const type = answer.contentType ?? 'no content type';
  if (start === '') return `the body is empty (${type})`;
  if (start.startsWith('<')) return `the body is HTML, not JSON (${type}, starts with "${excerpt(start, apiKey, 40)}")`;
  const detail = error instanceof Error ? error.message : String(error);
  return `the body is not valid JSON, possibly truncated (${answer.text.length} characters, ${type}): ${excerpt(detail, apiKey, 120)}`;
}

function describeItem(item: Record<string, unknown>): string {
  return typeof item.id === 'string' ? item.id : '(without id)';
}

/** The fields of a listed work item that calplanebot reads, of its state, labels and assignees. */
const ISSUE_FIELDS = [
  'id',
  'name',
  'description_html',
  'priority',
  'start_date',
  'target_date',
  'sequence_id',
  'created_at',
  'updated_at',
  'completed_at',
  'archived_at',
  'is_draft',
  'project',
] as const;
const STATE_FIELDS = ['id', 'name', 'color', 'group'] as const;
const LABEL_FIELDS = ['id', 'name', 'color'] as const;
const USER_FIELDS = ['id', 'display_name', 'first_name', 'last_name', 'email'] as const;

/**
 * A listed work item with only what calplanebot reads: Plane sends 29 fields and nested objects
 * (creator, workspace, sort order, estimate, …), and a project's items stay in memory while its
 * calendars are planned (npm run bench: a project of 20,000 items). Values are kept as sent, odd
 * ones included: checking them is the transform's job, per item.
 */
function slimIssue(item: Record<string, unknown>): PlaneIssue {
  const slim = pick(item, ISSUE_FIELDS);
  slim.state = isRecord(item.state) ? pick(item.state, STATE_FIELDS) : item.state;
  slim.labels = Array.isArray(item.labels)
    ? item.labels.map((label: unknown) => (isRecord(label) ? pick(label, LABEL_FIELDS) : label))
    : item.labels;
  slim.assignees = Array.isArray(item.assignees)
    ? item.assignees.map((user: unknown) => (isRecord(user) ? pick(user, USER_FIELDS) : user))
    : item.assignees;
  return slim as unknown as PlaneIssue;
}

function pick(from: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (key in from) picked[key] = from[key];
  return picked;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
