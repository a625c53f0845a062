/**
 * The transport conformance kit (`@x/transport-core/testing`) on the pipe transports:
 * a read pipe and a write pipe joined into one Transport (PipePairTransport), each over
 * one end of a Unix socket pair (the kind of pipe node:child_process gives a child).
 * The peer writes into the read pipe's pair and reads from the write pipe's pair.
 */
import type { Socket } from 'node:net';
import { EventLoop } from '@x/loop';
import {
  type ConformanceContext,
  type ConformancePair,
  type ConformancePeer,
  defineTransportConformance,
  PeerInbox,
} from '@x/transport-core/testing';
import { describe, it } from 'vitest';
import { PipePairTransport } from './pipe-pair-transport.js';
import { createSocketPair } from './socket-pair.js';
import { subprocess } from './subprocess.js';

const t = { describe, it, skip: it.skip };

/** The other end: writes into the transport's read pipe, reads its write pipe. */
class PipePairPeer implements ConformancePeer {
  readonly #inbox = new PeerInbox();

  constructor(
    private readonly toTransport: Socket,
    private readonly fromTransport: Socket,
  ) {
    fromTransport.on('data', (chunk: Buffer) => this.#inbox.push(chunk));
    fromTransport.on('end', () => this.#inbox.end());
    fromTransport.on('close', () => this.#inbox.end());
    fromTransport.on('error', (err) => this.#inbox.end(err));
    toTransport.on('error', () => {});
  }

  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.toTransport.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      this.toTransport.end(() => resolve());
    });
  }

  reset(): void {
    this.toTransport.destroy();
    this.fromTransport.destroy();
  }

  readExactly(n: number): Promise<Uint8Array> {
    return this.#inbox.readExactly(n);
  }

  readUntilEnd(): Promise<Uint8Array> {
    return this.#inbox.readUntilEnd();
  }

  pauseReading(): void {
    this.fromTransport.pause();
  }

  resumeReading(): void {
    this.fromTransport.resume();
  }

  destroy(): void {
    this.toTransport.destroy();
    this.fromTransport.destroy();
  }
}

async function pipePair(ctx: ConformanceContext): Promise<ConformancePair> {
  const loop = new EventLoop({ transports: [subprocess()], logger: ctx.logger });
  loop.setExceptionHandler(ctx.exceptionHandler);
  ctx.addCleanup(() => loop.close());
  const [readEnd, peerWriter] = await createSocketPair();
  const [writeEnd, peerReader] = await createSocketPair();
  const peer = new PipePairPeer(peerWriter, peerReader);
  peerReader.resume();
  ctx.addCleanup(() => {
    peer.destroy();
    readEnd.destroy();
    writeEnd.destroy();
  });
  const protocol = ctx.protocolFactory();
  const transport = new PipePairTransport(loop, protocol, readEnd, writeEnd);
  await transport.connect();
  return {
    loop,
    transport,
    protocol,
    peer,
    close: async () => {
      transport.abort();
      peer.destroy();
    },
  };
}

defineTransportConformance(t, 'read pipe + write pipe (Unix socket pairs)', pipePair, {
  // A pipe has no reset: the writer going away is a plain EOF.
  capabilities: { reset: false },
});
