export { SocketTransport } from './socket-transport.js';
export { setStreamWriteFastPath } from './stream-handle-write.js';
export { PACKAGE_NAME, tcp } from './tcp.js';
export { TcpServer } from './tcp-server.js';
export { MAX_UNIX_PATH_BYTES } from './unix-path.js';
