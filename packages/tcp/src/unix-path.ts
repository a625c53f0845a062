import { linkSync, lstatSync, renameSync, unlinkSync } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { createConnection as netConnect } from 'node:net';
import { validatePath } from '@x/transport-core';

/** Longest Unix socket path on Linux: `sun_path` is 108 bytes with the terminating NUL. */
export const MAX_UNIX_PATH_BYTES = 107;

/** True for a Linux abstract socket name (no file in the filesystem). */
export function isAbstractPath(path: string): boolean {
  return path.startsWith('\0');
}

/**
 * Validates a Unix socket path before any I/O.
 * @throws TypeError (not a non-empty string), RangeError (longer than 107 bytes).
 */
export function validateUnixPath(path: unknown): string {
  const p = validatePath(path);
  const bytes = Buffer.byteLength(p);
  if (bytes > MAX_UNIX_PATH_BYTES) {
    throw new RangeError(
      `Unix socket path is too long: ${bytes} bytes, the limit is ${MAX_UNIX_PATH_BYTES} (${p})`,
    );
  }
  return p;
}

function addressInUse(path: string): Error {
  return Object.assign(new Error(`Address '${path}' is already in use`), {
    code: 'EADDRINUSE',
    syscall: 'listen',
    address: path,
  });
}

/** Resolves true if something accepts connections on `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = netConnect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Makes `path` free to bind, as asyncio does: a stale socket file (nobody listening) is
 * removed; a live socket or any other kind of file is an `EADDRINUSE` error.
 */
export async function prepareUnixPath(path: string): Promise<void> {
  if (isAbstractPath(path)) return;
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  if (!stats.isSocket() || (await isLive(path))) throw addressInUse(path);
  await unlink(path).catch(() => {});
}

/** The inode of `path` now (to recognise our own socket file at close), or null. */
export function inodeOf(path: string): number | null {
  try {
    return lstatSync(path).ino;
  } catch {
    return null;
  }
}

/**
 * Called just before a Unix server's listening socket closes. libuv unlinks the socket
 * path when it closes a listening pipe, whatever is there by then; asyncio removes it
 * only with `cleanup_socket` and only if it is still our file (same inode). So when the
 * file must stay, a hard link keeps it, and the returned function puts it back.
 */
export function keepOrCleanUnixPath(
  path: string,
  inode: number | null,
  cleanup: boolean,
): (() => void) | undefined {
  if (isAbstractPath(path)) return undefined;
  const current = inodeOf(path);
  if (current === null || (cleanup && current === inode)) return undefined;
  const keep = `${path}.${process.pid}.${Date.now()}.keep`;
  try {
    linkSync(path, keep);
  } catch {
    return undefined;
  }
  return () => {
    try {
      if (inodeOf(path) === null) renameSync(keep, path);
      else unlinkSync(keep);
    } catch {
      // Best effort: the file was already replaced or removed by someone else.
    }
  };
}
