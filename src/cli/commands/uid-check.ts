/**
 * `uid-check [--fix [--dry-run]]`: find what is wrong with the events in the managed calendars,
 * and with --fix repair what calplanebot owns. Exit 0 when clean (or everything was repaired),
 * 1 when problems remain.
 */

import { type FixAction, findUidProblems, type UidProblem } from '../../ops/uid-check.js';
import { applyFixes, type FixOutcome } from '../../ops/uid-fix.js';
import { scanManagedCalendars } from '../../ops/uid-scan.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { loadRunContext } from '../run-context.js';

export interface UidCheckOptions {
  project?: string[];
  fix?: boolean;
  dryRun?: boolean;
}

type ActionView = { op: 'delete'; href: string } | { op: 'move'; from: string; to: string };

const NOTES: Record<string, string> = {
  'malformed-uid': "looks like calplanebot's but is not its format; not owned, left alone",
  'issue-gone': 'its issue no longer exists in Plane',
  'no-target-date': 'its issue has no target date',
  'wrong-project': "in another project's calendar",
  'other-calendar': "a copy in another project's calendar",
};

export async function uidCheckCommand(options: UidCheckOptions, output: Output): Promise<ExitCode> {
  const { config, services } = await loadRunContext(output);
  const spinner = await output.spinner('Reading Plane and the calendars');
  const warnings: string[] = [];
  const input = await scanManagedCalendars(services, {
    projects: options.project && options.project.length > 0 ? options.project : config.plane.projects,
    calendarNameTemplate: config.caldav.calendarName,
    entries: config.calendars,
    onWarning: (message) => {
      warnings.push(message);
      output.warn(message);
    },
  }).finally(() => spinner.stop());
  const problems = findUidProblems(input);
  // Calendars read only for reference (the home of a strayed event) were not checked.
  const checked = input.calendars.filter((c) => !c.reference);
  const objects = checked.reduce((n, c) => n + c.objects.length, 0);
  if (!output.options.json) renderProblems(problems, output);

  const repairing = Boolean(options.fix) && !options.dryRun;
  let outcomes: FixOutcome[] | undefined;
  if (options.fix) {
    const actions = problems.flatMap((p) => p.fixes);
    if (repairing) outcomes = await applyFixes(services.store, actions, (outcome) => reportOutcome(outcome, output));
    else for (const action of actions) output.line(`would ${describeAction(action)}`);
  }
  const remaining = repairing ? problems.filter((p) => !repaired(p, outcomes ?? [])).length : problems.length;
  await printResult(
    {
      problems,
      outcomes,
      remaining,
      fix: Boolean(options.fix),
      repairing,
      calendars: checked.length,
      objects,
      warnings,
    },
    output,
  );
  return remaining === 0 ? ExitCode.Ok : ExitCode.Failure;
}

interface CheckResult {
  problems: UidProblem[];
  outcomes: FixOutcome[] | undefined;
  remaining: number;
  fix: boolean;
  repairing: boolean;
  calendars: number;
  objects: number;
  warnings: string[];
}

async function printResult(result: CheckResult, output: Output): Promise<void> {
  const { problems, outcomes, remaining, repairing } = result;
  if (output.options.json) {
    await output.json({
      schemaVersion: 1,
      ok: remaining === 0,
      problems: problems.map(viewOf),
      fixes: result.fix
        ? {
            dryRun: !repairing,
            actions: outcomes?.map(outcomeView) ?? problems.flatMap((p) => p.fixes.map(actionView)),
          }
        : null,
      remaining,
      scanned: { calendars: result.calendars, objects: result.objects },
      warnings: result.warnings,
    });
  } else if (!(output.options.quiet && problems.length === 0)) {
    const fixed = repairing ? `; ${problems.length - remaining} repaired, ${remaining} remaining` : '';
    output.line(
      `uid-check: ${problems.length} problem(s)${fixed} in ${result.calendars} calendar(s), ${result.objects} object(s) checked`,
    );
  }
  if (remaining === 0) return;
  const hint = repairing
    ? 'what calplanebot does not own (malformed-uid) must be fixed in a calendar app; for the rest, run uid-check --fix again'
    : result.fix
      ? 'run without --dry-run to repair what calplanebot owns'
      : 'run `calplanebot uid-check --fix --dry-run` to see the repairs';
  output.failure(`${remaining} problem(s) ${repairing ? 'remain ' : ''}in the managed calendars`, hint);
}

/** A problem is gone when it had repairs and every one of them succeeded. */
function repaired(problem: UidProblem, outcomes: FixOutcome[]): boolean {
  return problem.fixes.length > 0 && problem.fixes.every((fix) => outcomes.some((o) => o.action === fix && o.ok));
}

function renderProblems(problems: UidProblem[], output: Output): void {
  const c = output.colors;
  let calendar: string | undefined;
  for (const problem of problems) {
    if (problem.calendar !== calendar) {
      calendar = problem.calendar;
      output.line(`${c.bold(problem.calendarName)} ${c.dim(problem.calendar)}`);
    }
    const note =
      NOTES[problem.reason ?? problem.kind] ??
      (problem.kind === 'duplicate' ? `${problem.hrefs.length} copies` : `stored at ${problem.hrefs[0]}`);
    output.line(`  ${c.yellow(problem.kind.padEnd(13))} ${problem.uid}: ${note}`);
  }
}

function reportOutcome(outcome: FixOutcome, output: Output): void {
  const what = describeAction(outcome.action);
  const message = outcome.ok ? 'Repaired' : outcome.skipped ? 'Repair skipped' : 'Repair failed';
  output.log({
    level: outcome.ok ? 'info' : 'error',
    message,
    operation: `uid-fix-${outcome.action.op}`,
    event_uid: outcome.action.uid,
    ...actionView(outcome.action),
    success: outcome.ok,
  });
  if (outcome.ok) output.line(`${output.colors.green('fixed:')} ${what}`);
  else if (outcome.skipped) output.failure(`skipped: ${what}: ${outcome.error}`, outcome.hint);
  else output.failure(`could not ${what}: ${outcome.error}`, outcome.hint);
}

function describeAction(action: FixAction): string {
  return action.op === 'delete' ? `delete ${action.href}` : `move ${action.from} → ${action.to}`;
}

function actionView(action: FixAction): ActionView {
  return action.op === 'delete'
    ? { op: 'delete', href: action.href }
    : { op: 'move', from: action.from, to: action.to };
}

function outcomeView(outcome: FixOutcome): ActionView & { ok: boolean; skipped: boolean; error: string | null } {
  return {
    ...actionView(outcome.action),
    ok: outcome.ok,
    skipped: Boolean(outcome.skipped),
    error: outcome.error ?? null,
  };
}

function viewOf(problem: UidProblem) {
  const { fixes, ...rest } = problem;
  return { ...rest, fixes: fixes.map(actionView) };
}
