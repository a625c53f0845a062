/**
 * `pnpm demo` for the TCP echo server: starts this server on a free port, runs the
 * tcp-echo-client app and the seed's Python client against it, checks every printed
 * line against the seed's, stops the server by its PID. Exits non-zero on a mismatch.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_LINES,
  diffLines,
  Program,
  PYTHON,
  seedScript,
  serverLines,
  TSX,
} from './demo-support.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const clientApp = join(here, '..', 'tcp-echo-client');
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
  const port = (await server.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/))?.[1];
  if (port === undefined) throw new Error(`server did not start: ${server.stderr.join('\n')}`);
  console.log(`tcp-echo-server listening on 127.0.0.1:${port} (pid ${server.child.pid})`);

  const clients: Array<[string, string, string[]]> = [
    ['tcp-echo-client', process.execPath, [...TSX, join(clientApp, 'src/main.ts'), '--port', port]],
  ];
  let cleanup: (() => Promise<void>) | null = null;
  if (existsSync(PYTHON)) {
    const [script, done] = await seedScript(
      join(here, 'test/fixtures/tcp_echo_client.py'),
      Number(port),
    );
    cleanup = done;
    clients.push(['seed Python client', PYTHON, ['-u', script]]);
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
    await cleanup?.();
  }

  await server.until(() => server.stdout.length >= 4 * clients.length);
  await server.stop();
  const expected: string[] = [];
  for (let i = 0; i < clients.length; i++) {
    const clientPort = server.stdout[4 * i]?.match(/, (\d+)\)$/)?.[1] ?? '?';
    expected.push(...serverLines(clientPort));
  }
  problems.push(...diffLines('tcp-echo-server', server.stdout, expected));
  console.log(`tcp-echo-server: ${server.stdout.length} lines; stopped by PID`);
} finally {
  await server.stop();
}

if (problems.length > 0) {
  console.error(`demo FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('demo OK: every line matches the seed');
