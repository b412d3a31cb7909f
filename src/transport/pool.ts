/**
 * The connection pool: where every task's connection comes from.
 *
 * - **Cap.** At most `maxConnections` connections are open at once (connecting ones included),
 *   whatever the number of hosts, operations or forks. A host that needs a connection while the
 *   cap is reached waits; an idle connection (no task holds it) is closed to make room first.
 * - **Handshake limiter.** At most `maxHandshakes` connects run at once. The connect timeout
 *   starts inside `Transport.connect`, i.e. when a host's handshake starts, never while it waits
 *   here: 1000 hosts queued behind 32 handshakes do not time out in our own queue.
 * - **Leases.** `acquire` lends a host's connection (reusing an open one: two tasks of one host
 *   share it); `release` ends the lease. A connection no task holds is idle: it stays open for
 *   the next task of that host (the next step of a steps run, the next command of a library
 *   Fleet) until a waiting host needs its slot, `idleTimeoutMs` passes, or the pool closes.
 * - **Back-pressure on file descriptors.** A connect that fails with EMFILE/ENFILE (the process
 *   ran out of descriptors) is not the host's failure: the pool lowers its cap to the connections
 *   it holds, waits for one of them to close, and connects again.
 * - **close()** aborts connects in flight, closes every connection (running commands are killed
 *   by the transport) and clears its timers: afterwards the pool holds no socket and no timer.
 * - **Jump hosts.** The cap counts connections with a socket of their own: a host reached
 *   directly, and a jump host's connection, which the transport opens in a slot it takes through
 *   `ConnectOptions.slots`. A host behind a jump host is a channel of that connection: it takes no
 *   slot. Its jump hosts are held (`JumpHosts.hold`) before its handshake slot, so no host ever
 *   holds a slot or a handshake while it waits for its jump host's slot. A jump host that no
 *   connection holds is idle: closed like an idle connection (for a waiting host, after
 *   `idleTimeoutMs`, at close()); a waiting host closes idle connections behind a jump host too,
 *   when that is what keeps it open.
 *
 * The seam: callers depend on {@link ConnectionSource} only. `ConnectionPool` is the one
 * implementation today; a keeper of persistent connections can implement the same interface
 * (acquire from its own store, keep on release) and be passed where the pool is.
 */
import { onAbort } from '../concurrency/abort-fan-out.js';
import { FleetError, toFleetError } from '../errors.js';
import type { ConnectionSlot, ConnectionSlots, ConnectOptions, ConnectPhase, ConnectTarget, Connection, HostKey, Transport } from './transport.js';

/**
 * Where a task's connection comes from. Implementations: {@link ConnectionPool}.
 *
 * Contract:
 * - `acquire` resolves with an authenticated connection to `target`, lent to the caller until
 *   it calls `release(conn)` exactly once. It rejects with a FleetError only: the connect's
 *   failure, or `signal.reason` / FLEET_CANCELLED when `signal` aborts or the source closes.
 *   `onPhase` sees the phases of a fresh connect (none when an open connection is lent).
 * - `isOpen(name)` says, synchronously, whether an `acquire` for that host now would lend an
 *   open connection without connecting (so a caller can tell "connecting" from "reused").
 * - `release` never throws and never waits; the source decides whether the connection stays open.
 * - `scanHostKey` reads a host's key without authenticating, under the same limits.
 * - `close` cancels everything in flight and closes every connection. Idempotent.
 */
export interface ConnectionSource {
  acquire(target: ConnectTarget, signal: AbortSignal, onPhase?: (phase: ConnectPhase) => void, onTiming?: ConnectOptions['onTiming']): Promise<Connection>;
  release(conn: Connection): void;
  isOpen(name: string): boolean;
  scanHostKey(target: ConnectTarget, signal: AbortSignal): Promise<HostKey>;
  close(): Promise<void>;
}

/** Connect options fixed for the life of a pool; `optionsFor` may refine them per target. */
export type PoolConnectOptions = Omit<ConnectOptions, 'signal' | 'onPhase'>;

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  transport: Transport;
  /** The options of each connect (the per-host host key policy folded in by the caller). */
  optionsFor: (target: ConnectTarget) => PoolConnectOptions;
  /** Most connections open at once. An integer >= 1. */
  maxConnections: number;
  /** Most connects in flight at once. Default {@link DEFAULT_MAX_HANDSHAKES}. */
  maxHandshakes?: number | undefined;
  /** An idle connection is closed after this long. Default 30 s. */
  idleTimeoutMs?: number | undefined;
  /** First back-off when out of descriptors with nothing of ours to wait for; doubles up to 50x. Default 20 ms. */
  descriptorBackoffMs?: number | undefined;
  /** Closed after every connection (bastions last: the connections ran through them). */
  onClose?: (() => Promise<void>) | undefined;
}

