import type { SpawnOptions } from 'node:child_process';
import type { Socket as DgramSocket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import type { Socket as NetSocket } from 'node:net';
import type { Address, InetAddress } from './address.js';
import type { SSLContext } from './tls-engine.js';

/** Address family: 0 (any), 4 (IPv4), 6 (IPv6); also accepts asyncio-style names. */
export type AddressFamily = 0 | 4 | 6 | 'IPv4' | 'IPv6' | 'unix';

/** TLS options shared by every stream-creating method. */
export interface TlsOptions {
  /** A context from `createSSLContext`, or `true` for a default verifying client context. */
  ssl?: SSLContext | true | null;
  /** TLS handshake timeout in ms (default 60 000). Only with `ssl`. */
  sslHandshakeTimeout?: number | null;
  /** TLS shutdown timeout in ms (default 30 000). Only with `ssl`. */
  sslShutdownTimeout?: number | null;
}

/** Options of `loop.createConnection` (asyncio `create_connection`). */
export interface CreateConnectionOptions extends TlsOptions {
  family?: AddressFamily;
  /** Bind the local side to this `[host, port]` first. */
  localAddr?: InetAddress | null;
  /** SNI / host name to verify; defaults to `host`. Only with `ssl`. */
  serverHostname?: string | null;
  /** An already connected `net.Socket` to use instead of `host`/`port`. */
  sock?: NetSocket | null;
  /** Happy Eyeballs (RFC 8305) delay between attempts, in ms. */
  happyEyeballsDelay?: number | null;
  /** Interleave address families when trying addresses (RFC 8305 "First Address Family Count"). */
  interleave?: number | null;
  /** Reject with an `AggregateError` of every attempt's error instead of the first one. */
  allErrors?: boolean;
}

/** Options of `loop.createServer` (asyncio `create_server`). */
export interface CreateServerOptions extends TlsOptions {
  family?: AddressFamily;
  /** A listening `net.Server` or bound socket to serve instead of `host`/`port`. */
  sock?: unknown;
  /** Listen backlog (default 100). */
  backlog?: number;
  /**
   * SO_REUSEADDR (asyncio `reuse_address`). libuv always sets it on TCP listeners, so
   * `true` or absent is what happens; `false` is rejected by `@x/tcp`.
   */
  reuseAddress?: boolean;
  /** SO_REUSEPORT (asyncio `reuse_port`), where the platform and Node have it. */
  reusePort?: boolean;
  /** Enable SO_KEEPALIVE on accepted connections. */
  keepAlive?: boolean;
  /** Start accepting at once (default true); otherwise on `startServing()`. */
  startServing?: boolean;
}

/** Options of `loop.createUnixConnection`. */
export interface CreateUnixConnectionOptions extends TlsOptions {
  serverHostname?: string | null;
  sock?: NetSocket | null;
}

/** Options of `loop.createUnixServer`. */
export interface CreateUnixServerOptions extends TlsOptions {
  sock?: unknown;
  backlog?: number;
  startServing?: boolean;
  /** Remove the socket file when the server closes (default true). */
  cleanupSocket?: boolean;
}

/** Options of `loop.connectAcceptedSocket`. */
export type ConnectAcceptedSocketOptions = TlsOptions;

/** Options of `loop.createDatagramEndpoint` (asyncio `create_datagram_endpoint`). */
export interface CreateDatagramEndpointOptions {
  localAddr?: Address | null;
  /** Connect the endpoint to this peer (connected mode). */
  remoteAddr?: Address | null;
  family?: AddressFamily;
  reusePort?: boolean;
  allowBroadcast?: boolean;
  /** An existing bound `dgram.Socket`. */
  sock?: DgramSocket | null;
}

/** Options of `loop.startTls`. */
export interface StartTlsOptions {
  serverSide?: boolean;
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
  sslShutdownTimeout?: number | null;
  /** Bytes the plaintext protocol already received that belong to the TLS stream. */
  initialData?: Uint8Array | null;
}

/** A sendfile source: a `FileHandle` from `node:fs/promises` or a file descriptor. */
export type SendfileSource = FileHandle | number;

/** What a child's standard stream is connected to. */
export type StdioOption = 'pipe' | 'devnull' | 'stdout' | number | null;

/**
 * Options of `loop.subprocessExec` / `loop.subprocessShell`: the three standard streams
 * (`PIPE` by default) plus Node's spawn options (`cwd`, `env`, `uid`, `detached`, ...).
 */
export interface SubprocessOptions extends Omit<SpawnOptions, 'stdio' | 'shell'> {
  stdin?: StdioOption;
  stdout?: StdioOption;
  /** `STDOUT` merges stderr into stdout. */
  stderr?: StdioOption;
}

/** A pipe for `connectReadPipe`/`connectWritePipe`: a file descriptor or a Node stream that has one. */
export type PipeLike = number | NodeJS.ReadableStream | NodeJS.WritableStream;
