import type { Address } from '../address.js';
import type { AbstractEventLoop } from '../event-loop.js';
import type { DatagramTransport } from '../transports.js';
import type { ConformanceContextOf } from './check-runner.js';
import type { RecordingDatagramProtocol } from './recording-datagram-protocol.js';

/**
 * The other end of the datagram endpoint under test, driven by the suite. `DgramPeer`
 * implements it over a `dgram.Socket`.
 */
export interface DatagramPeer {
  /** The peer's address as the transport sees it: where `sendto()` must send to reach the peer. */
  readonly address: Address;
  /** Sends one datagram (empty ones too) to the transport. */
  send(data: Uint8Array): Promise<void>;
  /** Resolves with the next datagram the transport sent to the peer (waiting for it). */
  receive(): Promise<Uint8Array>;
}

/** What the datagram endpoint under test can do. */
export interface DatagramCapabilities {
  /**
   * The endpoint was made with `remoteAddr` = the peer's address: `sendto(data)` needs no
   * address and another address throws. Default false (an unconnected endpoint).
   */
  connected: boolean;
}

/** What the suite hands the datagram factory (see {@link ConformanceContextOf}). */
export type DatagramConformanceContext = ConformanceContextOf<RecordingDatagramProtocol>;

/** One datagram endpoint with its peer. */
export interface DatagramConformancePair {
  readonly loop: AbstractEventLoop;
  /** The endpoint under test (what `createDatagramEndpoint` resolved with). */
  readonly transport: DatagramTransport;
  /** The protocol the factory got from `ctx.protocolFactory()`. */
  readonly protocol: RecordingDatagramProtocol;
  readonly peer: DatagramPeer;
  /** Frees everything (endpoint, peer socket, loop). Idempotent. */
  close(): Promise<void>;
}

/** Makes one endpoint and its peer; resolves after `connectionMade`. */
export type DatagramConformanceFactory = (
  ctx: DatagramConformanceContext,
) => Promise<DatagramConformancePair>;

/** Tuning of `defineDatagramConformance`. */
export interface DatagramConformanceOptions {
  capabilities?: Partial<DatagramCapabilities>;
  /** Time bound of every wait inside a check, in ms. Default 5000. */
  timeoutMs?: number;
  /** Checks to register as skipped, by title, with the reason (report it!). */
  skip?: Readonly<Record<string, string>>;
}
