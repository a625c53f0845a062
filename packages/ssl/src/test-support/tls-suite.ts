import { afterAll, afterEach, beforeAll } from 'vitest';
import { makeTestCerts, type TestCerts } from './make-test-certs.js';

/** What the tests of one TLS test file share. */
export interface TlsSuite {
  /** Made once, before the file's first test; removed after its last. */
  readonly certs: TestCerts;
  /** Run after each test, the last registered first, each awaited. */
  readonly cleanups: (() => unknown)[];
}

/**
 * Registers the hooks every TLS test file needs (call it at the top of the file):
 * certificates generated for the file, and the per-test cleanups.
 */
export function tlsSuite(): TlsSuite {
  let certs: TestCerts | null = null;
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => {
    certs = makeTestCerts();
  });
  afterAll(() => certs?.cleanup());
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return {
    get certs(): TestCerts {
      if (certs === null) throw new Error('the test certificates are made in beforeAll');
      return certs;
    },
    cleanups,
  };
}
