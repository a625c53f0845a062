/**
 * `pnpm demo` for subprocess-date: runs this app (`src/main.ts`) with a Node child and
 * with a Python child running the seed's code, and the seed's own Python example
 * (`test/fixtures/subprocess_date.py`, run as it is), and checks that each printed
 * exactly one line `Current date: <YYYY-MM-DD HH:MM:SS.ffffff>` with today's date.
 * Exits non-zero on any mismatch.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DemoReport, PYTHON, TSX } from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const LINE = /^Current date: (\d{4})-(\d{2})-(\d{2}) \d{2}:\d{2}:\d{2}\.\d{6}$/;
const report = new DemoReport();

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end (each run is bounded by the report's guard). */
function runProgram(file: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

/** Today's local date as `YYYY-MM-DD`, the days around it accepted (a run across midnight). */
function plausibleDays(): Set<string> {
  const days = new Set<string>();
  for (const offset of [-1, 0, 1]) {
    const d = new Date(Date.now() + offset * 86_400_000);
    days.add(
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`,
    );
  }
  return days;
}

const runs: Array<[label: string, file: string, args: string[]]> = [
  ['subprocess-date (Node child)', process.execPath, [...TSX, 'src/main.ts']],
];
if (existsSync(PYTHON)) {
  runs.push(
    [
      'subprocess-date --python (the seed code in the child)',
      process.execPath,
      [...TSX, 'src/main.ts', '--python'],
    ],
    ["the seed's Python example", PYTHON, [join(here, 'test/fixtures/subprocess_date.py')]],
  );
} else {
  console.log(`(no ${PYTHON}: the Python runs were skipped)`);
}

const days = plausibleDays();
for (const [label, file, args] of runs) {
  const result = await runProgram(file, args);
  const lines = result.stdout.split('\n').filter((l) => l !== '');
  const match = lines.length === 1 ? LINE.exec(lines[0] ?? '') : null;
  if (result.code !== 0) report.fail(`${label}: exit code ${result.code}: ${result.stderr.trim()}`);
  if (match === null) {
    report.fail(
      `${label}: expected one line "Current date: <date>", got ${JSON.stringify(result.stdout)}`,
    );
  } else if (!days.has(`${match[1]}-${match[2]}-${match[3]}`)) {
    report.fail(`${label}: the date is not today's: ${lines[0]}`);
  }
  console.log(`${label}: ${lines[0] ?? '(nothing)'} (exit ${result.code})`);
}

report.finish(`demo OK: ${runs.length} runs printed the current date`);
