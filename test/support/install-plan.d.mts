/** Types of install-plan.mjs (plain JavaScript, so that it runs before anything is built). */
export type ProgramName = 'radicale' | 'xandikos' | 'webhook' | 'openssl' | 'vdirsyncer' | 'khal' | 'todoman' | 'time';
export type System = 'debian' | 'fedora' | 'arch' | 'alpine' | 'macos' | 'unknown';
export type Use = 'tests' | 'demo' | 'bench';

export interface Program {
  purpose: string;
  packages: Partial<Record<Exclude<System, 'unknown'> | 'pip', string>>;
  elsewhere?: string;
}

export const PROGRAMS: Record<ProgramName, Program>;
export const NEEDS: Record<Use, ProgramName[]>;

export function detectSystem(platform: string, osRelease: string | undefined): System;

export interface InstallPlan {
  system: System;
  packages: string[];
  command: string | undefined;
  notes: string[];
}

export function installCommand(input: {
  platform: string;
  osRelease: string | undefined;
  isRoot: boolean;
  missing: ProgramName[];
}): InstallPlan;

export function programsFor(uses: Use[]): ProgramName[];