/**
 * Handshakes in flight by default. Measured on the 2-core lab (1000 local sshds at -f 1000,
 * docs/performance.md): handshakes are CPU work on both ends, so past a few dozen more of them
 * at once only slow each one down (16 to 256 at once: the same wall time within noise), while
 * 1000 at once ran 85-88% of hosts past the 10 s connect timeout as soon as other work loaded
 * the CPU (quiet, they just passed). 64 was as fast as 256 there, with a quarter in flight.
 */
export const DEFAULT_MAX_HANDSHAKES = 64;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
// Out of descriptors with no connection of ours to wait for: 20 ms doubling to 1 s, ~10 s in all.
const MAX_FD_BACKOFFS = 15;

interface Entry {
  readonly name: string;
  conn: Connection | undefined;
  /** Set while the connect runs; settles with the connection or the connect's error. */
  connecting: Promise<Connection> | undefined;
  holders: number;
  idleSince: number;
  /** False for a host behind a jump host: a channel, not a socket, so no slot. */
  readonly counted: boolean;
  /** Lets go of the jump hosts the connection runs through (once it is closed or failed). */
  readonly unhold: (() => void) | undefined;
}

type Reserved = Entry & { settle: (conn: Connection | undefined, error?: unknown) => void };

/** A jump host's connection, opened by the transport in a slot of ours. */
interface JumpSlot {
  readonly name: string;
  readonly close: () => void;
  idle: boolean;
  idleSince: number;
  /** Asked to close: its slot is counted as closing until it is released. */
  closing: boolean;
  released: boolean;
}

interface Waiter {
  wake: () => void;
}

