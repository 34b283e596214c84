import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile, stateDirUsable, writeJsonFileAtomic } from '../../../src/ops/state-dir.js';
import { scratchDir } from '../../support/scratch.js';

const scratch = () => scratchDir('ops-statedir-');

describe('writeJsonFileAtomic', () => {
  it('replaces the file whole, private to the user, and leaves no temp file', () => {
    const dir = scratch();
    const file = join(dir, 'state.json');
    writeJsonFileAtomic(file, { n: 1 });
    writeJsonFileAtomic(file, { n: 2 });
    expect(readJsonFile(file)).toEqual({ n: 2 });
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('removes its temp file when the rename fails, and leaves the target as it was', () => {
    const dir = scratch();
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'inside'), { recursive: true }); // a non-empty directory cannot be renamed over
    expect(() => writeJsonFileAtomic(target, { n: 1 })).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('names its temp file beyond the PID: another writer with the same PID (another pod) cannot collide', () => {
    const dir = scratch();
    const file = join(dir, 'state.json');
    // What a writer with this PID on another host would have left mid-write under the old name.
    writeFileSync(`${file}.${process.pid}.tmp`, 'half a fi');
    writeJsonFileAtomic(file, { n: 3 });
    expect(readJsonFile(file)).toEqual({ n: 3 });
    expect(readFileSync(`${file}.${process.pid}.tmp`, 'utf8')).toBe('half a fi');
  });
});

describe('stateDirUsable', () => {
  it('is true for a writable dir, or one that could be created in a writable parent', () => {
    const dir = scratch();
    expect(stateDirUsable(dir)).toBe(true);
    expect(stateDirUsable(join(dir, 'not', 'yet', 'calplanebot'))).toBe(true);
  });

  it('is false under a file (no dir can be made there)', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'a-file'), '');
    expect(stateDirUsable(join(dir, 'a-file'))).toBe(false);
    expect(stateDirUsable(join(dir, 'a-file', 'calplanebot'))).toBe(false);
  });
});
