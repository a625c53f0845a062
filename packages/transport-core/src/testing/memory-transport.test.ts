import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import type { ExceptionContext } from '../event-loop.js';
import { createMemoryTransport } from './create-memory-transport.js';
import { MemoryTransport } from './memory-transport.js';
import { RecordingBufferedProtocol } from './recording-buffered-protocol.js';
import { RecordingLogger } from './recording-logger.js';
import { RecordingProtocol } from './recording-protocol.js';
import { withTimeout } from './with-timeout.js';

let loop: EventLoop;
let logger: RecordingLogger;
let reported: ExceptionContext[];

beforeEach(() => {
  logger = new RecordingLogger();
  loop = new EventLoop({ logger });
  reported = [];
  loop.setExceptionHandler((_loop, context) => {
    reported.push(context);
  });
});

afterEach(() => {
  loop.close();
});

const bytes = (text: string): Buffer => Buffer.from(text);
const lost = (protocol: RecordingProtocol) =>
  withTimeout(protocol.waitLost(), 2000, 'connectionLost');
/** Lets the loop run its ready callbacks (each loop callback batch is one setImmediate). */
const settle = () =>
  withTimeout(new Promise<void>((resolve) => loop.callSoon(resolve)), 2000, 'the loop');

describe('createMemoryTransport (connecting like createConnection)', () => {
  it('resolves after connectionMade returned, with the transport and protocol', async () => {
    const protocol = new RecordingProtocol();
    const [transport, same] = await createMemoryTransport(loop, () => protocol);
    assert.equal(same, protocol);
    assert.deepEqual(protocol.names(), ['connectionMade']);
    assert.equal(protocol.transport, transport);
  });

  it('accepts the protocol itself as well as a factory', async () => {
    const protocol = new RecordingProtocol();
    const [, same] = await createMemoryTransport(loop, protocol);
    assert.equal(same, protocol);
  });

  it('rejects a protocol that is not an object with TypeError, and a throwing factory', async () => {
    await assert.rejects(createMemoryTransport(loop, (() => null) as never), TypeError);
    await assert.rejects(
      createMemoryTransport(loop, () => {
        throw new RangeError('factory');
      }),
      RangeError,
    );
  });

  it('a throwing connectionMade rejects with that error, reports it and ends in connectionLost(err)', async () => {
    const error = new Error('boom');
    const protocol = new RecordingProtocol({ throwFrom: 'connectionMade', error });
    await assert.rejects(createMemoryTransport(loop, protocol), (err) => err === error);
    assert.equal(await lost(protocol), error);
    assert.equal(reported[0]?.message, 'Fatal error: protocol.connectionMade() call failed.');
  });

  it('input fed before connectionMade waits for it; start() twice rejects', async () => {
    const protocol = new RecordingProtocol();
    const transport = new MemoryTransport(loop, protocol);
    transport.feed(bytes('early'));
    await transport.start();
    await assert.rejects(transport.start(), /twice/);
    assert.equal((await withTimeout(protocol.waitBytes(5), 2000, 'data')).toString(), 'early');
    assert.deepEqual(protocol.names(), ['connectionMade', 'dataReceived']);
  });
});

