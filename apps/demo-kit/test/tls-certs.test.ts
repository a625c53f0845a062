import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCerts } from '@x/demo-kit';
import { expect, it } from 'vitest';

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}

it.skipIf(!hasOpenssl)(
  'ensureCerts makes a CA and a server certificate once, then reuses them',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-kit-certs-'));
    try {
      const files = ensureCerts(join(dir, 'certs'));
      expect(files).toEqual({
        ca: join(dir, 'certs', 'ca.pem'),
        cert: join(dir, 'certs', 'server.pem'),
        key: join(dir, 'certs', 'server.key'),
      });
      for (const file of Object.values(files)) expect(existsSync(file)).toBe(true);
      const ca = readFileSync(files.ca, 'utf8');
      expect(ca).toContain('BEGIN CERTIFICATE');
      expect(ensureCerts(join(dir, 'certs'))).toEqual(files);
      expect(readFileSync(files.ca, 'utf8')).toBe(ca);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
