/**
 * Test support (not exported from the package): one bidirectional `Transport` made of a
 * {@link ReadPipeTransport} and a {@link WritePipeTransport}, so that the transport
 * conformance kit (`@x/transport-core/testing`), written for bidirectional streams, can
 * run every rule on the two pipe transports: reading rules on the read half, writing
 * rules on the write half.
 *
 * Joining rules: `connectionMade` once, when both halves exist; `connectionLost` once,
 * after both halves are lost, with the first error. A fatal error of either half
 * aborts the other. EOF: `eofReceived()` falsy closes the write half too (after its
 * flush), truthy keeps it open (half-open), as a socket transport does.
 */
import type { Socket } from 'node:net';
import type {
  AbstractEventLoop,
  BaseProtocol,
  BufferedProtocol,
  BytesLike,
  GetExtraInfo,
  Protocol,
  Transport,
} from '@x/transport-core';
import { ReadPipeTransport } from './read-pipe-transport.js';
import { WritePipeTransport } from './write-pipe-transport.js';

type StreamProtocol = Protocol | BufferedProtocol;

/** What the read half talks to: forwards to the pair's current protocol. */
class ReadHalfProtocol implements Protocol {
  constructor(protected readonly pair: PipePairTransport) {}
  dataReceived(data: Uint8Array): void {
    (this.pair.getProtocol() as Protocol).dataReceived?.(data);
  }
  eofReceived(): unknown {
    return this.pair._eofReceived();
  }
  connectionLost(exc: Error | null): void {
    this.pair._halfLost(exc);
  }
}

/** The same for a buffered protocol (the read half picks the path by `getBuffer`). */
class BufferedReadHalfProtocol extends ReadHalfProtocol implements BufferedProtocol {
  getBuffer(sizehint: number): Uint8Array {
    return (this.pair.getProtocol() as BufferedProtocol).getBuffer(sizehint);
  }
  bufferUpdated(nbytes: number): void {
    (this.pair.getProtocol() as BufferedProtocol).bufferUpdated(nbytes);
  }
}

/** What the write half talks to: flow control and loss. */
class WriteHalfProtocol implements BaseProtocol {
  constructor(private readonly pair: PipePairTransport) {}
  pauseWriting(): void {
    this.pair.getProtocol().pauseWriting?.();
  }
  resumeWriting(): void {
    this.pair.getProtocol().resumeWriting?.();
  }
  connectionLost(exc: Error | null): void {
    this.pair._halfLost(exc);
  }
}

function isBuffered(protocol: BaseProtocol): boolean {
  return typeof (protocol as BufferedProtocol).getBuffer === 'function';
}

/** A read pipe and a write pipe as one `Transport` (test support, see the file comment). */
export class PipePairTransport implements Transport {
  readonly #loop: AbstractEventLoop;
  readonly #reader: ReadPipeTransport;
  readonly #writer: WritePipeTransport;
  #protocol: StreamProtocol;
  #closing = false;
  #lost = 0;
  #exc: Error | null = null;
  #done = false;

  constructor(
    loop: AbstractEventLoop,
    protocol: StreamProtocol,
    readSocket: Socket,
    writeSocket: Socket,
  ) {
    this.#loop = loop;
    this.#protocol = protocol;
    this.#reader = new ReadPipeTransport(loop, this.#readHalfProtocol(protocol), readSocket, {
      pipe: readSocket,
    });
    this.#writer = new WritePipeTransport(loop, new WriteHalfProtocol(this), writeSocket, {
      pipe: writeSocket,
    });
  }

  /** Like `loop.connectReadPipe`: `connectionMade` from the loop, then reading starts. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#loop.callSoon(() => {
        try {
          this.#protocol.connectionMade?.(this);
        } catch (err) {
          this.#reader._callbackFailed(err, 'connectionMade');
          reject(err);
          return;
        }
        this.#reader._start();
        resolve();
      });
    });
  }

  #readHalfProtocol(protocol: BaseProtocol): ReadHalfProtocol {
    return isBuffered(protocol) ? new BufferedReadHalfProtocol(this) : new ReadHalfProtocol(this);
  }

  /** @internal */
  _eofReceived(): unknown {
    const keepOpen = (this.#protocol as Protocol).eofReceived?.();
    if (!keepOpen) this.close();
    return keepOpen;
  }

  /** @internal */
  _halfLost(exc: Error | null): void {
    this.#lost++;
    if (exc !== null && this.#exc === null) {
      this.#exc = exc;
      // A failed half takes the other one down.
      this.#reader._forceClose(null);
      this.#writer._forceClose(null);
    }
    if (this.#lost < 2 || this.#done) return;
    this.#done = true;
    this.#closing = true;
    try {
      this.#protocol.connectionLost?.(this.#exc);
    } catch (err) {
      this.#loop.callExceptionHandler({
        message:
          'Exception in callback PipePairTransport._halfLost(): protocol.connectionLost() failed',
        exception: err,
        transport: this,
        protocol: this.#protocol,
      });
    }
  }

  getExtraInfo: GetExtraInfo = ((name: string, defaultValue: unknown = null) =>
    this.#reader.getExtraInfo(name, defaultValue)) as GetExtraInfo;

  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol as StreamProtocol;
    this.#reader.setProtocol(this.#readHalfProtocol(protocol));
  }

  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  isClosing(): boolean {
    return this.#closing;
  }

  close(): void {
    this.#closing = true;
    this.#reader.close();
    this.#writer.close();
  }

  abort(): void {
    this.#closing = true;
    this.#reader._forceClose(null);
    this.#writer.abort();
  }

  isReading(): boolean {
    return this.#reader.isReading();
  }

  pauseReading(): void {
    this.#reader.pauseReading();
  }

  resumeReading(): void {
    this.#reader.resumeReading();
  }

  write(data: BytesLike): void {
    this.#writer.write(data);
  }

  writelines(listOfData: Iterable<BytesLike>): void {
    this.#writer.writelines(listOfData);
  }

  writeEof(): void {
    this.#writer.writeEof();
  }

  canWriteEof(): boolean {
    return this.#writer.canWriteEof();
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this.#writer.setWriteBufferLimits(high, low);
  }

  getWriteBufferLimits(): readonly [low: number, high: number] {
    return this.#writer.getWriteBufferLimits();
  }

  getWriteBufferSize(): number {
    return this.#writer.getWriteBufferSize();
  }
}
