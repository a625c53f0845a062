import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  diffLines,
  freeTcpPort,
  Program,
  peerPort,
  pyAddress,
  pyRepr,
  seedScript,
  TCP_ECHO,
  UDP_ECHO,
} from '@x/demo-kit';
import { describe, expect, it } from 'vitest';

describe('Python formatting of the printed lines', () => {
  it('repr() of str', () => {
    expect(pyRepr('Hello World!')).toBe("'Hello World!'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('it\'s "x"')).toBe("'it\\'s \"x\"'");
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
    expect(pyRepr('\t\r\x01\x7f')).toBe("'\\t\\r\\x01\\x7f'");
  });

  it('str() of an address', () => {
    expect(pyAddress(['127.0.0.1', 5])).toBe("('127.0.0.1', 5)");
    expect(pyAddress(['::1', 5])).toBe("('::1', 5, 0, 0)");
    expect(pyAddress('/tmp/s.sock')).toBe("'/tmp/s.sock'");
    expect(pyAddress(null)).toBe('None');
  });
});

describe('line checks', () => {
  it('diffLines names each differing line, missing and extra ones included', () => {
    expect(diffLines('x', ['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(diffLines('x', ['a', 'c', 'd'], ['a', 'b'])).toEqual([
      'x line 2: expected "b", got "c"',
      'x line 3: expected undefined, got "d"',
    ]);
  });

  it('the echo seeds expect one run of server lines per client, ports read from the output', () => {
    const printed = [...TCP_ECHO.serverLines(50001), ...TCP_ECHO.serverLines(50002)];
    expect(TCP_ECHO.expectedServerLines(printed, 2)).toEqual(printed);
    expect(TCP_ECHO.serverLineCount(2)).toBe(8);
    expect(TCP_ECHO.expectedServerLines([])[0]).toBe("Connection from ('127.0.0.1', ?)");
    const udp = UDP_ECHO.serverLines(40000);
    expect(udp[0]).toBe('Starting UDP server');
    expect(UDP_ECHO.expectedServerLines([...udp, ...udp.slice(1)], 2)).toEqual([
      ...udp,
      ...udp.slice(1),
    ]);
    expect(UDP_ECHO.serverLineCount(2)).toBe(5);
    expect([TCP_ECHO.seedPort, UDP_ECHO.seedPort]).toEqual([8888, 9999]);
  });

  it('peerPort reads the port of a printed address tuple', () => {
    expect(peerPort(TCP_ECHO.serverLines(50123)[0])).toBe('50123');
    expect(peerPort('no address')).toBe('?');
    expect(peerPort(undefined)).toBe('?');
  });
});

describe('seedScript', () => {
  it('copies a fixture with only its port changed, and cleans up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-kit-test-'));
    try {
      const fixture = join(dir, 'example.py');
      await writeFile(fixture, "serve('127.0.0.1', 8888)\nprint('127.0.0.1', 8888)\n");
      const [script, cleanup] = await seedScript(fixture, { seedPort: 8888, port: 4321 });
      expect(script.endsWith('/example.py')).toBe(true);
      expect(await readFile(script, 'utf8')).toBe(
        "serve('127.0.0.1', 4321)\nprint('127.0.0.1', 8888)\n",
      );
      await cleanup();
      expect(existsSync(script)).toBe(false);
      await expect(seedScript(fixture, { seedPort: 9999, port: 1 })).rejects.toThrow(
        "does not contain '127.0.0.1', 9999",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Program', () => {
  it('collects stdout and stderr as lines and reports the exit code', async () => {
    const program = new Program(
      process.execPath,
      ['-e', "process.stdout.write('a\\r\\nb\\n'); console.error('e'); process.exit(3)"],
      tmpdir(),
    );
    expect(await program.exited).toBe(3);
    expect(program.stdout).toEqual(['a', 'b']);
    expect(program.stderr).toEqual(['e']);
    expect(program.running).toBe(false);
    expect(await program.line('stdout', /^z$/)).toBeNull();
  });

  it('finds a line as it comes, and stop() ends the program by its PID', async () => {
    const program = new Program(
      process.execPath,
      ['-e', "console.error('listening on 127.0.0.1:1234'); setInterval(() => {}, 1000)"],
      tmpdir(),
    );
    const match = await program.line('stderr', /^listening on 127\.0\.0\.1:(\d+)$/);
    expect(match?.[1]).toBe('1234');
    expect(program.running).toBe(true);
    await program.stop();
    expect(program.running).toBe(false);
    expect(program.child.signalCode).toBe('SIGTERM');
  });

  it('freeTcpPort gives a usable port number', async () => {
    const port = await freeTcpPort();
    expect(Number.isInteger(port) && port > 0 && port < 65536).toBe(true);
  });
});
