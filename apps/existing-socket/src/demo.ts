/**
 * `pnpm demo` for the existing-socket example: runs it and the seed's Python original,
 * checks that both print the seed's line. Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffLines, Program, PYTHON, TSX } from '../../tcp-echo-server/src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const guard = setTimeout(() => {
  console.error('demo: timed out after 60 s');
  process.exit(1);
}, 60_000);
guard.unref();

const EXPECTED = ['Received: abc'];
const runs: Array<[string, string, string[]]> = [
  ['existing-socket', process.execPath, [...TSX, 'src/main.ts']],
];
if (existsSync(PYTHON))
  runs.push(['seed Python example', PYTHON, ['-u', 'test/fixtures/existing_socket.py']]);
else console.log(`(no ${PYTHON}: the seed Python example was not run)`);

const problems: string[] = [];
for (const [name, command, args] of runs) {
  const program = new Program(command, args, here);
  const code = await program.exited;
  problems.push(...diffLines(name, program.stdout, EXPECTED));
  if (code !== 0) problems.push(`${name} exited with ${code}: ${program.stderr.join('\n')}`);
  console.log(`${name}: ${JSON.stringify(program.stdout)}, exit ${code}`);
}
if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: the output matches the seed');
