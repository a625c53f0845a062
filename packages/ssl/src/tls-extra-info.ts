import type { Socket as NetSocket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { ExtraInfo, Transport } from '@x/transport-core';
import { cipherBits } from './cipher-bits.js';
import type { TlsSettings } from './tls-settings.js';

/** Where a TLS transport runs: the raw Node socket (fast path) and/or the transport below (generic path). */
export interface TlsUnderlying {
  /** The raw `net.Socket` under the TLS socket, when there is one. */
  readonly socket: NetSocket | null;
  /** The transport under the TLS socket (generic path), for its extra info. */
  readonly transport: Transport | null;
  /** The Duplex carrying the records to that transport (generic path): what it still holds. */
  readonly duplex: { readonly writableLength: number } | null;
}

/**
 * The extra info of a TLS transport (asyncio `SSLProtocol` + the raw transport's keys):
 * what the layer below knows (`peername`, `sockname`, `socket`), then the TLS keys.
 */
export function tlsExtraInfo(
  tls: TLSSocket,
  settings: TlsSettings,
  under: TlsUnderlying,
): Partial<ExtraInfo> {
  const extra: Partial<Record<keyof ExtraInfo, unknown>> = { ...settings.extra };
  const lower = under.transport;
  const raw = under.socket;
  if (lower !== null) {
    for (const key of ['peername', 'sockname', 'socket'] as const) {
      const value = lower.getExtraInfo(key);
      if (value !== null) extra[key] ??= value;
    }
  }
  if (raw !== null) {
    extra.socket ??= raw;
    const peer = socketAddress(raw.remoteAddress, raw.remotePort);
    const local = socketAddress(raw.localAddress, raw.localPort);
    if (peer !== null) extra.peername ??= peer;
    if (local !== null) extra.sockname ??= local;
  }
  const cipher = tls.getCipher();
  if (cipher)
    extra.cipher = Object.freeze([
      cipher.name,
      tls.getProtocol() ?? cipher.version,
      cipherBits(cipher.name),
    ]);
  const cert: PeerCertificate | Record<string, never> = tls.getPeerCertificate();
  extra.peercert = cert && Object.keys(cert).length > 0 ? cert : null;
  extra.sslcontext = settings.context;
  extra.ssl_object = tls;
  extra.compression = null;
  return extra as Partial<ExtraInfo>;
}

function socketAddress(
  host: string | undefined,
  port: number | undefined,
): readonly [string, number] | null {
  if (host === undefined || port === undefined) return null;
  return Object.freeze([host, port] as const);
}

/** Node's TLS wrap keeps the socket's libuv handle as `_parent` (internal, hence the checks). */
export function osHandleOf(tls: TLSSocket): { readonly writeQueueSize: number } | null {
  const parent = (tls as unknown as { _handle?: { _parent?: { writeQueueSize?: unknown } } | null })
    ._handle?._parent;
  return parent !== undefined && typeof parent.writeQueueSize === 'number'
    ? (parent as { readonly writeQueueSize: number })
    : null;
}