describe('MemoryTransport.feed (input in any chunking)', () => {
  it('delivers byte by byte with chunkSize 1, in order', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.feed(bytes('hello'), { chunkSize: 1 });
    assert.equal(protocol.count('dataReceived'), 5);
    assert.equal(protocol.text(), 'hello');
  });

  it('copies the input: the caller may reuse its buffer', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    const input = bytes('abc');
    transport.feed(input);
    input.fill(0);
    assert.equal(protocol.text(), 'abc');
  });

  it('fills a BufferedProtocol through getBuffer/bufferUpdated as its buffer allows', async () => {
    const [transport, protocol] = await createMemoryTransport(
      loop,
      new RecordingBufferedProtocol({ bufferSize: 4 }),
    );
    transport.feed(bytes('hello world'));
    transport.feedEof();
    await lost(protocol);
    assert.deepEqual(protocol.events, [
      'connectionMade',
      ['getBuffer', 11],
      ['bufferUpdated', 4],
      ['getBuffer', 7],
      ['bufferUpdated', 4],
      ['getBuffer', 3],
      ['bufferUpdated', 3],
      'eofReceived',
      ['connectionLost', null],
    ]);
    assert.equal(protocol.text(), 'hello world');
  });

  it('a zero-length buffer from getBuffer is fatal', async () => {
    const [transport, protocol] = await createMemoryTransport(
      loop,
      new RecordingBufferedProtocol({ bufferSize: 0 }),
    );
    transport.feed(bytes('x'));
    const exc = await lost(protocol);
    assert.match(String(exc), /empty buffer/);
    assert.equal(reported[0]?.message, 'Fatal error: protocol.getBuffer() call failed.');
  });

  it('validates: non-bytes TypeError, bad chunkSize RangeError, feed after feedEof Error', async () => {
    const [transport] = await createMemoryTransport(
      loop,
      new RecordingProtocol({ eofResult: true }),
    );
    assert.throws(() => transport.feed('x' as never), TypeError);
    assert.throws(() => transport.feed(bytes('x'), { chunkSize: 0 }), RangeError);
    assert.throws(() => transport.feed(bytes('x'), { chunkSize: 1.5 }), RangeError);
    transport.feedEof();
    assert.throws(() => transport.feed(bytes('x')), /after feedEof/);
  });

  it('holds input while reading is paused and delivers it after resumeReading, never inside it', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.pauseReading();
    transport.feed(bytes('abc'), { chunkSize: 1 });
    transport.feedEof();
    assert.deepEqual(protocol.names(), ['connectionMade']);
    transport.resumeReading();
    assert.deepEqual(protocol.names(), ['connectionMade']);
    await lost(protocol);
    assert.deepEqual(protocol.names(), [
      'connectionMade',
      'dataReceived',
      'dataReceived',
      'dataReceived',
      'eofReceived',
      'connectionLost',
    ]);
  });

  it('a protocol pausing inside dataReceived stops the rest of the chunks', async () => {
    const protocol = new RecordingProtocol({
      hooks: { dataReceived: (p) => p.transport?.pauseReading() },
    });
    const [transport] = await createMemoryTransport(loop, protocol);
    transport.feed(bytes('abc'), { chunkSize: 1 });
    assert.equal(protocol.text(), 'a');
    transport.resumeReading();
    await settle();
    assert.equal(protocol.text(), 'ab');
  });

  it('input after close() is discarded', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.close();
    transport.feed(bytes('late'));
    await lost(protocol);
    assert.equal(protocol.receivedLength, 0);
  });

  it('eofReceived truthy keeps it open (isReading false); falsy closes it', async () => {
    const [t1, p1] = await createMemoryTransport(loop, new RecordingProtocol({ eofResult: true }));
    t1.feedEof();
    await settle();
    assert.equal(p1.isLost, false);
    assert.equal(t1.isClosing(), false);
    assert.equal(t1.isReading(), false);
    t1.write(bytes('bye'));
    assert.equal(t1.takeWritten().toString(), 'bye');
    const [t2, p2] = await createMemoryTransport(loop, new RecordingProtocol());
    t2.feedEof();
    assert.equal(await lost(p2), null);
    assert.equal(t2.writeEnded, true);
  });

  it('a throwing dataReceived is fatal: reported, connectionLost(err), no more data', async () => {
    const error = new Error('bad data');
    const [transport, protocol] = await createMemoryTransport(
      loop,
      new RecordingProtocol({ throwFrom: 'dataReceived', error }),
    );
    transport.feed(bytes('ab'), { chunkSize: 1 });
    assert.equal(await lost(protocol), error);
    assert.equal(protocol.count('dataReceived'), 1);
    assert.equal(reported.length, 1);
    assert.equal(reported[0]?.message, 'Fatal error: protocol.dataReceived() call failed.');
    assert.equal(reported[0]?.exception, error);
  });
});

