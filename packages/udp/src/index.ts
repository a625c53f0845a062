export { setDgramFastPath } from './dgram-internals.js';
export { dgramSupportsReusePort } from './endpoint-options.js';
export { nativeUdpAvailable, setNativeUdp } from './native-handle.js';
export { udp } from './udp.js';
export { UdpTransport, type UdpTransportInit } from './udp-transport.js';
