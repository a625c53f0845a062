// What every package's `benchmarks/run.mjs` shares: CPU pinning, server start-up and
// CPU accounting from /proc, and medians. Benchmarks are not published, so packages
// import this by relative path.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Pin the server to CPU 0 and the load generator to CPU 1 (taskset, >= 2 CPUs). */
export const pinning =
  availableParallelism() >= 2 && spawnSync('taskset', ['--version']).status === 0;

/** `[command, argv]` running `command args` pinned to `cpu` when pinning is on. */
export function pinned(cpu, command, args) {
  return pinning ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/** User + system CPU ticks of a process so far (utime + stime, fields 14 and 15 of /proc/PID/stat). */
export function cpuTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

/** Clock ticks per second of /proc CPU figures on Linux. */
export const CLK_TCK = 100;

/**
 * Starts `node ...args` on CPU 0; resolves with the child and the port once it printed
 * "listening on HOST:PORT" on stdout.
 */
export async function startNodeServer(args) {
  const [command, argv] = pinned(0, process.execPath, args);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolvePort, reject) => {
    let text = '';
    const onExit = (code) => reject(new Error(`server exited with ${code} before listening`));
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const m = text.match(/listening on [^\s]+:(\d+)/);
      if (m) {
        child.removeListener('exit', onExit);
        resolvePort(Number(m[1]));
      }
    });
    child.once('exit', onExit);
  });
  return { child, port };
}

/** Median of the finite values (NaN when there are none). */
export function median(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