describe('MemoryTransport output and flow control', () => {
  it('records writes and writelines; takeWritten() empties the record', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.write(bytes('ab'));
    transport.writelines([bytes('c'), new Uint8Array(0), bytes('d')]);
    assert.equal(transport.written().toString(), 'abcd');
    assert.equal(transport.takeWritten().toString(), 'abcd');
    assert.equal(transport.written().length, 0);
    assert.equal(transport.getWriteBufferSize(), 0);
  });

  it('autoDrain false: pause above high, partial drain resumes at <= low, exactly', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.setWriteBufferLimits(8, 2);
    transport.write(Buffer.alloc(8));
    assert.equal(protocol.count('pauseWriting'), 0, 'a size equal to high does not pause');
    transport.write(Buffer.alloc(1));
    assert.equal(protocol.count('pauseWriting'), 1);
    assert.deepEqual(protocol.flowEvents[0], { event: 'pauseWriting', writeBufferSize: 9 });
    assert.equal(transport.drain(6), 6);
    assert.equal(transport.getWriteBufferSize(), 3);
    assert.equal(protocol.count('resumeWriting'), 0, 'above low: no resume');
    transport.drain(1);
    assert.deepEqual(protocol.flowEvents[1], { event: 'resumeWriting', writeBufferSize: 2 });
    assert.equal(transport.written().length, 7);
  });

  it('close() waits for the buffer to drain, then connectionLost(null)', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.write(bytes('pending'));
    transport.close();
    await settle();
    assert.equal(protocol.isLost, false);
    assert.equal(transport.writeEnded, false);
    transport.drain();
    assert.equal(transport.writeEnded, true);
    assert.equal(await lost(protocol), null);
    assert.equal(transport.takeWritten().toString(), 'pending');
    assert.equal(transport.released, true);
  });

  it('abort() drops the buffer', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.write(bytes('pending'));
    transport.abort();
    assert.equal(transport.getWriteBufferSize(), 0);
    assert.equal(await lost(protocol), null);
    assert.equal(transport.written().length, 0);
  });

  it('writeEof() shuts the write side after the drain; write after it throws; reading goes on', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.write(bytes('last'));
    transport.writeEof();
    assert.equal(transport.writeEnded, false);
    assert.throws(() => transport.write(bytes('x')), /after writeEof/);
    transport.setAutoDrain(true);
    assert.equal(transport.writeEnded, true);
    transport.feed(bytes('in'));
    assert.equal(protocol.text(), 'in');
  });

  it('canWriteEof false: writeEof() throws', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol(), {
      canWriteEof: false,
    });
    assert.equal(transport.canWriteEof(), false);
    assert.throws(() => transport.writeEof(), /cannot write EOF/);
  });

  it('writes after close are dropped and warn from the 5th', async () => {
    const [transport] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.close();
    for (let i = 0; i < 4; i++) transport.write(bytes('x'));
    assert.equal(logger.warnings().length, 0);
    transport.write(bytes('x'));
    assert.equal(logger.warnings().length, 1);
    assert.match(
      logger.warnings()[0]?.message ?? '',
      /MemoryTransport: write after the transport was closed/,
    );
  });
});

describe('MemoryTransport.simulateError and extras', () => {
  it('a peer reset (default ECONNRESET) ends in connectionLost(err) without a report', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    transport.simulateError();
    const exc = (await lost(protocol)) as Error & { code?: string };
    assert.equal(exc.code, 'ECONNRESET');
    assert.equal(reported.length, 0);
  });

  it('a non-OS error is reported as a fatal read error', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol());
    const error = new Error('weird');
    transport.simulateError(error);
    assert.equal(await lost(protocol), error);
    assert.equal(reported[0]?.message, 'Fatal read error on memory transport');
  });

  it('getExtraInfo returns the given extras; setProtocol switches callbacks', async () => {
    const [transport, first] = await createMemoryTransport(loop, new RecordingProtocol(), {
      extra: { peername: ['127.0.0.1', 4000] },
    });
    assert.deepEqual(transport.getExtraInfo('peername'), ['127.0.0.1', 4000]);
    assert.equal(transport.getExtraInfo('sockname'), null);
    assert.equal(transport.getExtraInfo('sockname', 'none'), 'none');
    const second = new RecordingProtocol();
    transport.setProtocol(second);
    expect(transport.getProtocol()).toBe(second);
    transport.feed(bytes('to second'));
    assert.equal(second.text(), 'to second');
    assert.equal(first.receivedLength, 0);
  });
});
