/**
 * A fake Plane that follows the real v1 REST API (shared/reference/plane-api.md): X-Api-Key auth,
 * the cursor envelope, the per_page-from-the-request offset rule, expand/fields, hidden items,
 * cycles (with `cycle_view`) and modules,
 * 60/min sliding-window rate limiting, /work-items/ and the legacy /issues/ routes, and webhook
 * bodies signed like Plane signs them. `node:http` only; side-effect free (see fake-plane-cli.ts).
 *
 * Reads are GETs. The one write is `PATCH …/(work-items|issues)/{id}/` (IssueDetailAPIEndpoint.patch):
 * a JSON object with name, priority, state, start_date and/or target_date (other keys are ignored),
 * validated all or nothing like IssueSerializer, answered with the unexpanded work item. It needs
 * project role ≥ 15 (`role: 5` / setProjectRole makes the key owner a read-only guest), finds
 * archived and draft items (Issue.objects), is throttled like any request, and is logged in
 * `writes`, whatever its status. Other methods answer 405.
 *
 *   const plane = await startFakePlane({ seed: 1, rateLimitPerMinute: null });
 *   const web = plane.addProject({ name: 'Website', identifier: 'WEB' });
 *   const item = plane.addIssue(web.id, { name: 'Ship it', target_date: '2025-03-01', labels: ['release'] });
 *   plane.addCycle(web.id, { name: 'Sprint 1', start_date: '2025-03-03', end_date: '2025-03-16' });
 *   plane.addModule(web.id, { name: 'Checkout', target_date: '2025-04-01', status: 'in-progress' });
 *   plane.failNext({ pathIncludes: '/work-items/', query: { cursor: '1000:1:0' } }, { status: 500 });
 *   plane.failNext({ method: 'PATCH', pathIncludes: item.id }, { status: 502 }); // not applied
 *   … run the CLI against plane.url with plane.apiKey …
 *   expect(plane.requests.filter((r) => r.path.includes('/work-items/'))).toHaveLength(2);
 *   expect(plane.writes.map((w) => [w.issueId, w.body, w.status])).toEqual([[item.id, { target_date: '2025-03-08' }, 502], …]);
 *   await plane.close();
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type PyJson, pyJsonDumps } from './fake-plane-pyjson.js';
import { type Json, Serializer, userLite } from './fake-plane-serialize.js';
import {
  type FakeCycle,
  type FakeIssue,
  type FakeModule,
  FakePlaneStore,
  type FakeProject,
  type IssuePatch,
  parseItemDate,
  type StoreOptions,
  startExceedsTarget,
} from './fake-plane-store.js';

export type {
  CycleInput,
  CyclePatch,
  FakeCycle,
  FakeIssue,
  FakeLabel,
  FakeModule,
  FakeProject,
  FakeState,
  FakeUser,
  IssueInput,
  IssuePatch,
  MemberInput,
  ModuleInput,
  ModulePatch,
  ModuleStatus,
  ProjectInput,
} from './fake-plane-store.js';

export interface FakePlaneOptions extends StoreOptions {
  apiKey?: string;
  host?: '127.0.0.1';
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Requests per window per key; 60 like Plane; null disables throttling. */
  rateLimitPerMinute?: number | null;
  /** The throttle's window; shorten it in tests (e.g. 1000). */
  rateLimitWindowMs?: number;
  /** The throttle's clock, epoch ms; the real clock by default (independent of the data clock). */
  rateLimitNow?: () => number;
  /** A pre-1.1.0 instance: /work-items/ routes answer 404 "Page not found.". */
  legacyOnly?: boolean;
  /** The key owner's profile timezone as an offset; API datetimes are rendered in it (webhooks stay UTC). */
  userTimezoneOffsetMinutes?: number;
  /** The id of the webhook the fake's deliveries claim to come from. */
  webhookId?: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  apiKeyOk: boolean;
  /** The status the fake answered (0 when the connection was cut before a status). */
  status: number;
}

/** A PATCH the fake received (any path, any outcome). */
export interface FakeWrite {
  path: string;
  /** The work item id in the path; '' when the path names none. */
  issueId: string;
  /** The project id in the path; '' when the path names none. */
  projectId: string;
  /** The JSON object sent; {} when the body was empty, not JSON or not an object (see raw). */
  body: Record<string, unknown>;
  /** The body as received (UTF-8). */
  raw: string;
  /** The status the fake answered (a fault's included; 0 until answered or when cut before a status). */
  status: number;
}

export interface FaultMatch {
  method?: string;
  pathIncludes?: string;
  /** Each given parameter must be present with this value. */
  query?: Record<string, string>;
}

