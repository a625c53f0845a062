/**
 * Self-signed TLS material for the demos, made with the `openssl` command on first use:
 * a CA and a server certificate for 127.0.0.1/localhost signed by it, in a folder
 * (an app's `certs/` folder, which git ignores). Existing files are reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the generated files. */
export interface CertFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes (once) `ca.pem`, `server.pem` and `server.key` in `dir` and returns their paths. */
export function ensureCerts(dir: string): CertFiles {
  const files = {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
  };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=tls-echo demo CA',
  ]);
  openssl(['req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '30',
    '-extfile',
    'san.cnf',
  ]);
  return files;
}
