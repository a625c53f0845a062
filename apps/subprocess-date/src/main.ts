/**
 * The seed's subprocess example: spawns a child that prints the current date,
 * collects its output with a SubprocessProtocol and prints `Current date: ...`.
 */
import { PYTHON, parseCommandLine } from '@x/demo-kit';
import { run } from '@x/loop';
import { subprocess } from '@x/subprocess';
import { getDate } from './get-date.js';

const HELP = `usage: subprocess-date [--python [--python-path PATH]]

Runs a child process that prints the current date, reads its stdout through
loop.subprocessExec() and a SubprocessProtocol, and prints "Current date: <date>".
  --python             let the child be Python running the seed's code (default: this Node)
  --python-path PATH   the Python to run with --python (default /usr/bin/python3)
  --help               show this help`;

const values = parseCommandLine(HELP, {
  python: { type: 'boolean', default: false },
  'python-path': { type: 'string', default: PYTHON },
});

const date = await run(
  (loop) => getDate(loop, values.python ? 'python' : 'node', values['python-path']),
  { transports: [subprocess()] },
);
console.log(`Current date: ${date}`);
