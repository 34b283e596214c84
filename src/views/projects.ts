/** Which Plane projects a run covers: `--project` / `plane.projects` selectors, archived projects set apart. */
import { UsageError } from '../errors.js';
import type { PlaneProject } from '../plane/types.js';

/**
 * The projects a run covers: all non-archived ones, or those named by id or identifier
 * (case-insensitive). Naming a project that does not exist is a usage error, not a silent no-op.
 */
export function selectProjects(all: PlaneProject[], selectors: string[]): PlaneProject[] {
  const active = all.filter((p) => !p.archived_at);
  if (selectors.length === 0) return active;
  const chosen = new Map<string, PlaneProject>();
  const unknown: string[] = [];
  for (const selector of selectors) {
    const match = all.find((p) => matchesSelector(p, selector));
    if (!match) unknown.push(selector);
    else if (!match.archived_at) chosen.set(match.id, match);
  }
  if (unknown.length > 0) {
    const known = active.map((p) => p.identifier).join(', ') || '(none)';
    throw new UsageError(`unknown project ${unknown.map((s) => `"${s}"`).join(', ')}`, {
      hint: `use a project identifier or UUID; this workspace has: ${known}`,
    });
  }
  return [...chosen.values()];
}

/** Projects a selector names that are archived: not synced, and worth saying so (selectProjects drops them). */
export function archivedSelections(all: PlaneProject[], selectors: string[]): PlaneProject[] {
  return all.filter((p) => p.archived_at && selectors.some((selector) => matchesSelector(p, selector)));
}

export function archivedWarning(project: Pick<PlaneProject, 'identifier'>): string {
  return `project ${project.identifier} is archived in Plane: it is not synced (unarchive it, or drop it from --project / plane.projects)`;
}

/** A project selector (`--project`, `plane.projects`) names a project by UUID or identifier, in any case. */
export function matchesSelector(project: Pick<PlaneProject, 'id' | 'identifier'>, selector: string): boolean {
  const wanted = selector.trim().toLowerCase();
  return project.id.toLowerCase() === wanted || project.identifier.toLowerCase() === wanted;
}
