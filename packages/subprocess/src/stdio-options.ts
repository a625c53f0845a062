import type { StdioOption, SubprocessOptions } from '@x/transport-core';
import { describeType } from '@x/transport-core';
import { DEVNULL, PIPE, STDOUT } from './constants.js';

/** How one standard stream of the child is set up. */
export type StdioPlan = 'pipe' | 'ignore' | 'inherit' | number | 'merge';

/** The three streams, checked, plus the spawn options that pass through to Node. */
export interface SpawnPlan {
  readonly stdio: readonly [stdin: StdioPlan, stdout: StdioPlan, stderr: StdioPlan];
  readonly nodeOptions: Omit<SubprocessOptions, 'stdin' | 'stdout' | 'stderr'>;
}

const NAMES = ['stdin', 'stdout', 'stderr'] as const;

function planOne(value: unknown, index: 0 | 1 | 2): StdioPlan {
  const name = NAMES[index];
  if (value === undefined || value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (value === null) return 'inherit';
  if (value === STDOUT) {
    if (index !== 2) throw new TypeError(`STDOUT is only valid for stderr, not for ${name}`);
    return 'merge';
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a file descriptor (an integer >= 0), not ${value}`);
    }
    return value;
  }
  throw new TypeError(
    `${name} must be PIPE, DEVNULL, STDOUT (stderr only), null or a file descriptor, not ${
      typeof value === 'string' ? `'${value}'` : `'${describeType(value)}'`
    }`,
  );
}

/**
 * Checks the options of `subprocessExec` / `subprocessShell` before anything is
 * spawned. `stdin`/`stdout`/`stderr` take `PIPE` (default), `DEVNULL`, `null`
 * (inherit), a file descriptor, or `STDOUT` for stderr; every other key is one of
 * Node's spawn options and passes through (`cwd`, `env`, `uid`, `detached`, ...).
 * @throws TypeError for a non-object, an invalid stream value, or the `stdio` /
 *   `shell` keys (which this API sets itself); RangeError for a negative fd.
 */
export function planSpawn(options: unknown): SpawnPlan {
  if (options === undefined || options === null) {
    return { stdio: ['pipe', 'pipe', 'pipe'], nodeOptions: {} };
  }
  if (typeof options !== 'object') {
    throw new TypeError(`options must be an object, not '${describeType(options)}'`);
  }
  const { stdin, stdout, stderr, ...rest } = options as SubprocessOptions & Record<string, unknown>;
  if (rest.stdio !== undefined) {
    throw new TypeError("the 'stdio' option is not supported: use stdin, stdout and stderr");
  }
  if (rest.shell !== undefined) {
    throw new TypeError(
      "the 'shell' option is not supported: use subprocessShell() to run a shell command",
    );
  }
  const plan: [StdioPlan, StdioPlan, StdioPlan] = [
    planOne(stdin, 0),
    planOne(stdout, 1),
    planOne(stderr as StdioOption | undefined, 2),
  ];
  return { stdio: plan, nodeOptions: rest };
}
