/**
 * `pnpm demo` for the TLS echo client: runs it against the tls-echo-server app and
 * against the seed's Python echo server with an ssl context (asyncio's own TLS), each on
 * a free port with certificates generated into this app's certs/ folder, and checks every
 * printed line. Servers are stopped by PID. Exits non-zero on any mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_LINES,
  diffLines,
  freePort,
  Program,
  PYTHON,
  SERVER_LINES,
  seedScript,
  TSX,
  waitUntilListening,
} from '../../tls-echo-server/src/demo-support.js';
import { ensureCerts } from '../../tls-echo-server/src/test-certs.js';

const here = join(import.meta.dirname, '..');
const serverApp = join(here, '..', 'tls-echo-server');
const certs = ensureCerts(join(here, 'certs'));
const problems: string[] = [];
const guard = setTimeout(() => {
  console.error('demo: timed out after 90 s');
  process.exit(1);
}, 90_000);
guard.unref();

async function against(name: string, server: Program, port: string): Promise<void> {
  try {
    const client = new Program(
      process.execPath,
      [...TSX, 'src/main.ts', '--port', port, '--ca', certs.ca, '--server-hostname', 'localhost'],
      here,
    );
    const code = await client.exited;
    problems.push(...diffLines(`tls-echo-client vs ${name}`, client.stdout, CLIENT_LINES));
    if (code !== 0)
      problems.push(`tls-echo-client vs ${name} exited with ${code}: ${client.stderr.join('\n')}`);
    await server.lines('stdout', SERVER_LINES.length);
    problems.push(...diffLines(name, server.stdout, SERVER_LINES));
    console.log(`tls-echo-client vs ${name}: ${client.stdout.length} lines, exit ${code}`);
  } finally {
    await server.stop();
  }
}

// 1. Against the tls-echo-server app (port 0, printed on stderr).
const ours = new Program(
  process.execPath,
  [...TSX, join(serverApp, 'src/main.ts'), '--port', '0', '--cert', certs.cert, '--key', certs.key],
  here,
);
const ourPort = (await ours.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/))?.[1];
if (ourPort === undefined)
  problems.push(`tls-echo-server did not start: ${ours.stderr.join('\n')}`);
else await against('tls-echo-server', ours, ourPort);
await ours.stop();

// 2. Against the seed's Python echo server with ssl (asyncio's sslproto).
if (existsSync(PYTHON)) {
  const port = await freePort();
  const [script, cleanup] = seedScript(join(here, 'test/fixtures/echo_server_ssl.py'), port);
  const python = new Program(PYTHON, ['-u', script, certs.cert, certs.key], here);
  try {
    // The seed's server prints nothing when ready: wait until it accepts connections.
    await waitUntilListening(port, python);
    // The probe connections made it print nothing (no data): only the real client's lines count.
    python.stdout.length = 0;
    await against('seed Python server (asyncio, ssl=context)', python, String(port));
  } finally {
    await python.stop();
    cleanup();
  }
} else {
  console.log(`(no ${PYTHON}: the seed Python server was not run)`);
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: TLS echo client verified against our server and asyncio');
