/**
 * The {@link Connection} over one authenticated ssh2 link: exec through a per-connection session
 * semaphore, a batched process-group killer, and a close that stops running commands first.
 */
import { Semaphore } from '../../concurrency/semaphore.js';
import { FleetError } from '../../errors.js';
import type { Connection, ConnectTiming, ExecExit, ExecRequest, SftpSession } from '../transport.js';
import { runExec, type SideLane } from './exec.js';
import { GroupKiller } from './group-killer.js';
import type { SshLink } from './link.js';
import type { SshSftpSession } from './sftp.js';
import { openSftpSession } from './sftp-open.js';
import type { FastHandshake } from './ssh2-internals.js';

/** Opens a second authenticated link to the same host (see SshConnection's `reconnect`). */
export type LinkOpener = () => Promise<SshLink>;

/** OpenSSH's default MaxSessions. */
export const DEFAULT_MAX_SESSIONS = 10;

/** An authenticated SSH connection to one host. */
export class SshConnection implements Connection {
  readonly host: string;
  readonly hostKey: { type: string; fingerprint: string };
  readonly timing: ConnectTiming;
  readonly closed: Promise<FleetError | undefined>;
  #link: SshLink;
  #sessions: Semaphore;
  #killer: GroupKiller;
  #closeReason: FleetError | undefined;
  #execs = new Set<AbortController>();
  #running = new Set<Promise<unknown>>();
  #sftps = new Set<SshSftpSession>();
  #closePromise: Promise<void> | undefined;
  #reconnect: LinkOpener | undefined;
  #side: Promise<SideLane | undefined> | undefined;
  #fast: FastHandshake | undefined;

  /**
   * @param maxSessions - the server's MaxSessions. One slot stays free so that a kill channel can
   *   always open while commands fill the others (sshd keeps a session whose command still runs).
   * @param timing - how the connect went (kept for `fleet ping`).
   * @param reconnect - opens a second connection to the host, used only when the server refuses a
   *   channel that cannot wait for this one's sessions (see #sideLink).
   * @param fast - the connect's fast handshake: a session channel opened early waits there for
   *   the first exec; anything else first closes it, as it holds a server session slot.
   */
  constructor(link: SshLink, hostKey: { type: string; fingerprint: string }, maxSessions = DEFAULT_MAX_SESSIONS, timing: ConnectTiming, reconnect?: LinkOpener, fast?: FastHandshake) {
    this.host = link.target.host;
    this.hostKey = hostKey;
    this.timing = timing;
    this.#link = link;
    this.closed = link.closed;
    this.#sessions = new Semaphore(Math.max(1, maxSessions - 1));
    this.#reconnect = reconnect;
    this.#fast = fast;
    this.#killer = new GroupKiller(link, async () => (await this.#sideLane())?.link);
  }

  /** {@inheritDoc Connection.exec} */
  exec(req: ExecRequest): Promise<ExecExit> {
    if (this.#closeReason !== undefined || this.#link.isClosed) {
      return Promise.reject(this.#link.failure ?? new FleetError('FLEET_CANCELLED', `${this.host}: the connection is closed`, { host: this.host }));
    }
    const watchClose = (controller: AbortController): (() => void) => {
      if (this.#closeReason !== undefined) controller.abort(this.#closeReason);
      this.#execs.add(controller);
      return () => this.#execs.delete(controller);
    };
    const side = (): Promise<SideLane | undefined> => this.#sideLane();
    const run = runExec({ link: this.#link, sessions: this.#sessions, killer: this.#killer, watchClose, side }, req);
    const tracked = run.catch(() => undefined);
    this.#running.add(tracked);
    void tracked.then(() => this.#running.delete(tracked));
    return run;
  }

  /** {@inheritDoc Connection.sftp} */
  async sftp(opts: { signal?: AbortSignal } = {}): Promise<SftpSession> {
    if (this.#closeReason !== undefined || this.#link.isClosed) {
      throw this.#link.failure ?? new FleetError('FLEET_CANCELLED', `${this.host}: the connection is closed`, { host: this.host });
    }
    await this.#fast?.discardPreopened();
    const session = await openSftpSession({ link: this.#link, sessions: this.#sessions }, opts.signal);
    // Ended by its owner; close() ends those still open.
    this.#sftps.add(session);
    void session.closed.then(() => this.#sftps.delete(session));
    return session;
  }

  /** {@inheritDoc Connection.idleSessions} */
  get idleSessions(): number {
    return Math.max(0, this.#sessions.limit - this.#sessions.active - this.#sessions.pending);
  }

  /** {@inheritDoc Connection.roundTrip} */
  roundTrip(opts: { signal?: AbortSignal } = {}): Promise<number | undefined> {
    return this.#link.roundTrip(opts.signal);
  }

  /** {@inheritDoc Connection.close} */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async #close(): Promise<void> {
    // Running commands go through their abort path: their process groups are killed over this
    // connection before it ends, and each exec rejects with FLEET_CANCELLED.
    this.#closeReason = new FleetError('FLEET_CANCELLED', `${this.host}: the connection was closed while the command ran`, { host: this.host });
    for (const controller of this.#execs) controller.abort(this.#closeReason);
    await Promise.allSettled([...this.#running, ...[...this.#sftps].map((s) => s.end())]);
    const side = await this.#side;
    await Promise.allSettled([this.#link.close(), side?.link.close()]);
  }

  /**
   * A second connection to the host, opened on first need and kept until close(): for a server
   * whose MaxSessions is exhausted by channels that cannot wait for each other (a hung command
   * and the kill for it; an SFTP session and the checksum command of the same upload). Undefined
   * when there is no opener, the connection is closing or dead, or the connect failed.
   */
  #sideLane(): Promise<SideLane | undefined> {
    if (this.#reconnect === undefined || this.#closeReason !== undefined || this.#link.isClosed) return Promise.resolve(undefined);
    const reconnect = this.#reconnect;
    // One session at a time there: it is used only for a server known to allow no more.
    this.#side ??= reconnect().then((link) => ({ link, sessions: new Semaphore(1) }), () => undefined);
    const current = this.#side;
    return current.then((lane) => {
      if (lane === undefined || !lane.link.isClosed) return lane;
      // It died since: drop it, so the next need opens a fresh one.
      if (this.#side === current) this.#side = undefined;
      return undefined;
    });
  }
}
