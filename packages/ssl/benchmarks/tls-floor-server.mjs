// TLS echo servers that measure floors, not products: the least JavaScript a TLS echo
// server on Node can run with, at two levels (docs/performance.md §4).
//
//   node benchmarks/tls-floor-server.mjs --port PORT --cert FILE --key FILE --floor tlssocket|tlswrap
//
// `tlssocket`: what the SPEC's extra info asks for and nothing more: per connection one
// `net.Socket` (getExtraInfo 'socket') and one `tls.TLSSocket` ('ssl_object') echoing
// 'data' into write(). No tls.Server, no timers, no close_notify on close.
// `tlswrap`: no Node socket objects at all: raw TCP handles and Node's internal TLSWrap
// (`process.binding`), decrypted bytes from onread straight into writeBuffer, and on EOF
// the handle is closed. Not usable as a server (no timeouts, no verification hooks, no
// shutdown): it shows what `node:tls`'s own OpenSSL work costs without the socket layers.
import { createServer } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { tlsServerOptions } from './tls-server-options.mjs';

const { port, cert, key, values } = tlsServerOptions(
  'tls-floor-server.mjs --port PORT --cert FILE --key FILE --floor tlssocket|tlswrap',
  { name: 'floor', values: ['tlssocket', 'tlswrap'] },
);
const secureContext = createSecureContext({ cert, key });
const ready = (bound) =>
  console.log(`listening on 127.0.0.1:${bound} floor=${values.floor} node=${process.version}`);

function noop() {}

if (values.floor === 'tlssocket') {
  function echo(chunk) {
    this.write(chunk);
  }
  function onSecure() {
    // What tls.Server does on 'secure'; without it Node holds back later TLS errors.
    this._releaseControl();
  }
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const tls = new TLSSocket(socket, { isServer: true, secureContext });
    tls.on('secure', onSecure);
    tls.on('data', echo);
    tls.on('error', noop);
  });
  server.listen(port, '127.0.0.1', () => ready(server.address().port));
} else {
  process.noDeprecation = true;
  const { TCP, constants } = process.binding('tcp_wrap');
  const tlsWrap = process.binding('tls_wrap');
  const stream = process.binding('stream_wrap');
  const state = stream.streamBaseState;
  // The wraps live only in C++ otherwise, and the garbage collector would take them.
  const live = new Set();

  const close = (ssl) => {
    if (!live.delete(ssl)) return;
    ssl.readStop();
    ssl.destroySSL();
    ssl.tcp.close();
  };
  // TLSWrap takes one write at a time: later ones wait for the one in flight.
  const write = (ssl, data) => {
    const req = new stream.WriteWrap();
    req.handle = ssl;
    req.oncomplete = afterWrite;
    req.async = false;
    if (ssl.writeBuffer(req, data) !== 0) close(ssl);
    else if (state[stream.kLastWriteWasAsync]) ssl.inFlight = true;
  };
  function afterWrite() {
    const ssl = this.handle;
    ssl.inFlight = false;
    if (ssl.queue.length === 0 || !live.has(ssl)) return;
    const queued = ssl.queue;
    ssl.queue = [];
    write(ssl, queued.length === 1 ? queued[0] : Buffer.concat(queued));
  }
  function onRead(arrayBuffer) {
    const n = state[stream.kReadBytesOrError];
    if (n < 0) close(this);
    if (n <= 0) return;
    const chunk = Buffer.from(arrayBuffer, state[stream.kArrayBufferOffset], n);
    if (this.inFlight) this.queue.push(chunk);
    else write(this, chunk);
  }
  function onError() {
    close(this);
  }

  const server = new TCP(constants.SERVER);
  const err = server.bind('127.0.0.1', port);
  if (err !== 0) throw new Error(`bind failed: ${err}`);
  server.onconnection = (status, tcp) => {
    if (status !== 0) return;
    tcp.setNoDelay(true);
    tcp.onread = noop; // after destroySSL the TCP handle may report once more
    const ssl = tlsWrap.wrap(tcp, secureContext.context, true, false);
    Object.assign(ssl, { tcp, inFlight: false, queue: [] });
    ssl.onhandshakestart = noop;
    ssl.onhandshakedone = noop;
    ssl.onnewsession = noop;
    ssl.onkeylog = noop;
    ssl.onerror = onError;
    ssl.onread = onRead;
    live.add(ssl);
    ssl.readStart();
  };
  server.listen(511);
  const out = {};
  server.getsockname(out);
  ready(out.port);
}
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
