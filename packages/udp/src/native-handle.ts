import type { RemoteInfo, Socket } from 'node:dgram';
import type { SendRequest, UdpHandle } from './dgram-internals.js';

/**
 * The optional Linux accelerator (`@x/udp-native`) behind the same handle interface the
 * transport drives on the fast path (dgram-internals.ts), so the transport keeps one
 * send and receive logic. Why it is faster: one `recvmmsg(2)` reads up to 16 datagrams
 * and one call into JavaScript delivers them (node:dgram allocates 64 KiB and calls into
 * JavaScript per datagram), and a send is one `sendto(2)` without a libuv request.
 *
 * Used for sockets the transport made itself (it stops their dgram reading); a `sock`
 * given by the user keeps its `'message'` events.
 */

/** The addon's API (packages/udp-native/index.d.cts), restated so the package's types need none of it. */
export interface NativeUdp {
  open(owner: NativeUdpHandle, fd: number, meta: Uint32Array): unknown;
  send(endpoint: unknown, data: Uint8Array, port?: number, host?: string): number;
  reading(endpoint: unknown, on: boolean): void;
  ref(endpoint: unknown, on: boolean): void;
  hasRef(endpoint: unknown): boolean;
  close(endpoint: unknown): void;
}

/** The socket's own `ref()`/`unref()`, shadowing its prototype's while the addon reads it. */
interface RefOverrides {
  ref?: () => Socket;
  unref?: () => Socket;
}

/** Lengths and ports of one batch: two numbers per datagram, 16 datagrams at most. */
const META_LENGTH = 32;

let addon: NativeUdp | null | undefined;
let enabled = true;

/**
 * Loads `@x/udp-native` once. Resolves either way: without the addon (not installed, not
 * Linux, not built) endpoints use node:dgram.
 */
export async function loadNativeUdp(): Promise<void> {
  if (addon !== undefined) return;
  let loaded: NativeUdp | null = null;
  try {
    const mod = (await import('@x/udp-native')) as NativeUdp & { default?: NativeUdp };
    const candidate = mod.default ?? mod;
    if (typeof candidate.open === 'function' && typeof candidate.send === 'function') {
      loaded = candidate;
    }
  } catch {
    // Optional: node:dgram it is.
  }
  addon ??= loaded;
}

/** The loaded addon module, for this package's fault-injection tests (not exported from the package). */
export function loadedAddon(): NativeUdp | null {
  return addon ?? null;
}

/** True when `@x/udp-native` was loaded (and is not turned off). */
export function nativeUdpAvailable(): boolean {
  return enabled && addon != null;
}

/**
 * Turns the `@x/udp-native` accelerator off (or on again) for endpoints made from now
 * on, e.g. to compare, or should a platform misbehave. Default: on when installed.
 */
export function setNativeUdp(on: boolean): void {
  enabled = on;
}

/**
 * Moves the reading of `sock` (bound, with Node's `handle`) to the addon, or returns null
 * when the addon is not available and the handle stays as it is.
 */
export function nativeHandle(
  sock: Socket,
  handle: UdpHandle,
  family: 4 | 6,
): NativeUdpHandle | null {
  const fd = (handle as { fd?: unknown }).fd;
  if (!enabled || addon == null || typeof fd !== 'number' || fd < 0) return null;
  return NativeUdpHandle.open(addon, sock, handle, fd, family);
}

/** The addon side of `sock`'s transport, for this package's tests. */
export function nativeHandleOf(sock: Socket): NativeUdpHandle | undefined {
  return bySocket.get(sock);
}

const bySocket = new WeakMap<Socket, NativeUdpHandle>();

export class NativeUdpHandle implements UdpHandle {
  [key: symbol]: unknown;
  onmessage: UdpHandle['onmessage'] = ignoreMessage;
  readonly #addon: NativeUdp;
  readonly #meta = new Uint32Array(META_LENGTH);
  readonly #family: 'IPv4' | 'IPv6';
  #endpoint: unknown = null;
  #sock: Socket | null = null;

