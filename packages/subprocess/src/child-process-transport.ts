import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type {
  AbstractEventLoop,
  ReadTransport,
  StdioFd,
  SubprocessProtocol,
  SubprocessTransport,
  WriteTransport,
} from '@x/transport-core';
import { describeType, ProcessLookupError, TransportBase } from '@x/transport-core';
import { exitedUnreaped } from './exited-unreaped.js';
import { ReadPipeTransport } from './read-pipe-transport.js';
import {
  type PipeEventSink,
  ReadSubprocessPipeProtocol,
  WriteSubprocessPipeProtocol,
} from './subprocess-pipe-protocols.js';
import { WritePipeTransport } from './write-pipe-transport.js';

/** An event that happened before `connectionMade` ran, held to be replayed after it. */
type HeldEvent =
  | { readonly kind: 'data'; readonly fd: 1 | 2; readonly data: Uint8Array }
  | { readonly kind: 'pipeLost'; readonly fd: StdioFd; readonly exc: Error | null }
  | { readonly kind: 'exited' }
  | { readonly kind: 'lost' };

/** The child's pipes as sockets (`null` where a stream is not a pipe). */
export interface ChildPipes {
  readonly stdin: Socket | null;
  readonly stdout: Socket | null;
  readonly stderr: Socket | null;
}

const kOwner = Symbol('ChildProcessTransport');
type OwnedChild = ChildProcess & { [kOwner]?: ChildProcessTransport };

function onExit(this: OwnedChild, code: number | null, signal: NodeJS.Signals | null): void {
  this[kOwner]?._onExit(code, signal);
}

function onChildError(this: OwnedChild, err: Error): void {
  this[kOwner]?._onChildError(err);
}

/** Validates a signal for `sendSignal`. @throws TypeError for an unknown one. */
function checkSignal(signal: unknown): NodeJS.Signals | number {
  if (typeof signal === 'number' && Number.isInteger(signal) && signal >= 0) return signal;
  if (typeof signal === 'string' && Object.hasOwn(osConstants.signals, signal)) {
    return signal as NodeJS.Signals;
  }
  throw new TypeError(
    `signal must be a signal name such as 'SIGTERM' or a signal number, not ${
      typeof signal === 'string' ? `'${signal}'` : `'${describeType(signal)}'`
    }`,
  );
}

/**
 * A child process and its pipes (asyncio `_UnixSubprocessTransport` /
 * `BaseSubprocessTransport`), made by `loop.subprocessExec` / `loop.subprocessShell`.
 *
 * Grammar (SPEC rule 13):
 * `start -> connectionMade -> (pipeDataReceived | pipeConnectionLost | processExited)* -> connectionLost -> end`.
 * Events that happen before `connectionMade` are held and replayed after it, in
 * arrival order. `connectionLost` comes once the child exited **and** every pipe
 * closed; its argument is `null`, or the error of a throwing protocol callback
 * (which is reported to the loop's exception handler and closes the transport).
 */
