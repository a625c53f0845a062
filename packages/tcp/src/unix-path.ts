import { lstatSync, unlinkSync } from 'node:fs';
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

/** Removes `path` if it is still the socket file we made (same inode), as asyncio's `cleanup_socket`. */
export function cleanupUnixPath(path: string, inode: number | null): void {
  if (inode === null || isAbstractPath(path) || inodeOf(path) !== inode) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to clean.
  }
}
