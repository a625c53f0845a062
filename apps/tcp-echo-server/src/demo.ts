/**
 * `pnpm demo` for the TCP echo server: starts this server on a free port, runs the
 * tcp-echo-client app and the seed's Python client against it, checks every printed
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
  TCP_ECHO as seed,
  startServerApp,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const clientApp = join(here, '..', 'tcp-echo-client');
const fixture = join(here, 'test/fixtures/tcp_echo_client.py');
const report = new DemoReport();
const python = existsSync(PYTHON);

const [server, port] = await startServerApp(here, ['--host', '127.0.0.1', '--port', '0']);
try {
  console.log(`tcp-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  if (!python) console.log(`(no ${PYTHON}: the seed Python client was not run)`);
  await report.checkClient(
    'tcp-echo-client',
    runApp(clientApp, ['--port', port]),
    seed.clientLines,
  );
  if (python) await checkSeedClient(report, seed, fixture, Number(port), here);
  await checkEchoServer(report, 'tcp-echo-server', server, seed, python ? 2 : 1);
} finally {
  await server.stop();
}

report.finish('demo OK: every line matches the seed');
