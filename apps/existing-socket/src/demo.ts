/**
 * `pnpm demo` for the existing-socket example: runs it and the seed's Python original,
 * checks that both print the seed's line. Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DemoReport, Program, PYTHON, TSX } from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const report = new DemoReport();

const EXPECTED = ['Received: abc'];
const runs: Array<[string, string, string[]]> = [
  ['existing-socket', process.execPath, [...TSX, 'src/main.ts']],
];
if (existsSync(PYTHON))
  runs.push(['seed Python example', PYTHON, ['-u', 'test/fixtures/existing_socket.py']]);
else console.log(`(no ${PYTHON}: the seed Python example was not run)`);

for (const [name, command, args] of runs) {
  const program = new Program(command, args, here);
  const code = await report.checkRun(name, program, EXPECTED);
  console.log(`${name}: ${JSON.stringify(program.stdout)}, exit ${code}`);
}
report.finish('demo OK: the output matches the seed');
