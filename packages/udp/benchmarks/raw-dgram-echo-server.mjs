#!/usr/bin/env node
/**
 * The baseline: a raw node:dgram UDP echo server (the same as ../../../shared/bench/servers/udp_node.js).
 *   node benchmarks/raw-dgram-echo-server.mjs --port PORT
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
sock.on('error', () => {}); // e.g. ICMP port unreachable after a client went away: keep serving
sock.bind(Number(values.port), '127.0.0.1', () => {
  console.log(
    `raw_dgram listening on 127.0.0.1:${sock.address().port}/udp node=${process.version}`,
  );
});
process.once('SIGTERM', () => sock.close());