export class ChildProcessTransport
  extends TransportBase
  implements SubprocessTransport, PipeEventSink
{
  readonly #child: OwnedChild;
  readonly #pid: number;
  readonly #stdin: WritePipeTransport | null;
  readonly #stdout: ReadPipeTransport | null;
  readonly #stderr: ReadPipeTransport | null;
  #openPipes = 0;
  #returncode: number | null = null;
  #held: HeldEvent[] | null = [];
  #finished = false;
  #closeCalled = false;
  /** A protocol callback threw: no more data goes to it. */
  #failed = false;
  #lostExc: Error | null = null;

  /** @internal Made by `loop.subprocessExec` / `loop.subprocessShell`. */
  constructor(
    loop: AbstractEventLoop,
    protocol: SubprocessProtocol,
    child: ChildProcess,
    pipes: ChildPipes,
  ) {
    super(loop, protocol, { subprocess: child });
    const c = child as OwnedChild;
    this.#child = c;
    this.#pid = child.pid ?? -1;
    c[kOwner] = this;
    c.on('exit', onExit);
    c.on('error', onChildError);
    this.#stdin =
      pipes.stdin === null
        ? null
        : new WritePipeTransport(loop, new WriteSubprocessPipeProtocol(this), pipes.stdin);
    this.#stdout = this.#readPipe(pipes.stdout, 1);
    this.#stderr = this.#readPipe(pipes.stderr, 2);
    if (this.#stdin !== null) this.#openPipes++;
  }

  #readPipe(socket: Socket | null, fd: 1 | 2): ReadPipeTransport | null {
    if (socket === null) return null;
    this.#openPipes++;
    const transport = new ReadPipeTransport(
      this._loop,
      new ReadSubprocessPipeProtocol(this, fd),
      socket,
    );
    // Read at once, as asyncio does: what arrives before connectionMade is held.
    transport._start();
    return transport;
  }

  /** @internal `connectionMade` returned: replay the held events. */
  _started(): void {
    const held = this.#held;
    this.#held = null;
    if (held === null) return;
    for (const event of held) this.#deliver(event);
  }

  getPid(): number {
    return this.#pid;
  }

  getPipeTransport(fd: 0): WriteTransport | null;
  getPipeTransport(fd: 1 | 2): ReadTransport | null;
  getPipeTransport(fd: StdioFd): WriteTransport | ReadTransport | null;
  getPipeTransport(fd: StdioFd): WriteTransport | ReadTransport | null {
    if (fd === 0) return this.#stdin;
    if (fd === 1) return this.#stdout;
    if (fd === 2) return this.#stderr;
    return null;
  }

  getReturncode(): number | null {
    return this.#returncode;
  }

  /** True after `close()` (not merely because the child exited), as asyncio. */
  override isClosing(): boolean {
    return this.#closeCalled;
  }

  /** Sends SIGKILL. @throws ProcessLookupError after `connectionLost`. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /** Sends SIGTERM. @throws ProcessLookupError after `connectionLost`. */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /**
   * Sends `signal` (a name such as `'SIGHUP'` or a number) to the child. A child that
   * already exited is not signalled (no PID-reuse race, unlike asyncio 3.13).
   * @throws TypeError for an unknown signal; ProcessLookupError after `connectionLost`.
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    const sig = checkSignal(signal);
    if (this._lostCalled) throw new ProcessLookupError('the process is gone (connectionLost ran)');
    this.#child.kill(sig);
  }

  /**
   * Closes the pipes (stdin is flushed first) and kills the child with SIGKILL if it
   * is still running; a child that already exited is left alone. Does not wait.
   * Idempotent.
   */
  close(): void {
    if (this.#closeCalled) return;
    this.#closeCalled = true;
    this._closing = true;
    this.#stdin?.close();
    this.#stdout?.close();
    this.#stderr?.close();
    this.#killIfRunning();
  }

  getWriteBufferSize(): number {
    return 0;
  }

  _forceClose(exc: Error | null): void {
    if (this.#lostExc === null) this.#lostExc = exc;
    this.#closeCalled = true;
    this._closing = true;
    this.#stdin?.abort();
    this.#stdout?._forceClose(null);
    this.#stderr?._forceClose(null);
    this.#killIfRunning();
  }

  protected _release(): void {
    this.#child[kOwner] = undefined;
  }

  #killIfRunning(): void {
    const child = this.#child;
    // exitCode/signalCode are set once Node reaped the child; one that exited but is
    // not reaped yet is a zombie: it is not killed either (asyncio B-115).
    if (this.#returncode !== null || child.exitCode !== null || child.signalCode !== null) return;
    if (exitedUnreaped(this.#pid)) return;
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone (ESRCH) or not ours to kill (EPERM): nothing to do, as asyncio.
    }
  }

  /** @internal */
  _onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#returncode !== null) return;
    this.#returncode = signal !== null ? -(osConstants.signals[signal] ?? 0) : (code ?? 0);
    this.#emit({ kind: 'exited' });
    this.#tryFinish();
  }

  /** @internal An error Node reports on the ChildProcess after spawning (e.g. kill failed). */
  _onChildError(err: Error): void {
    // The `signal` spawn option aborting: Node kills the child and says so; expected.
    if (err.name === 'AbortError') return;
    this._loop.callExceptionHandler({
      message: 'Error on subprocess',
      exception: err,
      transport: this,
    });
  }

  /** @internal */
  _pipeDataReceived(fd: 1 | 2, data: Uint8Array): void {
    if (this.#held !== null) this.#held.push({ kind: 'data', fd, data });
    else this.#deliverData(fd, data);
  }

  /** @internal */
  _pipeConnectionLost(fd: StdioFd, exc: Error | null): void {
    this.#openPipes--;
    this.#emit({ kind: 'pipeLost', fd, exc });
    this.#tryFinish();
  }

  /** @internal */
  _pipePauseWriting(): void {
    this.#callProtocol('pauseWriting');
  }

  /** @internal */
  _pipeResumeWriting(): void {
    this.#callProtocol('resumeWriting');
  }

  #tryFinish(): void {
    if (this.#finished || this.#returncode === null || this.#openPipes > 0) return;
    this.#finished = true;
    this.#emit({ kind: 'lost' });
  }

  #emit(event: HeldEvent): void {
    if (this.#held !== null) this.#held.push(event);
    else this.#deliver(event);
  }

  #deliver(event: HeldEvent): void {
    switch (event.kind) {
      case 'data':
        this.#deliverData(event.fd, event.data);
        break;
      case 'pipeLost':
        try {
          (this._protocol as SubprocessProtocol).pipeConnectionLost?.(event.fd, event.exc);
        } catch (err) {
          this._callbackFailed(err, 'pipeConnectionLost');
        }
        break;
      case 'exited':
        this.#callProtocol('processExited');
        break;
      case 'lost':
        this._callConnectionLost(this.#lostExc);
        break;
    }
  }

  #deliverData(fd: 1 | 2, data: Uint8Array): void {
    // No data after close() (SPEC rule 5), e.g. held data when connectionMade closed.
    if (this.#failed || this.#closeCalled) return;
    try {
      (this._protocol as SubprocessProtocol).pipeDataReceived?.(fd, data);
    } catch (err) {
      this._callbackFailed(err, 'pipeDataReceived');
    }
  }

  #callProtocol(name: 'processExited' | 'pauseWriting' | 'resumeWriting'): void {
    if (this._lostCalled) return;
    try {
      (this._protocol as SubprocessProtocol)[name]?.();
    } catch (err) {
      this._callbackFailed(err, name);
    }
  }

  /** A protocol callback threw: report, kill, and no more data to this protocol (rule 9). */
  override _callbackFailed(err: unknown, callbackName: string): void {
    this.#failed = true;
    super._callbackFailed(err, callbackName);
  }
}
