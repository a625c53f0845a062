/**
 * `pnpm demo` for the TLS echo server: starts it on a free port (certificates generated
 * into certs/ on first run), runs the tls-echo-client app and the seed's Python echo
 * client (with an ssl context) against it, checks every printed line, and stops the
 * server by its PID. Exits non-zero on any mismatch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_LINES,
  diffLines,
  Program,
  PYTHON,
  SERVER_LINES,
  seedScript,
  TSX,
} from './demo-support.js';

const here = join(import.meta.dirname, '..');
const certs = join(here, 'certs');
const clientApp = join(here, '..', 'tls-echo-client');
const problems: string[] = [];
const guard = setTimeout(() => {
  console.error('demo: timed out after 90 s');
  process.exit(1);
}, 90_000);
guard.unref();

const server = new Program(
  process.execPath,
  [...TSX, 'src/main.ts', '--port', '0', '--certs', certs],
  here,
);
try {
  const port = (await server.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/))?.[1];
  if (port === undefined) throw new Error(`server did not start: ${server.stderr.join('\n')}`);
  console.log(`tls-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  const ca = join(certs, 'ca.pem');
  const clients: Array<[string, string, string[]]> = [
    [
      'tls-echo-client',
      process.execPath,
      [...TSX, join(clientApp, 'src/main.ts'), '--port', port, '--ca', ca],
    ],
  ];
  let cleanup: (() => void) | null = null;
  if (existsSync(PYTHON)) {
    // The seed's echo client with an ssl context: the fixture @x/ssl's interop test runs too.
    const fixture = join(here, '../../packages/ssl/src/test-support/fixtures/echo_client_ssl.py');
    const [script, done] = seedScript(fixture, Number(port));
    cleanup = done;
    clients.push(['seed Python client (asyncio, ssl=context)', PYTHON, ['-u', script, ca]]);
  } else {
    console.log(`(no ${PYTHON}: the seed Python client was not run)`);
  }
  try {
    for (const [name, command, args] of clients) {
      const client = new Program(command, args, here);
      const code = await client.exited;
      problems.push(...diffLines(name, client.stdout, CLIENT_LINES));
      if (code !== 0) problems.push(`${name} exited with ${code}: ${client.stderr.join('\n')}`);
      console.log(`${name}: ${client.stdout.length} lines, exit ${code}`);
    }
  } finally {
    cleanup?.();
  }
  await server.lines('stdout', SERVER_LINES.length * clients.length);
  await server.stop();
  const expected = clients.flatMap(() => SERVER_LINES);
  problems.push(...diffLines('tls-echo-server', server.stdout, expected));
  console.log(`tls-echo-server: ${server.stdout.length} lines; stopped by PID`);
} finally {
  await server.stop();
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: TLS echo over @x/ssl, verified certificates, seed lines matched');
