import { EventLoop } from '@x/loop';
import { tcp } from '@x/tcp';
import { TransportNotInstalledError } from '@x/transport-core';
import { describe, expect, it } from 'vitest';
import { ssl } from './ssl.js';
import { createSSLContext, defaultClientContext, isSSLContext } from './ssl-context.js';
import { resolveTlsSettings } from './tls-settings.js';

describe('createSSLContext', () => {
  it('defaults: verify the peer and the host name, no client certificate, no ALPN', () => {
    const ctx = createSSLContext();
    expect(ctx.rejectUnauthorized).toBe(true);
    expect(ctx.checkHostname).toBe(true);
    expect(ctx.requestCert).toBe(false);
    expect(ctx.alpnProtocols).toEqual([]);
    expect(isSSLContext(ctx)).toBe(true);
    expect(defaultClientContext()).toBe(defaultClientContext());
  });

  it('bad option types are TypeErrors, bad values RangeErrors, at the call', () => {
    expect(() => createSSLContext(null as never)).toThrow(TypeError);
    expect(() => createSSLContext({ rejectUnauthorized: 'yes' as never })).toThrow(
      /rejectUnauthorized must be a boolean/,
    );
    expect(() => createSSLContext({ cert: 42 as never })).toThrow(TypeError);
    expect(() => createSSLContext({ ciphers: 1 as never })).toThrow(TypeError);
    expect(() => createSSLContext({ minVersion: 'SSLv3' as never })).toThrow(RangeError);
    expect(() => createSSLContext({ alpnProtocols: 'h2' as never })).toThrow(TypeError);
    expect(() => createSSLContext({ alpnProtocols: [''] })).toThrow(RangeError);
    expect(() => createSSLContext({ alpnProtocols: [7 as never] })).toThrow(TypeError);
  });

  it('checkHostname follows rejectUnauthorized by default; an explicit check without verification is a TypeError (asyncio ValueError)', () => {
    expect(createSSLContext({ rejectUnauthorized: false }).checkHostname).toBe(false);
    expect(createSSLContext({ rejectUnauthorized: true }).checkHostname).toBe(true);
    expect(createSSLContext({ checkHostname: false }).checkHostname).toBe(false);
    expect(
      createSSLContext({ rejectUnauthorized: false, checkHostname: false }).checkHostname,
    ).toBe(false);
    const conflicting = () => createSSLContext({ rejectUnauthorized: false, checkHostname: true });
    expect(conflicting).toThrow(TypeError);
    expect(conflicting).toThrow(
      /checkHostname: true needs certificate verification: it cannot be used with rejectUnauthorized: false/,
    );
  });

  it('a context without verification needs no serverHostname (asyncio: check_hostname off)', () => {
    const ctx = createSSLContext({ rejectUnauthorized: false });
    const settings = resolveTlsSettings({ ssl: ctx, serverSide: false });
    expect(settings.checkHostname).toBe(false);
    expect(settings.serverHostname).toBeNull();
  });

  it("Node's own certificate errors pass through with their code", () => {
    expect(() => createSSLContext({ cert: 'not a pem', key: 'not a pem' })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^ERR_OSSL_/) }),
    );
  });

  it('isSSLContext rejects look-alikes', () => {
    expect(isSSLContext({})).toBe(false);
    expect(isSSLContext(null)).toBe(false);
    expect(isSSLContext({ secureContext: {}, rejectUnauthorized: true })).toBe(false);
  });
});

describe('TLS settings (asyncio SSLProtocol.__init__ checks)', () => {
  const ctx = createSSLContext();
  it('timeouts: defaults 60 000 / 30 000 ms; <= 0 is a RangeError; a non-number a TypeError (B-163)', () => {
    const s = resolveTlsSettings({ ssl: ctx, serverSide: false, serverHostname: 'h' });
    expect(s.handshakeTimeout).toBe(60_000);
    expect(s.shutdownTimeout).toBe(30_000);
    expect(() =>
      resolveTlsSettings({
        ssl: ctx,
        serverSide: false,
        serverHostname: 'h',
        sslHandshakeTimeout: 0,
      }),
    ).toThrow(/sslHandshakeTimeout should be a positive number, got 0/);
    expect(() =>
      resolveTlsSettings({
        ssl: ctx,
        serverSide: false,
        serverHostname: 'h',
        sslShutdownTimeout: -5,
      }),
    ).toThrow(RangeError);
    expect(() =>
      resolveTlsSettings({
        ssl: ctx,
        serverSide: false,
        serverHostname: 'h',
        sslHandshakeTimeout: '1' as never,
      }),
    ).toThrow(TypeError);
  });

  it('ssl: true is client only; a verifying context needs a host name, ssl: true without one skips the check', () => {
    expect(() => resolveTlsSettings({ ssl: true, serverSide: true })).toThrow(
      /Server side SSL needs a valid SSLContext/,
    );
    expect(() => resolveTlsSettings({ ssl: ctx, serverSide: false })).toThrow(
      /checkHostname requires serverHostname/,
    );
    expect(resolveTlsSettings({ ssl: true, serverSide: false }).checkHostname).toBe(false);
    expect(() => resolveTlsSettings({ ssl: {} as never, serverSide: false })).toThrow(TypeError);
  });

  it('a context made by hand that claims a host name check without verification is refused, as createSSLContext refuses it', () => {
    const base = createSSLContext({ rejectUnauthorized: false });
    const handMade = { ...base, checkHostname: true };
    for (const serverSide of [false, true]) {
      expect(() =>
        resolveTlsSettings({ ssl: handMade, serverSide, serverHostname: 'localhost' }),
      ).toThrow(
        /ssl\.checkHostname: true needs certificate verification: it cannot be used with rejectUnauthorized: false/,
      );
    }
    // The same object with verification on is fine.
    const verified = { ...handMade, rejectUnauthorized: true };
    expect(
      resolveTlsSettings({ ssl: verified, serverSide: false, serverHostname: 'localhost' })
        .checkHostname,
    ).toBe(true);
  });

  it('the ssl option without ssl() installed names the package to install', async () => {
    const loop = new EventLoop({ transports: [tcp()] });
    await expect(
      loop.createConnection(() => ({}), '127.0.0.1', 1, { ssl: true }),
    ).rejects.toBeInstanceOf(TransportNotInstalledError);
    await expect(
      new EventLoop({ transports: [tcp()] }).startTls({} as never, {}, ctx),
    ).rejects.toThrow(/@x\/ssl/);
    loop.close();
    expect(ssl().packageName).toBe('@x/ssl');
  });
});
