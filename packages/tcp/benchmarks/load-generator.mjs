// Fallback load generator for `pnpm bench` when no C compiler is available (the C
// client of ../../shared/bench is preferred: this one shares Node's costs, so it can
// become the bottleneck first). Runs in its own process; prints one JSON line like the
// C client: {mode, size, msgs_per_s, mib_per_s}.
//
//   node load-generator.mjs --port P --mode rr|stream --conns N --size BYTES --duration S
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    mode: { type: 'string', default: 'rr' },
    conns: { type: 'string', default: '10' },
    size: { type: 'string', default: '1024' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
  },
});
const port = Number(values.port);
const size = Number(values.size);
const conns = values.mode === 'stream' ? 1 : Number(values.conns);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const payload = Buffer.alloc(values.mode === 'stream' ? 64 * 1024 : size, 0x61);
let counting = false;
let messages = 0;
let bytes = 0;

function start(socket) {
  socket.setNoDelay(true);
  let pending = 0;
  if (values.mode === 'stream') {
    const pump = () => {
      while (socket.writableLength < 1024 * 1024) socket.write(payload);
    };
    socket.on('data', (d) => {
      if (counting) bytes += d.length;
      pump();
    });
    pump();
  } else {
    socket.on('data', (d) => {
      pending -= d.length;
      if (pending <= 0) {
        if (counting) {
          messages++;
          bytes += size;
        }
        pending = size;
        socket.write(payload);
      }
    });
    pending = size;
    socket.write(payload);
  }
}

const sockets = [];
for (let i = 0; i < conns; i++) {
  const socket = connect({ port, host: '127.0.0.1' }, () => start(socket));
  socket.on('error', () => {});
  sockets.push(socket);
}
setTimeout(() => {
  counting = true;
  const t0 = process.hrtime.bigint();
  setTimeout(() => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      JSON.stringify({
        mode: values.mode,
        size,
        msgs_per_s: messages / secs,
        mib_per_s: bytes / secs / 1048576,
      }),
    );
    for (const s of sockets) s.destroy();
    process.exit(0);
  }, durationMs);
}, warmupMs);
