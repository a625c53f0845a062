import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { type AbstractEventLoop, type InetAddress, unbracketHost } from '@x/transport-core';
import { type OpeningSocket, openSocket } from './open-socket.js';

/** How {@link connectTcp} connects. */
export interface ConnectTcpOptions {
  readonly family: 0 | 4 | 6;
  readonly localAddr: InetAddress | null;
  /** ms between Happy Eyeballs attempts; `null`: one attempt after the other. */
  readonly happyEyeballsDelay: number | null;
  readonly interleave: number | null;
  readonly allErrors: boolean;
  /** Read through the onread path (plain TCP), else a plain socket (for TLS). */
  readonly onread: boolean;
}

/** One resolved address to connect to. */
export interface Target {
  readonly address: string;
  readonly family: 4 | 6;
}

async function resolve(host: string, family: 0 | 4 | 6): Promise<Target[]> {
  const literal = isIP(host);
  if (literal !== 0) {
    if (family !== 0 && family !== literal) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (family ${family})`), {
        code: 'ENOTFOUND',
      });
    }
    return [{ address: host, family: literal as 4 | 6 }];
  }
  const found = await lookup(host, { all: true, family, verbatim: true });
  if (found.length === 0)
    throw Object.assign(new Error(`getaddrinfo(${host}) returned empty list`), {
      code: 'ENOTFOUND',
    });
  return found.map((entry) => ({ address: entry.address, family: entry.family as 4 | 6 }));
}

/**
 * RFC 8305 ordering (asyncio `_interleave_addrinfos`): alternate families, with
 * `interleave - 1` extra of the first family first. Exported for its tests.
 */
export function interleaveTargets(targets: Target[], interleave: number): Target[] {
  const byFamily = new Map<number, Target[]>();
  for (const t of targets) {
    const list = byFamily.get(t.family) ?? [];
    list.push(t);
    byFamily.set(t.family, list);
  }
  const groups = [...byFamily.values()];
  if (groups.length < 2) return targets;
  const out: Target[] = [];
  const first = groups[0] as Target[];
  out.push(...first.splice(0, interleave - 1));
  while (groups.some((g) => g.length > 0)) {
    for (const g of groups) {
      const next = g.shift();
      if (next !== undefined) out.push(next);
    }
  }
  return out;
}

function connectOne(
  target: Target,
  port: number,
  local: Target | null,
  localPort: number,
  onread: boolean,
): OpeningSocket {
  return openSocket(
    {
      host: target.address,
      port,
      family: target.family,
      ...(local !== null ? { localAddress: local.address, localPort } : {}),
    },
    onread,
  );
}

/**
 * The error of a failed connect, by asyncio's rules: with `allErrors` an
 * `AggregateError` of every attempt's error; else the only error, or the first when all
 * have the same message, or one "Multiple exceptions: ..." error (with `cause`, `errors`
 * and the shared `code` if there is one). Exported for its tests.
 */
export function connectError(errors: Error[], allErrors: boolean): Error {
  if (allErrors) return new AggregateError(errors, 'createConnection failed');
  if (errors.length === 1) return errors[0] as Error;
  const first = errors[0] as Error & { code?: unknown };
  if (errors.every((e) => e.message === first.message)) return first;
  const err = new Error(`Multiple exceptions: ${errors.map((e) => e.message).join(', ')}`, {
    cause: first,
  });
  const codes = new Set(errors.map((e) => (e as { code?: unknown }).code));
  if (codes.size === 1) Object.assign(err, { code: first.code });
  return Object.assign(err, { errors });
}

/**
 * Connects to `host`:`port` (asyncio `create_connection`'s socket part): resolves the
 * name, optionally binds `localAddr` (same family), and tries the addresses one after
 * the other or, with `happyEyeballsDelay`, staggered (RFC 8305). Resolves with the
 * first connected socket (paused); the other attempts are closed.
 */
export async function connectTcp(
  loop: AbstractEventLoop,
  host: string,
  port: number,
  options: ConnectTcpOptions,
): Promise<Socket> {
  let targets = await resolve(unbracketHost(host), options.family);
  let locals: Target[] | null = null;
  if (options.localAddr !== null)
    locals = await resolve(unbracketHost(options.localAddr[0]), options.family);
  if (options.interleave !== null || options.happyEyeballsDelay !== null) {
    targets = interleaveTargets(targets, options.interleave ?? 1);
  }
  const errors: Error[] = [];
  const start = (target: Target): OpeningSocket => {
    let local: Target | null = null;
    if (locals !== null) {
      local = locals.find((l) => l.family === target.family) ?? null;
      if (local === null) {
        const err = new Error(`no matching local address with family=${target.family} found`);
        return { socket: null as unknown as Socket, done: Promise.reject(err) };
      }
    }
    return connectOne(target, port, local, options.localAddr?.[1] ?? 0, options.onread);
  };

  if (options.happyEyeballsDelay === null) {
    for (const target of targets) {
      try {
        return await start(target).done;
      } catch (err) {
        errors.push(err as Error);
      }
    }
    throw connectError(errors, options.allErrors);
  }
  return staggered(loop, targets, start, options.happyEyeballsDelay, (errs) =>
    connectError(errs, options.allErrors),
  );
}

/**
 * Happy Eyeballs (asyncio `staggered_race`): a new attempt every `delay` ms or as soon as
 * the previous one failed; the first connected socket wins and every other attempt is
 * destroyed; when all failed, rejects with `fail(errors)` (errors in the order they
 * came). `start` makes one attempt (injectable for tests). Exported for its tests.
 */
export function staggered(
  loop: AbstractEventLoop,
  targets: Target[],
  start: (target: Target) => OpeningSocket,
  delay: number,
  fail: (errors: Error[]) => Error,
): Promise<Socket> {
  return new Promise<Socket>((resolveWin, rejectAll) => {
    const errors: Error[] = [];
    const running = new Set<Socket>();
    let next = 0;
    let pending = 0;
    let won = false;
    let timer: { cancel(): void } | null = null;
    const launch = (): void => {
      timer?.cancel();
      timer = null;
      if (won || next >= targets.length) return;
      const target = targets[next++] as Target;
      const attempt = start(target);
      pending++;
      if (attempt.socket) running.add(attempt.socket);
      attempt.done.then(
        (socket) => {
          pending--;
          running.delete(socket);
          if (won) {
            socket.destroy();
            return;
          }
          won = true;
          timer?.cancel();
          for (const other of running) other.destroy();
          resolveWin(socket);
        },
        (err: Error) => {
          pending--;
          if (attempt.socket) running.delete(attempt.socket);
          errors.push(err);
          if (won) return;
          if (next < targets.length) launch();
          else if (pending === 0) rejectAll(fail(errors));
        },
      );
      if (next < targets.length) timer = loop.callLater(delay, launch);
    };
    launch();
  });
}
