/**
 * `pnpm demo` for the TLS echo server: starts it on a free port (certificates generated
 * into certs/ on first run), runs the tls-echo-client app and the seed's Python echo
 * client (with an ssl context) against it, checks every printed line, and stops the
 * server by its PID. Exits non-zero on any mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkEchoServer,
  DemoReport,
  Program,
  PYTHON,
  runApp,
  TCP_ECHO as seed,
  seedScript,
  startServerApp,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const certs = join(here, 'certs');
const clientApp = join(here, '..', 'tls-echo-client');
// The seed's echo client with an ssl context: the fixture @x/ssl's interop test runs too.
const fixture = join(here, '../../packages/ssl/src/test-support/fixtures/echo_client_ssl.py');
const report = new DemoReport(90_000);
const python = existsSync(PYTHON);

const [server, port] = await startServerApp(here, ['--port', '0', '--certs', certs]);
try {
  console.log(`tls-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  const ca = join(certs, 'ca.pem');
  if (!python) console.log(`(no ${PYTHON}: the seed Python client was not run)`);
  await report.checkClient(
    'tls-echo-client',
    runApp(clientApp, ['--port', port, '--ca', ca]),
    seed.clientLines,
  );
  if (python) {
    const [script, cleanup] = await seedScript(fixture, {
      seedPort: seed.seedPort,
      port: Number(port),
    });
    try {
      await report.checkClient(
        'seed Python client (asyncio, ssl=context)',
        new Program(PYTHON, ['-u', script, ca], here),
        seed.clientLines,
      );
    } finally {
      await cleanup();
    }
  }
  await checkEchoServer(report, 'tls-echo-server', server, seed, python ? 2 : 1);
} finally {
  await server.stop();
}

report.finish('demo OK: TLS echo over @x/ssl, verified certificates, seed lines matched');
