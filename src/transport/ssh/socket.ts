/**
 * Where an SSH connection's byte stream comes from: a TCP socket of our own, or a channel through
 * a jump host (jump-hosts.ts). Either way the stream is handed to ssh2 as `sock` once it is open.
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LinkTarget } from './link.js';

/**
 * Opens the stream to `target`; resolves once it is connected. Aborting `signal` must end the
 * attempt (destroying whatever was opened) and reject. Errors may be raw (node:net, ssh2): the
 * caller translates them.
 */
export type SocketOpener = (target: LinkTarget, signal: AbortSignal) => Promise<Duplex>;

/**
 * A TCP connection with TCP_NODELAY: ssh2 never sets it, and each SSH round trip then risks
 * ~40 ms of Nagle / delayed-ACK stall (DESIGN §7).
 */
export const openTcpSocket: SocketOpener = (target, signal) =>
  new Promise<Duplex>((resolve, reject) => {
    const sock = netConnect({ host: target.address, port: target.port });
    sock.setNoDelay(true);
    const onAbort = (): void => {
      sock.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    // Stays attached after 'connect': an error in the tick before ssh2 adds its own listener must
    // not go unhandled (it then reaches ssh2 through the socket's closed state anyway).
    sock.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    sock.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(sock);
    });
  });
