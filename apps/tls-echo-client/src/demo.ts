/**
 * `pnpm demo` for the TLS echo client: runs it against the tls-echo-server app and
 * against the seed's Python echo server with an ssl context (asyncio's own TLS), each on
 * a free port with certificates generated into this app's certs/ folder, and checks every
 * printed line. Servers are stopped by PID. Exits non-zero on any mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DemoReport,
  ensureCerts,
  freeTcpPort,
  listeningPort,
  Program,
  PYTHON,
  runApp,
  TCP_ECHO as seed,
  seedScript,
  waitUntilListening,
} from '@x/demo-kit';

const here = join(import.meta.dirname, '..');
const serverApp = join(here, '..', 'tls-echo-server');
const certs = ensureCerts(join(here, 'certs'));
const report = new DemoReport(90_000);

async function against(name: string, server: Program, port: string): Promise<void> {
  try {
    const client = runApp(here, [
      '--port',
      port,
      '--ca',
      certs.ca,
      '--server-hostname',
      'localhost',
    ]);
    const code = await report.checkRun(`tls-echo-client vs ${name}`, client, seed.clientLines);
    await server.until(() => server.stdout.length >= seed.serverLineCount(1));
    report.compare(name, server.stdout, seed.expectedServerLines(server.stdout));
    console.log(`tls-echo-client vs ${name}: ${client.stdout.length} lines, exit ${code}`);
  } finally {
    await server.stop();
  }
}

// 1. Against the tls-echo-server app (port 0, printed on stderr).
const ours = runApp(serverApp, ['--port', '0', '--cert', certs.cert, '--key', certs.key]);
const ourPort = await listeningPort(ours);
if (ourPort === undefined) report.fail(`tls-echo-server did not start: ${ours.stderr.join('\n')}`);
else await against('tls-echo-server', ours, ourPort);
await ours.stop();

// 2. Against the seed's Python echo server with ssl (asyncio's sslproto).
if (existsSync(PYTHON)) {
  const port = await freeTcpPort();
  const fixture = join(here, 'test/fixtures/echo_server_ssl.py');
  const [script, cleanup] = await seedScript(fixture, { seedPort: seed.seedPort, port });
  const python = new Program(PYTHON, ['-u', script, certs.cert, certs.key], here);
  try {
    // The seed's server prints nothing when ready: wait until it accepts connections.
    await waitUntilListening(port, python);
    // The probe connections made it print nothing (no data): only the real client's lines count.
    python.stdout.length = 0;
    await against('seed Python server (asyncio, ssl=context)', python, String(port));
  } finally {
    await python.stop();
    await cleanup();
  }
} else {
  console.log(`(no ${PYTHON}: the seed Python server was not run)`);
}

report.finish('demo OK: TLS echo client verified against our server and asyncio');
