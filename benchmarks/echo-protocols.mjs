// The echo protocols every stream benchmark server runs: the same code for TCP and TLS,
// so their figures compare the transports, not the protocols.

/** `Protocol` mode: `dataReceived -> transport.write(data)`. */
export class EchoProtocol {
  transport = null;
  connectionMade(transport) {
    this.transport = transport;
  }
  dataReceived(data) {
    this.transport.write(data);
  }
}

const BUF_SIZE = 256 * 1024;

/** `BufferedProtocol` mode: reads into its own buffer and writes the filled part back. */
export class EchoBufferedProtocol {
  transport = null;
  buf = Buffer.allocUnsafe(BUF_SIZE);
  connectionMade(transport) {
    this.transport = transport;
  }
  getBuffer() {
    // Bytes of the last read still queued for sending live in this buffer: take a new one.
    if (this.transport !== null && this.transport.getWriteBufferSize() > 0) {
      this.buf = Buffer.allocUnsafe(BUF_SIZE);
    }
    return this.buf;
  }
  bufferUpdated(nbytes) {
    this.transport.write(this.buf.subarray(0, nbytes));
  }
}
