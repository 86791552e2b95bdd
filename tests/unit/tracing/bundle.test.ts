/**
 * A function built for a stage's tracing backend holds that backend only: esbuild with the options of serverless.yml's
 * `custom.esbuild` (scripts/esbuildOptions.ts) and the conditions config/tracing.cjs gives each backend, every function's handler, read from
 * esbuild's own list of the inputs it bundled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { functionBuildOptions } from '../../../scripts/esbuildOptions.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const tracingConditions = createRequire(import.meta.url)('../../../config/tracing.cjs') as (variables: {
  resolveVariable(name: string): Promise<string>;
}) => Promise<{ conditions: string[] }>;

const conditionsOf = async (backend: string) =>
  (await tracingConditions({ resolveVariable: async () => backend })).conditions;

const FUNCTIONS = readdirSync(join(ROOT, 'src', 'functions')).filter((file) => file.endsWith('.ts'));

/** The packages a function's bundle holds, by name. */
async function bundledPackages(file: string, conditions: string[]): Promise<Set<string>> {
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'functions', file)],
    ...functionBuildOptions(conditions),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const names = Object.keys(result.metafile.inputs).flatMap((input) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match?.[1] ? [match[1]] : [];
  });
  return new Set(names);
}

describe('bundles per tracing backend', () => {
  it("builds with serverless.yml's esbuild options", () => {
    // serverless.yml's custom.esbuild, each option on a line of its own.
    const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
    const block = yml.slice(yml.indexOf('\n  esbuild:'), yml.indexOf('\npackage:'));
    const options = functionBuildOptions([]);
    const inYaml = (value: unknown) => (Array.isArray(value) ? `[${value.join(', ')}]` : String(value));
    for (const key of [
      'bundle',
      'minify',
      'keepNames',
      'target',
      'platform',
      'format',
      'mainFields',
      'external',
    ] as const) {
      expect(block).toContain(`\n    ${key}: ${inYaml(options[key])}\n`);
    }
  });

  it('refuses a backend that does not exist, naming the ones that do', async () => {
    await expect(conditionsOf('zipkin')).rejects.toThrow('use one of xray, opentelemetry');
  });

  it.each(FUNCTIONS)('%s: the OpenTelemetry build holds no X-Ray SDK and no cls-hooked', async (file) => {
    // Act
    const [xray, openTelemetry] = await Promise.all([
      bundledPackages(file, await conditionsOf('xray')),
      bundledPackages(file, await conditionsOf('opentelemetry')),
    ]);

    // Assess: each build holds its own backend, and only that one.
    expect(xray.has('aws-xray-sdk-core')).toBe(true);
    expect(xray.has('@opentelemetry/sdk-trace-base')).toBe(false);
    expect(openTelemetry.has('@opentelemetry/sdk-trace-base')).toBe(true);
    for (const name of ['aws-xray-sdk-core', 'aws-xray-sdk-fetch', 'cls-hooked', 'async-hook-jl']) {
      expect(openTelemetry.has(name)).toBe(false);
    }
  });
});
