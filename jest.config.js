/**
 * Native ESM Jest: Middy 7 ships ESM only. ts-jest transpiles each file on its own (isolatedModules);
 * `npm run typecheck` is the type check.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: { isolatedModules: true, allowImportingTsExtensions: true } },
    ],
  },
  // `npm test` runs everything but the reliability suite; `npm run test:reliability` (RELIABILITY=1) runs it alone.
  testMatch: process.env.RELIABILITY
    ? ['<rootDir>/tests/reliability/**/*.test.ts']
    : ['<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: process.env.RELIABILITY
    ? ['/node_modules/']
    : ['/node_modules/', '/tests/reliability/'],
  globalSetup: '<rootDir>/tests/globalSetup.js',
  testTimeout: 60_000,
  // Two cores: integration files each start an embedded stack. The reliability suites run one after the other: they
  // write one report between them.
  maxWorkers: process.env.RELIABILITY ? 1 : 2,
};
