import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import { createMemoryTransport } from './create-memory-transport.js';
import { RecordingBufferedProtocol } from './recording-buffered-protocol.js';
import { RecordingLogger } from './recording-logger.js';
import { RecordingProtocol } from './recording-protocol.js';
import { withTimeout } from './with-timeout.js';

let loop: EventLoop;
beforeEach(() => {
  loop = new EventLoop({ logger: new RecordingLogger() });
  loop.setExceptionHandler(() => {});
});
afterEach(() => loop.close());

describe('RecordingProtocol', () => {
  it('records every callback as an event log and collects the bytes', () => {
    const protocol = new RecordingProtocol();
    const a = Buffer.from('ab');
    protocol.connectionMade({} as never);
    protocol.dataReceived(a);
    protocol.dataReceived(Buffer.from('c'));
    protocol.eofReceived();
    protocol.connectionLost(null);
    assert.deepEqual(protocol.events, [
      'connectionMade',
      ['dataReceived', a],
      ['dataReceived', Buffer.from('c')],
      'eofReceived',
      ['connectionLost', null],
    ]);
    assert.equal(
      (protocol.events[1] as readonly [string, Uint8Array])[1],
      a,
      'data is kept as given',
    );
    assert.equal(protocol.text(), 'abc');
    assert.equal(protocol.receivedLength, 3);
    assert.deepEqual(protocol.names(), [
      'connectionMade',
      'dataReceived',
      'dataReceived',
      'eofReceived',
      'connectionLost',
    ]);
    assert.equal(protocol.count('dataReceived'), 2);
    protocol.assertGrammar({ complete: true });
  });

  it('throws the configured error from the configured callback, after recording it', () => {
    const error = new Error('configured');
    const protocol = new RecordingProtocol({ throwFrom: 'eofReceived', error });
    assert.throws(
      () => protocol.eofReceived(),
      (err) => err === error,
    );
    assert.deepEqual(protocol.names(), ['eofReceived']);
    protocol.throwFrom = 'dataReceived';
    protocol.error = null;
    assert.throws(() => protocol.dataReceived(Buffer.from('x')), /dataReceived failed on purpose/);
  });

  it('eofResult is what eofReceived returns; hooks run inside the callback', () => {
    const seen: string[] = [];
    const protocol = new RecordingProtocol({
      eofResult: true,
      hooks: { eofReceived: (p) => seen.push(p.names().join()) },
    });
    assert.equal(protocol.eofReceived(), true);
    assert.deepEqual(seen, ['eofReceived']);
  });

  it('waits resolve on the callback; a wait the lost connection can no longer meet rejects clearly', async () => {
    const protocol = new RecordingProtocol();
    const made = protocol.waitMade();
    const bytes = protocol.waitBytes(3);
    const eof = protocol.waitEof();
    const lost = protocol.waitLost();
    protocol.connectionMade({ getWriteBufferSize: () => 0 } as never);
    protocol.dataReceived(Buffer.from('abc'));
    assert.equal((await bytes).toString(), 'abc');
    await made;
    const exc = new Error('reset');
    protocol.connectionLost(exc);
    assert.equal(await lost, exc);
    await assert.rejects(
      eof,
      /connection lost before eofReceived x1: Error: reset; 3 bytes received/,
    );
    await assert.rejects(protocol.waitBytes(10), /connection lost before 10 bytes/);
    await protocol.waitFor('dataReceived');
  });

  it('records the write buffer size at pauseWriting/resumeWriting', async () => {
    const [transport, protocol] = await createMemoryTransport(loop, new RecordingProtocol(), {
      autoDrain: false,
    });
    transport.setWriteBufferLimits(1);
    transport.write(Buffer.alloc(5));
    transport.drain();
    assert.deepEqual(protocol.flowEvents, [
      { event: 'pauseWriting', writeBufferSize: 5 },
      { event: 'resumeWriting', writeBufferSize: 0 },
    ]);
    transport.close();
    await withTimeout(protocol.waitLost(), 2000, 'connectionLost');
  });
});

describe('RecordingBufferedProtocol', () => {
  it('returns its one buffer, copies bufferUpdated bytes out, records both callbacks', () => {
    const protocol = new RecordingBufferedProtocol({ bufferSize: 4 });
    assert.equal(protocol.buffered, true);
    const buf = protocol.getBuffer(-1);
    assert.equal(buf.length, 4);
    buf.set([1, 2, 3]);
    protocol.bufferUpdated(3);
    assert.equal(protocol.getBuffer(100), buf, 'the same buffer every time');
    buf.set([9]);
    protocol.bufferUpdated(1);
    assert.deepEqual([...protocol.received()], [1, 2, 3, 9]);
    assert.deepEqual(protocol.events, [
      ['getBuffer', -1],
      ['bufferUpdated', 3],
      ['getBuffer', 100],
      ['bufferUpdated', 1],
    ]);
  });

  it('notes an nbytes bigger than the buffer (a transport bug)', () => {
    const protocol = new RecordingBufferedProtocol({ bufferSize: 2 });
    protocol.getBuffer(-1);
    protocol.bufferUpdated(5);
    assert.deepEqual(protocol.overflows, [5]);
  });

  it('bufferSize must be an integer >= 0 (RangeError); 0 gives an empty buffer', () => {
    assert.throws(() => new RecordingBufferedProtocol({ bufferSize: -1 }), RangeError);
    assert.throws(() => new RecordingBufferedProtocol({ bufferSize: 1.5 }), RangeError);
    assert.equal(new RecordingBufferedProtocol({ bufferSize: 0 }).getBuffer(-1).length, 0);
  });
});

describe('RecordingLogger', () => {
  it('records each level, filters warnings, forwards when asked, clears', () => {
    const forwarded = new RecordingLogger();
    const logger = new RecordingLogger(forwarded);
    logger.debug('d');
    logger.info('i', 1);
    logger.warn('w', { x: 1 });
    logger.error('e');
    assert.deepEqual(
      logger.records.map((r) => r.level),
      ['debug', 'info', 'warn', 'error'],
    );
    assert.deepEqual(logger.warnings(), [{ level: 'warn', message: 'w', details: [{ x: 1 }] }]);
    assert.equal(forwarded.records.length, 4);
    logger.clear();
    assert.equal(logger.records.length, 0);
  });
});
