import type { Program } from './program.js';

/** Compares `actual` lines with `expected`; returns a description of each difference (none: `[]`). */
export function diffLines(
  what: string,
  actual: readonly string[],
  expected: readonly string[],
): string[] {
  const problems: string[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      problems.push(
        `${what} line ${i + 1}: expected ${JSON.stringify(expected[i])}, got ${JSON.stringify(actual[i])}`,
      );
    }
  }
  return problems;
}

/**
 * The bookkeeping of an app's `demo` script (see apps/README.md, "The `demo` contract"):
 * a guard that exits 1 when the demo is still running after `timeoutMs` (default 60 s;
 * unref'd, so it never keeps the process alive), the problems found, and the verdict.
 *
 * @example
 * const report = new DemoReport();
 * report.compare('client', client.stdout, TCP_ECHO_CLIENT_LINES);
 * report.finish('demo OK: every line matches the seed');
 */
export class DemoReport {
  /** Every mismatch found so far, one line each. */
  readonly problems: string[] = [];

  constructor(timeoutMs = 60_000) {
    const guard = setTimeout(() => {
      console.error(`demo: timed out after ${timeoutMs / 1000} s`);
      process.exit(1);
    }, timeoutMs);
    guard.unref();
  }

  /** Records a problem. */
  fail(problem: string): void {
    this.problems.push(problem);
  }

  /** Records each line of `actual` that differs from `expected` (see {@link diffLines}). */
  compare(what: string, actual: readonly string[], expected: readonly string[]): void {
    this.problems.push(...diffLines(what, actual, expected));
  }

  /**
   * Waits for `program` to end, then records each stdout line that differs from
   * `expected` and a non-zero exit (with its stderr). Returns the exit code.
   */
  async checkRun(
    name: string,
    program: Program,
    expected: readonly string[],
  ): Promise<number | null> {
    const code = await program.exited;
    this.compare(name, program.stdout, expected);
    if (code !== 0) this.fail(`${name} exited with ${code}: ${program.stderr.join('\n')}`);
    return code;
  }

  /**
   * {@link DemoReport.checkRun}, then prints `<name>: <n> lines, exit <code>`.
   */
  async checkClient(name: string, program: Program, expected: readonly string[]): Promise<void> {
    const code = await this.checkRun(name, program, expected);
    console.log(`${name}: ${program.stdout.length} lines, exit ${code}`);
  }

  /**
   * The verdict: with problems, prints `demo FAILED:` and each of them on stderr and exits
   * with 1; otherwise prints `okLine` on stdout and returns (the process then ends by itself).
   */
  finish(okLine: string): void {
    if (this.problems.length > 0) {
      console.error(`demo FAILED:\n  ${this.problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(okLine);
  }
}
