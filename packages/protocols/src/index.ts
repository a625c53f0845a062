export { BufferedProtocol } from './buffered-protocol.js';
export { DatagramProtocol } from './datagram-protocol.js';
export { Protocol } from './protocol.js';
export { SubprocessProtocol } from './subprocess-protocol.js';
