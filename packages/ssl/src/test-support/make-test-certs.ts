import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material generated for one test file. */
export interface TestCerts {
  readonly dir: string;
  /** The test CA. */
  readonly caCert: string;
  /** Leaf signed by the CA, SAN IP:127.0.0.1, IP:::1, DNS:localhost. */
  readonly cert: string;
  readonly key: string;
  /** Same key, signed by the CA, already expired. */
  readonly expiredCert: string;
  /** Self-signed leaf (not from the CA) for localhost/127.0.0.1. */
  readonly selfSignedCert: string;
  readonly selfSignedKey: string;
  /** A client certificate signed by the CA. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** File paths of the CA, leaf cert and key (for openssl and Python). */
  readonly files: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Removes the directory. */
  cleanup(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000 });
}

/**
 * Generates a CA, a leaf for 127.0.0.1/localhost, an expired leaf, a self-signed leaf and
 * a client certificate with the `openssl` command, in a fresh temp directory.
 */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'x-ssl-certs-'));
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
  writeFileSync(join(dir, 'client.cnf'), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=x-ssl test CA',
  ]);
  openssl(dir, ['req', ...EC, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  const sign = (out: string, days: string, ext: string, csr = 'leaf.csr'): void =>
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      out,
      '-days',
      days,
      '-extfile',
      ext,
    ]);
  sign('leaf.pem', '2', 'san.cnf');
  // A negative validity puts notAfter before now: an expired certificate without faking the clock.
  sign('expired.pem', '-1', 'san.cnf');
  openssl(dir, [
    'req',
    ...EC,
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
    '-subj',
    '/CN=x-ssl client',
  ]);
  sign('client.pem', '2', 'client.cnf', 'client.csr');
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return {
    dir,
    caCert: read('ca.pem'),
    cert: read('leaf.pem'),
    key: read('leaf.key'),
    expiredCert: read('expired.pem'),
    selfSignedCert: read('self.pem'),
    selfSignedKey: read('self.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    files: { ca: join(dir, 'ca.pem'), cert: join(dir, 'leaf.pem'), key: join(dir, 'leaf.key') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
