/**
 * The esbuild options serverless.yml's `custom.esbuild` builds each function with, for the tools that bundle a
 * function themselves (the bundle test, the benchmarks). Keep the two in step.
 */
import type { BuildOptions } from 'esbuild';

/** `conditions`: the stage's tracing backend's (config/tracing.cjs). */
export function functionBuildOptions(conditions: string[]): BuildOptions {
  return {
    bundle: true,
    minify: true,
    keepNames: false,
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    external: ['pg-native'],
    conditions,
  };
}
