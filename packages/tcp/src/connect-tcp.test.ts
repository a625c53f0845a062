/**
 * The connect helpers behind `createConnection`: RFC 8305 interleaving, asyncio's error
 * rules for failed attempts, and the staggered Happy Eyeballs race (with its injectable
 * `start`, over loopback).
 */
import { createServer as createNetServer, Socket } from 'node:net';
import { withTimeout } from '@x/transport-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectError, interleaveTargets, staggered, type Target } from './connect-tcp.js';
import { type OpeningSocket, openSocket } from './open-socket.js';
import { Cleanups, makeLoop, rawServer } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());
const wait = <T>(p: PromiseLike<T>, what: string) => withTimeout(p, 5000, what);

const v4 = (n: number): Target => ({ address: `192.0.2.${n}`, family: 4 });
const v6 = (n: number): Target => ({ address: `2001:db8::${n}`, family: 6 });

function setup() {
  const tl = makeLoop();
  cleanups.add(() => tl.loop.close());
  return tl;
}

/** A port nobody listens on (bound then closed). */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An error with an OS-like code. */
function osError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('interleaveTargets (asyncio _interleave_addrinfos)', () => {
  it('alternates families, starting with the family of the first address', () => {
    expect(interleaveTargets([v6(1), v6(2), v6(3), v4(1), v4(2)], 1)).toEqual([
      v6(1),
      v4(1),
      v6(2),
      v4(2),
      v6(3),
    ]);
    expect(interleaveTargets([v4(1), v4(2), v6(1)], 1)).toEqual([v4(1), v6(1), v4(2)]);
    expect(interleaveTargets([v4(1), v6(1), v4(2), v6(2)], 1)).toEqual([
      v4(1),
      v6(1),
      v4(2),
      v6(2),
    ]);
  });

  it('interleave n puts n - 1 extra addresses of the first family first', () => {
    expect(interleaveTargets([v6(1), v6(2), v6(3), v4(1), v4(2)], 2)).toEqual([
      v6(1),
      v6(2),
      v4(1),
      v6(3),
      v4(2),
    ]);
    expect(interleaveTargets([v6(1), v6(2), v4(1)], 5)).toEqual([v6(1), v6(2), v4(1)]);
  });

  it('one family is left as it is; the input is not changed', () => {
    const one = [v4(3), v4(1), v4(2)];
    expect(interleaveTargets(one, 1)).toEqual([v4(3), v4(1), v4(2)]);
    const mixed = [v6(1), v6(2), v4(1)];
    interleaveTargets(mixed, 2);
    expect(mixed).toEqual([v6(1), v6(2), v4(1)]);
  });
});

describe('connectError (asyncio create_connection errors)', () => {
  it('one error is rethrown as it is', () => {
    const only = osError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    expect(connectError([only], false)).toBe(only);
  });

  it('errors with the same message: the first one', () => {
    const a = osError('connect ETIMEDOUT', 'ETIMEDOUT');
    const b = osError('connect ETIMEDOUT', 'ETIMEDOUT');
    expect(connectError([a, b], false)).toBe(a);
  });

  it('different messages: one "Multiple exceptions" error with all of them', () => {
    const a = osError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    const b = osError('connect ECONNREFUSED ::1:1', 'ECONNREFUSED');
    const err = connectError([a, b], false) as Error & { errors?: Error[]; code?: string };
    expect(err.message).toBe(
      'Multiple exceptions: connect ECONNREFUSED 127.0.0.1:1, connect ECONNREFUSED ::1:1',
    );
    expect(err.cause).toBe(a);
    expect(err.errors).toEqual([a, b]);
    // They share a code, so the combined error carries it.
    expect(err.code).toBe('ECONNREFUSED');
    const mixed = connectError([a, osError('no route', 'EHOSTUNREACH')], false) as {
      code?: string;
    };
    expect(mixed.code).toBeUndefined();
  });

  it('allErrors: an AggregateError of every error, in order', () => {
    const a = osError('one', 'ECONNREFUSED');
    const b = osError('one', 'ECONNREFUSED');
    const err = connectError([a, b], true);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toEqual([a, b]);
    expect((err as AggregateError).errors[1]).toBe(b);
    expect(err.message).toBe('createConnection failed');
  });
});

