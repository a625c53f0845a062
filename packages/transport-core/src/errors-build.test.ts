/**
 * The error classes as the published CommonJS build makes them: built here, with this
 * package's own tsup config, into a temporary folder (never the shared dist/, which other
 * builds rewrite at any time). Guards two things a bundler can silently break: the class
 * names (asyncio's names are the API) and `instanceof` between the ESM and CJS copies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Options } from 'tsup';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  InvalidStateError,
  ProcessLookupError,
  SendfileNotAvailableError,
  TransportError,
  TransportNotInstalledError,
} from './index.js';

const packageDir = resolve(import.meta.dirname, '..');
const ERROR_CLASSES = [
  'TransportError',
  'InvalidStateError',
  'CancelledError',
  'ProcessLookupError',
  'SendfileNotAvailableError',
  'TransportNotInstalledError',
] as const;

type ErrorClass = new (...args: string[]) => Error;

/** The classes of this (ESM, source) copy, by name. */
const esm: Record<(typeof ERROR_CLASSES)[number], unknown> = {
  TransportError,
  InvalidStateError,
  CancelledError,
  ProcessLookupError,
  SendfileNotAvailableError,
  TransportNotInstalledError,
};

let outDir: string;
let cjs: Record<string, unknown>;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'core-build-'));
  // A variable specifier: the config is TypeScript that vitest loads, tsc need not follow it.
  const configPath = join(packageDir, 'tsup.config.ts');
  const config = (await import(/* @vite-ignore */ configPath)).default as Options;
  const entry = Object.fromEntries(
    Object.entries(config.entry as Record<string, string>).map(([name, file]) => [
      name,
      join(packageDir, file),
    ]),
  );
  await build({
    ...config,
    entry,
    outDir,
    dts: false,
    sourcemap: false,
    silent: true,
    tsconfig: join(packageDir, 'tsconfig.json'),
  });
  cjs = createRequire(import.meta.url)(join(outDir, 'index.cjs')) as Record<string, unknown>;
}, 120_000);

afterAll(async () => {
  if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
});

describe('error classes in the CommonJS build', () => {
  it.each(ERROR_CLASSES)('%s keeps its name (class and instances)', (name) => {
    const Cls = cjs[name] as ErrorClass;
    expect(Cls.name).toBe(name);
    expect(new Cls('m', '@x/tcp', 'tcp').name).toBe(name);
  });

  it.each(ERROR_CLASSES)(
    '%s: instanceof holds between the ESM source and the CJS build',
    (name) => {
      const Cjs = cjs[name] as ErrorClass;
      const Esm = esm[name] as ErrorClass;
      expect(new Cjs('m', '@x/tcp', 'tcp')).toBeInstanceOf(Esm);
      expect(new Esm('m', '@x/tcp', 'tcp')).toBeInstanceOf(Cjs);
      expect(new Cjs('m', '@x/tcp', 'tcp')).toBeInstanceOf(TransportError);
    },
  );

  it('ProcessLookupError keeps code ESRCH', () => {
    const Cls = cjs.ProcessLookupError as ErrorClass;
    expect((new Cls('gone') as Error & { code: string }).code).toBe('ESRCH');
  });
});