export interface FaultResponse {
  /** With neither status nor body, the real answer is sent (after delayMs / cut at truncateAt). */
  status?: number;
  /** A string is sent verbatim (text/html when it starts with "<"); anything else as JSON. Absent: Plane's body for the status. */
  body?: string | Json;
  headers?: Record<string, string>;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Cuts the connection after this many body bytes (of the real answer when no status/body is given). */
  truncateAt?: number;
  /** Waits this long before answering (to trip client timeouts). */
  delayMs?: number;
}

export type WebhookEvent = 'issue' | 'project';
/** Plane sends the past tense; the dead mapping and old docs use the present, so both are offered. */
export type WebhookAction = 'created' | 'updated' | 'deleted' | 'create' | 'update' | 'delete';

export interface WebhookActivity {
  field?: string | null;
  old_value?: PyJson;
  new_value?: PyJson;
  /** Default: the key owner. */
  actorId?: string;
  old_identifier?: string | null;
  new_identifier?: string | null;
}

export interface WebhookDelivery {
  body: string;
  headers: Record<string, string>;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A PATCH body, parsed when the view asks for it (DRF's lazy request.data). */
interface RequestBody {
  raw: string;
  /** False when the bytes are not UTF-8. */
  utf8: boolean;
  contentType: string | undefined;
}

type Parsed = { ok: true; data: Record<string, unknown> } | { ok: false; reply: Reply };

type Checked = { ok: true; patch: IssuePatch } | { ok: false; errors: Record<string, Json> };

interface Fault {
  match: FaultMatch;
  response: FaultResponse;
  remaining: number;
}

/** What Plane (or the proxy in front of it) says for a status when a fault gives no body. */
const PLANE_ERROR_BODIES: Record<number, Json> = {
  400: { error: 'Please provide valid detail' },
  401: { detail: 'Authentication credentials were not provided.' },
  403: { detail: 'Given API token is not valid' },
  404: { error: 'The requested resource does not exist.' },
  429: { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
  500: { error: 'Something went wrong please try again later' },
  502: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
  503: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>',
  504: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>',
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ISSUES = '(work-items|issues)';
const MAX_PER_PAGE = 1000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PRIORITIES = new Set(['urgent', 'high', 'medium', 'low', 'none']);
const UUID_TEXT = new RegExp(`^${UUID}$`, 'i');
const PATH_PROJECT = new RegExp(`/projects/(${UUID})/`);
const PATH_ISSUE = new RegExp(`/projects/${UUID}/${ISSUES}/(${UUID})/$`);

type RouteName =
  | 'me'
  | 'projects'
  | 'project'
  | 'issues'
  | 'issue'
  | 'states'
  | 'labels'
  | 'cycles'
  | 'modules'
  | 'projectMembers'
  | 'members'
  | 'issueByKey';

const ROUTES: readonly [RouteName, RegExp][] = [
  ['me', /^\/api\/v1\/users\/me\/$/],
  ['projects', /^\/api\/v1\/workspaces\/([^/]+)\/projects\/$/],
  ['project', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/$`)],
  ['issues', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/${ISSUES}/$`)],
  ['issue', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/${ISSUES}/(${UUID})/$`)],
  ['states', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/states/$`)],
  ['labels', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/labels/$`)],
  ['cycles', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/cycles/$`)],
  ['modules', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/modules/$`)],
  ['projectMembers', new RegExp(`^/api/v1/workspaces/([^/]+)/projects/(${UUID})/(?:project-)?members/$`)],
  ['members', /^\/api\/v1\/workspaces\/([^/]+)\/members\/$/],
  ['issueByKey', /^\/api\/v1\/workspaces\/([^/]+)\/(work-items|issues)\/([^/]+)-([^/-]+)\/$/],
];

interface RouteMatch {
  name: RouteName;
  slug: string | undefined;
  projectId: string | undefined;
  /** For 'issue': the work item id; for 'issueByKey': "IDENT-seq". */
  itemRef: string | undefined;
}

export class FakePlane extends FakePlaneStore {
  readonly apiKey: string;
  readonly webhookId: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[] = [];
  /** Every PATCH received, in order of arrival, with the status answered (also in `requests`). */
  readonly writes: FakeWrite[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults: Fault[] = [];
  private readonly history = new Map<string, number[]>();
  private readonly serializer: Serializer;
  private rateLimit: number | null;
  private readonly sortedCache = new Map<string, { version: number; items: FakeIssue[] }>();
  private origin = '';

  constructor(private readonly options: FakePlaneOptions = {}) {
    super(options);
    this.apiKey = options.apiKey ?? `plane_api_${this.random.uuid().replace(/-/g, '')}`;
    this.webhookId = options.webhookId ?? this.random.uuid();
    this.rateLimit = options.rateLimitPerMinute === undefined ? 60 : options.rateLimitPerMinute;
    this.serializer = new Serializer(this, options.userTimezoneOffsetMinutes ?? 0);
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** The origin, e.g. http://127.0.0.1:41234 (use as plane.baseUrl). */
  get url(): string {
    return this.origin;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.origin = `http://${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  resetWrites(): void {
    this.writes.length = 0;
  }

  /** Changes the throttle for later requests (null disables it) and forgets past requests. */
  setRateLimit(perWindow: number | null): void {
    this.rateLimit = perWindow;
    this.history.clear();
  }

  /** Answers the next matching request(s) with `response` instead of (or cut from) the real answer. */
  failNext(match: FaultMatch, response: FaultResponse): void {
    this.faults.push({ match, response, remaining: response.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The API's representation of a stored work item (what a detail GET would return, hidden or not). */
  issueJson(id: string, expand: string[] = []): Json {
    const issue = this.requireIssue(id);
    return this.serializer.issue(issue, undefined, expand);
  }

  // ── webhooks ─────────────────────────────────────────────────────────────

  /** The exact bytes Plane's webhook task would POST (json.dumps defaults). */
  webhookBody(event: WebhookEvent, action: WebhookAction, objectId: string, activity: WebhookActivity = {}): string {
    const payload: { [key: string]: PyJson } = {
      event,
      action,
      webhook_id: this.webhookId,
      workspace_id: this.workspaceId,
      data: action === 'deleted' || action === 'delete' ? { id: objectId } : this.webhookData(event, objectId),
      activity: this.webhookActivity(activity),
    };
    return pyJsonDumps(payload);
  }

  /** Body plus the headers Plane sends with it; signed when a secret is given. */
  webhookDelivery(
    event: WebhookEvent,
    action: WebhookAction,
    objectId: string,
    options: { secret?: string; activity?: WebhookActivity; deliveryId?: string } = {},
  ): WebhookDelivery {
    const body = this.webhookBody(event, action, objectId, options.activity);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Autopilot',
      'X-Plane-Delivery': options.deliveryId ?? randomUUID(),
      'X-Plane-Event': event,
    };
    if (options.secret !== undefined) headers['X-Plane-Signature'] = signWebhook(body, options.secret);
    return { body, headers };
  }

  private webhookData(event: WebhookEvent, objectId: string): PyJson {
    if (event === 'project') {
      const project = this.project(objectId);
      if (!project || project.deleted_at !== null) throw new Error(`no project ${objectId}: Plane would send nothing`);
      return this.serializer.webhookProject(project);
    }
    const issue = this.issuesById.get(objectId);
    // Issue.objects skips soft-deleted rows; Plane then drops the delivery (ObjectDoesNotExist).
    if (!issue || issue.deleted_at !== null) throw new Error(`no work item ${objectId}: Plane would send nothing`);
    return this.serializer.webhookIssue(issue);
  }

  private webhookActivity(activity: WebhookActivity): PyJson {
    const actor = this.member(activity.actorId ?? this.me.id);
    if (!actor) throw new Error(`no member ${activity.actorId}`);
    return {
      field: activity.field ?? null,
      new_value: activity.new_value ?? null,
      old_value: activity.old_value ?? null,
      actor: userLite(actor),
      old_identifier: activity.old_identifier ?? null,
      new_identifier: activity.new_identifier ?? null,
    };
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    const key = headerValue(req.headers['x-api-key']);
    const entry: FakeRequest = { method, path: url.pathname, query, apiKeyOk: key === this.apiKey, status: 0 };
    this.requests.push(entry);

    const respond = (body: RequestBody | undefined, logged: FakeWrite | undefined): void => {
      const fault = this.takeFault(method, url.pathname, query);
      const real = (): Reply => {
        try {
          return this.answer(method, url.pathname, query, key, body);
        } catch {
          // BaseAPIView.handle_exception's last resort (a store error is a bug in the fake or the test).
          return json(500, { error: 'Something went wrong please try again later' });
        }
      };
      const send = (): void => {
        // A fault with a status or body never reaches the view, so a faulted PATCH changes nothing.
        const reply = fault ? this.faultReply(fault, real) : real();
        entry.status = reply.status;
        if (logged) logged.status = reply.status;
        write(res, reply, fault?.truncateAt);
      };
      if (fault?.delayMs) setTimeout(send, fault.delayMs);
      else send();
    };

    if (method !== 'PATCH') {
      req.resume(); // nothing else reads a body: drain it
      respond(undefined, undefined);
      return;
    }
    const logged: FakeWrite = {
      path: url.pathname,
      issueId: PATH_ISSUE.exec(url.pathname)?.[2] ?? '',
      projectId: PATH_PROJECT.exec(url.pathname)?.[1] ?? '',
      body: {},
      raw: '',
      status: 0,
    };
    this.writes.push(logged);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined); // the client went away; nothing to answer
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = readBody(bytes, headerValue(req.headers['content-type']));
      logged.raw = body.raw;
      const parsed = parseBody(body);
      if (parsed.ok) logged.body = parsed.data;
      respond(body, logged);
    });
  }

