/**
 * The protocol classes of the seed document's examples (asyncio "Transports and
 * Protocols", section "Examples"), ported line by line onto these base classes. This
 * checks that they compile against the API and behave as the Python ones do when a
 * transport calls them; the real-socket runs of these examples live with the
 * transports.
 */
import type {
  Address,
  DatagramTransport,
  Future,
  SubprocessTransport,
  Transport,
} from '@x/transport-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { Protocol } from './protocol.js';
import { SubprocessProtocol } from './subprocess-protocol.js';

let printed: string[];
/** Python's print(), recorded. */
function print(...parts: unknown[]): void {
  printed.push(parts.map(String).join(' '));
}

beforeEach(() => {
  printed = [];
});

const decoder = new TextDecoder();

// ---- TCP echo server ------------------------------------------------------------------

class EchoServerProtocol extends Protocol {
  transport!: Transport;

  override connectionMade(transport: Transport): void {
    const peername = transport.getExtraInfo('peername');
    print(`Connection from ${String(peername)}`);
    this.transport = transport;
  }

  override dataReceived(data: Uint8Array): void {
    const message = decoder.decode(data);
    print(`Data received: ${JSON.stringify(message)}`);
    print(`Send: ${JSON.stringify(message)}`);
    this.transport.write(data);
    print('Close the client socket');
    this.transport.close();
  }
}

// ---- TCP echo client ------------------------------------------------------------------

class EchoClientProtocol extends Protocol {
  constructor(
    readonly message: string,
    readonly onConLost: Pick<Future<boolean>, 'setResult'>,
  ) {
    super();
  }

  override connectionMade(transport: Transport): void {
    transport.write(new TextEncoder().encode(this.message));
    print(`Data sent: ${JSON.stringify(this.message)}`);
  }

  override dataReceived(data: Uint8Array): void {
    print(`Data received: ${JSON.stringify(decoder.decode(data))}`);
  }

  override connectionLost(_exc: Error | null): void {
    print('The server closed the connection');
    this.onConLost.setResult(true);
  }
}

// ---- UDP echo server (duck-typed, as in the seed: no base class) -----------------------

class EchoServerDatagramProtocol {
  transport!: DatagramTransport;

  connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }

  datagramReceived(data: Uint8Array, addr: Address | null): void {
    const message = decoder.decode(data);
    print(`Received ${JSON.stringify(message)} from ${String(addr)}`);
    print(`Send ${JSON.stringify(message)} to ${String(addr)}`);
    this.transport.sendto(data, addr);
  }
}

// ---- UDP echo client ------------------------------------------------------------------

class EchoClientDatagramProtocol {
  transport: DatagramTransport | null = null;

  constructor(
    readonly message: string,
    readonly onConLost: Pick<Future<boolean>, 'setResult'>,
  ) {}

  connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    print('Send:', this.message);
    this.transport.sendto(new TextEncoder().encode(this.message));
  }

  datagramReceived(data: Uint8Array, _addr: Address | null): void {
    print('Received:', decoder.decode(data));
    print('Close the socket');
    this.transport?.close();
  }

  errorReceived(exc: Error): void {
    print('Error received:', exc);
  }

  connectionLost(_exc: Error | null): void {
    print('Connection closed');
    this.onConLost.setResult(true);
  }
}

// ---- Connecting existing sockets ------------------------------------------------------

class MyProtocol extends Protocol {
  transport: Transport | null = null;

  constructor(readonly onConLost: Pick<Future<boolean>, 'setResult'>) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(data: Uint8Array): void {
    print('Received:', decoder.decode(data));
    // We are done: close the transport; connectionLost() will be called automatically.
    this.transport?.close();
  }

  override connectionLost(_exc: Error | null): void {
    // The socket has been closed
    this.onConLost.setResult(true);
  }
}

// ---- loop.subprocessExec() and SubprocessProtocol -------------------------------------

class DateProtocol extends SubprocessProtocol {
  readonly output: Uint8Array[] = [];
  pipeClosed = false;
  exited = false;

  constructor(readonly exitFuture: Pick<Future<boolean>, 'setResult'>) {
    super();
  }

  override pipeConnectionLost(_fd: 0 | 1 | 2, _exc: Error | null): void {
    this.pipeClosed = true;
    this.checkForExit();
  }

  override pipeDataReceived(_fd: 1 | 2, data: Uint8Array): void {
    this.output.push(data);
  }

  override processExited(): void {
    this.exited = true;
    // processExited() can be called before pipeConnectionLost(): wait until both are.
    this.checkForExit();
  }

