// The baseline of `pnpm bench`: a raw node:net echo server with 'data' events
// (the same as ../../shared/bench/servers/node_net.js). usage: node-net-echo.mjs PORT
import { createServer } from 'node:net';

const port = Number(process.argv[2] ?? 0);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (data) => socket.write(data));
  socket.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => {
  console.log(`node_net listening on 127.0.0.1:${server.address().port} node=${process.version}`);
});
