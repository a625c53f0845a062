import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type {
  AbstractEventLoop,
  SubprocessOptions,
  SubprocessProtocol,
  SubprocessTransport,
} from '@x/transport-core';
import { describeType } from '@x/transport-core';
import { ChildProcessTransport } from './child-process-transport.js';
import { checkProtocolFactory, makeConnection, makeProtocol } from './make-connection.js';
import { createSocketPair } from './socket-pair.js';
import { planSpawn, type StdioPlan } from './stdio-options.js';

/** The shell of `subprocessShell` (POSIX `sh -c`, as asyncio and `child_process` use). */
const SHELL = '/bin/sh';

function spawnFailure(child: ChildProcess): Promise<Error> {
  return new Promise((resolve) => child.once('error', resolve));
}

/** Node's stdio entry for a plan entry ('merge' is resolved by the caller). */
function nodeStdio(plan: StdioPlan): 'pipe' | 'ignore' | 'inherit' | number {
  return plan === 'merge' ? 'pipe' : plan;
}

/**
 * Spawns `file` with `args` and connects a {@link ChildProcessTransport} to it:
 * the common part of `subprocessExec` and `subprocessShell`. The protocol factory is
 * called before spawning (as asyncio); resolves after `connectionMade` returned.
 * A failed spawn (ENOENT, EACCES, a bad fd) rejects with Node's error and calls no
 * protocol callback; nothing is left open.
 */
async function spawnSubprocess<P extends SubprocessProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  file: string,
  args: readonly string[],
  options: unknown,
): Promise<[SubprocessTransport, P]> {
  const plan = planSpawn(options);
  checkProtocolFactory(protocolFactory);
  const protocol = makeProtocol(protocolFactory);
  const [inPlan, outPlan, errPlan] = plan.stdio;
  const stdio: StdioOptions = [nodeStdio(inPlan), nodeStdio(outPlan), nodeStdio(errPlan)];
  let pair: [ours: Socket, theirs: Socket] | null = null;
  if (errPlan === 'merge') {
    if (outPlan === 'pipe') {
      // One pipe for both: the child's fds 1 and 2 are the same socket, so the
      // order of what it writes to either is kept (asyncio's stderr=STDOUT).
      pair = await createSocketPair();
      stdio[1] = pair[1];
      stdio[2] = pair[1];
    } else {
      stdio[2] = outPlan === 'inherit' ? 1 : nodeStdio(outPlan);
    }
  }
  let child: ChildProcess;
  try {
    child = spawn(file, args, { ...plan.nodeOptions, stdio });
  } catch (err) {
    pair?.[0].destroy();
    pair?.[1].destroy();
    throw err;
  }
  // The child has its own copy of its end now.
  pair?.[1].destroy();
  if (child.pid === undefined) {
    pair?.[0].destroy();
    throw await spawnFailure(child);
  }
  const transport = new ChildProcessTransport(loop, protocol, child, {
    stdin: child.stdin as Socket | null,
    stdout: pair !== null ? pair[0] : (child.stdout as Socket | null),
    stderr: pair !== null ? null : (child.stderr as Socket | null),
  });
  await makeConnection(loop, transport, protocol, () => transport._started());
  return [transport, protocol];
}

/**
 * `loop.subprocessExec(protocolFactory, program, args, options)` (asyncio
 * `subprocess_exec`): runs `program` (looked up in `PATH` when it has no `/`) with
 * `args`, without a shell.
 * @throws TypeError for a non-string program, non-string args or bad options (see
 *   `planSpawn`); the spawn error (ENOENT, EACCES, ...) when the program cannot run.
 */
export function subprocessExec<P extends SubprocessProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  program: string,
  args: readonly string[] = [],
  options?: SubprocessOptions,
): Promise<[SubprocessTransport, P]> {
  try {
    if (typeof program !== 'string' || program === '') {
      throw new TypeError(`program must be a non-empty string, not '${describeType(program)}'`);
    }
    if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
      throw new TypeError(`args must be an array of strings, not '${describeType(args)}'`);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  return spawnSubprocess(loop, protocolFactory, program, args, options);
}

/**
 * `loop.subprocessShell(protocolFactory, cmd, options)` (asyncio `subprocess_shell`):
 * runs `cmd` with `/bin/sh -c`.
 * @throws TypeError when `cmd` is not a string ("cmd must be a string") or for bad options.
 */
export function subprocessShell<P extends SubprocessProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  cmd: string,
  options?: SubprocessOptions,
): Promise<[SubprocessTransport, P]> {
  if (typeof cmd !== 'string') {
    return Promise.reject(new TypeError(`cmd must be a string, not '${describeType(cmd)}'`));
  }
  return spawnSubprocess(loop, protocolFactory, SHELL, ['-c', cmd], options);
}
