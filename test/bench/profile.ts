/**
 * Where the time goes: a `node --cpu-prof` profile summed up by self time, per function and per
 * package (our dist/ files, each dependency, node internals, GC, idle).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by package: "calplanebot", a dependency's name, "node", "(garbage collector)", "(idle)", "(program)". */
  byPackage: Array<{ name: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; where: string; ms: number; share: number }>;
}

export function summarizeProfiles(dir: string, top = 12): ProfileSummary[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarizeProfile(join(dir, f), top));
}

export function summarizeProfile(file: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (const [i, id] of samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortPath(url)}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const pkg = packageOf(url, name);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const share = (us: number) => (totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10);
  return {
    file,
    totalMs: ms(totalUs),
    byPackage: [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: ms(us), share: share(us) })),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), share: share(f.us) })),
  };
}

function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : 'node';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep?.[1]) return dep[1];
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/dist/') || url.includes('/src/')) return 'calplanebot';
  return 'other';
}

function shortPath(url: string): string {
  const dep = /node_modules\/(.*)$/.exec(url);
  if (dep?.[1]) return dep[1];
  const own = /\/((?:dist|src)\/.*)$/.exec(url);
  return own?.[1] ?? url.replace(/^file:\/\//, '');
}
