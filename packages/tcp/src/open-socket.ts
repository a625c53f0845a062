import { Socket, type SocketConnectOpts } from 'node:net';
import { createOnreadSocket } from './onread-socket.js';

/** A connect in progress: the socket (to cancel it) and the promise of its end. */
export interface OpeningSocket {
  readonly socket: Socket;
  /** Resolves with the connected socket (paused: nothing read yet), rejects with the OS error. */
  readonly done: Promise<Socket>;
}

/**
 * Starts connecting a new socket to `target` (TCP or Unix). It stays paused, so that no
 * byte is read before the transport exists and its `connectionMade` returned. With
 * `onread`, it reads through the user-buffer path (plain TCP/Unix); without, it is a
 * plain socket (for TLS, which wraps the socket itself).
 */
export function openSocket(target: SocketConnectOpts, onread: boolean): OpeningSocket {
  const socket = onread ? createOnreadSocket() : new Socket({ allowHalfOpen: true });
  socket.pause();
  const done = new Promise<Socket>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
  socket.connect(target);
  return { socket, done };
}
