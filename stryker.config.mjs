// Mutation testing of the security core: `npm run mutate` (docs/security.md has the score and the survivors).
// On a shared machine: `nice -n 10 npm run mutate`.

// The tap runner starts each test file with plain `node`; ts-node (tap's TypeScript loader) then only strips types.
process.env.TS_NODE_TRANSPILE_ONLY = '1'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  // An explicit list: new files join the scope only by a decision, never by a glob.
  mutate: [
    'lib/signature/sign.ts',
    'lib/signature/flatten.ts',
    'lib/signature/php-numbers.ts',
    'lib/signature/unflatten.ts',
    'lib/signature/key-memo.ts',
    'lib/signature/key-order.ts',
    'lib/body/capture.ts',
    'lib/body/read.ts',
    'lib/body/form-pairs.ts',
    'lib/body/json-pairs.ts',
    'lib/body/media-types.ts',
    'lib/body/verify.ts',
    'lib/receive.ts'
  ],
  testRunner: 'tap',
  tap: {
    // The files that import lib/ in-process (test/cli and test/package run the build in child processes;
    // test/inbox starts databases and processes, so receive.ts's inbox branch shows as "no coverage").
    testFiles: [
      // Cheapest first (each runs in a fresh process per mutant): the unit files, then the HTTP ones.
      'test/signature/*.test.ts',
      'test/body/*.test.ts',
      'test/errors.test.ts',
      'test/events/*.test.ts',
      'test/plugin/*.test.ts',
      'test/hostile/*.test.ts'
    ],
    nodeArgs: ['--import=@tapjs/typescript/import'],
    forceBail: true
  },
  // Mutants that do not compile are set aside before any test runs. The checker type-checks lib/ only
  // (tsconfig.build.json): no mutant changes test/ or examples/, so re-checking them is wasted time.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.build.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A mutant that loops forever is stopped this long past the covering tests' own time (and counts as detected).
  timeoutMS: 15000,
  // `npm run mutate -- --incremental` reuses the last results for the code and tests that did not change.
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true
}
