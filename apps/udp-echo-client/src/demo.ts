/**
 * `pnpm demo` for the UDP echo client: runs this client against the seed's Python UDP
 * echo server and against the udp-echo-server app, each on a free port, and checks every
 * printed line (client and server) against the seed's. Servers are stopped by PID.
 * Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DemoReport,
  freeUdpPort,
  type Program,
  PYTHON,
  runApp,
  runPython,
  UDP_ECHO as seed,
  seedScript,
  startServerApp,
  waitUntilBound,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const serverApp = join(here, '..', 'udp-echo-server');
const report = new DemoReport();

/** Runs this client against `port`; then checks its lines and the server's. */
async function against(name: string, server: Program, port: number): Promise<void> {
  const client = runApp(here, ['--port', String(port)]);
  await report.checkRun(`udp-echo-client vs ${name}`, client, seed.clientLines);
  await server.until(() => server.stdout.length >= seed.serverLineCount(1));
  await server.stop();
  report.compare(name, server.stdout, seed.expectedServerLines(server.stdout));
  console.log(
    `udp-echo-client vs ${name}: client ${client.stdout.length} lines, server ${server.stdout.length} lines`,
  );
}

if (existsSync(PYTHON)) {
  const port = await freeUdpPort();
  const fixture = join(here, 'test/fixtures/udp_echo_server.py');
  const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
  const server = runPython(script, here);
  try {
    await server.line('stdout', /^Starting UDP server$/);
    await waitUntilBound(port, server);
    await against('seed Python server', server, port);
  } finally {
    await server.stop();
    await cleanup();
  }
} else {
  console.log(`(no ${PYTHON}: the seed Python server was not run)`);
}

const [ours, port] = await startServerApp(serverApp, ['--port', '0'], 'udp-echo-server');
try {
  await against('udp-echo-server', ours, Number(port));
} finally {
  await ours.stop();
}

report.finish('demo OK: every line matches the seed');
