/**
 * `pnpm demo` for the UDP echo client: runs this client against the seed's Python UDP
 * echo server and against the udp-echo-server app, each on a free port, and checks every
 * printed line (client and server) against the seed's. Servers are stopped by PID.
 * Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_LINES,
  diffLines,
  freeUdpPort,
  Program,
  seedScript,
  serverLines,
  TSX,
  waitUntilBound,
} from '../../udp-echo-server/src/demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const serverApp = join(here, '..', 'udp-echo-server');
const python = '/usr/bin/python3';
const problems: string[] = [];
const guard = setTimeout(() => {
  console.error('demo: timed out after 60 s');
  process.exit(1);
}, 60_000);
guard.unref();

/** Runs this client against `port`; then checks its lines and the server's. */
async function against(name: string, server: Program, port: number): Promise<void> {
  const client = new Program(
    process.execPath,
    [...TSX, 'src/main.ts', '--port', String(port)],
    here,
  );
  const code = await client.exited;
  problems.push(...diffLines(`udp-echo-client vs ${name}`, client.stdout, CLIENT_LINES));
  if (code !== 0)
    problems.push(`udp-echo-client vs ${name} exited with ${code}: ${client.stderr.join('\n')}`);
  await server.waitForCount('stdout', 3);
  await server.stop();
  const clientPort = server.stdout[1]?.match(/, (\d+)\)$/)?.[1] ?? '?';
  problems.push(...diffLines(name, server.stdout, serverLines(clientPort)));
  console.log(
    `udp-echo-client vs ${name}: client ${client.stdout.length} lines, server ${server.stdout.length} lines`,
  );
}

if (existsSync(python)) {
  const port = await freeUdpPort();
  const [script, cleanup] = await seedScript(join(here, 'test/fixtures/udp_echo_server.py'), port);
  const server = new Program(python, ['-u', script], here);
  try {
    await server.waitForLine('stdout', /^Starting UDP server$/);
    await waitUntilBound(port);
    await against('seed Python server', server, port);
  } finally {
    await server.stop();
    await cleanup();
  }
} else {
  console.log(`(no ${python}: the seed Python server was not run)`);
}

const ours = new Program(process.execPath, [...TSX, 'src/main.ts', '--port', '0'], serverApp);
try {
  const [, port] = await ours.waitForLine('stderr', /^listening on 127\.0\.0\.1:(\d+)$/);
  if (port === undefined)
    throw new Error(`udp-echo-server did not start: ${ours.stderr.join('\n')}`);
  await against('udp-echo-server', ours, Number(port));
} finally {
  await ours.stop();
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: every line matches the seed');
