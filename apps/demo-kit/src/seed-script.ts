import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** Where {@link seedScript} moves a seed example: from its port to another. */
export interface SeedPort {
  /** The port written in the seed's code (8888 for the TCP/TLS echo examples, 9999 for UDP). */
  readonly seedPort: number;
  /** The port to use instead. */
  readonly port: number;
}

/**
 * Writes a seed Python example (a fixture file, unchanged but for its port: the first
 * `'127.0.0.1', <seedPort>` becomes `'127.0.0.1', <port>`) into a fresh temp dir, under
 * the fixture's file name. Returns the script's path and a function removing the dir.
 * Rejects when the fixture does not contain that text.
 *
 * @example
 * const [script, cleanup] = await seedScript('test/fixtures/tcp_echo_client.py', { seedPort: 8888, port });
 */
export async function seedScript(
  fixture: string,
  { seedPort, port }: SeedPort,
): Promise<[path: string, cleanup: () => Promise<void>]> {
  const source = await readFile(fixture, 'utf8');
  const needle = `'127.0.0.1', ${seedPort}`;
  if (!source.includes(needle)) throw new Error(`${fixture} does not contain ${needle}`);
  const dir = await mkdtemp(join(tmpdir(), 'seed-'));
  const path = join(dir, basename(fixture));
  await writeFile(path, source.replace(needle, `'127.0.0.1', ${port}`));
  return [path, () => rm(dir, { recursive: true, force: true })];
}
