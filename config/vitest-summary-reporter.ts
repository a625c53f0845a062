import type { Reporter, TestModule } from 'vitest/node';

/**
 * Adds one plain closing line after vitest's own summary, e.g.
 *
 *     tests: 412 passed, 0 failed, 3 skipped
 *
 * so tools that read only a generic "N passed, N failed" line can tell a run that tested
 * nothing from one that passed. A test file that failed to load (no test could run) counts
 * as one failure, and so does each unhandled error.
 */
export class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      if (failedHere === 0 && testModule.state() === 'failed') failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
