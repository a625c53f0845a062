import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { describeType, type SSLContext } from '@x/transport-core';

/**
 * Options of {@link createSSLContext}: Node's secure-context options (`cert`, `key`,
 * `ca`, `ciphers`, `minVersion`, `maxVersion`, `ecdhCurve`, `passphrase`, `pfx`, ...)
 * plus the verification settings and ALPN.
 */
export interface SSLContextOptions extends SecureContextOptions {
  /** Verify the peer's certificate chain (default `true`; asyncio `verify_mode=CERT_REQUIRED`). */
  rejectUnauthorized?: boolean;
  /**
   * Check the server's host name against its certificate, client side (asyncio
   * `check_hostname`). Defaults to `rejectUnauthorized`: on with verification, off
   * without it. `true` with `rejectUnauthorized: false` is a TypeError (see
   * {@link createSSLContext}).
   */
  checkHostname?: boolean;
  /** Server side: ask the client for a certificate (default `false`). */
  requestCert?: boolean;
  /** ALPN protocol names to offer (client) or accept (server), in order of preference (default none). */
  alpnProtocols?: readonly string[];
}

const TLS_VERSIONS: ReadonlySet<string> = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const BOOLEAN_KEYS = ['rejectUnauthorized', 'checkHostname', 'requestCert'] as const;
const PEM_KEYS = ['cert', 'key', 'ca', 'crl', 'pfx'] as const;
const STRING_KEYS = [
  'ciphers',
  'ecdhCurve',
  'passphrase',
  'sigalgs',
  'privateKeyEngine',
  'privateKeyIdentifier',
] as const;

/** The {@link SSLContext} made by {@link createSSLContext}. */
class NodeSSLContext implements SSLContext {
  readonly secureContext;
  readonly rejectUnauthorized: boolean;
  readonly checkHostname: boolean;
  readonly requestCert: boolean;
  readonly alpnProtocols: readonly string[];

  constructor(options: SSLContextOptions) {
    const { rejectUnauthorized, checkHostname, requestCert, alpnProtocols, ...secure } = options;
    this.secureContext = createSecureContext(secure);
    this.rejectUnauthorized = rejectUnauthorized ?? true;
    // Node ignores a failed host name check when the chain is not verified: follow the verification.
    this.checkHostname = checkHostname ?? this.rejectUnauthorized;
    this.requestCert = requestCert ?? false;
    this.alpnProtocols = Object.freeze([...(alpnProtocols ?? [])]);
  }
}

function isPemLike(value: unknown): boolean {
  if (typeof value === 'string' || value instanceof Uint8Array) return true;
  // Node also takes `{ pem, passphrase }` / `{ buf, passphrase }` objects for keys and pfx.
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function validateOptions(options: SSLContextOptions): void {
  for (const key of BOOLEAN_KEYS) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new TypeError(`options.${key} must be a boolean, not '${describeType(value)}'`);
    }
  }
  for (const key of PEM_KEYS) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (!isPemLike(item)) {
        throw new TypeError(
          `options.${key} must be a string, a Buffer or an array of them, not '${describeType(item)}'`,
        );
      }
    }
  }
  for (const key of STRING_KEYS) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(`options.${key} must be a string, not '${describeType(value)}'`);
    }
  }
  for (const key of ['minVersion', 'maxVersion'] as const) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'string')
      throw new TypeError(`options.${key} must be a string, not '${describeType(value)}'`);
    if (!TLS_VERSIONS.has(value)) {
      throw new RangeError(
        `options.${key} must be one of ${[...TLS_VERSIONS].join(', ')}, not '${value}'`,
      );
    }
  }
  if (options.checkHostname === true && options.rejectUnauthorized === false) {
    // Node would drop a host name mismatch silently without verification; asyncio refuses
    // the pair ("Cannot set verify_mode to CERT_NONE when check_hostname is enabled").
    throw new TypeError(
      'options.checkHostname: true needs certificate verification: it cannot be used with rejectUnauthorized: false',
    );
  }
  const alpn: unknown = options.alpnProtocols;
  if (alpn !== undefined) {
    if (!Array.isArray(alpn)) {
      throw new TypeError(
        `options.alpnProtocols must be an array of strings, not '${describeType(alpn)}'`,
      );
    }
    for (const name of alpn) {
      if (typeof name !== 'string') {
        throw new TypeError(`options.alpnProtocols must hold strings, not '${describeType(name)}'`);
      }
      const length = Buffer.byteLength(name);
      if (length === 0 || length > 255) {
        throw new RangeError(`ALPN protocol names must be 1 to 255 bytes long, got '${name}'`);
      }
    }
  }
}

/**
 * Makes a TLS configuration usable on the client and the server side (asyncio's
 * `ssl.SSLContext`), for the `ssl` option of `createConnection`/`createServer`/... and
 * for `loop.startTls`.
 *
 * Defaults: the peer is verified (`rejectUnauthorized: true`) against `ca`, or the
 * system's CAs when `ca` is not given; a client checks the host name whenever it
 * verifies (`checkHostname` defaults to `rejectUnauthorized`); a server does not ask for
 * client certificates. The same context works on the client and the server side.
 *
 * @example
 * const ctx = createSSLContext({ cert: readFileSync('cert.pem'), key: readFileSync('key.pem') });
 * const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: ctx });
 * @throws TypeError when `options` or one of its values has the wrong type, or for
 *   `checkHostname: true` with `rejectUnauthorized: false` (a host name check needs a
 *   verified certificate; asyncio raises ValueError for `check_hostname` with `CERT_NONE`).
 * @throws RangeError for an unknown TLS version or an empty/too long ALPN name.
 * @throws Error (with Node's `code`, e.g. `ERR_OSSL_PEM_NO_START_LINE`) when Node rejects a certificate or key.
 */
export function createSSLContext(options: SSLContextOptions = {}): SSLContext {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, not '${describeType(options)}'`);
  }
  validateOptions(options);
  return new NodeSSLContext(options);
}

let defaultContext: SSLContext | undefined;

/**
 * The context behind `ssl: true`: a client context that verifies the server against
 * the system's CAs and checks its host name (asyncio `ssl.create_default_context()`).
 * Made once, on first use.
 */
export function defaultClientContext(): SSLContext {
  defaultContext ??= createSSLContext();
  return defaultContext;
}

/** True when `value` has the shape of an {@link SSLContext} (made here or elsewhere). */
export function isSSLContext(value: unknown): value is SSLContext {
  if (value === null || typeof value !== 'object') return false;
  const ctx = value as Partial<Record<keyof SSLContext, unknown>>;
  return (
    typeof ctx.secureContext === 'object' &&
    ctx.secureContext !== null &&
    typeof ctx.rejectUnauthorized === 'boolean' &&
    typeof ctx.checkHostname === 'boolean' &&
    typeof ctx.requestCert === 'boolean' &&
    Array.isArray(ctx.alpnProtocols)
  );
}
