import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  InvalidStateError,
  isOSError,
  ProcessLookupError,
  SendfileNotAvailableError,
  TransportError,
  TransportNotInstalledError,
  toError,
} from './errors.js';

type ErrorsModule = typeof import('./errors.js');

describe('error classes: names and instanceof', () => {
  it.each([
    ['InvalidStateError', () => new InvalidStateError('x'), InvalidStateError],
    ['CancelledError', () => new CancelledError('x'), CancelledError],
    ['ProcessLookupError', () => new ProcessLookupError('x'), ProcessLookupError],
    [
      'SendfileNotAvailableError',
      () => new SendfileNotAvailableError('x'),
      SendfileNotAvailableError,
    ],
    [
      'TransportNotInstalledError',
      () => new TransportNotInstalledError('loop.createConnection()', '@x/tcp', 'tcp'),
      TransportNotInstalledError,
    ],
  ] as const)('%s has that name and is an Error and a TransportError', (name, make, cls) => {
    const err = make();
    expect(err.name).toBe(name);
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toBeInstanceOf(Error);
    expect(Object.prototype.toString.call(err)).toBe('[object Error]');
    expect(err.stack).toContain(name);
  });

  it('sibling classes are not instances of each other', () => {
    expect(new CancelledError()).not.toBeInstanceOf(InvalidStateError);
    expect(new InvalidStateError()).not.toBeInstanceOf(CancelledError);
    expect(new Error('plain')).not.toBeInstanceOf(TransportError);
    expect(null).not.toBeInstanceOf(CancelledError);
    expect({}).not.toBeInstanceOf(CancelledError);
  });

  it('ProcessLookupError has code ESRCH', () => {
    expect(new ProcessLookupError().code).toBe('ESRCH');
  });

  it('keeps message and cause', () => {
    const cause = new Error('root');
    const err = new InvalidStateError('msg', { cause });
    expect(err.message).toBe('msg');
    expect(err.cause).toBe(cause);
  });

  it('TransportNotInstalledError names the package and how to install it', () => {
    const err = new TransportNotInstalledError('loop.createDatagramEndpoint()', '@x/udp', 'udp');
    expect(err.packageName).toBe('@x/udp');
    expect(err.message).toBe(
      "loop.createDatagramEndpoint() needs @x/udp: install it and pass udp() in the loop's " +
        'transports option, e.g. new EventLoop({ transports: [udp()] })',
    );
  });

  it('a user subclass keeps its own name and instanceof chain', () => {
    class MyError extends CancelledError {}
    const err = new MyError('m');
    expect(err.name).toBe('MyError');
    expect(err).toBeInstanceOf(MyError);
    expect(err).toBeInstanceOf(CancelledError);
    expect(new CancelledError()).not.toBeInstanceOf(MyError);
  });
});

describe('the Symbol.for brand: instanceof across two copies of the module', () => {
  let dir: string;
  let cjs: ErrorsModule;

  beforeAll(async () => {
    // A second, CommonJS copy of this very module (as a dual ESM/CJS install would load),
    // compiled now from the source so it never depends on a stale or half-written dist.
    const source = await readFile(new URL('./errors.ts', import.meta.url), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    dir = await mkdtemp(join(tmpdir(), 'core-errors-'));
    const file = join(dir, 'errors.cjs');
    await writeFile(file, outputText);
    cjs = createRequire(import.meta.url)(file) as ErrorsModule;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the copy has distinct classes', () => {
    expect(cjs.CancelledError).not.toBe(CancelledError);
  });

  it("an instance from the copy is instanceof this copy's class, and the reverse", () => {
    const foreign = new cjs.CancelledError('from the other copy');
    expect(foreign).toBeInstanceOf(CancelledError);
    expect(foreign).toBeInstanceOf(TransportError);
    expect(new CancelledError()).toBeInstanceOf(cjs.CancelledError);
    expect(new InvalidStateError()).toBeInstanceOf(cjs.TransportError);
    expect(new cjs.TransportNotInstalledError('x', '@x/tcp', 'tcp')).toBeInstanceOf(
      TransportNotInstalledError,
    );
  });

  it('the brand does not blur classes: a foreign CancelledError is not an InvalidStateError', () => {
    expect(new cjs.CancelledError()).not.toBeInstanceOf(InvalidStateError);
    expect(new cjs.InvalidStateError()).not.toBeInstanceOf(cjs.ProcessLookupError);
  });
});

describe('toError', () => {
  it('returns Errors as they are', () => {
    const err = new RangeError('r');
    expect(toError(err)).toBe(err);
  });

  it('wraps anything else, keeping it as the cause', () => {
    const fromString = toError('text');
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('text');
    expect(fromString.cause).toBe('text');
    const obj = { a: 1 };
    const fromObject = toError(obj);
    expect(fromObject.cause).toBe(obj);
    expect(fromObject.message).toMatch(/^non-error value thrown/);
    expect(toError(undefined).cause).toBeUndefined();
    expect(toError(null).message).toBe('non-error value thrown: null');
  });
});

describe('isOSError: errors transports do not report to the exception handler', () => {
  function withCode(code: unknown): Error {
    return Object.assign(new Error('x'), { code });
  }

  it('errors with an errno code or a TLS code are OS errors', () => {
    for (const code of [
      'ECONNRESET',
      'EPIPE',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'ENOENT',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      expect([code, isOSError(withCode(code))]).toEqual([code, true]);
    }
  });

  it('other errors are not', () => {
    expect(isOSError(new Error('plain'))).toBe(false);
    expect(isOSError(withCode('ERR_INVALID_ARG_TYPE'))).toBe(false);
    expect(isOSError(withCode(104))).toBe(false);
    expect(isOSError(new TypeError('t'))).toBe(false);
    expect(isOSError('ECONNRESET')).toBe(false);
    expect(isOSError({ code: 'ECONNRESET' })).toBe(false);
  });
});
