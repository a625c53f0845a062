import type { StdioOption } from '@x/transport-core';

/**
 * Connect the child's standard stream to a pipe with a pipe transport (asyncio
 * `subprocess.PIPE`). The default for `stdin`, `stdout` and `stderr`.
 */
export const PIPE = 'pipe' satisfies StdioOption;

/** Connect the child's standard stream to `/dev/null` (asyncio `subprocess.DEVNULL`). */
export const DEVNULL = 'devnull' satisfies StdioOption;

/**
 * For `stderr` only: write the child's stderr into the same pipe as its stdout
 * (asyncio `subprocess.STDOUT`). The data arrives as `pipeDataReceived(1, ...)` and
 * `getPipeTransport(2)` is `null`.
 */
export const STDOUT = 'stdout' satisfies StdioOption;
