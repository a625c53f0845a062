import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { PipeLike } from '@x/transport-core';
import { describeType } from '@x/transport-core';

/** Which end of a pipe a transport is made for. */
export type PipeDirection = 'read' | 'write';

const NOT_A_PIPE: Record<PipeDirection, string> = {
  read: 'Pipe transport is for pipes/sockets only.',
  write: 'Pipe transport is only for pipes and sockets.',
};

function fdOf(pipe: unknown): number | null {
  if (typeof pipe === 'number') return pipe;
  if (pipe === null || typeof pipe !== 'object') return null;
  const fd = (pipe as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : null;
}

function checkFd(fd: number, direction: PipeDirection): void {
  if (!Number.isInteger(fd) || fd < 0) {
    throw new RangeError(`pipe must be a file descriptor (an integer >= 0), not ${fd}`);
  }
  // Throws EBADF (passed through unchanged) for a descriptor that is not open.
  const stat = fstatSync(fd);
  if (!stat.isFIFO() && !stat.isSocket()) throw new TypeError(NOT_A_PIPE[direction]);
}

/**
 * Validates `pipe` (a file descriptor, a `net.Socket` of a pipe or socket, or another
 * Node stream with a numeric `fd` such as an `fs.ReadStream` of a FIFO) and returns
 * the `net.Socket` the transport reads or writes with. A given `net.Socket` is used
 * as it is; for a descriptor (or a non-socket stream's `fd`) a new socket takes the
 * descriptor over: libuv sets it non-blocking, and closing the transport closes it.
 *
 * @throws TypeError for anything else, and for regular files and other non-pipes
 *   ("Pipe transport is for pipes/sockets only.", as asyncio); RangeError for a
 *   negative fd; the OS error (EBADF) for a descriptor that is not open.
 */
export function pipeSocket(pipe: PipeLike, direction: PipeDirection): Socket {
  if (pipe instanceof Socket) {
    if (pipe.destroyed) throw new TypeError('pipe is a destroyed socket');
    return pipe;
  }
  const fd = fdOf(pipe);
  if (fd === null) {
    throw new TypeError(
      `pipe must be a file descriptor or a Node stream that has one, not '${describeType(pipe)}'`,
    );
  }
  checkFd(fd, direction);
  return new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
}
