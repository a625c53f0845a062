import type { BaseProtocol } from '@x/transport-core';
import { TransportBase } from '@x/transport-core';

/** Test helper (not exported by the package): a protocol with every stream callback optional. */
export interface TestProtocol extends BaseProtocol {
  dataReceived?(data: Uint8Array): void;
}

/** Test helper: the smallest concrete transport: I/O is simulated by calling its methods. */
export class TestTransport extends TransportBase {
  buffered = 0;
  released = 0;

  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._scheduleConnectionLost(null);
  }

  getWriteBufferSize(): number {
    return this.buffered;
  }

  _forceClose(exc: Error | null): void {
    if (this._connectionLost) return;
    this._closing = true;
    this.buffered = 0;
    this._scheduleConnectionLost(exc);
  }

  protected _release(): void {
    this.released++;
  }

  /** A read event: hands data to the protocol under the guard. */
  receive(data: Uint8Array): void {
    if (this._connectionLost) return;
    try {
      (this._protocol as TestProtocol).dataReceived?.(data);
    } catch (err) {
      this._callbackFailed(err, 'dataReceived');
    }
  }

  write(size: number): void {
    if (this._connectionLost || this._closing) {
      this._dropWrite();
      return;
    }
    this.buffered += size;
    this._maybePauseProtocol();
  }

  /** The OS took `size` bytes. */
  flushed(size: number): void {
    this.buffered -= size;
    this._maybeResumeProtocol();
  }

  /** An I/O error from the OS. */
  ioError(err: Error): void {
    this._fatalError(err, 'Fatal read error on test transport');
  }
}

export interface Recorder extends TestProtocol {
  events: string[];
  lost: (Error | null)[];
}

/** Test helper: a protocol that records its callbacks. */
export function recorder(overrides: Partial<TestProtocol> = {}): Recorder {
  const events: string[] = [];
  const lost: (Error | null)[] = [];
  return {
    events,
    lost,
    connectionLost(exc) {
      events.push('connectionLost');
      lost.push(exc);
    },
    pauseWriting() {
      events.push('pauseWriting');
    },
    resumeWriting() {
      events.push('resumeWriting');
    },
    dataReceived() {
      events.push('dataReceived');
    },
    ...overrides,
  };
}
