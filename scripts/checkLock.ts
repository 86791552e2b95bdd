/**
 * `npm run check:lock`: fails when package-lock.json lacks a package that some platform would install.
 *
 * npm writes only the current platform's optional binaries (Biome's, jest's resolver's, esbuild's) when it builds a
 * lock from an existing node_modules; `npm ci` on any other platform then refuses the lock, and `npm install` rewrites
 * it. A complete lock names every optional dependency of every locked package, whatever platform it is for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockedPackage {
  optionalDependencies?: Record<string, string>;
}

export interface PackageLock {
  packages?: Record<string, LockedPackage>;
}

/** Where Node would find `name` from the package at `from` (a lock key): its own node_modules, then its parents'. */
function resolves(packages: Record<string, LockedPackage>, from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (`${base === '' ? '' : `${base}/`}node_modules/${name}` in packages) return true;
    if (base === '') return false;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

/** `package -> optional dependency` for every optional dependency the lock does not hold. */
export function missingOptionalPackages(lock: PackageLock): string[] {
  const packages = lock.packages ?? {};
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolves(packages, key, name)) missing.push(`${key || '(root)'} -> ${name}`);
    }
  }
  return missing;
}

if (import.meta.main) {
  const file = join(import.meta.dirname, '..', 'package-lock.json');
  const missing = missingOptionalPackages(JSON.parse(readFileSync(file, 'utf8')) as PackageLock);
  if (missing.length > 0) {
    console.error(
      `package-lock.json misses ${missing.length} optional packages of other platforms, first: ${missing.slice(0, 5).join(', ')}.\n` +
        'Rebuild it from scratch: rm -rf node_modules package-lock.json && npm install',
    );
    process.exit(1);
  }
  console.log('package-lock.json holds every platform’s optional packages.');
}
