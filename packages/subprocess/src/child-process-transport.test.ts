import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventLoop } from '@x/loop';
import { ProcessLookupError, type SubprocessTransport } from '@x/transport-core';
import { withTimeout } from '@x/transport-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVNULL, STDOUT } from './constants.js';
import { ReadPipeTransport } from './read-pipe-transport.js';
import {
  makeLoop,
  processState,
  RecordingSubprocessProtocol,
  spinUntil,
  zombieChildren,
} from './test-support.js';
import { WritePipeTransport } from './write-pipe-transport.js';

const T = 10_000;

describe('SubprocessTransport (rule 13)', () => {
  let loop: EventLoop;
  let transports: SubprocessTransport[];

  beforeEach(() => {
    ({ loop } = makeLoop());
    transports = [];
  });

  afterEach(async () => {
    for (const t of transports) t.close();
    loop.close();
  });

  async function shell(
    cmd: string,
    options = {},
  ): Promise<[SubprocessTransport, RecordingSubprocessProtocol]> {
    const pair = await loop.subprocessShell(() => new RecordingSubprocessProtocol(), cmd, options);
    transports.push(pair[0]);
    return pair;
  }

  it('B-110/B-111: resolves after connectionMade; per fd data before its pipeConnectionLost; connectionLost(null) last', async () => {
    const [t, p] = await shell('printf out; printf err >&2; exit 0');
    expect(p.events[0]).toEqual({ name: 'connectionMade' });
    expect(t.getPid()).toBeGreaterThan(0);
    await withTimeout(p.lost, T, 'connectionLost');
    expect(p.output(1).toString()).toBe('out');
    expect(p.output(2).toString()).toBe('err');
    const names = p.names();
    expect(names[names.length - 1]).toBe('connectionLost');
    for (const fd of [1, 2]) {
      const lastData = names.lastIndexOf(`pipeDataReceived(${fd})`);
      expect(lastData).toBeGreaterThan(0);
      expect(names.indexOf(`pipeConnectionLost(${fd})`)).toBeGreaterThan(lastData);
    }
    expect(names.filter((n) => n.startsWith('pipeConnectionLost')).sort()).toEqual([
      'pipeConnectionLost(0)',
      'pipeConnectionLost(1)',
      'pipeConnectionLost(2)',
    ]);
    expect(names.filter((n) => n === 'processExited')).toHaveLength(1);
    expect(p.events.at(-1)).toEqual({ name: 'connectionLost', exc: null });
    expect(t.getReturncode()).toBe(0);
  });

  it('B-113: events that happen before connectionMade are held and replayed after it, in order', async () => {
    let returncodeInConnectionMade: number | null | undefined;
    const factory = (): RecordingSubprocessProtocol => {
      const p = new RecordingSubprocessProtocol();
      p.onConnectionMade = (t) => {
        returncodeInConnectionMade = t.getReturncode();
      };
      return p;
    };
    const before = new Set(zombieChildren());
    // Go on from inside a setImmediate (the check phase): the loop's immediate that runs
    // connectionMade then waits for the next loop iteration, whose poll phase sees the
    // exit first. From another phase it could run before that poll (a flaky order).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const pending = loop.subprocessShell(factory, 'printf early; exit 5', {
      stdin: DEVNULL,
      stderr: DEVNULL,
    });
    // The loop cannot run while we spin: the child writes and exits before connectionMade.
    spinUntil(() => zombieChildren().some((pid) => !before.has(pid)), T, 'the child to exit');
    const [t, p] = await pending;
    transports.push(t);
    await withTimeout(p.lost, T, 'connectionLost');
    // The exit was processed before connectionMade ran, yet connectionMade came first.
    expect(returncodeInConnectionMade).toBe(5);
    // processExited and pipeConnectionLost(1) may come in either order (rule 13).
    const names = p.names();
    expect(names.slice(0, 2)).toEqual(['connectionMade', 'pipeDataReceived(1)']);
    expect(names.slice(2, 4).sort()).toEqual(['pipeConnectionLost(1)', 'processExited']);
    expect(names.slice(4)).toEqual(['connectionLost']);
    expect(p.output(1).toString()).toBe('early');
  });

  it('close() inside connectionMade: held data is not delivered (no data after close), the rest is', async () => {
    const before = new Set(zombieChildren());
    const factory = (): RecordingSubprocessProtocol => {
      const p = new RecordingSubprocessProtocol();
      p.onConnectionMade = (t) => t.close();
      return p;
    };
    const pending = loop.subprocessShell(factory, 'printf early', {
      stdin: DEVNULL,
      stderr: DEVNULL,
    });
    spinUntil(() => zombieChildren().some((pid) => !before.has(pid)), T, 'the child to exit');
    const [t, p] = await pending;
    await withTimeout(p.lost, T, 'connectionLost');
    const names = p.names();
    expect(names[0]).toBe('connectionMade');
    expect(names.slice(1, 3).sort()).toEqual(['pipeConnectionLost(1)', 'processExited']);
    expect(names.slice(3)).toEqual(['connectionLost']);
    expect(t.getReturncode()).toBe(0);
  });

  it("the 'signal' spawn option passes through: aborting kills the child, nothing is reported", async () => {
    const { loop: own, errors } = makeLoop();
    try {
      const controller = new AbortController();
      const [t, p] = await own.subprocessShell(
        () => new RecordingSubprocessProtocol(),
        'exec sleep 30',
        {
          stdin: DEVNULL,
          signal: controller.signal,
        },
      );
      controller.abort();
      await withTimeout(p.lost, T, 'connectionLost');
      expect(t.getReturncode()).toBe(-15);
      expect(errors).toEqual([]);
    } finally {
      own.close();
    }
  });

  it('B-112: connectionLost waits for every pipe, not only the exit (a child that closes stdout early keeps running)', async () => {
    const [t, p] = await shell('exec 1>&-; read x', { stderr: DEVNULL });
    // stdout closed by the child while it runs: pipeConnectionLost(1) with the process alive.
    await withTimeout(p.waitFor('pipeConnectionLost(1)'), T, 'pipeConnectionLost(1)');
    expect(t.getReturncode()).toBeNull();
    expect(p.names()).not.toContain('connectionLost');
    // Let it finish: it reads a line and exits.
    (t.getPipeTransport(0) as WritePipeTransport).write(Buffer.from('go\n'));
    await withTimeout(p.lost, T, 'connectionLost');
    expect(t.getReturncode()).toBe(0);
    const names = p.names();
    expect(names.indexOf('connectionLost')).toBeGreaterThan(names.indexOf('processExited'));
    expect(names.indexOf('connectionLost')).toBeGreaterThan(names.indexOf('pipeConnectionLost(0)'));
  });

  it('B-116: getReturncode is null while running, the code after, -signal when killed', async () => {
    const [t7, p7] = await shell('exit 7', { stdin: null, stdout: null, stderr: null });
    await withTimeout(p7.lost, T, 'exit 7');
    expect(t7.getReturncode()).toBe(7);

    const cases: Array<[(t: SubprocessTransport) => void, number]> = [
      [(t) => t.kill(), -9],
      [(t) => t.terminate(), -15],
      [(t) => t.sendSignal('SIGHUP'), -1],
      [(t) => t.sendSignal(10), -10],
    ];
    for (const [act, code] of cases) {
      const [t, p] = await shell('exec sleep 30', { stdin: DEVNULL });
      expect(t.getReturncode()).toBeNull();
      act(t);
      await withTimeout(p.lost, T, `exit by signal ${code}`);
      expect(t.getReturncode()).toBe(code);
      expect(p.events.find((e) => e.name === 'processExited')).toEqual({
        name: 'processExited',
        returncode: code,
      });
    }
  });

  it('B-117: after connectionLost, kill/terminate/sendSignal throw ProcessLookupError; the code stays; not closing', async () => {
    const [t, p] = await shell('exit 2', { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
    await withTimeout(p.lost, T, 'connectionLost');
    expect(() => t.kill()).toThrow(ProcessLookupError);
    expect(() => t.terminate()).toThrow(ProcessLookupError);
    try {
      t.sendSignal('SIGTERM');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe('ProcessLookupError');
    }
    expect(t.getReturncode()).toBe(2);
    expect(t.isClosing()).toBe(false);
    // B-122: close() after the exit does not signal the (gone) process and does not throw.
    expect(() => t.close()).not.toThrow();
    expect(t.isClosing()).toBe(true);
    expect(t.getExtraInfo('subprocess')?.killed).toBe(false);
    expect(t.getReturncode()).toBe(2);
  });

  it('sendSignal validates the signal (TypeError) and leaves the process running', async () => {
    const [t, p] = await shell('exec sleep 30', { stdin: DEVNULL });
    expect(() => t.sendSignal('SIGNOPE' as NodeJS.Signals)).toThrow(TypeError);
    expect(() => t.sendSignal(-1)).toThrow(TypeError);
    expect(t.getReturncode()).toBeNull();
    t.close();
    await withTimeout(p.lost, T, 'connectionLost');
  });

  it('B-114: close() kills a running child, closes the pipes; every pipe and the exit are still reported', async () => {
    const [t, p] = await shell('exec sleep 30');
    t.close();
    expect(t.isClosing()).toBe(true);
    t.close();
    expect(t.getExtraInfo('subprocess')?.killed).toBe(true);
    await withTimeout(p.lost, T, 'connectionLost');
    expect(t.getReturncode()).toBe(-9);
    const names = p.names();
    for (const n of [
      'pipeConnectionLost(0)',
      'pipeConnectionLost(1)',
      'pipeConnectionLost(2)',
      'processExited',
    ]) {
      expect(names).toContain(n);
    }
    expect(names.at(-1)).toBe('connectionLost');
    expect(p.events.at(-1)).toEqual({ name: 'connectionLost', exc: null });
  });

  it('B-115: close() does not kill a child that already exited (not yet seen by the loop)', async () => {
    const [t, p] = await shell('read x; exit 3', { stdout: DEVNULL, stderr: DEVNULL });
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    stdin.write(Buffer.from('\n'));
    // The write went straight to the socket; nothing was buffered.
    expect(stdin.getWriteBufferSize()).toBe(0);
    // Spin (the loop cannot run) until the child has exited: a zombie not yet reaped.
    spinUntil(() => processState(t.getPid()) === 'Z', T, 'the child to exit');
    expect(t.getReturncode()).toBeNull();
    t.close();
    // No signal was sent (Node sets `killed` when one was).
    expect(t.getExtraInfo('subprocess')?.killed).toBe(false);
    await withTimeout(p.lost, T, 'connectionLost');
    expect(t.getReturncode()).toBe(3);
  });

  it('B-118: getPipeTransport gives a write transport for 0, read transports for 1 and 2, null otherwise', async () => {
    const [t] = await shell('exec sleep 30');
    expect(t.getPipeTransport(0)).toBeInstanceOf(WritePipeTransport);
    expect(t.getPipeTransport(1)).toBeInstanceOf(ReadPipeTransport);
    expect(t.getPipeTransport(2)).toBeInstanceOf(ReadPipeTransport);
    expect(t.getPipeTransport(3 as 0)).toBeNull();
    const [u] = await shell('exec sleep 30', { stdin: DEVNULL, stdout: null, stderr: DEVNULL });
    expect(u.getPipeTransport(0)).toBeNull();
    expect(u.getPipeTransport(1)).toBeNull();
    expect(u.getPipeTransport(2)).toBeNull();
  });

  it("B-126: getExtraInfo('subprocess') is the ChildProcess", async () => {
    const [t] = await shell('exec sleep 30', { stdin: DEVNULL });
    const child = t.getExtraInfo('subprocess');
    expect(child?.pid).toBe(t.getPid());
    expect(typeof child?.kill).toBe('function');
  });

  it('B-118: stderr=STDOUT merges stderr into the stdout pipe at fd level (order kept), no fd 2 transport', async () => {
    const [t, p] = await shell('printf 1; printf 2 >&2; printf 3; printf 4 >&2', {
      stdin: DEVNULL,
      stderr: STDOUT,
    });
    expect(t.getPipeTransport(2)).toBeNull();
    await withTimeout(p.lost, T, 'connectionLost');
    expect(p.output(1).toString()).toBe('1234');
    expect(p.output(2).length).toBe(0);
    expect(p.names()).not.toContain('pipeConnectionLost(2)');
  });

  it('stderr=STDOUT with stdout=DEVNULL sends both to /dev/null', async () => {
    const [t, p] = await shell('printf x; printf y >&2', {
      stdin: DEVNULL,
      stdout: DEVNULL,
      stderr: STDOUT,
    });
    await withTimeout(p.lost, T, 'connectionLost');
    expect(t.getReturncode()).toBe(0);
    expect(p.names()).toEqual(['connectionMade', 'processExited', 'connectionLost']);
  });

  it('B-119: all DEVNULL: only connectionMade, processExited, connectionLost', async () => {
    const [, p] = await shell('printf x; exit 4', {
      stdin: DEVNULL,
      stdout: DEVNULL,
      stderr: DEVNULL,
    });
    await withTimeout(p.lost, T, 'connectionLost');
    expect(p.names()).toEqual(['connectionMade', 'processExited', 'connectionLost']);
  });

  it('a file descriptor as stdout: the child writes into it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-sub-'));
    try {
      const file = join(dir, 'out.txt');
      writeFileSync(file, '');
      const { openSync, closeSync, readFileSync } = await import('node:fs');
      const fd = openSync(file, 'w');
      const [, p] = await shell('printf into-fd', { stdin: DEVNULL, stdout: fd, stderr: DEVNULL });
      closeSync(fd);
      await withTimeout(p.lost, T, 'connectionLost');
      expect(readFileSync(file, 'utf8')).toBe('into-fd');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cwd and env reach the child (Node spawn options pass through)', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'x-sub-')));
    try {
      const [, p] = await loop.subprocessExec(
        () => new RecordingSubprocessProtocol(),
        '/bin/sh',
        ['-c', 'printf "%s|%s" "$PWD" "$X_SUB"'],
        { cwd: dir, env: { X_SUB: 'yes', PATH: process.env.PATH ?? '' }, stdin: DEVNULL },
      );
      await withTimeout(p.lost, T, 'connectionLost');
      expect(p.output(1).toString()).toBe(`${dir}|yes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('B-120: closing the stdin transport gives the child EOF and pipeConnectionLost(0, null)', async () => {
    const [t, p] = await loop.subprocessExec(() => new RecordingSubprocessProtocol(), 'cat', []);
    transports.push(t);
    const stdin = t.getPipeTransport(0) as WritePipeTransport;
    stdin.write(Buffer.from('abc'));
    stdin.close();
    expect(stdin.isClosing()).toBe(true);
    await withTimeout(p.lost, T, 'connectionLost');
    expect(p.output(1).toString()).toBe('abc');
    expect(p.events).toContainEqual({ name: 'pipeConnectionLost', fd: 0, exc: null });
    expect(t.getReturncode()).toBe(0);
  });

  it('B-121: closing the stdout transport: pipeConnectionLost(1, null), the child gets EPIPE on its next write', async () => {
    const [t, p] = await shell('read x; printf more; echo "rc=$?" >&2', {});
    (t.getPipeTransport(1) as ReadPipeTransport).close();
    await withTimeout(p.waitFor('pipeConnectionLost(1)'), T, 'pipeConnectionLost(1)');
    (t.getPipeTransport(0) as WritePipeTransport).write(Buffer.from('\n'));
    await withTimeout(p.lost, T, 'connectionLost');
    expect(p.events).toContainEqual({ name: 'pipeConnectionLost', fd: 1, exc: null });
    // The shell's printf failed with EPIPE (the shell ignores SIGPIPE only when told;
    // either it died of SIGPIPE or printf reported the error).
    expect(p.output(1).length).toBe(0);
  });
});
