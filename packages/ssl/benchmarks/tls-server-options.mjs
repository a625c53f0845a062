// The command line of the TLS echo servers here: --port PORT --cert FILE --key FILE plus one
// choice (--mode, --floor). Anything else prints the usage and exits with 2.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * @param {string} usage the usage line, without "usage: "
 * @param {{ name: string, values: string[], default?: string }} choice
 * @param {import('node:util').ParseArgsConfig['options']} [more] further options, unchecked
 */
export function tlsServerOptions(usage, choice, more = {}) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      [choice.name]: {
        type: 'string',
        ...(choice.default === undefined ? {} : { default: choice.default }),
      },
      ...more,
    },
  });
  const port = Number(values.port);
  if (
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    values.cert === undefined ||
    values.key === undefined ||
    !choice.values.includes(values[choice.name])
  ) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { port, cert: readFileSync(values.cert), key: readFileSync(values.key), values };
}
