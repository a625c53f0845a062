import type {
  AbstractEventLoop,
  BaseProtocol,
  BufferedProtocol,
  PipeLike,
  Protocol,
  ReadTransport,
  WriteTransport,
} from '@x/transport-core';
import { checkProtocolFactory, makeConnection, makeProtocol } from './make-connection.js';
import { pipeSocket } from './pipe-socket.js';
import { ReadPipeTransport } from './read-pipe-transport.js';
import { WritePipeTransport } from './write-pipe-transport.js';

/**
 * `loop.connectReadPipe(protocolFactory, pipe)` (asyncio `connect_read_pipe`): reads
 * the pipe, FIFO or socket `pipe` (a file descriptor or a Node stream that has one)
 * with a {@link ReadPipeTransport}. Resolves after `connectionMade` returned.
 * @throws TypeError for a regular file or anything that is not a pipe or socket.
 */
export async function connectReadPipe<P extends Protocol | BufferedProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  pipe: PipeLike,
): Promise<[ReadTransport, P]> {
  checkProtocolFactory(protocolFactory);
  const protocol = makeProtocol(protocolFactory);
  const transport = new ReadPipeTransport(loop, protocol, pipeSocket(pipe, 'read'), { pipe });
  await makeConnection(loop, transport, protocol, () => transport._start());
  return [transport, protocol];
}

/**
 * `loop.connectWritePipe(protocolFactory, pipe)` (asyncio `connect_write_pipe`):
 * writes to the pipe, FIFO or socket `pipe` with a {@link WritePipeTransport}.
 * Resolves after `connectionMade` returned.
 * @throws TypeError for a regular file or anything that is not a pipe or socket.
 */
export async function connectWritePipe<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: () => P,
  pipe: PipeLike,
): Promise<[WriteTransport, P]> {
  checkProtocolFactory(protocolFactory);
  const protocol = makeProtocol(protocolFactory);
  const transport = new WritePipeTransport(loop, protocol, pipeSocket(pipe, 'write'), { pipe });
  await makeConnection(loop, transport, protocol, noop);
  return [transport, protocol];
}

function noop(): void {}
