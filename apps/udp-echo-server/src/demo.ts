/**
 * `pnpm demo` for the UDP echo server: starts this server on a free port, runs the
 * udp-echo-client app and the seed's Python client against it, checks every printed
 * line against the seed's, stops the server by its PID. Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkEchoServer,
  checkSeedClient,
  DemoReport,
  PYTHON,
  runApp,
  UDP_ECHO as seed,
  startServerApp,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const clientApp = join(here, '..', 'udp-echo-client');
const fixture = join(here, 'test/fixtures/udp_echo_client.py');
const report = new DemoReport();
const python = existsSync(PYTHON);

const [server, port] = await startServerApp(here, ['--host', '127.0.0.1', '--port', '0']);
try {
  console.log(`udp-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  await report.checkClient(
    'udp-echo-client',
    runApp(clientApp, ['--port', port]),
    seed.clientLines,
  );
  if (python) await checkSeedClient(report, seed, fixture, Number(port), here);
  else console.log(`(no ${PYTHON}: the seed Python client was not run)`);
  await checkEchoServer(report, 'udp-echo-server', server, seed, python ? 2 : 1);
} finally {
  await server.stop();
}

report.finish('demo OK: every line matches the seed');
