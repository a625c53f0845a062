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
/** A fresh buffer is taken when less than this is left at the end of the current one. */
const MIN_ROOM = 64 * 1024;

/**
 * `BufferedProtocol` mode: reads into its own buffer and writes the filled part back.
 * The transport may keep a reference to written bytes until they are sent (SPEC §6.2),
 * so while some are queued the next read goes after them, into the rest of the buffer,
 * and a fresh buffer is taken only when that rest is small. Once nothing is queued the
 * buffer is reused from its start (it stays in cache).
 */
export class EchoBufferedProtocol {
  transport = null;
  buf = Buffer.allocUnsafe(BUF_SIZE);
  /** Where the next read lands: bytes before it may still be queued for sending. */
  offset = 0;
  connectionMade(transport) {
    this.transport = transport;
  }
  getBuffer() {
    if (this.transport === null || this.transport.getWriteBufferSize() === 0) {
      this.offset = 0;
    } else if (BUF_SIZE - this.offset < MIN_ROOM) {
      this.buf = Buffer.allocUnsafe(BUF_SIZE);
      this.offset = 0;
    }
    return this.buf.subarray(this.offset);
  }
  bufferUpdated(nbytes) {
    const start = this.offset;
    this.offset += nbytes;
    this.transport.write(this.buf.subarray(start, this.offset));
  }
}
