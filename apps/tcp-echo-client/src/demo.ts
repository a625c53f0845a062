/**
 * `pnpm demo` for the TCP echo client: starts the seed's Python echo server on a free
 * port, runs this client against it, checks both programs' lines against the seed's,
 * stops the server by its PID. Exits non-zero on a mismatch. (The server app's demo
 * runs this client against our own server.)
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_LINES,
  diffLines,
  freePort,
  Program,
  PYTHON,
  seedScript,
  serverLines,
  TSX,
  waitUntilListening,
} from '../../tcp-echo-server/src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const guard = setTimeout(() => {
  console.error('demo: timed out after 60 s');
  process.exit(1);
}, 60_000);
guard.unref();

if (!existsSync(PYTHON)) {
  console.log(`(no ${PYTHON}: nothing to run this client against; skipped)`);
  process.exit(0);
}
const problems: string[] = [];
const port = await freePort();
const [script, cleanup] = await seedScript(join(here, 'test/fixtures/tcp_echo_server.py'), port);
const server = new Program(PYTHON, ['-u', script], here);
try {
  await waitUntilListening(port, server);
  console.log(`seed Python server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);
  const client = new Program(
    process.execPath,
    [...TSX, 'src/main.ts', '--port', String(port)],
    here,
  );
  const code = await client.exited;
  problems.push(...diffLines('tcp-echo-client', client.stdout, CLIENT_LINES));
  if (code !== 0) problems.push(`tcp-echo-client exited with ${code}: ${client.stderr.join('\n')}`);
  console.log(`tcp-echo-client: ${client.stdout.length} lines, exit ${code}`);
  // The first connection was the readiness probe (it prints one line and nothing else).
  await server.until(() => server.stdout.some((l) => l === 'Close the client socket'));
  await server.stop();
  const lines = server.stdout.slice(-4);
  const probes = server.stdout.slice(0, -4);
  if (!probes.every((l) => l.startsWith('Connection from ')))
    problems.push(`seed Python server printed unexpected lines: ${JSON.stringify(probes)}`);
  const clientPort = lines[0]?.match(/, (\d+)\)$/)?.[1] ?? '?';
  problems.push(...diffLines('seed Python server', lines, serverLines(clientPort)));
  console.log(`seed Python server: ${server.stdout.length} lines; stopped by PID`);
} finally {
  await server.stop();
  await cleanup();
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: every line matches the seed');
