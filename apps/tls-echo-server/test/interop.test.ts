import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCerts, Program, PYTHON, seedScript, startServerApp, TCP_ECHO } from '@x/demo-kit';
import { expect, it, onTestFinished } from 'vitest';

const here = join(import.meta.dirname, '..');
const sslClient = join(here, '../../packages/ssl/src/test-support/fixtures/echo_client_ssl.py');

it.skipIf(!existsSync(PYTHON))(
  "the seed's Python echo client (ssl=context) works against our TLS echo server",
  async () => {
    const { ca, cert, key } = ensureCerts(join(here, 'certs'));
    const [server, port] = await startServerApp(here, [
      '--port',
      '0',
      '--cert',
      cert,
      '--key',
      key,
    ]);
    onTestFinished(() => server.stop());
    const moved = { seedPort: TCP_ECHO.seedPort, port: Number(port) };
    const [script, removeScript] = await seedScript(sslClient, moved);
    onTestFinished(removeScript);
    const python = new Program(PYTHON, ['-u', script, ca], here);
    onTestFinished(() => python.stop());

    expect([await python.exited, python.stdout]).toEqual([0, TCP_ECHO.clientLines]);
    await server.until(() => server.stdout.length === TCP_ECHO.serverLineCount(1));
    expect(server.stdout).toEqual(TCP_ECHO.expectedServerLines(server.stdout));
  },
  30_000,
);
