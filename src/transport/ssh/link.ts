/**
 * One ssh2 Client and its lifetime. The 'error' and 'close' listeners are attached once, at
 * creation, and never removed (dsh-web#223: a `once('error')` leaves the second error unhandled
 * and crashes the process). While connecting they feed the connect state machine; afterwards
 * they record the first fatal error and settle `closed`.
 */
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';
// ssh2 is CommonJS and Node's ESM loader sees only some of its names: go through the default export.
import ssh2 from 'ssh2';
import { FleetError } from '../../errors.js';
import { isFatalSshError, translateSshError } from './errors.js';

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
  readonly client: Client = new ssh2.Client();
  readonly target: LinkTarget;
  readonly closed: Promise<FleetError | undefined>;
  #resolveClosed!: (value: FleetError | undefined) => void;
  #connecting: ConnectListener | undefined;
  #failure: FleetError | undefined;
  #closing = false;
  #isClosed = false;
  #sock: Socket | undefined;

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

  /** Records the socket the client runs on: ssh2's own destroy() skips a socket that is no longer writable. */
  attachSocket(sock: Socket): void {
    this.#sock = sock;
  }

  /** Switches from the connect state machine to session bookkeeping (synchronously, so no event falls between). */
  established(): void {
    this.#connecting = undefined;
  }

  /** Ends the connection politely (SSH disconnect), destroying it if the server does not close within `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    if (this.#isClosed) return;
    try {
      this.client.end();
    } catch {
      this.#destroyNow();
    }
    const timer = setTimeout(() => this.#destroyNow(), graceMs);
    try {
      await this.closed;
    } finally {
      clearTimeout(timer);
    }
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
