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
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  globalSetup: '<rootDir>/tests/globalSetup.js',
  testTimeout: 60_000,
  // Two cores: integration files each start an embedded stack.
  maxWorkers: 2,
};
