// StrykerJS on src/domain (pure code) with the unit tests; see docs/testing.md, "Mutation testing".
// The machine is shared: one test process by default, STRYKER_CONCURRENCY=n to use more.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/domain/**/*.ts'],
  testRunner: 'jest',
  // Each mutant runs only the test files that import its file (findRelatedTests), and of those the tests that reach it.
  jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  // ts-jest's ESM preset runs under jest's VM modules, as in `npm test`.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  // Static mutants (in module-level constants: tables of words, character sets, default templates) need
  // every test file per mutant: about 70% of the run for 15% of the mutants. Left out unless STRYKER_STATIC=1.
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 80, break: null },
};
