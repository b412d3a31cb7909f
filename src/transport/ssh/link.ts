/**
 * One ssh2 Client and its lifetime. The 'error' and 'close' listeners are attached once, at
 * creation, and never removed (dsh-web#223: a `once('error')` leaves the second error unhandled
 * and crashes the process). While connecting they feed the connect state machine; afterwards
 * they record the first fatal error and settle `closed`.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
// ssh2 is CommonJS and Node's ESM loader sees only some of its names: go through the default export.
import ssh2 from 'ssh2';
import { FleetError } from '../../errors.js';
import { isFatalSshError, translateSshError } from './errors.js';
import { sendPing } from './ssh2-internals.js';

/** The host a link talks to, as error messages name it. */
export interface LinkTarget {
  host: string;
  address: string;
  port: number;
}

/** Receives the client's events while the connect state machine runs. */
export interface ConnectListener {
  error(err: unknown): void;
  close(): void;
}

/** Owns an ssh2 Client: permanent listeners, the first fatal error, `closed`, bounded close. */
export class SshLink {
  /** @internal ssh2's type: left out of the published declarations (@types/ssh2 is a dev dependency). */
  readonly client: Client = new ssh2.Client();
  readonly target: LinkTarget;
  readonly closed: Promise<FleetError | undefined>;
  #resolveClosed!: (value: FleetError | undefined) => void;
  #connecting: ConnectListener | undefined;
  #failure: FleetError | undefined;
  #closing = false;
  #isClosed = false;
  #sock: Duplex | undefined;
  #batching = false;
  #corked = false;

  constructor(target: LinkTarget, connecting: ConnectListener) {
    this.target = target;
    this.#connecting = connecting;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.client.on('error', (err: unknown) => this.#onError(err));
    this.client.on('close', () => this.#onClose());
  }

  /** The first fatal error seen after connecting, if any. */
  get failure(): FleetError | undefined {
    return this.#failure;
  }

  /** True once the underlying socket has closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** True once `close()`/`destroy()` was called: channel ends are then the caller's doing. */
  get isClosing(): boolean {
    return this.#closing;
  }

  /**
   * Records the socket the client runs on (a TCP socket, or a channel through a jump host):
   * ssh2's own destroy() skips a socket that is no longer writable.
   */
  attachSocket(sock: Duplex): void {
    this.#sock = sock;
  }

  /**
   * Batches the socket's writes per tick from now on, for bulk transfers: writes are held (cork)
   * until the end of the tick, then leave in one writev. With TCP_NODELAY every 32 KiB SSH packet
   * would otherwise be its own segment and wake the server once per packet; batched, the sshd and
   * sftp-server on the other side read far fewer, larger chunks (about a third less server CPU for
   * a bulk upload here). Covers both our writes and those ssh2 makes while it handles incoming
   * data (window adjusts releasing queued packets). Idempotent.
   */
  batchWrites(): void {
    const sock = this.#sock;
    if (this.#batching || sock === undefined) return;
    this.#batching = true;
    sock.prependListener('data', () => this.corkForTick());
  }

  /** Holds the socket's writes until the end of the current tick (see batchWrites). */
  corkForTick(): void {
    const sock = this.#sock;
    if (!this.#batching || this.#corked || sock === undefined || sock.destroyed) return;
    this.#corked = true;
    sock.cork();
    process.nextTick(() => {
      this.#corked = false;
      sock.uncork();
    });
  }

  /** Switches from the connect state machine to session bookkeeping (synchronously, so no event falls between). */
  established(): void {
    this.#connecting = undefined;
  }

  /**
   * Ends the connection politely (SSH disconnect), destroying it if the server does not close
   * within `graceMs`. Over a TCP socket of our own, the socket is released as soon as the
   * DISCONNECT and our FIN are with the kernel, which completes the TCP close by itself: waiting
   * for the server's FIN cost every CLI run one more round trip at its end (docs/performance.md).
   */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    if (this.#isClosed) return;
    try {
      this.client.end();
    } catch {
      this.#destroyNow();
    }
    const sock = this.#sock;
    if (sock instanceof Socket && !sock.destroyed) {
      if (!sock.writableFinished) sock.once('finish', () => this.#destroyNow());
      else this.#destroyNow();
    }
    const timer = setTimeout(() => this.#destroyNow(), graceMs);
    try {
      await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One round trip: a `keepalive@openssh.com` global request with want-reply, answered (with
   * failure, by OpenSSH) in order with other global requests. ssh2 has no public call for it:
   * see sendPing (ssh2-internals.ts); resolves undefined when ssh2's internals differ.
   */
  roundTrip(signal?: AbortSignal): Promise<number | undefined> {
    if (this.#isClosed) return Promise.reject(this.#failure ?? new FleetError('FLEET_CONNECTION_LOST', `${this.target.host}: the connection is closed`, { host: this.target.host }));
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // Called with (true) for REQUEST_FAILURE (a reply all the same), or an Error on close.
        const sent = sendPing(this.client, (outcome?: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          if (outcome instanceof Error) reject(this.#failure ?? translateSshError(outcome, { ...this.target, phase: 'session' }));
          else resolve(performance.now() - t0);
        });
        if (!sent) {
          signal?.removeEventListener('abort', onAbort);
          resolve(undefined);
        }
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        reject(translateSshError(error, { ...this.target, phase: 'session' }));
      }
    });
  }

  /** Tears the connection down at once (every failure path of a connect). */
  destroy(): void {
    this.#closing = true;
    this.#destroyNow();
  }

  #destroyNow(): void {
    this.client.destroy();
    this.#sock?.destroy();
  }

  #onError(err: unknown): void {
    if (this.#connecting !== undefined) {
      this.#connecting.error(err);
      return;
    }
    if (!isFatalSshError(err)) return;
    this.#failure ??= translateSshError(err, { ...this.target, phase: 'session' });
  }

  #onClose(): void {
    this.#isClosed = true;
    const connecting = this.#connecting;
    this.#connecting = undefined;
    connecting?.close();
    if (this.#closing) {
      this.#resolveClosed(undefined);
      return;
    }
    const { host, address, port } = this.target;
    this.#failure ??= new FleetError('FLEET_CONNECTION_LOST', `${host} (${address}:${port}): the server closed the connection`, { host });
    this.#resolveClosed(this.#failure);
  }
}
