/**
 * Workspaces to load into the fake Plane: a small realistic one for the demo and manual runs, and a
 * large generated one (10 projects × 1,000 dated items by default) for the benchmark. Dates are
 * relative to the fake's data clock, so a fixed `now` gives fixed output.
 */
import type { Priority } from '../../src/plane/types.js';
import { Random } from './fake-plane-random.js';
import type { FakeIssue, FakePlaneStore, FakeProject, FakeUser, IssueInput } from './fake-plane-store.js';

/** "YYYY-MM-DD" that many days from `today`. */
export function daysFrom(today: string, days: number): string {
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export interface SampleWorkspace {
  projects: { web: FakeProject; ops: FakeProject };
  members: { maria: FakeUser; jonas: FakeUser; priya: FakeUser };
  /** By a short handle, e.g. `issues.pricing`. */
  issues: Record<'pricing' | 'checkout' | 'guide' | 'cafe' | 'colours' | 'release' | 'tls' | 'drill' | 'ci', FakeIssue>;
}

export function seedSampleWorkspace(fake: FakePlaneStore): SampleWorkspace {
  const today = fake.today();
  const on = (days: number) => daysFrom(today, days);
  const members = {
    maria: fake.addMember({
      first_name: 'María',
      last_name: 'García',
      display_name: 'maria',
      email: 'maria@example.com',
    }),
    jonas: fake.addMember({
      first_name: 'Jonas',
      last_name: 'Weber',
      display_name: 'jonas',
      email: 'jonas@example.com',
    }),
    priya: fake.addMember({
      first_name: 'Priya',
      last_name: 'Natarajan',
      display_name: 'priya',
      email: 'priya@example.com',
    }),
  };
  const web = fake.addProject({ name: 'Website', identifier: 'WEB', description: 'Marketing site and checkout' });
  const ops = fake.addProject({ name: 'Operations', identifier: 'OPS', timezone: 'Europe/Berlin' });
  for (const [name, color] of [
    ['frontend', '#3B82F6'],
    ['bug', '#EF4444'],
    ['release', '#22C55E'],
    ['docs', '#8B5CF6'],
  ] as const) {
    fake.addLabel(web.id, { name, color });
  }
  fake.addLabel(ops.id, { name: 'infra', color: '#F97316' });
  fake.addLabel(ops.id, { name: 'process', color: '#06B6D4' });

  const issues = {
    pricing: fake.addIssue(web.id, {
      name: 'Launch the new pricing page',
      priority: 'high',
      state: 'In Progress',
      start_date: on(-2),
      target_date: on(5),
      labels: ['frontend', 'release'],
      assignees: ['maria'],
      description_html:
        '<p>Replace the old table with the three-tier layout.</p><ul><li><p>Annual/monthly toggle</p></li><li><p>FAQ section</p></li></ul>' +
        '<p>Design: <a href="https://example.com/figma/pricing" target="_blank">Figma board</a></p>',
    }),
    checkout: fake.addIssue(web.id, {
      name: 'Fix checkout rounding error on totals & taxes',
      priority: 'urgent',
      state: 'Todo',
      target_date: on(2),
      labels: ['bug'],
      assignees: ['jonas'],
      description_html:
        '<p>The <code>&lt;Total&gt;</code> row shows 9.99 &amp; the receipt 10.00 when VAT is 19&nbsp;%.</p>',
    }),
    guide: fake.addIssue(web.id, {
      name: 'Write the migration guide for v2',
      priority: 'medium',
      target_date: on(14),
      labels: ['docs'],
      assignees: ['priya', 'maria'],
      description_html:
        '<ol><li><p>Breaking changes</p></li><li><p>Config keys renamed</p></li><li><p>Rollback steps</p></li></ol>',
    }),
    cafe: fake.addIssue(web.id, {
      name: 'Café-Menü: Übersetzung für München 🥨',
      priority: 'low',
      state: 'Todo',
      target_date: on(9),
      labels: ['frontend'],
      description_html: '<p>Umlaute prüfen: ä ö ü ß — and the “smart quotes”.</p>',
    }),
    colours: fake.addIssue(web.id, {
      name: 'Refresh the brand colours',
      description_html: '<p>No date yet; waiting for the agency.</p>',
    }),
    release: fake.addIssue(web.id, {
      name: 'Ship release 2.4',
      priority: 'high',
      state: 'Done',
      target_date: on(-3),
      labels: ['release'],
      assignees: ['jonas'],
    }),
    tls: fake.addIssue(ops.id, {
      name: 'Renew TLS certificates',
      priority: 'urgent',
      state: 'Todo',
      target_date: on(1),
      labels: ['infra'],
      assignees: ['jonas'],
      description_html: '<p>Runbook: <a href="https://wiki.example.com/runbooks/tls">wiki/runbooks/tls</a></p>',
    }),
    drill: fake.addIssue(ops.id, {
      name: 'Quarterly backup restore drill',
      priority: 'medium',
      state: 'In Progress',
      start_date: on(18),
      target_date: on(20),
      labels: ['infra', 'process'],
      assignees: ['priya'],
      description_html: "<p>Restore last night's snapshot into <em>staging</em> and time it.</p>",
    }),
    ci: fake.addIssue(ops.id, {
      name: 'Migrate CI to self-hosted runners',
      priority: 'low',
      state: 'Cancelled',
      target_date: on(-10),
      labels: ['infra'],
    }),
  };
  return { projects: { web, ops }, members, issues };
}

// ── the large workspace ───────────────────────────────────────────────────

export interface LargeWorkspaceOptions {
  projects?: number;
  issuesPerProject?: number;
  /** Seeds the generated text, dates and choices (ids come from the fake's own seed). */
  seed?: number;
}

export interface LargeWorkspace {
  projects: FakeProject[];
  issueCount: number;
}

const PROJECTS: readonly [string, string][] = [
  ['Platform', 'PLAT'],
  ['Mobile App', 'MOB'],
  ['Website', 'WEB'],
  ['Billing', 'BILL'],
  ['Data Pipeline', 'DATA'],
  ['Support Portal', 'SUP'],
  ['Infrastructure', 'INFRA'],
  ['Design System', 'DS'],
  ['Analytics', 'ANA'],
  ['Security', 'SEC'],
];
const VERBS = [
  'Refactor',
  'Fix',
  'Add',
  'Remove',
  'Document',
  'Migrate',
  'Speed up',
  'Audit',
  'Redesign',
  'Test',
  'Localise',
  'Monitor',
];
const OBJECTS = [
  'the session cache',
  'invoice PDFs',
  'the onboarding flow',
  'search ranking',
  'webhook retries',
  'the export job',
  'dark mode',
  'password reset',
  'the billing dashboard',
  'CSV import',
  'push notifications',
  'the audit log',
  'rate limiting',
  'SSO login',
];
const QUALIFIERS = [
  'for the EU region',
  'on Android',
  'before the Q3 release',
  'for enterprise customers',
  'behind a feature flag',
  'in the admin panel',
  'for accessibility',
  '',
  '',
  '',
];
const LABELS = ['bug', 'feature', 'chore', 'docs', 'security', 'performance'];
const PEOPLE: readonly [string, string][] = [
  ['Alice', 'Nguyen'],
  ['Bruno', 'Costa'],
  ['Chen', 'Wei'],
  ['Dana', 'Kowalski'],
  ['Emeka', 'Obi'],
  ['Freya', 'Lindqvist'],
  ['Gustavo', 'Ruiz'],
  ['Hana', 'Sato'],
];
const STATES: readonly (readonly [string, number])[] = [
  ['Backlog', 3],
  ['Todo', 3],
  ['In Progress', 2],
  ['Done', 2],
  ['Cancelled', 0.5],
];
const PRIORITIES: readonly (readonly [Priority, number])[] = [
  ['urgent', 0.5],
  ['high', 2],
  ['medium', 3],
  ['low', 2],
  ['none', 2.5],
];

export function seedLargeWorkspace(fake: FakePlaneStore, options: LargeWorkspaceOptions = {}): LargeWorkspace {
  const random = new Random(options.seed ?? 1);
  const projectCount = options.projects ?? 10;
  const perProject = options.issuesPerProject ?? 1000;
  const today = memoDaysFrom(fake.today());
  const people = PEOPLE.map(([first, last]) => findOrAddMember(fake, first, last));
  const projects: FakeProject[] = [];
  for (let p = 0; p < projectCount; p += 1) {
    const [name, identifier] = PROJECTS[p] ?? [`Project ${p + 1}`, `P${p + 1}`];
    const project = fake.addProject({ name, identifier });
    const labels = LABELS.map((label) => fake.addLabel(project.id, { name: label }).id);
    const states = stateIds(fake, project.id);
    for (let i = 0; i < perProject; i += 1) {
      fake.addIssue(
        project.id,
        generatedIssue(random, today, { labels, states, people: people.map((person) => person.id) }),
      );
    }
    projects.push(project);
  }
  return { projects, issueCount: projectCount * perProject };
}

function findOrAddMember(fake: FakePlaneStore, first: string, last: string): FakeUser {
  const display = first.toLowerCase();
  return (
    fake.members().find((member) => member.display_name === display) ??
    fake.addMember({ first_name: first, last_name: last, display_name: display })
  );
}

function stateIds(fake: FakePlaneStore, projectId: string): Map<string, string> {
  return new Map(fake.states(projectId).map((state) => [state.name, state.id]));
}

/** daysFrom(today, n) for the few hundred offsets used, computed once each. */
function memoDaysFrom(today: string): (days: number, from?: string) => string {
  const memo = new Map<string, string>();
  return (days, from = today) => {
    const key = `${from} ${days}`;
    let date = memo.get(key);
    if (date === undefined) {
      date = daysFrom(from, days);
      memo.set(key, date);
    }
    return date;
  };
}

function generatedIssue(
  random: Random,
  dateIn: (days: number, from?: string) => string,
  pools: { labels: string[]; states: Map<string, string>; people: string[] },
): IssueInput {
  const qualifier = random.pick(QUALIFIERS);
  const name = `${random.pick(VERBS)} ${random.pick(OBJECTS)}${qualifier ? ` ${qualifier}` : ''}`;
  const target = dateIn(random.int(-60, 180));
  const withStart = random.next() < 0.3;
  return {
    name,
    priority: random.weighted(PRIORITIES),
    state: pools.states.get(random.weighted(STATES)) as string,
    labels: random.sample(pools.labels, random.int(0, 3)),
    assignees: random.sample(pools.people, random.int(0, 2)),
    target_date: target,
    start_date: withStart ? dateIn(-random.int(1, 14), target) : null,
    description_html: generatedDescription(random, name),
  };
}

function generatedDescription(random: Random, name: string): string {
  const steps = random.sample(
    [
      'Reproduce on staging',
      'Write the tests first',
      'Check the metrics dashboard',
      'Update the changelog',
      'Ask design for review',
      'Roll out to 10 % first',
    ],
    random.int(1, 4),
  );
  const link =
    random.next() < 0.3
      ? `<p>Context: <a href="https://example.com/tickets/${random.int(1000, 9999)}">ticket</a></p>`
      : '';
  return `<p>${name}. Owners agreed on scope &amp; timeline.</p><ul>${steps.map((step) => `<li><p>${step}</p></li>`).join('')}</ul>${link}`;
}
