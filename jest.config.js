/**
 * Native ESM Jest: Middy 7 ships ESM only. ts-jest transpiles each file on its own (isolatedModules);
 * `npm test` is the whole suite with the default tracing backend (the X-Ray SDK), and the tests that read traces
 * once more with the OpenTelemetry backend (the `tracing-opentelemetry` export condition selects it, as esbuild's
 * `conditions` does for a stage's bundles). `TRACING_BACKEND=opentelemetry npm test` runs everything with it.
 * `npm run test:reliability` (RELIABILITY=1) runs the reliability suite alone.
 * @type {import('jest').Config}
 */
const reliability = Boolean(process.env.RELIABILITY);
const openTelemetryEverywhere = process.env.TRACING_BACKEND === 'opentelemetry';

const backend = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  testEnvironmentOptions: {
    customExportConditions:
      name === 'opentelemetry' ? ['node', 'node-addons', 'tracing-opentelemetry'] : ['node', 'node-addons'],
  },
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: { isolatedModules: true, allowImportingTsExtensions: true } },
    ],
  },
  testPathIgnorePatterns: reliability ? ['/node_modules/'] : ['/node_modules/', '/tests/reliability/'],
});

/** The tests that read the documents the tracing backend sends, run with both backends by `npm test`. */
const TRACING_TESTS = [
  '<rootDir>/tests/unit/middleware/**/*.test.ts',
  '<rootDir>/tests/integration/dialerWorker.test.ts',
  '<rootDir>/tests/integration/endToEnd.test.ts',
  '<rootDir>/tests/integration/imports.test.ts',
  '<rootDir>/tests/integration/bestTime.test.ts',
];
/** The tests of the OpenTelemetry backend alone (its OTLP exporter), run by its project only. */
const OPENTELEMETRY_ONLY = ['<rootDir>/tests/integration/otlpExport.test.ts'];
const ALL = reliability ? ['<rootDir>/tests/reliability/**/*.test.ts'] : ['<rootDir>/tests/**/*.test.ts'];

export default {
  projects: openTelemetryEverywhere
    ? [{ ...backend('opentelemetry'), testMatch: ALL }]
    : [
        {
          ...backend('xray'),
          testMatch: ALL,
          testPathIgnorePatterns: [
            ...backend('xray').testPathIgnorePatterns,
            '/tests/integration/otlpExport',
          ],
        },
        ...(reliability
          ? []
          : [{ ...backend('opentelemetry'), testMatch: [...TRACING_TESTS, ...OPENTELEMETRY_ONLY] }]),
      ],
  globalSetup: '<rootDir>/tests/globalSetup.js',
  testTimeout: 60_000,
  // Two cores: integration files each start an embedded stack. The reliability suites run one after the other: they
  // write one report between them.
  maxWorkers: reliability ? 1 : 2,
};