describe('staggered (Happy Eyeballs) over loopback', () => {
  it('a first attempt that never answers: the second starts after the delay and wins', async () => {
    const { loop } = setup();
    const { port, accepted } = await rawServer(cleanups);
    const hung = new Socket();
    cleanups.add(() => hung.destroy());
    const delay = 100;
    const started: Array<{ address: string; at: number }> = [];
    const t0 = loop.time();
    const start = (target: Target): OpeningSocket => {
      started.push({ address: target.address, at: loop.time() - t0 });
      // A connect that never completes (as to a host that drops SYNs).
      if (target.address === '192.0.2.1') return { socket: hung, done: new Promise(() => {}) };
      return openSocket({ host: target.address, port, family: target.family }, true);
    };
    const socket = await wait(
      staggered(loop, [v4(1), { address: '127.0.0.1', family: 4 }], start, delay, (errors) =>
        connectError(errors, false),
      ),
      'the second attempt to win',
    );
    cleanups.add(() => socket.destroy());
    expect(socket.remotePort).toBe(port);
    expect(started.map((s) => s.address)).toEqual(['192.0.2.1', '127.0.0.1']);
    expect(started[1]?.at).toBeGreaterThanOrEqual(delay);
    // The losing attempt is cancelled.
    expect(hung.destroyed).toBe(true);
    const peer = await wait(accepted(), 'the server accepted');
    expect(peer.remotePort).toBe(socket.localPort);
  });

  it('a failed attempt starts the next one at once, without waiting for the delay', async () => {
    const { loop } = setup();
    const { port } = await rawServer(cleanups);
    const refused = await closedPort();
    const start = (target: Target): OpeningSocket =>
      openSocket(
        { host: '127.0.0.1', port: target.address === 'refused' ? refused : port, family: 4 },
        true,
      );
    // The delay is far longer than the test's time bound: only the failure can start #2.
    const socket = await wait(
      staggered(
        loop,
        [
          { address: 'refused', family: 4 },
          { address: 'listening', family: 4 },
        ],
        start,
        60_000,
        (errors) => connectError(errors, false),
      ),
      'the second attempt right after the first failed',
    );
    cleanups.add(() => socket.destroy());
    expect(socket.remotePort).toBe(port);
  });

  it('every attempt failing rejects with every error (allErrors) or one combined error', async () => {
    const { loop } = setup();
    const ports = [await closedPort(), await closedPort()];
    const targets: Target[] = [
      { address: '0', family: 4 },
      { address: '1', family: 4 },
    ];
    const start = (target: Target): OpeningSocket =>
      openSocket({ host: '127.0.0.1', port: ports[Number(target.address)] as number }, true);
    const all = await wait(
      staggered(loop, targets, start, 50, (errors) => connectError(errors, true)).catch(
        (e: unknown) => e,
      ),
      'all attempts to fail',
    );
    expect(all).toBeInstanceOf(AggregateError);
    const errors = (all as AggregateError).errors as Array<
      NodeJS.ErrnoException & { port?: number }
    >;
    expect(errors.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(errors.map((e) => e.port).sort()).toEqual([...ports].sort());
    const combined = await wait(
      staggered(loop, targets, start, 50, (errs) => connectError(errs, false)).catch(
        (e: unknown) => e,
      ),
      'all attempts to fail',
    );
    expect((combined as Error).message).toMatch(/^Multiple exceptions: /);
    expect((combined as { errors: unknown[] }).errors).toHaveLength(2);
    expect((combined as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('createConnection(allErrors) rejects with an AggregateError of every attempt', async () => {
    const { loop } = setup();
    const port = await closedPort();
    const err = await loop
      .createConnection(() => ({}), '127.0.0.1', port, {
        allErrors: true,
        happyEyeballsDelay: 10,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: NodeJS.ErrnoException) => e.code)).toEqual([
      'ECONNREFUSED',
    ]);
  });
});
