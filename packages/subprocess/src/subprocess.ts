import type { TransportProvider } from '@x/transport-core';
import { connectReadPipe, connectWritePipe } from './connect-pipe.js';
import { subprocessExec, subprocessShell } from './spawn-subprocess.js';

/**
 * The subprocess and pipe transports, to install in a loop: provides
 * `loop.subprocessExec`, `loop.subprocessShell`, `loop.connectReadPipe` and
 * `loop.connectWritePipe` (asyncio's `_UnixSelectorEventLoop` subprocess support).
 *
 * @example
 * const loop = new EventLoop({ transports: [subprocess()] });
 * const [transport, protocol] = await loop.subprocessExec(() => new MyProtocol(), 'date', [], {
 *   stdin: DEVNULL,
 * });
 */
export function subprocess(): TransportProvider {
  return {
    packageName: '@x/subprocess',
    methods: { subprocessExec, subprocessShell, connectReadPipe, connectWritePipe },
  };
}
