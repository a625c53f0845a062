import type { RemoteInfo, Socket } from 'node:dgram';
import { getSystemErrorName } from 'node:util';

/**
 * The fast path under `node:dgram` (why: the public `socket.send()` defers every datagram
 * through a DNS-lookup `nextTick`, allocates a closure and a request per datagram, and
 * reports completion one `nextTick` later; the `'message'` event goes through an
 * `EventEmitter`). Node's own `dgram.Socket` talks to its libuv handle as below; this
 * module does the same, and nothing else touches Node internals:
 *
 * - `handle.send(req, list, count[, port, address], hasCallback)` returns `size + 1`
 *   when the kernel took the datagram at once (the request object is then untouched and
 *   reusable), `0` when libuv queued it (then `req.oncomplete(status)` fires once, in
 *   send order), or a negative errno;
 * - `handle.onmessage(nread, handle, buf, rinfo)` is called per received datagram (a
 *   negative `nread` is a receive error).
 *
 * Everything is feature-checked; when any piece is missing (another Node version,
 * `--no-deprecation`-style hardening of `process.binding`), `dgramHandle()` returns
 * null and the transport uses the public API.
 */

/** A libuv send request (Node's `SendWrap`). */
export interface SendRequest {
  oncomplete: ((this: SendRequest, status: number) => void) | undefined;
  [key: symbol]: unknown;
}

/** The libuv UDP handle under a `dgram.Socket` (Node's `UDPWrap`). */
export interface UdpHandle {
  send(req: SendRequest, list: Uint8Array[], count: number, hasCallback: boolean): number;
  send(
    req: SendRequest,
    list: Uint8Array[],
    count: number,
    port: number,
    address: string,
    hasCallback: boolean,
  ): number;
  onmessage: (nread: number, handle: UdpHandle, buf: Buffer, rinfo: RemoteInfo) => void;
  /** Stops / restarts reading from the kernel (what `dgram` itself calls on close / bind). */
  recvStop(): number;
  recvStart(): number;
  /** Frees what an adapter holds besides the socket (native-handle.ts); absent on Node's handle. */
  release?(): void;
  [key: symbol]: unknown;
}

type SendWrapClass = new () => SendRequest;

let sendWrap: SendWrapClass | null | undefined;
let enabled = true;

function loadSendWrap(): SendWrapClass | null {
  if (sendWrap !== undefined) return sendWrap;
  sendWrap = null;
  try {
    const binding = (
      process as unknown as { binding(name: string): { SendWrap?: unknown } }
    ).binding('udp_wrap');
    if (typeof binding.SendWrap === 'function') sendWrap = binding.SendWrap as SendWrapClass;
  } catch {
    // process.binding() unavailable: the public API it is.
  }
  return sendWrap;
}

/**
 * Turns the fast path off (or on again) for endpoints made from now on: an escape hatch
 * should a Node release change the internals in a way the feature checks miss, and a way
 * to compare. Default: on.
 */
export function setDgramFastPath(on: boolean): void {
  enabled = on;
}

/** The handle of a bound `dgram.Socket`, or null when the fast path is unavailable. */
export function dgramHandle(sock: Socket): UdpHandle | null {
  if (!enabled || loadSendWrap() === null) return null;
  const key = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  if (key === undefined) return null;
  const state = (sock as unknown as Record<symbol, { handle?: unknown } | undefined>)[key];
  const handle = state?.handle as UdpHandle | undefined;
  if (
    handle == null ||
    typeof handle.send !== 'function' ||
    typeof handle.onmessage !== 'function' ||
    typeof handle.recvStop !== 'function' ||
    typeof handle.recvStart !== 'function'
  ) {
    return null;
  }
  return handle;
}

/** A new send request whose completion calls `oncomplete` with `owner` reachable through `key`. */
export function newSendRequest(
  oncomplete: (this: SendRequest, status: number) => void,
  key: symbol,
  owner: unknown,
): SendRequest {
  const SendWrap = sendWrap as SendWrapClass;
  const req = new SendWrap();
  req.oncomplete = oncomplete;
  req[key] = owner;
  return req;
}

/** An errno from the handle as Node reports it (`code`, `errno`, `syscall`, `address`, `port`). */
export function uvError(
  status: number,
  syscall: string,
  address?: string,
  port?: number,
): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `Unknown system error ${status}`;
  }
  const where = address === undefined ? '' : ` ${address}:${port}`;
  const err: NodeJS.ErrnoException & { address?: string; port?: number } = new Error(
    `${syscall} ${code}${where}`,
  );
  err.errno = status;
  err.code = code;
  err.syscall = syscall;
  if (address !== undefined) {
    err.address = address;
    err.port = port;
  }
  return err;
}
