/**
 * Test helpers for transports and protocols (`@x/transport-core/testing`):
 *
 * - test doubles for your own protocol tests: `MemoryTransport` (a transport in memory
 *   that records what was written and lets you feed data in any chunking), and
 *   `RecordingProtocol`/`RecordingBufferedProtocol` (protocols that record every
 *   callback), with `assertStreamGrammar` to check a callback log against SPEC §4;
 * - the transport conformance kit: `defineTransportConformance(...)` registers the
 *   checks every stream transport must pass with your test framework (peers:
 *   `DuplexPeer` over a Node stream, `MemoryPeer`), and `defineDatagramConformance(...)`
 *   those of datagram endpoints (`RecordingDatagramProtocol`, `DgramPeer`).
 *
 * No test framework is imported here: assertions use `node:assert/strict`.
 *
 * @example
 * import { createMemoryTransport, RecordingProtocol } from '@x/transport-core/testing';
 * const [transport, protocol] = await createMemoryTransport(loop, () => new MyProtocol());
 * transport.feed(Buffer.from('PING\r\n'), { chunkSize: 1 });
 * assert.equal(Buffer.from(transport.takeWritten()).toString(), 'PONG\r\n');
 */
export type {
  ConformanceCapabilities,
  ConformanceContext,
  ConformanceFactory,
  ConformanceOptions,
  ConformancePair,
  ConformancePeer,
  DefineTransportConformance,
  TestRegistrar,
} from './conformance-types.js';
export { createMemoryDatagramTransport } from './create-memory-datagram-transport.js';
export { createMemoryTransport } from './create-memory-transport.js';
export type {
  DatagramCapabilities,
  DatagramConformanceContext,
  DatagramConformanceFactory,
  DatagramConformanceOptions,
  DatagramConformancePair,
  DatagramPeer,
} from './datagram-conformance-types.js';
export {
  assertDatagramGrammar,
  type DatagramCallbackName,
  type DatagramEvent,
  datagramEventName,
  formatDatagramEvents,
} from './datagram-grammar.js';
export { defineDatagramConformance } from './define-datagram-conformance.js';
export {
  conformanceCheckTitles,
  defineTransportConformance,
} from './define-transport-conformance.js';
export { DgramPeer } from './dgram-peer.js';
export { DuplexPeer } from './duplex-peer.js';
export { MemoryDatagramPeer } from './memory-datagram-peer.js';
export {
  type MemoryDatagramListener,
  MemoryDatagramTransport,
  type MemoryDatagramTransportOptions,
  type SentDatagram,
} from './memory-datagram-transport.js';
export { MemoryPeer } from './memory-peer.js';
export {
  type FeedOptions,
  type MemoryOutputListener,
  MemoryTransport,
  type MemoryTransportOptions,
} from './memory-transport.js';
export { PeerInbox } from './peer-inbox.js';
export {
  RecordingBufferedProtocol,
  type RecordingBufferedProtocolOptions,
} from './recording-buffered-protocol.js';
export {
  type ReceivedDatagram,
  RecordingDatagramProtocol,
  type RecordingDatagramProtocolOptions,
} from './recording-datagram-protocol.js';
export { type LogLevel, type LogRecord, RecordingLogger } from './recording-logger.js';
export {
  type FlowEvent,
  type RecordingHooks,
  RecordingProtocol,
  type RecordingProtocolOptions,
} from './recording-protocol.js';
export { type ServerSideFactory, serverSideFactory } from './server-side-factory.js';
export {
  assertStreamGrammar,
  eventName,
  formatEvents,
  type StreamCallbackName,
  type StreamEvent,
  type StreamGrammarOptions,
} from './stream-grammar.js';
export { TimeoutError, withTimeout } from './with-timeout.js';
