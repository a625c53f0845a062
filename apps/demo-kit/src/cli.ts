import { type ParseArgsConfig, parseArgs } from 'node:util';
import { formatAddress, type InetAddress } from '@x/transport-core';

/** The options `parseArgs()` takes (`node:util`). */
export type CommandLineOptions = NonNullable<ParseArgsConfig['options']>;

/** The `--help` flag every app has, added by {@link parseCommandLine}. */
type HelpOption = { readonly help: { readonly type: 'boolean'; readonly default: false } };

/** What {@link parseCommandLine} returns for `options`: their values, typed as `parseArgs()` types them. */
export type CommandLineValues<O extends CommandLineOptions> = ReturnType<
  typeof parseArgs<{ options: O & HelpOption }>
>['values'];

/**
 * Parses the process's arguments (strict, no positionals; a leading `--`, as
 * `pnpm start -- --help` passes it, is skipped) against `options` plus `--help`; on `--help`, prints `help` on stdout and exits 0. Throws `parseArgs()`'s
 * `TypeError` on an unknown option or a missing value.
 *
 * @example
 * const values = parseCommandLine(HELP, { port: { type: 'string', default: '8888' } });
 */
export function parseCommandLine<const O extends CommandLineOptions>(
  help: string,
  options: O,
): CommandLineValues<O> {
  const all = { ...options, help: { type: 'boolean', default: false } } as O & HelpOption;
  const args = process.argv.slice(2);
  // `pnpm start -- --help` hands the `--` on to the program (pnpm no longer drops it); a
  // leading `--` would make every option after it a positional, so it is skipped.
  if (args[0] === '--') args.shift();
  const { values } = parseArgs({ args, options: all });
  // TypeScript cannot resolve parseArgs()'s result type for a generic `O`; `help` is there.
  if ((values as { help?: boolean }).help) {
    console.log(help);
    process.exit(0);
  }
  return values;
}

/** The `--host` and `--port` options of {@link parseAddressArgs}. */
type AddressOptions = {
  readonly host: { readonly type: 'string'; readonly default: string };
  readonly port: { readonly type: 'string'; readonly default: string };
};

/** What {@link parseAddressArgs} returns: the values of `--host`, `--port` (a number) and `extra`. */
export type AddressValues<O extends CommandLineOptions> = Omit<
  CommandLineValues<AddressOptions & O>,
  'port'
> & { readonly host: string; readonly port: number };

/**
 * {@link parseCommandLine} for an app that serves or connects to one address: options
 * `--host` (default 127.0.0.1), `--port` (default `defaultPort`, checked by
 * {@link parsePort} against `minPort`), `--help` and `extra`.
 *
 * @example
 * const { host, port } = parseAddressArgs('tcp-echo-server', HELP, { defaultPort: 8888, minPort: 0 });
 */
export function parseAddressArgs<const O extends CommandLineOptions = Record<never, never>>(
  name: string,
  help: string,
  { defaultPort, minPort }: { readonly defaultPort: number; readonly minPort: 0 | 1 },
  extra?: O,
): AddressValues<O> {
  const options = {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(defaultPort) },
    ...extra,
  } as AddressOptions & O;
  const values = parseCommandLine(help, options) as unknown as { host: string; port: string };
  return { ...values, port: parsePort(name, values.port, minPort) } as AddressValues<O>;
}

/**
 * `value` (the `--port` option of the program `name`) as a port number in `min`..65535
 * (`min` 0 for a server, where 0 picks a free port; 1 for a client). Otherwise prints
 * `<name>: --port must be an integer in <min>..65535, got '<value>'` on stderr and exits 2.
 */
export function parsePort(name: string, value: string, min: 0 | 1): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < min || port > 65535) {
    console.error(`${name}: --port must be an integer in ${min}..65535, got '${value}'`);
    process.exit(2);
  }
  return port;
}

/** Calls `stop` on the first SIGINT and on the first SIGTERM (how the demos stop a server by PID). */
export function onStopSignals(stop: () => void): void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * Prints `listening on HOST:PORT` on stderr (stdout carries only the seed's lines), so
 * that a script that started a server with `--port 0` learns the port it got.
 */
export function announceListening(address: InetAddress): void {
  console.error(`listening on ${formatAddress(address)}`);
}
