import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { missingOptionalPackages, type PackageLock } from '../../../scripts/checkLock.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as PackageLock;

describe('the lock file check', () => {
  it('finds every optional package of every platform in the project’s lock file', () => {
    // Act
    const missing = missingOptionalPackages(lock);

    // Assess
    expect(missing).toEqual([]);
  });

  it('names a platform binary the lock file misses (as npm leaves it when it writes from node_modules)', () => {
    // Prepare: the lock without Biome's Windows binary
    const packages = { ...lock.packages };
    delete packages['node_modules/@biomejs/cli-win32-x64'];

    // Act
    const missing = missingOptionalPackages({ packages });

    // Assess
    expect(missing).toEqual(['node_modules/@biomejs/biome -> @biomejs/cli-win32-x64']);
  });

  it('resolves an optional package nested under its dependent, as Node does', () => {
    // Prepare
    const packages = {
      'node_modules/a': { optionalDependencies: { b: '1' } },
      'node_modules/a/node_modules/b': {},
      'node_modules/c/node_modules/d': { optionalDependencies: { a: '1', e: '1' } },
    };

    // Act
    const missing = missingOptionalPackages({ packages });

    // Assess: `a` is found two levels up; `e` is nowhere
    expect(missing).toEqual(['node_modules/c/node_modules/d -> e']);
  });
});
