/**
 * Error classes shared by every package. Each has a stable `name` equal to asyncio's
 * class name, and a `Symbol.for` brand so that `instanceof` also works when two copies
 * of this package are loaded (ESM and CJS, or two installed versions).
 */

const brandKey = Symbol.for('@x/transport-core.error-classes');

/** Base class of this project's own errors. */
export class TransportError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    // Record every class name from new.target up to TransportError.
    const names: string[] = [];
    for (
      let c: unknown = new.target;
      typeof c === 'function' && c !== Error;
      c = Object.getPrototypeOf(c)
    ) {
      names.push((c as { name: string }).name);
    }
    Object.defineProperty(this, brandKey, { value: names });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const names = (value as Record<symbol, unknown> | null | undefined)?.[brandKey];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** An operation is not allowed in the current state (asyncio `InvalidStateError`). */
export class InvalidStateError extends TransportError {}

/** A future or operation was cancelled (asyncio `CancelledError`). */
export class CancelledError extends TransportError {}

/** The process is gone (Python's `ProcessLookupError`), e.g. `kill()` after `connectionLost`. */
export class ProcessLookupError extends TransportError {
  /** `'ESRCH'`, the errno of a process that does not exist. */
  declare readonly code: 'ESRCH';

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // Set here, not as a class field: the CJS build rewrites classes with field
    // initialisers into anonymous `_class` expressions, which would lose the name (and
    // so the brand that makes instanceof work across copies).
    (this as { code: string }).code = 'ESRCH';
  }
}

/** Native sendfile cannot be used for this transport or file (asyncio `SendfileNotAvailableError`). */
export class SendfileNotAvailableError extends TransportError {}

/**
 * A loop method (or option) was used whose transport package is not installed in the
 * loop. The message names the package to install and how.
 */
export class TransportNotInstalledError extends TransportError {
  readonly packageName: string;
  /** `what`: e.g. `'loop.createConnection()'` or `"the 'ssl' option"`. */
  constructor(what: string, packageName: string, factoryName: string) {
    super(
      `${what} needs ${packageName}: install it and pass ${factoryName}() in the loop's ` +
        `transports option, e.g. new EventLoop({ transports: [${factoryName}()] })`,
    );
    this.packageName = packageName;
  }
}

/** Turns anything thrown into an `Error` (a thrown non-error becomes the `cause`). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  const text = typeof value === 'string' ? value : `non-error value thrown: ${String(value)}`;
  return new Error(text, { cause: value });
}

/**
 * True for errors that come from the OS, the network or TLS (a string `code` such as
 * `ECONNRESET` or `ERR_SSL_...`). Like asyncio's `OSError` branch, transports do not
 * report these to the exception handler: `connectionLost(err)` is the signal.
 */
export function isOSError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return /^E[A-Z0-9]+$/.test(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}
