import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoop } from '@x/loop';
import type { ExceptionContext, SubprocessOptions, SubprocessTransport } from '@x/transport-core';
import { withTimeout } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVNULL, STDOUT } from './constants.js';
import {
  makeLoop,
  openFdCount,
  RecordingSubprocessProtocol,
  zombieChildren,
} from './test-support.js';
import type { WritePipeTransport } from './write-pipe-transport.js';

const T = 10_000;

describe('subprocess: bad input and faults', () => {
  let loop: EventLoop;
  let errors: ExceptionContext[];
  let transports: SubprocessTransport[];
  let dir: string;

  beforeEach(() => {
    ({ loop, errors } = makeLoop());
    transports = [];
    dir = mkdtempSync(join(tmpdir(), 'x-sub-faults-'));
  });

  afterEach(() => {
    for (const t of transports) t.close();
    loop.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('B-124: a missing program rejects with ENOENT, calls no protocol callback, leaks no fd or zombie (100 tries)', async () => {
    const made: RecordingSubprocessProtocol[] = [];
    const factory = (): RecordingSubprocessProtocol => {
      const p = new RecordingSubprocessProtocol();
      made.push(p);
      return p;
    };
    // One try first so that lazily opened fds (libuv's signal pipe, ...) exist before counting.
    await loop.subprocessExec(factory, 'x-no-such-program-here', []).catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    const fdsBefore = openFdCount();
    for (let i = 0; i < 100; i++) {
      const err = await loop.subprocessExec(factory, 'x-no-such-program-here', ['a']).then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      expect(err?.code).toBe('ENOENT');
    }
    // Also through the socket pair of stderr=STDOUT.
    const merged = await loop
      .subprocessExec(factory, 'x-no-such-program-here', [], { stderr: STDOUT })
      .then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
    expect(merged?.code).toBe('ENOENT');
    // Closed handles release their fds from the next turn of Node's loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(openFdCount()).toBeLessThanOrEqual(fdsBefore);
    expect(zombieChildren()).toEqual([]);
    expect(made.every((p) => p.events.length === 0)).toBe(true);
  });

  it('a file that is not executable rejects with EACCES', async () => {
    const file = join(dir, 'not-exec.sh');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const p = new RecordingSubprocessProtocol();
    const err = await loop
      .subprocessExec(() => p, file, [])
      .then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
    expect(err?.code).toBe('EACCES');
    expect(p.events).toEqual([]);
  });

  it('invalid stdio values are a TypeError/RangeError at the call, before spawning (factory not called)', async () => {
    let calls = 0;
    const factory = (): RecordingSubprocessProtocol => {
      calls++;
      return new RecordingSubprocessProtocol();
    };
    const bad: Array<[SubprocessOptions, ErrorConstructor]> = [
      [{ stdin: STDOUT }, TypeError],
      [{ stdout: STDOUT }, TypeError],
      [{ stdout: 'inherit' as never }, TypeError],
      [{ stderr: {} as never }, TypeError],
      [{ stdin: -1 }, RangeError],
      [{ stdout: 1.5 }, RangeError],
      [{ stdio: 'pipe' } as never, TypeError],
      [{ shell: true } as never, TypeError],
      [42 as never, TypeError],
    ];
    for (const [options, type] of bad) {
      await expect(loop.subprocessExec(factory, 'true', [], options)).rejects.toThrow(type);
    }
    await expect(loop.subprocessExec(factory, 42 as never, [])).rejects.toThrow(TypeError);
    await expect(loop.subprocessExec(factory, 'true', 'a' as never)).rejects.toThrow(TypeError);
    await expect(loop.subprocessExec(factory, 'true', [1] as never)).rejects.toThrow(TypeError);
    await expect(loop.subprocessShell(factory, ['ls'] as never)).rejects.toThrow(
      /cmd must be a string/,
    );
    await expect(loop.subprocessExec(null as never, 'true', [])).rejects.toThrow(TypeError);
    expect(calls).toBe(0);
    expect(zombieChildren()).toEqual([]);
  });

  it('a fd that is not open rejects with the OS error (EBADF)', async () => {
    const err = await loop
      .subprocessExec(() => new RecordingSubprocessProtocol(), 'true', [], { stdin: 987 })
      .then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
    expect(err?.code).toBe('EBADF');
  });

  it('a child that exits while we write to its stdin: the stdin pipe ends with an EPIPE error, nothing crashes', async () => {
    const [t, p] = await loop.subprocessExec(
      () => new RecordingSubprocessProtocol(),
      'head',
      ['-c', '10'],
      {
        stdout: DEVNULL,
      },
    );
    transports.push(t);
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 128; i++) stdin.write(chunk); // 8 MiB: far more than head reads
    await withTimeout(p.lost, T, 'connectionLost');
    const lost0 = p.events.find((e) => e.name === 'pipeConnectionLost' && e.fd === 0);
    expect(lost0).toBeDefined();
    const exc = lost0 && 'exc' in lost0 ? lost0.exc : null;
    expect((exc as NodeJS.ErrnoException | null)?.code).toBe('EPIPE');
    expect(t.getReturncode()).toBe(0);
    expect(p.events.at(-1)).toEqual({ name: 'connectionLost', exc: null });
    // Writes after the loss are dropped, never thrown.
    expect(() => stdin.write(chunk)).not.toThrow();
    expect(stdin.getWriteBufferSize()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("write('str') on the stdin pipe is a TypeError (SPEC §6.7), also after close", async () => {
    const [t, p] = await loop.subprocessExec(() => new RecordingSubprocessProtocol(), 'cat', [], {
      stdout: DEVNULL,
    });
    transports.push(t);
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    expect(() => stdin.write('str' as never)).toThrow(
      "data argument must be a bytes-like object, not 'string'",
    );
    expect(() => stdin.writelines(['a'] as never)).toThrow(TypeError);
    stdin.close();
    expect(() => stdin.write('str' as never)).toThrow(TypeError);
    await withTimeout(p.lost, T, 'connectionLost');
  });

  for (const callback of [
    'connectionMade',
    'pipeDataReceived',
    'pipeConnectionLost',
    'processExited',
  ] as const) {
    it(`a throwing ${callback} is fatal (rule 9): reported with its name, the child killed, connectionLost(err)`, async () => {
      const boom = new Error(`boom in ${callback}`);
      const p = new RecordingSubprocessProtocol();
      p.throwFrom = { name: callback, error: boom };
      const proto = p;
      // For processExited the child must exit by itself; otherwise it keeps running (for
      // pipeConnectionLost with its stdout closed).
      const cmd =
        callback === 'processExited'
          ? 'exit 0'
          : callback === 'pipeConnectionLost'
            ? 'exec 1>&-; exec sleep 30'
            : 'printf data; exec sleep 30';
      const pending = loop.subprocessShell(() => proto, cmd, { stdin: DEVNULL });
      if (callback === 'connectionMade') {
        await expect(pending).rejects.toBe(boom);
      } else {
        transports.push((await pending)[0]);
      }
      const exc = await withTimeout(p.lost, T, 'connectionLost');
      expect(exc).toBe(boom);
      expect(errors.map((e) => e.message)).toContain(
        `Fatal error: protocol.${callback}() call failed.`,
      );
      expect(errors[0]?.exception).toBe(boom);
      if (callback !== 'processExited') {
        expect(p.transport?.getReturncode()).toBe(-9);
      }
      expect(p.names().at(-1)).toBe('connectionLost');
    });
  }

  it('a throwing pauseWriting (forwarded from the stdin pipe) is fatal too: reported, child killed', async () => {
    const boom = new Error('boom in pauseWriting');
    const p = new RecordingSubprocessProtocol();
    p.throwFrom = { name: 'pauseWriting', error: boom };
    const [t] = await loop.subprocessShell(() => p, 'exec sleep 30', { stdout: DEVNULL });
    transports.push(t);
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 1024 && !p.names().includes('pauseWriting'); i++) stdin.write(chunk);
    expect(await withTimeout(p.lost, T, 'connectionLost')).toBe(boom);
    expect(errors.map((e) => e.message)).toContain(
      'Fatal error: protocol.pauseWriting() call failed.',
    );
    expect(t.getReturncode()).toBe(-9);
  });
});
