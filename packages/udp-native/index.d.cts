/** An open endpoint: a poll on a duplicate of a bound UDP socket's descriptor. */
export type Endpoint = { readonly __endpoint: unique symbol };

/** What an endpoint calls: the datagrams of one read, or a receive error. */
export interface EndpointOwner {
  /**
   * `count` datagrams, packed in arrival order into `data`; datagram `i` is
   * `meta[2 * i]` bytes long and came from port `meta[2 * i + 1]` of `hosts[i]`.
   */
  onbatch(data: ArrayBuffer, count: number, hosts: string[]): void;
  /** A receive error as a negative errno (e.g. ECONNREFUSED from ICMP). */
  onerror(errno: number): void;
}

/**
 * Starts reading the bound UDP socket `fd` (a duplicate of it; the caller stops its own
 * reading first). `meta` (a Uint32Array of 32 or more) receives lengths and ports.
 * Returns a negative errno when the descriptor cannot be used.
 */
export function open(owner: EndpointOwner, fd: number, meta: Uint32Array): Endpoint | number;

/**
 * Sends one datagram now: to `host`:`port` (numeric), or to the connected peer without
 * them. Returns the bytes sent + 1, or a negative errno (EAGAIN/ENOBUFS: no room now).
 */
export function send(endpoint: Endpoint, data: Uint8Array, port?: number, host?: string): number;

/** Stops (false) or restarts (true) reading. */
export function reading(endpoint: Endpoint, on: boolean): void;

/** Whether the endpoint keeps Node's event loop (the process, the worker) alive; default true. */
export function ref(endpoint: Endpoint, on: boolean): void;

/** True while the endpoint keeps the loop alive (false once closed). */
export function hasRef(endpoint: Endpoint): boolean;

/** Stops reading and frees the endpoint; the original socket stays open. Idempotent. */
export function close(endpoint: Endpoint): void;
