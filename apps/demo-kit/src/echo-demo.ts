import type { DemoReport } from './demo-report.js';
import { type Program, runPython } from './program.js';
import type { EchoSeed } from './seed-lines.js';
import { seedScript } from './seed-script.js';

/**
 * Runs the seed's Python echo client `fixture` (its port moved to `port`, see
 * {@link seedScript}) in `cwd`, checks its lines against `seed.clientLines` and prints
 * `seed Python client: <n> lines, exit <code>` (see {@link DemoReport.checkClient}).
 * The temporary script is removed afterwards.
 */
export async function checkSeedClient(
  report: DemoReport,
  seed: EchoSeed,
  fixture: string,
  port: number,
  cwd: string,
): Promise<void> {
  const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
  try {
    await report.checkClient('seed Python client', runPython(script, cwd), seed.clientLines);
  } finally {
    await cleanup();
  }
}

/**
 * Waits until the echo server `server` printed its lines for `clients` clients (or
 * ended), stops it by its PID, checks what it printed against `seed` and prints
 * `<name>: <n> lines; stopped by PID`.
 */
export async function checkEchoServer(
  report: DemoReport,
  name: string,
  server: Program,
  seed: EchoSeed,
  clients: number,
): Promise<void> {
  await server.until(() => server.stdout.length >= seed.serverLineCount(clients));
  await server.stop();
  report.compare(name, server.stdout, seed.expectedServerLines(server.stdout, clients));
  console.log(`${name}: ${server.stdout.length} lines; stopped by PID`);
}
