/**
 * `pnpm demo` for the UDP echo server: starts this server on a free port, runs the
 * udp-echo-client app and the seed's Python client against it, checks every printed
 * line against the seed's, stops the server by its PID. Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_LINES, diffLines, Program, seedScript, serverLines, TSX } from './demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const clientApp = join(here, '..', 'udp-echo-client');
const python = '/usr/bin/python3';
const problems: string[] = [];
const guard = setTimeout(() => {
  console.error('demo: timed out after 60 s');
  process.exit(1);
}, 60_000);
guard.unref();

const server = new Program(
  process.execPath,
  [...TSX, 'src/main.ts', '--host', '127.0.0.1', '--port', '0'],
  here,
);
try {
  const [, port] = await server.waitForLine('stderr', /^listening on 127\.0\.0\.1:(\d+)$/);
  if (port === undefined) throw new Error(`server did not start: ${server.stderr.join('\n')}`);
  console.log(`udp-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);

  const ours = new Program(process.execPath, [...TSX, 'src/main.ts', '--port', port], clientApp);
  const ourCode = await ours.exited;
  problems.push(...diffLines('udp-echo-client', ours.stdout, CLIENT_LINES));
  if (ourCode !== 0)
    problems.push(`udp-echo-client exited with ${ourCode}: ${ours.stderr.join('\n')}`);
  console.log(`udp-echo-client: ${ours.stdout.length} lines, exit ${ourCode}`);

  const runs = 1 + (existsSync(python) ? 1 : 0);
  if (existsSync(python)) {
    const [script, cleanup] = await seedScript(
      join(here, 'test/fixtures/udp_echo_client.py'),
      Number(port),
    );
    try {
      const py = new Program(python, ['-u', script], here);
      const pyCode = await py.exited;
      problems.push(...diffLines('seed Python client', py.stdout, CLIENT_LINES));
      if (pyCode !== 0)
        problems.push(`seed Python client exited with ${pyCode}: ${py.stderr.join('\n')}`);
      console.log(`seed Python client: ${py.stdout.length} lines, exit ${pyCode}`);
    } finally {
      await cleanup();
    }
  } else {
    console.log(`(no ${python}: the seed Python client was not run)`);
  }

  // Every client's two lines must be in; then stop the server.
  await server.waitForCount('stdout', 1 + 2 * runs);
  await server.stop();
  const out = server.stdout;
  const expected = ['Starting UDP server'];
  for (let i = 0; i < runs; i++) {
    const clientPort = out[1 + 2 * i]?.match(/, (\d+)\)$/)?.[1] ?? '?';
    expected.push(...serverLines(clientPort).slice(1));
  }
  problems.push(...diffLines('udp-echo-server', out, expected));
  console.log(`udp-echo-server: ${out.length} lines; stopped by PID`);
} finally {
  await server.stop();
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: every line matches the seed');