  private constructor(addon: NativeUdp, family: 4 | 6) {
    this.#addon = addon;
    this.#family = family === 6 ? 'IPv6' : 'IPv4';
  }

  static open(
    addon: NativeUdp,
    sock: Socket,
    handle: UdpHandle,
    fd: number,
    family: 4 | 6,
  ): NativeUdpHandle | null {
    const native = new NativeUdpHandle(addon, family);
    // libuv stops reading first: what it has not read stays in the kernel for the addon.
    handle.recvStop();
    const endpoint = addon.open(native, fd, native.#meta);
    if (typeof endpoint === 'number') {
      handle.recvStart();
      return null;
    }
    native.#endpoint = endpoint;
    native.#followRefs(sock, handle);
    bySocket.set(sock, native);
    return native;
  }

  /**
   * The socket's own handle no longer reads, so it no longer keeps the loop alive; the
   * addon's poll does. `sock.ref()`/`sock.unref()` must govern that poll as they governed
   * the handle (a socket made with `unref()` lets the process exit): they are shadowed on
   * the socket for as long as the addon reads it.
   */
  #followRefs(sock: Socket, handle: UdpHandle): void {
    const addon = this.#addon;
    const endpoint = this.#endpoint;
    const proto = Object.getPrototypeOf(sock) as Socket;
    const own = sock as unknown as RefOverrides;
    own.ref = function (this: Socket) {
      addon.ref(endpoint, true);
      return proto.ref.call(this);
    };
    own.unref = function (this: Socket) {
      addon.ref(endpoint, false);
      return proto.unref.call(this);
    };
    const hasRef = (handle as { hasRef?: () => boolean }).hasRef;
    if (typeof hasRef === 'function' && !hasRef.call(handle)) addon.ref(endpoint, false);
    this.#sock = sock;
  }

  /** True while the addon's poll keeps the loop alive. */
  hasRef(): boolean {
    return this.#addon.hasRef(this.#endpoint);
  }

  /** Called by the addon: `count` datagrams packed into `data`, in arrival order. */
  onbatch(data: ArrayBuffer, count: number, hosts: string[]): void {
    const meta = this.#meta;
    const family = this.#family;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const size = meta[2 * i] as number;
      const port = meta[2 * i + 1] as number;
      const datagram = Buffer.from(data, offset, size);
      offset += size;
      this.onmessage(size, this, datagram, { address: hosts[i] as string, family, port, size });
    }
  }

  /** Called by the addon: a receive error as a negative errno. */
  onerror(errno: number): void {
    this.onmessage(errno, this, Buffer.alloc(0), {
      address: '',
      family: this.#family,
      port: 0,
      size: 0,
    });
  }

  /**
   * Sends `list[0]` now: bytes + 1, or a negative errno (never queued, so never 0). One
   * signature covers both of {@link UdpHandle.send}'s: `port` is `hasCallback` when no
   * `address` follows (connected endpoints).
   */
  send(
    _req: SendRequest,
    list: Uint8Array[],
    _count: number,
    port: number | boolean,
    address?: string,
  ): number {
    const data = list[0] as Uint8Array;
    return typeof address === 'string'
      ? this.#addon.send(this.#endpoint, data, port as number, address)
      : this.#addon.send(this.#endpoint, data);
  }

  recvStop(): number {
    this.#addon.reading(this.#endpoint, false);
    return 0;
  }

  recvStart(): number {
    this.#addon.reading(this.#endpoint, true);
    return 0;
  }

  /** Stops reading and frees the addon's side (the dgram socket itself is closed by its owner). */
  release(): void {
    this.#addon.close(this.#endpoint);
    const sock = this.#sock;
    if (sock !== null) {
      const own = sock as unknown as RefOverrides;
      delete own.ref;
      delete own.unref;
      bySocket.delete(sock);
      this.#sock = null;
    }
  }
}

function ignoreMessage(
  _nread: number,
  _handle: UdpHandle,
  _buf: Buffer,
  _rinfo: RemoteInfo,
): void {}
