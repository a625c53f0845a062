import { defineConfig } from 'vitest/config';
import { SummaryLineReporter } from './config/vitest-summary-reporter.ts';

/**
 * `pnpm test`: every test of every package and app in one vitest run, straight from the
 * TypeScript sources (see config/vitest.ts). Exits non-zero on any failure, and when no test
 * file is found at all.
 */
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    // 2-core machines and tests that bind real ports / spawn processes: two test files at a
    // time, each in its own process.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default', new SummaryLineReporter()],
  },
});