/** The pool: see the file comment. */
export class ConnectionPool implements ConnectionSource {
  readonly #opts: ConnectionPoolOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #jumpSlots = new Set<JumpSlot>();
  // Slots taken: hosts reached directly (connecting or open) and jump hosts not closing.
  #held = 0;
  // Idle connections behind a jump host closed for a waiting host (so that the jump host can go).
  #unpinning = 0;
  #scans = 0;
  readonly #slots: ConnectionSlots = (() => {
    const take = (name: string, close: () => void): Promise<ConnectionSlot> => this.#takeSlot(name, close);
    const pool = this; // the getter's own `this` is the slots object
    return {
      take,
      get limit(): number {
        return pool.limit;
      },
    };
  })();
  readonly #slotWaiters = new Set<Waiter>();
  readonly #handshakeWaiters = new Set<Waiter>();
  readonly #closing = new AbortController();
  #baseLimit: number;
  #raises: number[] = [];
  // Lowered when the process runs out of descriptors: never above what it could hold then.
  #fdLimit = Infinity;
  #handshakes = 0;
  // Evicted connections whose socket is still closing: they hold a descriptor, so a slot.
  #closingCount = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #opened = 0;
  #peakOpen = 0;
  #closed: Promise<void> | undefined;

  constructor(opts: ConnectionPoolOptions) {
    validateLimit(opts.maxConnections, 'maxConnections');
    if (opts.maxHandshakes !== undefined) validateLimit(opts.maxHandshakes, 'maxHandshakes');
    this.#opts = opts;
    this.#baseLimit = opts.maxConnections;
  }

  /** Connections open, connecting or still closing right now. */
  get openCount(): number {
    return this.#held + this.#closingCount;
  }

  /** The most connections that were open at once. */
  get peakOpen(): number {
    return this.#peakOpen;
  }

  /** Connections opened in total (reuse keeps this below the tasks run). */
  get openedCount(): number {
    return this.#opened;
  }

  /** The cap in force: the configured one, raised by `raiseLimit`, lowered after EMFILE. */
  get limit(): number {
    return Math.min(Math.max(this.#baseLimit, ...this.#raises), this.#fdLimit);
  }

  /**
   * Raises the cap to at least `n` until the returned function is called: a steps run keeps each
   * host's connection across its barriers, which needs one slot per host of the run.
   */
  raiseLimit(n: number): () => void {
    this.#raises.push(n);
    this.#wakeSlots();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#raises.splice(this.#raises.indexOf(n), 1);
      this.#trimIdle();
    };
  }

  isOpen(name: string): boolean {
    return this.#entries.get(name)?.conn !== undefined;
  }

  async acquire(target: ConnectTarget, signal: AbortSignal, onPhase?: (phase: ConnectPhase) => void, onTiming?: ConnectOptions['onTiming']): Promise<Connection> {
    let outOfDescriptors = 0;
    for (;;) {
      this.#check(target, signal);
      const entry = this.#entries.get(target.name);
      if (entry?.conn !== undefined) {
        entry.holders += 1;
        return entry.conn;
      }
      if (entry?.connecting !== undefined) {
        // Another task of this host is connecting: share its connection (or its failure, unless
        // that failure was the other task's own cancellation).
        try {
          await abortable(entry.connecting, signal, this.#closing.signal);
        } catch (error) {
          this.#check(target, signal);
          // The other task's own cancellation: connect for this one (after its entry is gone).
          if (isCancel(error)) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            continue;
          }
          throw toFleetError(error, target.name);
        }
        continue;
      }
      const reserved = await this.#reserveFor(target, signal);
      if (reserved === undefined) continue; // another task of this host came first: share its connection
      const conn = await this.#connect(reserved, target, signal, onPhase, onTiming, outOfDescriptors);
      if (conn === undefined) {
        outOfDescriptors += 1; // out of descriptors: waited for a release or backed off; try again
        continue;
      }
      return conn;
    }
  }

  release(conn: Connection): void {
    const entry = this.#entries.get(conn.host);
    if (entry?.conn !== conn || entry.holders === 0) return;
    entry.holders -= 1;
    if (entry.holders > 0) return;
    entry.idleSince = performance.now();
    // A host waits for a slot: this connection's is the one to give.
    if (entry.counted && (this.#slotWaiters.size > 0 || this.#held > this.limit)) {
      this.#evict(entry);
      return;
    }
    this.#armIdleTimer();
    // Behind a jump host: a waiting host may close it so that the jump host can go.
    if (!entry.counted) wakeOne(this.#slotWaiters);
  }

  async scanHostKey(target: ConnectTarget, signal: AbortSignal): Promise<HostKey> {
    const scan = this.#opts.transport.scanHostKey;
    if (scan === undefined) {
      throw new FleetError('FLEET_CONFIG_INVALID', `${target.name}: this transport cannot scan host keys`, { host: target.name });
    }
    this.#check(target, signal);
    const options = { ...this.#opts.optionsFor(target), signal: AbortSignal.any([signal, this.#closing.signal]), slots: this.#slots };
    const unhold = await options.jumps?.hold(target, options);
    try {
      // A direct scan holds a socket as a connect does: a slot under a name of its own. Through
      // a jump host it is a channel, as a connection is.
      this.#scans += 1;
      const entry = unhold === undefined ? await this.#reserve(`\0scan:${this.#scans}:${target.name}`, signal) : undefined;
      try {
        await this.#handshakeSlot(target, signal);
        try {
          return await scan.call(this.#opts.transport, target, options);
        } finally {
          this.#handshakeDone();
        }
      } finally {
        if (entry !== undefined) {
          // close() may be waiting on it as on a connect.
          entry.settle(undefined, new FleetError('FLEET_CANCELLED', `${target.name}: scan ended`, { host: target.name }));
          this.#remove(entry);
        }
      }
    } finally {
      unhold?.();
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#closeAll();
    return this.#closed;
  }

  async #closeAll(): Promise<void> {
    this.#closing.abort(new FleetError('FLEET_CANCELLED', 'the fleet was closed'));
    this.#clearIdleTimer();
    for (const w of [...this.#slotWaiters, ...this.#handshakeWaiters]) w.wake();
    const entries = [...this.#entries.values()];
    await Promise.allSettled(entries.map(async (e) => {
      const conn = e.conn ?? (await e.connecting?.catch(() => undefined));
      await conn?.close();
    }));
    for (const e of entries) this.#remove(e);
    // Jump hosts last, innermost first: the connections above ran through them.
    for (const slot of [...this.#jumpSlots].reverse()) if (!slot.released) slot.close();
    await this.#opts.onClose?.();
  }

  /** Throws when the caller's signal aborted or the pool closed. */
  #check(target: ConnectTarget, signal: AbortSignal): void {
    if (this.#closing.signal.aborted) throw new FleetError('FLEET_CANCELLED', `${target.name}: the fleet was closed`, { host: target.name });
    if (signal.aborted) throw toFleetError(signal.reason ?? new FleetError('FLEET_CANCELLED', `${target.name}: cancelled`), target.name);
  }

  /**
   * The entry `target`'s connect fills: behind a jump host, once its jump hosts are held (no
   * slot); else in a slot of its own (#reserve). Undefined when another task of the host added
   * one meanwhile (the caller shares that one instead).
   */
  async #reserveFor(target: ConnectTarget, signal: AbortSignal): Promise<Reserved | undefined> {
    const options = this.#opts.optionsFor(target);
    if (options.jumps !== undefined && this.#opts.transport.carriesJumps?.(target) !== true) {
      const unhold = await options.jumps.hold(target, { ...options, signal: AbortSignal.any([signal, this.#closing.signal]), slots: this.#slots });
      if (this.#entries.has(target.name) || this.#closing.signal.aborted || signal.aborted) {
        unhold?.();
        this.#check(target, signal);
        return undefined;
      }
      if (unhold !== undefined) return this.#newEntry(target.name, false, unhold);
    }
    return this.#reserve(target.name, signal);
  }

  /**
   * Takes a slot for `name` (under the cap, after closing an idle connection if need be) and
   * resolves with its entry, added at once with a `connecting` promise that #connect settles: a
   * second task of the host that comes meanwhile waits on that instead of taking another slot.
   * Undefined when such an entry appeared while this one waited.
   */
  async #reserve(name: string, signal: AbortSignal): Promise<Reserved | undefined> {
    for (;;) {
      this.#check({ name } as ConnectTarget, signal);
      if (this.#entries.has(name)) return undefined;
      if (this.openCount < this.limit) return this.#newEntry(name, true, undefined);
      this.#makeRoom();
      await this.#wait(this.#slotWaiters, signal);
    }
  }

  #newEntry(name: string, counted: boolean, unhold: (() => void) | undefined): Reserved {
    let settle: (conn: Connection | undefined, error?: unknown) => void = () => {};
    const connecting = new Promise<Connection>((resolve, reject) => {
      settle = (conn, error) => (conn === undefined ? reject(error) : resolve(conn));
    });
    // Nobody may be waiting on it; its failure is the connecting task's to report.
    connecting.catch(() => undefined);
    const entry = { name, conn: undefined, connecting, holders: 0, idleSince: 0, counted, unhold, settle };
    this.#add(entry);
    return entry;
  }

  /**
   * For a waiting host: closes one idle connection or jump host per waiter (the waiter takes the
   * slot once its socket is closed); with none, one idle connection behind a jump host, which
   * may be what keeps that jump host open.
   */
  #makeRoom(): void {
    if (this.#closingCount >= this.#slotWaiters.size + 1) return;
    const idle = this.#oldestIdle();
    if (idle !== undefined) {
      this.#evictIdle(idle);
      return;
    }
    if (this.#unpinning >= this.#slotWaiters.size + 1) return;
    let oldest: Entry | undefined;
    for (const e of this.#entries.values()) {
      if (!e.counted && e.conn !== undefined && e.holders === 0 && (oldest === undefined || e.idleSince < oldest.idleSince)) oldest = e;
    }
    if (oldest !== undefined) this.#evict(oldest);
  }

  /** A slot for a jump host's connection (ConnectionSlots.take): waits under the cap as a host does. */
  async #takeSlot(name: string, close: () => void): Promise<ConnectionSlot> {
    for (;;) {
      if (this.#closing.signal.aborted) throw new FleetError('FLEET_CANCELLED', `${name}: the fleet was closed`, { host: name });
      if (this.openCount < this.limit) break;
      this.#makeRoom();
      await this.#wait(this.#slotWaiters, this.#closing.signal);
    }
    const slot: JumpSlot = { name, close, idle: false, idleSince: 0, closing: false, released: false };
    this.#jumpSlots.add(slot);
    this.#held += 1;
    this.#peakOpen = Math.max(this.#peakOpen, this.openCount);
    return {
      setIdle: (idle) => {
        if (slot.released || slot.closing) return;
        slot.idle = idle;
        if (!idle) return;
        slot.idleSince = performance.now();
        if (this.#slotWaiters.size > 0 || this.#held > this.limit) this.#evictSlot(slot);
        else this.#armIdleTimer();
      },
      release: () => {
        if (slot.released) return;
        slot.released = true;
        this.#jumpSlots.delete(slot);
        if (slot.closing) this.#closingCount -= 1;
        else this.#held -= 1;
        wakeOne(this.#slotWaiters);
      },
    };
  }

  /** Asks an idle jump host to close; its slot is free once the transport releases it. */
  #evictSlot(slot: JumpSlot): void {
    if (slot.closing || slot.released) return;
    slot.closing = true;
    this.#held -= 1;
    this.#closingCount += 1;
    slot.close();
  }

  /** Resolves when a handshake may start. */
  async #handshakeSlot(target: ConnectTarget, signal: AbortSignal): Promise<void> {
    const max = this.#opts.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES;
    for (;;) {
      this.#check(target, signal);
      if (this.#handshakes < max) {
        this.#handshakes += 1;
        return;
      }
      await this.#wait(this.#handshakeWaiters, signal);
    }
  }

  #handshakeDone(): void {
    this.#handshakes -= 1;
    wakeOne(this.#handshakeWaiters);
  }

  /**
   * Connects `target` in a slot already granted; resolves undefined when the process was out of
   * descriptors and a release has since been seen (the caller tries again).
   */
  async #connect(
    entry: Reserved,
    target: ConnectTarget,
    signal: AbortSignal,
    onPhase: ((phase: ConnectPhase) => void) | undefined,
    onTiming: ConnectOptions['onTiming'],
    outOfDescriptors: number,
  ): Promise<Connection | undefined> {
    let conn: Connection;
    try {
      await this.#handshakeSlot(target, signal);
      try {
        const options = {
          ...this.#opts.optionsFor(target),
          signal: AbortSignal.any([signal, this.#closing.signal]),
          slots: this.#slots,
          ...(onPhase && { onPhase }),
          ...(onTiming && { onTiming }),
        };
        conn = await this.#opts.transport.connect(target, options);
      } finally {
        this.#handshakeDone();
      }
    } catch (error) {
      this.#remove(entry);
      entry.settle(undefined, error);
      if (!isOutOfDescriptors(error) || this.#closing.signal.aborted) throw toFleetError(error, target.name);
      // Not the host's fault: hold no more connections than now, and wait for one to go.
      if (this.openCount > 0) {
        this.#fdLimit = Math.max(1, this.openCount);
        this.#trimIdle();
        await this.#wait(this.#slotWaiters, signal);
        return undefined;
      }
      // Nothing of ours to wait for (the connects beside it failed the same way, or something
      // else holds the descriptors): back off a few times before it becomes the host's failure.
      if (outOfDescriptors >= MAX_FD_BACKOFFS) throw toFleetError(error, target.name);
      const base = this.#opts.descriptorBackoffMs ?? 20;
      await backOff(Math.min(50 * base, base * 2 ** outOfDescriptors), AbortSignal.any([signal, this.#closing.signal]));
      return undefined;
    }
    entry.connecting = undefined;
    if (this.#closing.signal.aborted) {
      this.#remove(entry);
      entry.settle(undefined, new FleetError('FLEET_CANCELLED', `${target.name}: the fleet was closed`, { host: target.name }));
      await conn.close();
      this.#check(target, signal);
    }
    entry.conn = conn;
    entry.holders = 1;
    entry.settle(conn);
    this.#opened += 1;
    void conn.closed.then(() => {
      if (this.#entries.get(target.name) === entry) this.#remove(entry);
    });
    return conn;
  }

  #add(entry: Entry): void {
    this.#entries.set(entry.name, entry);
    if (entry.counted) this.#held += 1;
    this.#peakOpen = Math.max(this.#peakOpen, this.openCount);
  }

  #remove(entry: Entry): void {
    if (this.#entries.get(entry.name) !== entry) return;
    this.#entries.delete(entry.name);
    if (entry.counted) this.#held -= 1;
    else entry.unhold?.();
    wakeOne(this.#slotWaiters);
  }

  /**
   * Closes an idle connection; its slot is free once its socket is closed, not before (behind a
   * jump host: it lets go of the jump host once closed).
   */
  #evict(entry: Entry): void {
    const conn = entry.conn;
    if (this.#entries.get(entry.name) !== entry || conn === undefined) return;
    this.#entries.delete(entry.name);
    if (entry.counted) {
      this.#held -= 1;
      this.#closingCount += 1;
    } else {
      this.#unpinning += 1;
    }
    void conn
      .close()
      .catch(() => undefined)
      .finally(() => {
        if (entry.counted) this.#closingCount -= 1;
        else {
          this.#unpinning -= 1;
          entry.unhold?.();
        }
        wakeOne(this.#slotWaiters);
      });
  }

  /** The idle connection or jump host holding a slot the longest (hosts behind jump hosts hold none). */
  #oldestIdle(): Entry | JumpSlot | undefined {
    let oldest: Entry | JumpSlot | undefined;
    for (const e of this.#entries.values()) {
      if (e.counted && e.conn !== undefined && e.holders === 0 && (oldest === undefined || e.idleSince < oldest.idleSince)) oldest = e;
    }
    for (const s of this.#jumpSlots) {
      if (s.idle && !s.closing && (oldest === undefined || s.idleSince < oldest.idleSince)) oldest = s;
    }
    return oldest;
  }

  #evictIdle(idle: Entry | JumpSlot): void {
    if ('conn' in idle) this.#evict(idle);
    else this.#evictSlot(idle);
  }

  /** Closes idle connections and jump hosts while more are open than the cap allows. */
  #trimIdle(): void {
    // Those already closing are on their way out: count the rest.
    while (this.#held > this.limit) {
      const idle = this.#oldestIdle();
      if (idle === undefined) return;
      this.#evictIdle(idle);
    }
  }

  #wakeSlots(): void {
    for (const w of this.#slotWaiters) w.wake();
  }

  /** Waits until woken (a slot or handshake freed, or the pool closing) or `signal` aborts. */
  #wait(waiters: Set<Waiter>, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      // The caller re-checks the signal after waking. One listener on the signal however many
      // hosts wait on it (a run's 1000 queued hosts share one signal).
      let stopWaiting = (): void => {};
      const waiter: Waiter = {
        wake: () => {
          waiters.delete(waiter);
          stopWaiting();
          resolve();
        },
      };
      waiters.add(waiter);
      stopWaiting = onAbort(signal, waiter.wake);
    });
  }

  /** One timer for all idle connections, armed only while there are some. */
  #armIdleTimer(): void {
    if (this.#idleTimer !== undefined || this.#closing.signal.aborted) return;
    const idleMs = this.#opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const now = performance.now();
      let left = false;
      for (const e of [...this.#entries.values()]) {
        if (e.conn === undefined || e.holders > 0) continue;
        if (now - e.idleSince >= idleMs) this.#evict(e);
        else left = true;
      }
      for (const s of [...this.#jumpSlots]) {
        if (!s.idle || s.closing) continue;
        if (now - s.idleSince >= idleMs) this.#evictSlot(s);
        else left = true;
      }
      if (left) this.#armIdleTimer();
    }, idleMs);
    // An idle connection must not keep a process alive that has nothing else to do.
    this.#idleTimer.unref();
  }

  #clearIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller re-checks it). */
function backOff(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function wakeOne(waiters: Set<Waiter>): void {
  const first = waiters.values().next();
  if (!first.done) first.value.wake();
}

/** `promise`, or a rejection as soon as either signal aborts. */
function abortable<T>(promise: Promise<T>, ...signals: AbortSignal[]): Promise<T> {
  const any = AbortSignal.any(signals);
  if (any.aborted) return Promise.reject(any.reason);
  return new Promise<T>((resolve, reject) => {
    const rejectNow = (): void => reject(any.reason);
    any.addEventListener('abort', rejectNow, { once: true });
    promise.then(
      (v) => {
        any.removeEventListener('abort', rejectNow);
        resolve(v);
      },
      (e: unknown) => {
        any.removeEventListener('abort', rejectNow);
        reject(e);
      },
    );
  });
}

function isCancel(error: unknown): boolean {
  return error instanceof FleetError && error.code === 'FLEET_CANCELLED';
}

/** True when `error` (or a cause of it) is the process running out of file descriptors. */
export function isOutOfDescriptors(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EMFILE' || code === 'ENFILE') return true;
    if (typeof (e as { message?: unknown }).message === 'string' && /\b(EMFILE|ENFILE)\b/.test((e as { message: string }).message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function validateLimit(value: number, name: string): void {
  if (!(value === Infinity || (Number.isInteger(value) && value >= 1))) {
    throw new TypeError(`The "${name}" option must be an integer >= 1. Received ${String(value)}`);
  }
}
