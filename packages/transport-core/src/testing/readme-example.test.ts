/** The "Testing your protocol" example of README.md, kept runnable (same code, vitest's `it`). */
import assert from 'node:assert/strict';
import { it as test } from 'vitest';
import { EventLoop } from '../../../loop/src/index.js';
import { Protocol } from '../../../protocols/src/index.js';
import type { Transport } from '../transports.js';
import { createMemoryTransport } from './create-memory-transport.js';

/** Answers every "PING\r\n" line with "PONG\r\n". */
class PingPong extends Protocol {
  transport!: Transport;
  #pending = '';
  override connectionMade(transport: Transport) {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array) {
    this.#pending += Buffer.from(data).toString('latin1');
    let end: number;
    while ((end = this.#pending.indexOf('\r\n')) >= 0) {
      const line = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      if (line === 'PING') this.transport.write(Buffer.from('PONG\r\n'));
    }
  }
}

test('PingPong answers PING fed one byte at a time', async () => {
  const loop = new EventLoop();
  try {
    const [transport] = await createMemoryTransport(loop, () => new PingPong());
    transport.feed(Buffer.from('PING\r\nPING\r\nPI'), { chunkSize: 1 });
    assert.equal(transport.takeWritten().toString(), 'PONG\r\nPONG\r\n');
    transport.feed(Buffer.from('NG\r\n'), { chunkSize: 1 });
    assert.equal(transport.takeWritten().toString(), 'PONG\r\n');
  } finally {
    loop.close();
  }
});
