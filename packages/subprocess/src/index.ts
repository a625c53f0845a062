export { ChildProcessTransport } from './child-process-transport.js';
export { connectReadPipe, connectWritePipe } from './connect-pipe.js';
export { DEVNULL, PIPE, STDOUT } from './constants.js';
export { ReadPipeTransport } from './read-pipe-transport.js';
export { subprocessExec, subprocessShell } from './spawn-subprocess.js';
export { subprocess } from './subprocess.js';
export { WritePipeTransport } from './write-pipe-transport.js';
