#!/usr/bin/env node
/**
 * Send throughput: COUNT datagrams of SIZE bytes to a sink on 127.0.0.1:PORT, as fast as
 * the sender may go, timed until the last one was handed to the OS. One JSON line.
 *   node benchmarks/send-throughput.mjs --impl raw|x_udp --port PORT --size 1024 --count 200000
 * raw:   dgram socket.send() in bursts of 256, the next burst when the last send's callback fired.
 * x_udp: transport.sendto() until pauseWriting(), again on resumeWriting() (asyncio's flow control).
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { EventLoop } from '@x/loop';
import { udp } from '@x/udp';

const { values } = parseArgs({
  options: {
    impl: { type: 'string', default: 'x_udp' },
    port: { type: 'string' },
    size: { type: 'string', default: '1024' },
    count: { type: 'string', default: '200000' },
  },
});
const port = Number(values.port);
const size = Number(values.size);
const count = Number(values.count);
const payload = Buffer.alloc(size, 0x61);

function report(t0) {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result = {
    impl: values.impl,
    size,
    count,
    seconds,
    datagrams_per_s: count / seconds,
    mib_per_s: (count * size) / seconds / 1048576,
  };
  console.log(JSON.stringify(result));
}

if (values.impl === 'raw') {
  const sock = createSocket('udp4');
  sock.bind(0, '127.0.0.1', () => {
    const t0 = process.hrtime.bigint();
    let sent = 0;
    const burst = () => {
      const n = Math.min(256, count - sent);
      for (let i = 1; i < n; i++) sock.send(payload, port, '127.0.0.1');
      sent += n;
      sock.send(
        payload,
        port,
        '127.0.0.1',
        sent < count
          ? burst
          : () => {
              report(t0);
              sock.close();
            },
      );
    };
    burst();
  });
} else {
  const loop = new EventLoop({ transports: [udp()] });
  let transport;
  let sent = 0;
  let paused = false;
  let finishing = false;
  let t0 = 0n;
  const finish = () => {
    report(t0);
    transport.close(); // connectionLost (below) closes the loop
  };
  // The end is when the last datagram was handed to the OS: the write buffer is back to 0.
  const check = () => (transport.getWriteBufferSize() === 0 ? finish() : loop.callSoon(check));
  const produce = () => {
    while (!paused && sent < count) {
      transport.sendto(payload, ['127.0.0.1', port]);
      sent++;
    }
    if (sent === count && !finishing) {
      finishing = true;
      check();
    }
  };
  const protocol = {
    connectionMade(t) {
      transport = t;
    },
    pauseWriting() {
      paused = true;
    },
    resumeWriting() {
      paused = false;
      loop.callSoon(produce);
    },
    connectionLost() {
      loop.close();
    },
  };
  await loop.createDatagramEndpoint(() => protocol, { localAddr: ['127.0.0.1', 0] });
  t0 = process.hrtime.bigint();
  produce();
}
