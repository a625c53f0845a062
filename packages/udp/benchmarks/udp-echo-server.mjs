#!/usr/bin/env node
/**
 * UDP echo server on @x/udp, for outside harnesses (../../../shared/bench/udp.sh):
 *   node benchmarks/udp-echo-server.mjs --port PORT [--host 127.0.0.1]
 * A DatagramProtocol whose datagramReceived sends every datagram back to its sender.
 * Prints one line when ready. Needs `pnpm build` (imports the built package).
 */
import { parseArgs } from 'node:util';
import { EventLoop } from '@x/loop';
import { nativeUdpAvailable, setDgramFastPath, setNativeUdp, udp } from '@x/udp';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

class Echo {
  transport = null;
  connectionMade(transport) {
    this.transport = transport;
  }
  datagramReceived(data, addr) {
    this.transport.sendto(data, addr);
  }
  errorReceived() {
    // e.g. ICMP port unreachable after a client went away: keep serving.
  }
}

// X_UDP_PUBLIC_API=1: measure the public node:dgram path instead of the handle fast path.
if (process.env.X_UDP_PUBLIC_API === '1') setDgramFastPath(false);
// X_UDP_NATIVE=0: measure without the @x/udp-native accelerator.
if (process.env.X_UDP_NATIVE === '0') setNativeUdp(false);
const loop = new EventLoop({ transports: [udp()] });
const [transport] = await loop.createDatagramEndpoint(() => new Echo(), {
  localAddr: [values.host, Number(values.port)],
});
const [host, port] = transport.getExtraInfo('sockname');
console.log(
  `x_udp listening on ${host}:${port}/udp node=${process.version} native=${nativeUdpAvailable()}`,
);
const stop = () => {
  transport.close();
  loop.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
