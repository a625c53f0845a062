import type { AbstractEventLoop } from './event-loop.js';
import type { TlsEngine } from './tls-engine.js';

/** The loop methods that transport packages provide. */
export type ProviderMethodName =
  | 'createConnection'
  | 'createServer'
  | 'createUnixConnection'
  | 'createUnixServer'
  | 'connectAcceptedSocket'
  | 'sendfile'
  | 'createDatagramEndpoint'
  | 'startTls'
  | 'subprocessExec'
  | 'subprocessShell'
  | 'connectReadPipe'
  | 'connectWritePipe';

/** A provider's implementation of loop method `K`: the loop comes first. */
export type ProviderMethod<K extends ProviderMethodName> = (
  loop: AbstractEventLoop,
  ...args: Parameters<AbstractEventLoop[K]>
) => ReturnType<AbstractEventLoop[K]>;

/** The methods a provider implements. */
export type ProviderMethods = { readonly [K in ProviderMethodName]?: ProviderMethod<K> };

/**
 * How a transport package plugs into a loop: `new EventLoop({ transports: [tcp(), udp()] })`.
 * A method no installed provider implements rejects with a `TransportNotInstalledError`
 * naming the package to install.
 */
export interface TransportProvider {
  /** The package name, e.g. `'@x/tcp'`. */
  readonly packageName: string;
  /** The loop methods it implements. */
  readonly methods: ProviderMethods;
  /** The TLS layer (only `@x/ssl`). */
  readonly tls?: TlsEngine;
}

/** Which package provides each loop method, and the factory that installs it. */
export const METHOD_PACKAGES: Readonly<
  Record<ProviderMethodName, readonly [pkg: string, factory: string]>
> = {
  createConnection: ['@x/tcp', 'tcp'],
  createServer: ['@x/tcp', 'tcp'],
  createUnixConnection: ['@x/tcp', 'tcp'],
  createUnixServer: ['@x/tcp', 'tcp'],
  connectAcceptedSocket: ['@x/tcp', 'tcp'],
  sendfile: ['@x/tcp', 'tcp'],
  createDatagramEndpoint: ['@x/udp', 'udp'],
  startTls: ['@x/ssl', 'ssl'],
  subprocessExec: ['@x/subprocess', 'subprocess'],
  subprocessShell: ['@x/subprocess', 'subprocess'],
  connectReadPipe: ['@x/subprocess', 'subprocess'],
  connectWritePipe: ['@x/subprocess', 'subprocess'],
};
