/**
 * What `TransportBase` adds to every transport, seen through the smallest real subclass
 * there is (`MemoryTransport`): the sendfile write guard (SPEC §6.9) and the flow-control
 * state that `sendfile` reads.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from '../../loop/src/index.js';
import type { ExceptionContext } from './event-loop.js';
import { createMemoryTransport } from './testing/create-memory-transport.js';
import { RecordingLogger } from './testing/recording-logger.js';
import { RecordingProtocol } from './testing/recording-protocol.js';
import { withTimeout } from './testing/with-timeout.js';

let loop: EventLoop;
let reported: ExceptionContext[];

beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
  reported = [];
  loop.setExceptionHandler((_loop, context) => {
    reported.push(context);
  });
});

afterEach(() => {
  loop.close();
});

const bytes = (text: string): Buffer => Buffer.from(text);

describe('TransportBase sendfile guard (SPEC §6.9)', () => {
  it('while a sendfile runs, write/writelines/writeEof throw; its own writes pass', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol());
    expect(transport._sendfileActive).toBe(false);
    transport._beginSendfile();
    expect(transport._sendfileActive).toBe(true);
    expect(() => transport.write(bytes('x'))).toThrow(
      new Error('unable to write; sendfile is in progress'),
    );
    expect(() => transport.writelines([bytes('x')])).toThrow(
      new Error('unable to writelines; sendfile is in progress'),
    );
    expect(() => transport.writeEof()).toThrow(
      new Error('unable to writeEof; sendfile is in progress'),
    );
    transport._sendfileWrite(() => transport.write(bytes('file')));
    // The guard is back on after the sendfile's own write.
    expect(() => transport.write(bytes('x'))).toThrow(/sendfile is in progress/);
    expect(transport.takeWritten().toString()).toBe('file');
    transport._endSendfile();
    expect(transport._sendfileActive).toBe(false);
    transport.write(bytes('after'));
    transport.writeEof();
    expect(transport.takeWritten().toString()).toBe('after');
  });

  it('one sendfile at a time; _sendfileWrite outside one throws', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol());
    expect(() => transport._sendfileWrite(() => transport.write(bytes('x')))).toThrow(
      /outside a running sendfile/,
    );
    transport._beginSendfile();
    expect(() => transport._beginSendfile()).toThrow(
      new Error('another sendfile is in progress on this transport'),
    );
    transport._endSendfile();
    transport._beginSendfile();
    transport._endSendfile();
  });

  it('a write that throws inside _sendfileWrite leaves the guard on', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol());
    transport._beginSendfile();
    expect(() =>
      transport._sendfileWrite(() => transport.write('not bytes' as unknown as Uint8Array)),
    ).toThrow(TypeError);
    expect(() => transport.write(bytes('x'))).toThrow(/sendfile is in progress/);
    transport._endSendfile();
  });

  it('writes after close are dropped, not thrown, even while a sendfile runs (SPEC §6.1)', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    transport._beginSendfile();
    transport.close();
    expect(() => transport.write(bytes('x'))).not.toThrow();
    await withTimeout(protocol.waitLost(), 2000, 'connectionLost');
    transport._endSendfile();
    expect(reported).toEqual([]);
  });
});

describe('TransportBase._protocolPaused (what sendfile reads of flow control)', () => {
  it('is true from pauseWriting until resumeWriting', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.setWriteBufferLimits(4);
    expect(transport._protocolPaused).toBe(false);
    transport.write(bytes('12345'));
    expect(protocol.count('pauseWriting')).toBe(1);
    expect(transport._protocolPaused).toBe(true);
    transport.drain();
    expect(protocol.count('resumeWriting')).toBe(1);
    expect(transport._protocolPaused).toBe(false);
  });
});