  checkForExit(): void {
    if (this.pipeClosed && this.exited) this.exitFuture.setResult(true);
  }
}

// ---- a recording stand-in for the transport side -------------------------------------

interface Calls {
  calls: unknown[][];
}

function standIn<T>(extra: Record<string, unknown> = {}): T & Calls {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): void =>
      void calls.push([name, ...args]);
  return {
    calls,
    write: record('write'),
    close: record('close'),
    sendto: record('sendto'),
    getExtraInfo: (name: string) => extra[name] ?? null,
  } as unknown as T & Calls;
}

function resultBox(): Pick<Future<boolean>, 'setResult'> & { value: boolean | undefined } {
  const box = {
    value: undefined as boolean | undefined,
    setResult(v: boolean) {
      box.value = v;
    },
  };
  return box;
}

describe('seed examples, ported', () => {
  it('TCP echo server: echoes, then closes', () => {
    const transport = standIn<Transport>({ peername: ['127.0.0.1', 50000] });
    const p = new EchoServerProtocol();
    p.connectionMade(transport);
    const data = Buffer.from('Hello World!');
    p.dataReceived(data);
    expect(transport.calls).toEqual([['write', data], ['close']]);
    expect(printed).toEqual([
      'Connection from 127.0.0.1,50000',
      'Data received: "Hello World!"',
      'Send: "Hello World!"',
      'Close the client socket',
    ]);
  });

  it('TCP echo client: writes the message, signals connection loss', () => {
    const onConLost = resultBox();
    const transport = standIn<Transport>();
    const p = new EchoClientProtocol('Hello World!', onConLost);
    p.connectionMade(transport);
    p.dataReceived(Buffer.from('Hello World!'));
    p.connectionLost(null);
    expect(decoder.decode(transport.calls[0]![1] as Uint8Array)).toBe('Hello World!');
    expect(onConLost.value).toBe(true);
    expect(printed).toEqual([
      'Data sent: "Hello World!"',
      'Data received: "Hello World!"',
      'The server closed the connection',
    ]);
  });

  it('UDP echo server: sends each datagram back to its sender', () => {
    const transport = standIn<DatagramTransport>();
    const p = new EchoServerDatagramProtocol();
    p.connectionMade(transport);
    const data = Buffer.from('ping');
    p.datagramReceived(data, ['127.0.0.1', 9999]);
    expect(transport.calls).toEqual([['sendto', data, ['127.0.0.1', 9999]]]);
  });

  it('UDP echo client: sends, closes on the answer, signals connection loss', () => {
    const onConLost = resultBox();
    const transport = standIn<DatagramTransport>();
    const p = new EchoClientDatagramProtocol('Hello World!', onConLost);
    p.connectionMade(transport);
    p.datagramReceived(Buffer.from('Hello World!'), ['127.0.0.1', 9999]);
    p.connectionLost(null);
    expect(transport.calls.map((c) => c[0])).toEqual(['sendto', 'close']);
    expect(transport.calls[0]).toHaveLength(2); // sendto(data): no address
    expect(onConLost.value).toBe(true);
    expect(printed).toEqual([
      'Send: Hello World!',
      'Received: Hello World!',
      'Close the socket',
      'Connection closed',
    ]);
  });

  it('connecting existing sockets: MyProtocol closes after the first data', () => {
    const onConLost = resultBox();
    const transport = standIn<Transport>();
    const p = new MyProtocol(onConLost);
    p.connectionMade(transport);
    p.dataReceived(Buffer.from('abc'));
    p.connectionLost(null);
    expect(transport.calls).toEqual([['close']]);
    expect(printed).toEqual(['Received: abc']);
    expect(onConLost.value).toBe(true);
  });

  it('DateProtocol: resolves only once the process exited and the pipe closed, in either order', () => {
    for (const order of [
      ['exit', 'pipe'],
      ['pipe', 'exit'],
    ]) {
      const exitFuture = resultBox();
      const p = new DateProtocol(exitFuture);
      p.connectionMade(standIn<SubprocessTransport>());
      p.pipeDataReceived(1, Buffer.from('2026-11-25 '));
      p.pipeDataReceived(1, Buffer.from('16:00:00\n'));
      for (const step of order) {
        expect(exitFuture.value).toBeUndefined();
        if (step === 'exit') p.processExited();
        else p.pipeConnectionLost(1, null);
      }
      expect(exitFuture.value).toBe(true);
      expect(Buffer.concat(p.output).toString('ascii').trimEnd()).toBe('2026-11-25 16:00:00');
    }
  });
});
