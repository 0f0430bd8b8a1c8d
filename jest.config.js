/** jest runs the TypeScript sources as ES modules through ts-jest (see README, "Module set-up"). */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*(?<!\\.json))\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Tests talk to loopback only: the guard in every test process, and a check after every test.
  setupFiles: ['<rootDir>/test/support/loopback-guard.cjs'],
  setupFilesAfterEnv: ['<rootDir>/test/support/guard-check.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
