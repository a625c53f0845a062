export { setDgramFastPath } from './dgram-internals.js';
export { dgramSupportsReusePort } from './endpoint-options.js';
export { udp } from './udp.js';
export { UdpTransport, type UdpTransportInit } from './udp-transport.js';
