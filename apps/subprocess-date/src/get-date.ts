import { PYTHON } from '@x/demo-kit';
import type { AbstractEventLoop } from '@x/transport-core';
import { DateProtocol } from './date-protocol.js';

/**
 * The child's program, in the language of the interpreter that runs it. The seed runs
 * `sys.executable` (the Python running the example) with Python code; the Node
 * counterpart is `process.execPath` with JavaScript printing the same format as
 * Python's `datetime.datetime.now()`: local time, `YYYY-MM-DD HH:MM:SS.ffffff`.
 */
export const CHILD_CODE = {
  node: [
    'const d = new Date();',
    "const p = (n, w = 2) => String(n).padStart(w, '0');",
    "console.log(d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +",
    "  p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds() * 1000, 6));",
  ].join('\n'),
  python: 'import datetime; print(datetime.datetime.now())',
} as const;

/** Which interpreter the child runs. */
export type ChildInterpreter = keyof typeof CHILD_CODE;

/** The seed's `get_date()`: runs a child that prints the date and returns what it printed. */
export async function getDate(
  loop: AbstractEventLoop,
  interpreter: ChildInterpreter = 'node',
  python = PYTHON,
): Promise<string> {
  const code = CHILD_CODE[interpreter];
  const exitFuture = loop.createFuture<boolean>();
  // Create the subprocess controlled by DateProtocol; its stdout goes into a pipe,
  // stdin and stderr are inherited (null), as in the seed.
  const program = interpreter === 'node' ? process.execPath : python;
  const [transport, protocol] = await loop.subprocessExec(
    () => new DateProtocol(exitFuture),
    program,
    interpreter === 'node' ? ['-e', code] : ['-c', code],
    { stdin: null, stderr: null },
  );
  // Wait for the exit (and the end of its output) through the protocol's callbacks.
  await exitFuture;
  // Close the stdout pipe.
  transport.close();
  // The output collected by pipeDataReceived().
  return protocol.output.toString('ascii').trimEnd();
}
