import { readFileSync } from 'node:fs';

/**
 * True when `pid` has exited but is not reaped yet (a zombie: Node has not processed
 * its exit). asyncio's `close()` asks `Popen.poll()` before killing, which reaps; Node
 * cannot reap by hand, so on Linux we read the state from `/proc` instead. Elsewhere
 * (no `/proc`) false: a signal to a zombie is harmless, its pid cannot be reused yet.
 */
export function exitedUnreaped(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The state letter follows the ")" that ends the command name.
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}
