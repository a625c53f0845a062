import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureCerts,
  freeTcpPort,
  Program,
  PYTHON,
  runApp,
  seedScript,
  TCP_ECHO,
  waitUntilListening,
} from '@x/demo-kit';
import { expect, it, onTestFinished } from 'vitest';

const here = join(import.meta.dirname, '..');

it.skipIf(!existsSync(PYTHON))(
  "our TLS echo client works against the seed's Python echo server (ssl=context)",
  async () => {
    const { ca, cert, key } = ensureCerts(join(here, 'certs'));
    const port = await freeTcpPort();
    const sslServer = join(here, 'test/fixtures/echo_server_ssl.py');
    const [script, removeScript] = await seedScript(sslServer, {
      seedPort: TCP_ECHO.seedPort,
      port,
    });
    onTestFinished(removeScript);
    const python = new Program(PYTHON, ['-u', script, cert, key], here);
    onTestFinished(() => python.stop());
    await waitUntilListening(port, python);
    python.stdout.length = 0; // only what the real client made it print counts

    const args = ['--port', String(port), '--ca', ca, '--server-hostname', 'localhost'];
    const client = runApp(here, args);
    onTestFinished(() => client.stop());
    expect([await client.exited, client.stdout]).toEqual([0, TCP_ECHO.clientLines]);
    await python.until(() => python.stdout.length === TCP_ECHO.serverLineCount(1));
    expect(python.stdout).toEqual(TCP_ECHO.expectedServerLines(python.stdout));
  },
  30_000,
);