  private takeFault(method: string, path: string, query: Record<string, string>): FaultResponse | undefined {
    const fault = this.faults.find(
      (candidate) => candidate.remaining > 0 && faultMatches(candidate.match, method, path, query),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault.response;
  }

  /** The fault's answer; with no status and no body (a delay or a cut), the real answer. */
  private faultReply(fault: FaultResponse, real: () => Reply): Reply {
    if (fault.status === undefined && fault.body === undefined) {
      const reply = real();
      return { ...reply, headers: { ...reply.headers, ...fault.headers } };
    }
    const status = fault.status ?? 200;
    const body = fault.body ?? PLANE_ERROR_BODIES[status] ?? null;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const contentType =
      typeof body === 'string' && text.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'application/json';
    return { status, body: text, headers: { 'Content-Type': contentType, ...fault.headers } };
  }

  /** Django's URL resolver, then DRF's authenticate → permission → throttle → view. */
  private answer(
    method: string,
    path: string,
    query: Record<string, string>,
    key: string | undefined,
    body: RequestBody | undefined,
  ): Reply {
    const route = this.resolve(path);
    if (!route) return json(404, { error: 'Page not found.' });
    if (key === undefined || key === '') return json(401, { detail: 'Authentication credentials were not provided.' });
    if (key !== this.apiKey) return json(403, { detail: 'Given API token is not valid' });
    if (!this.permitted(route, method))
      return json(403, { detail: 'You do not have permission to perform this action.' });
    const throttle = this.throttle(key);
    if ('retryAfter' in throttle) {
      return json(
        429,
        { error_code: 5900, error_message: 'RATE_LIMIT_EXCEEDED' },
        { 'Retry-After': String(throttle.retryAfter) },
      );
    }
    let reply: Reply;
    if (method === 'GET') reply = this.view(route, query);
    else if (method === 'PATCH' && route.name === 'issue' && body !== undefined) reply = this.patchIssue(route, body);
    else reply = json(405, { detail: `Method "${method}" not allowed.` });
    Object.assign(reply.headers, throttle.headers);
    return reply;
  }

  private resolve(path: string): RouteMatch | undefined {
    for (const [name, pattern] of ROUTES) {
      const m = pattern.exec(path);
      if (!m) continue;
      if (this.options.legacyOnly && m.includes('work-items')) return undefined;
      if (name === 'me') return { name, slug: undefined, projectId: undefined, itemRef: undefined };
      if (name === 'issueByKey') return { name, slug: m[1], projectId: undefined, itemRef: `${m[3]}-${m[4]}` };
      return { name, slug: m[1], projectId: m[2], itemRef: name === 'issue' ? m[4] : undefined };
    }
    return undefined;
  }

  /**
   * Workspace membership by slug; project endpoints also need active project membership, and
   * ProjectEntityPermission lets only members and admins (role ≥ 15) use the unsafe methods.
   */
  private permitted(route: RouteMatch, method: string): boolean {
    if (route.name === 'me') return true;
    if (route.slug !== this.workspaceSlug) return false;
    if (route.name === 'projects' || route.name === 'project' || route.name === 'members') return true;
    if (route.name === 'issueByKey') {
      const identifier = (route.itemRef ?? '').split('-')[0];
      return this.liveProjects().some((project) => project.identifier === identifier && project.is_member);
    }
    const project = route.projectId === undefined ? undefined : this.projectsById.get(route.projectId);
    if (project === undefined || project.deleted_at !== null || !project.is_member) return false;
    return SAFE_METHODS.has(method) || project.role >= 15;
  }

  /** DRF SimpleRateThrottle: sliding window per key; Remaining counts this request. */
  private throttle(key: string): { headers: Record<string, string> } | { retryAfter: number } {
    if (this.rateLimit === null) return { headers: {} };
    const windowMs = this.options.rateLimitWindowMs ?? 60_000;
    const now = (this.options.rateLimitNow ?? Date.now)();
    const history = (this.history.get(key) ?? []).filter((at) => at > now - windowMs);
    this.history.set(key, history);
    if (history.length >= this.rateLimit) {
      const oldest = history[0] as number;
      return { retryAfter: Math.max(1, Math.ceil((windowMs - (now - oldest)) / 1000)) };
    }
    history.push(now);
    return {
      headers: {
        'X-RateLimit-Remaining': String(Math.max(0, this.rateLimit - history.length)),
        'X-RateLimit-Reset': String(Math.floor((now + windowMs) / 1000)),
      },
    };
  }

  private view(route: RouteMatch, query: Record<string, string>): Reply {
    const fields = listParam(query.fields);
    const expand = listParam(query.expand) ?? [];
    switch (route.name) {
      case 'me':
        return json(200, userLite(this.me));
      case 'projects':
        return paginate(this.listedProjects(), query, (project) => this.projectJson(project, fields, expand));
      case 'project': {
        const project = this.listedProjects().find((candidate) => candidate.id === route.projectId);
        return project ? json(200, this.projectJson(project, fields, expand)) : doesNotExist();
      }
      case 'issues':
        return this.listIssues(route.projectId as string, query, fields, expand);
      case 'issue': {
        const issue = this.issuesById.get(route.itemRef as string);
        const visible = issue !== undefined && issue.project === route.projectId && this.isVisible(issue);
        return visible ? json(200, this.serializer.issue(issue, fields, expand)) : doesNotExist();
      }
      case 'issueByKey':
        return this.issueByKey(route.itemRef as string, fields, expand);
      case 'states': {
        const project = this.projectsById.get(route.projectId as string) as FakeProject;
        const states =
          project.archived_at === null ? this.states(project.id).filter((state) => state.group !== 'triage') : [];
        return paginate(states, query, (state) => this.serializer.stateFull(state));
      }
      case 'labels': {
        const project = this.projectsById.get(route.projectId as string) as FakeProject;
        const labels = project.archived_at === null ? this.labels(project.id) : [];
        return paginate(labels, query, (label) => this.serializer.labelFull(label));
      }
      case 'cycles':
        return this.listCycles(route.projectId as string, query, fields, expand);
      case 'modules': {
        // Modules of archived projects stay listed: the view filters on the module only.
        const modules = this.newestFirst(this.modulesByProject.get(route.projectId as string) ?? []).filter(
          (module) => module.deleted_at === null && module.archived_at === null,
        );
        return paginate(modules, query, (module) => this.serializer.module(module, fields, expand));
      }
      case 'projectMembers':
        return json(200, this.members().map(userLite));
      case 'members':
        return json(
          200,
          this.members().map((member) => ({ ...userLite(member), role: member.role })),
        );
    }
  }

  /** The serializer's project, with member_role the key owner's project role. */
  private projectJson(project: FakeProject, fields: string[] | undefined, expand: string[]): Json {
    const out = this.serializer.project(project, fields, expand);
    if ('member_role' in out && project.is_member) out.member_role = project.role;
    return out;
  }

  /**
   * IssueDetailAPIEndpoint.patch: Issue.objects (archived, draft and triage items too, not deleted
   * ones), then the body, then IssueSerializer(partial=True) — all fields, then validate() — and
   * only then the save. Answers serializer.data: the unexpanded work item.
   */
  private patchIssue(route: RouteMatch, body: RequestBody): Reply {
    const found = this.issuesById.get(route.itemRef as string);
    if (!found || found.deleted_at !== null || found.project !== route.projectId) return doesNotExist();
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.reply;
    const checked = this.checkIssuePatch(found, parsed.data);
    if (!checked.ok) return json(400, checked.errors);
    const saved = this.updateIssue(found.id, checked.patch);
    return json(200, this.serializer.issue(saved, undefined, []));
  }

  /** IssueSerializer's field validation (errors of every field at once), then its validate(). */
  private checkIssuePatch(issue: FakeIssue, data: Record<string, unknown>): Checked {
    const errors: Record<string, Json> = {};
    const patch: IssuePatch = {};
    const has = (field: string) => Object.hasOwn(data, field);
    // Field order as DRF collects the errors: model fields, then the foreign keys.
    if (has('name')) {
      const name = charField(data.name, 255);
      if (typeof name === 'string') patch.name = name;
      else errors.name = [name.error];
    }
    if (has('priority')) {
      const priority = data.priority;
      if (priority === null) errors.priority = ['This field may not be null.'];
      else if (typeof priority === 'string' && PRIORITIES.has(priority))
        patch.priority = priority as IssuePatch['priority'];
      else errors.priority = [`"${pyStr(priority)}" is not a valid choice.`];
    }
    for (const field of ['start_date', 'target_date'] as const) {
      if (!has(field)) continue;
      const value = parseItemDate(data[field]);
      if (value === undefined) errors[field] = ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'];
      else patch[field] = value;
    }
    let otherProjectState = false;
    if (has('state')) {
      const state = this.stateField(issue, data.state);
      if ('error' in state) errors.state = [state.error];
      else if (state.id !== null) {
        patch.state = state.id;
        otherProjectState = state.otherProject;
      }
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    // validate(): the dates (against the stored one when only one is sent, as newer Plane does), then the state.
    const start = patch.start_date === undefined ? issue.start_date : patch.start_date;
    const target = patch.target_date === undefined ? issue.target_date : patch.target_date;
    if (startExceedsTarget(start, target))
      return { ok: false, errors: { non_field_errors: ['Start date cannot exceed target date'] } };
    if (otherProjectState)
      return { ok: false, errors: { non_field_errors: ['State is not valid please pass a valid state_id'] } };
    return { ok: true, patch };
  }

  /**
   * The state's PrimaryKeyRelatedField over State.objects (live, non-triage states of any project);
   * null stands for the project's default state (Issue._ensure_default_state on save).
   */
  private stateField(
    issue: FakeIssue,
    value: unknown,
  ): { error: string } | { id: string | null; otherProject: boolean } {
    if (value === null) {
      const states = this.states(issue.project).filter((state) => state.group !== 'triage');
      return { id: (states.find((state) => state.default) ?? states[0])?.id ?? null, otherProject: false };
    }
    if (typeof value === 'boolean') return { error: 'Incorrect type. Expected pk value, received bool.' };
    if (typeof value !== 'string' && !Number.isInteger(value))
      return { error: `“${pyStr(value)}” is not a valid UUID.` };
    if (typeof value === 'string' && !UUID_TEXT.test(value)) return { error: `“${value}” is not a valid UUID.` };
    const state = typeof value === 'string' ? this.state(value.toLowerCase()) : undefined;
    if (!state || state.deleted_at !== null || state.group === 'triage')
      return { error: `Invalid pk "${pyStr(value)}" - object does not exist.` };
    return { id: state.id, otherProject: state.project !== issue.project };
  }

  private listIssues(
    projectId: string,
    query: Record<string, string>,
    fields: string[] | undefined,
    expand: string[],
  ): Reply {
    // external_id + external_source turns the list into a single-object lookup over Issue.objects.
    if (query.external_id !== undefined && query.external_source !== undefined) {
      const found = (this.issuesByProject.get(projectId) ?? []).find(
        (issue) =>
          issue.deleted_at === null &&
          issue.external_id === query.external_id &&
          issue.external_source === query.external_source,
      );
      return found ? json(200, this.serializer.issue(found, fields, expand)) : doesNotExist();
    }
    const sorted = this.sortedIssues(projectId, query.order_by ?? '-created_at');
    if (sorted === undefined) return json(500, { error: 'Something went wrong please try again later' });
    return paginate(sorted, query, (issue) => this.serializer.issue(issue, fields, expand));
  }

  /**
   * CycleListCreateAPIEndpoint.get: non-archived cycles (of archived projects too), -created_at,
   * narrowed by `cycle_view` (default and unknown values: all). `current` is a bare array.
   * Comparisons with a null date are false, as in SQL, so drafts only show under all and draft.
   */
  private listCycles(
    projectId: string,
    query: Record<string, string>,
    fields: string[] | undefined,
    expand: string[],
  ): Reply {
    const now = this.now().getTime() * 1000;
    const live = this.newestFirst(this.cyclesByProject.get(projectId) ?? []).filter(
      (cycle) => cycle.deleted_at === null && cycle.archived_at === null,
    );
    const starts = (cycle: FakeCycle, test: (start: number) => boolean) =>
      cycle.start_date !== null && test(cycle.start_date);
    const ends = (cycle: FakeCycle, test: (end: number) => boolean) => cycle.end_date !== null && test(cycle.end_date);
    const render = (cycle: FakeCycle) => this.serializer.cycle(cycle, fields, expand);
    switch (query.cycle_view) {
      case 'current':
        return json(
          200,
          live
            .filter((cycle) => starts(cycle, (start) => start <= now) && ends(cycle, (end) => end >= now))
            .map(render),
        );
      case 'upcoming':
        return paginate(
          live.filter((cycle) => starts(cycle, (start) => start > now)),
          query,
          render,
        );
      case 'completed':
        return paginate(
          live.filter((cycle) => ends(cycle, (end) => end < now)),
          query,
          render,
        );
      case 'draft':
        return paginate(
          live.filter((cycle) => cycle.start_date === null && cycle.end_date === null),
          query,
          render,
        );
      case 'incomplete':
        return paginate(
          live.filter((cycle) => cycle.end_date === null || cycle.end_date >= now),
          query,
          render,
        );
      default:
        return paginate(live, query, render);
    }
  }

  /** -created_at with ties newest-created first (the queryset has no tie-breaker; this is stable). */
  private newestFirst<T extends FakeCycle | FakeModule>(items: readonly T[]): T[] {
    return [...items].reverse().sort((a, b) => b.created_at - a.created_at);
  }

  private issueByKey(ref: string, fields: string[] | undefined, expand: string[]): Reply {
    const [identifier, sequence] = ref.split('-');
    const project = this.liveProjects().find((candidate) => candidate.identifier === identifier);
    const issue = (this.issuesByProject.get(project?.id ?? '') ?? []).find(
      (candidate) => String(candidate.sequence_id) === sequence,
    );
    return issue && this.isVisible(issue) ? json(200, this.serializer.issue(issue, fields, expand)) : doesNotExist();
  }

  /** Visible items in the requested order, cached until the next mutation. */
  private sortedIssues(projectId: string, orderBy: string): FakeIssue[] | undefined {
    const cacheKey = `${projectId} ${orderBy}`;
    const cached = this.sortedCache.get(cacheKey);
    if (cached?.version === this.version) return cached.items;
    const compare = issueComparator(orderBy);
    if (!compare) return undefined;
    const items = (this.issuesByProject.get(projectId) ?? []).filter((issue) => this.isVisible(issue));
    // Ties keep the newest first, like the usual -created_at fallback.
    items.reverse().sort(compare);
    this.sortedCache.set(cacheKey, { version: this.version, items });
    return items;
  }

  private liveProjects(): FakeProject[] {
    return [...this.projectsById.values()].filter((project) => project.deleted_at === null);
  }

  /** Member projects plus public ones, archived included; by the member's sort order, nulls last. */
  private listedProjects(): FakeProject[] {
    return this.liveProjects()
      .filter((project) => project.is_member || project.network === 2)
      .sort((a, b) => (a.sort_order ?? Infinity) - (b.sort_order ?? Infinity) || b.created_at - a.created_at);
  }
}

export async function startFakePlane(options: FakePlaneOptions = {}): Promise<FakePlane> {
  const plane = new FakePlane(options);
  await plane.listen();
  return plane;
}

/** X-Plane-Signature: lowercase hex HMAC-SHA256 of the raw body bytes. */
export function signWebhook(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

// ── pagination (plane/utils/paginator.py) ─────────────────────────────────

const INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const pyInt = (text: string): number | undefined => (INT.test(text) ? Number(text.replace(/_/g, '')) : undefined);

/** Cursor.from_string: "value:offset:is_prev"; value may be a float. */
function parseCursor(text: string): { page: number } | undefined {
  const bits = text.split(':');
  if (bits.length !== 3) return undefined;
  const [value, offset, isPrev] = bits as [string, string, string];
  const valueOk = value.includes('.')
    ? value.trim() !== '.' && !Number.isNaN(Number(value))
    : pyInt(value) !== undefined;
  const page = pyInt(offset);
  if (!valueOk || page === undefined || pyInt(isPrev) === undefined) return undefined;
  return { page };
}

function paginate<T>(items: readonly T[], query: Record<string, string>, render: (item: T) => Json): Reply {
  const perPage = query.per_page === undefined ? MAX_PER_PAGE : pyInt(query.per_page);
  if (perPage === undefined) return json(400, { detail: 'Invalid per_page parameter.' });
  if (perPage > MAX_PER_PAGE) return json(400, { detail: `Invalid per_page value. Cannot exceed ${MAX_PER_PAGE}.` });
  const cursor = parseCursor(query.cursor ?? `${perPage}:0:0`);
  if (!cursor) return json(400, { detail: 'Invalid cursor parameter.' });
  // The offset uses the request's per_page, not the cursor's value: forgetting it skips items.
  const offset = cursor.page * perPage;
  if (offset < 0) return json(400, { detail: 'Error in parsing' });
  // per_page=0 divides by zero in total_pages; negative sizes break the queryset slice.
  if (perPage <= 0) return json(500, { error: 'Something went wrong please try again later' });
  const total = items.length;
  const results = items.slice(offset, offset + perPage).map(render);
  return json(200, {
    grouped_by: null,
    sub_grouped_by: null,
    total_count: total,
    next_cursor: `${perPage}:${cursor.page + 1}:0`,
    prev_cursor: `${perPage}:${cursor.page - 1}:1`,
    next_page_results: total > offset + perPage,
    prev_page_results: cursor.page > 0,
    count: results.length,
    total_pages: Math.ceil(total / perPage),
    total_results: total,
    extra_stats: null,
    results,
  });
}

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3, none: 4 };

/** order_by over a model field (nulls last), or the semantic priority order; undefined → Plane's 500. */
function issueComparator(orderBy: string): ((a: FakeIssue, b: FakeIssue) => number) | undefined {
  const desc = orderBy.startsWith('-');
  const field = desc ? orderBy.slice(1) : orderBy;
  const sample: Record<string, unknown> = {
    created_at: 0,
    updated_at: 0,
    sequence_id: 0,
    sort_order: 0,
    name: '',
    target_date: '',
    start_date: '',
    completed_at: 0,
    priority: '',
  };
  if (!(field in sample)) return undefined;
  const key = (issue: FakeIssue): string | number | null =>
    field === 'priority'
      ? (PRIORITY_RANK[issue.priority] ?? 5)
      : (issue[field as keyof FakeIssue] as string | number | null);
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    const order = x < y ? -1 : 1;
    return desc ? -order : order;
  };
}

// ── small helpers ─────────────────────────────────────────────────────────

function json(status: number, body: Json, headers: Record<string, string> = {}): Reply {
  return { status, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } };
}

