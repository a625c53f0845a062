/**
 * `pnpm demo` for the TCP echo client: starts the seed's Python echo server on a free
 * port, runs this client against it, checks both programs' lines against the seed's,
 * stops the server by its PID. Exits non-zero on a mismatch. (The server app's demo
 * runs this client against our own server.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DemoReport,
  freeTcpPort,
  PYTHON,
  runApp,
  runPython,
  TCP_ECHO as seed,
  seedScript,
  waitUntilListening,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const report = new DemoReport();

if (!existsSync(PYTHON)) {
  console.log(`(no ${PYTHON}: nothing to run this client against; skipped)`);
  process.exit(0);
}
const port = await freeTcpPort();
const fixture = join(here, 'test/fixtures/tcp_echo_server.py');
const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
const server = runPython(script, here);
try {
  await waitUntilListening(port, server);
  console.log(`seed Python server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  await report.checkClient(
    'tcp-echo-client',
    runApp(here, ['--port', String(port)]),
    seed.clientLines,
  );
  // Only where /proc/net/tcp is missing does waitUntilListening probe by connecting: each
  // probe prints one 'Connection from' line before the client's four.
  await server.until(() => server.stdout.some((l) => l === 'Close the client socket'));
  await server.stop();
  const lines = server.stdout.slice(-4);
  const probes = server.stdout.slice(0, -4);
  if (!probes.every((l) => l.startsWith('Connection from ')))
    report.fail(`seed Python server printed unexpected lines: ${JSON.stringify(probes)}`);
  report.compare('seed Python server', lines, seed.expectedServerLines(lines));
  console.log(`seed Python server: ${server.stdout.length} lines; stopped by PID`);
} finally {
  await server.stop();
  await cleanup();
}

report.finish('demo OK: every line matches the seed');