function doesNotExist(): Reply {
  return json(404, { error: 'The requested resource does not exist.' });
}

function listParam(value: string | undefined): string[] | undefined {
  const items = (value ?? '').split(',').filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

/** The raw bytes of a request body as text, for parseBody. */
function readBody(bytes: Buffer, contentType: string | undefined): RequestBody {
  try {
    return { raw: new TextDecoder('utf-8', { fatal: true }).decode(bytes), utf8: true, contentType };
  } catch {
    return { raw: bytes.toString('latin1'), utf8: false, contentType };
  }
}

/**
 * DRF's request.data with JSONParser (plus the form parsers, which the fake does not model: a form
 * body gets 415): an empty body is {}; JSON must be an object for the serializer.
 */
function parseBody(body: RequestBody): Parsed {
  if (body.raw === '') return { ok: true, data: {} };
  const mediaType = (body.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json') {
    return {
      ok: false,
      reply: json(415, { detail: `Unsupported media type "${body.contentType ?? ''}" in request.` }),
    };
  }
  if (!body.utf8)
    return { ok: false, reply: json(400, { detail: "JSON parse error - 'utf-8' codec can't decode the body" }) };
  let data: unknown;
  try {
    data = JSON.parse(body.raw);
  } catch (error) {
    return { ok: false, reply: json(400, { detail: `JSON parse error - ${(error as Error).message}` }) };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      reply: json(400, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyTypeName(data)}.`] }),
    };
  }
  return { ok: true, data: data as Record<string, unknown> };
}

/** DRF CharField (trim_whitespace, allow_blank=False, allow_null=False): the value or the error. */
function charField(value: unknown, maxLength: number): string | { error: string } {
  if (value === null) return { error: 'This field may not be null.' };
  if (typeof value !== 'string' && typeof value !== 'number') return { error: 'Not a valid string.' };
  const text = String(value).trim();
  if (text === '') return { error: 'This field may not be blank.' };
  if ([...text].length > maxLength) return { error: `Ensure this field has no more than ${maxLength} characters.` };
  return text;
}

/** Python's type(value).__name__ for a JSON value. */
function pyTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

/** Python's str() of a JSON value, near enough for error messages. */
function pyStr(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function faultMatches(match: FaultMatch, method: string, path: string, query: Record<string, string>): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.pathIncludes !== undefined && !path.includes(match.pathIncludes)) return false;
  return Object.entries(match.query ?? {}).every(([key, value]) => query[key] === value);
}

function write(res: ServerResponse, reply: Reply, truncateAt: number | undefined): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(bytes.length) });
  if (truncateAt === undefined || truncateAt >= bytes.length) {
    res.end(bytes);
    return;
  }
  // Promise the whole body, send part of it, then drop the connection mid-body.
  res.write(bytes.subarray(0, truncateAt), () => res.destroy());
}
