/**
 * SFTP channels ("lanes") a host's transfer runs on, each with a bound on the bytes and requests
 * in flight. One SSH channel moves at most its window (OpenSSH: 2 MiB; ssh2 receives with 2 MiB
 * too) per round trip, ~29 MiB/s at 50 ms (DESIGN §7), so a large file at a high RTT is spread
 * over a few lanes; on a LAN one is enough. The bound per lane (4 MiB, 64 requests: the window
 * on the wire plus as much ready behind it) is what keeps memory flat however fast the disk is:
 * ssh2 copies each write into its own packet buffer, so in-flight bytes are the memory used.
 */
import { FleetError } from '../errors.js';
import type { Connection, SftpSession } from '../transport/index.js';

/** Bytes in flight per lane: the SSH window (2 MiB) plus some queued to refill it at once. */
export const LANE_MAX_BYTES = 3 * 1024 * 1024;
/** Requests in flight per lane. */
export const LANE_MAX_REQUESTS = 64;
/** Lanes at most for one file. */
export const MAX_LANES = 4;
/**
 * Extra lanes (beyond each host's first) open at once in one operation. Extra lanes pay off when
 * a few hosts are limited by the round trip; with many hosts the client's CPU is the limit and
 * each lane only adds its in-flight bytes to memory (20 hosts x 4 lanes held ~500 MiB).
 */
export const EXTRA_LANES_PER_OPERATION = 8;
/** Files smaller than this never get extra lanes (they are over in a few round trips anyway). */
export const MULTI_LANE_MIN_BYTES = 8 * 1024 * 1024;
// Extra round trips measured before opening lanes.
const RTT_PROBES = 3;
// Round-trip time one lane covers: 2 MiB per 16 ms is 128 MiB/s, more than a host's sshd takes.
const RTT_PER_LANE_MS = 16;

/** One SFTP channel and its in-flight budget. */
export class Lane {
  readonly session: SftpSession;
  readonly #maxBytes: number;
  readonly #maxRequests: number;
  #bytes = 0;
  #requests = 0;
  #moved = 0;
  #waiters = new Set<() => void>();

  constructor(session: SftpSession, maxBytes = LANE_MAX_BYTES, maxRequests = LANE_MAX_REQUESTS) {
    this.session = session;
    this.#maxBytes = maxBytes;
    this.#maxRequests = maxRequests;
  }

  get inFlight(): number {
    return this.#bytes;
  }

  /** Bytes whose requests this lane has seen answered (or failed) so far. */
  get moved(): number {
    return this.#moved;
  }

  /** Counts `bytes` as in flight if the budget allows it now (true), without waiting. */
  tryReserve(bytes: number): boolean {
    if (this.#bytes > 0 && (this.#bytes + bytes > this.#maxBytes || this.#requests >= this.#maxRequests)) return false;
    this.#bytes += bytes;
    this.#requests += 1;
    return true;
  }

  /** Waits until `bytes` more may be in flight (at once when the lane is empty), then counts them. */
  async reserve(bytes: number, signal: AbortSignal): Promise<void> {
    while (this.#bytes > 0 && (this.#bytes + bytes > this.#maxBytes || this.#requests >= this.#maxRequests)) {
      if (signal.aborted) throw abortReason(signal, this.session.host);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) throw abortReason(signal, this.session.host);
    this.#bytes += bytes;
    this.#requests += 1;
  }

  /** Gives back what `reserve` counted, once the request is answered (or failed). */
  release(bytes: number): void {
    this.#bytes -= bytes;
    this.#moved += bytes;
    this.#requests -= 1;
    if (this.#waiters.size > 0) for (const wake of [...this.#waiters]) wake();
  }
}

/** The extra lanes an operation's hosts may open between them; a host takes what is left. */
export class LaneBudget {
  #free: number;

  constructor(extraLanes = EXTRA_LANES_PER_OPERATION) {
    this.#free = extraLanes;
  }

  get free(): number {
    return this.#free;
  }

  /** Takes up to `wanted` lanes; returns how many were granted (possibly 0). */
  take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.#free));
    this.#free -= granted;
    return granted;
  }

  give(lanes: number): void {
    this.#free += lanes;
  }
}

/**
 * A host's lanes: the first is the transfer's main session (opened by the caller); more are
 * opened on demand for large files when the round-trip time says one window is not enough,
 * only while the connection has session slots to spare (one stays free for the checksum
 * command), and only as many as the operation's budget has left.
 */
export class Lanes {
  readonly #conn: Connection;
  readonly #lanes: Lane[];
  /** A first round-trip sample, or undefined: the probes alone decide. */
  readonly #rttMs: number | undefined;
  readonly #budget: LaneBudget;
  #granted = 0;
  #widening: Promise<void> | undefined;

  constructor(conn: Connection, main: SftpSession, rttMs: number | undefined, budget: LaneBudget) {
    this.#conn = conn;
    this.#lanes = [new Lane(main)];
    this.#rttMs = rttMs;
    this.#budget = budget;
  }

  get main(): Lane {
    return this.#lanes[0] as Lane;
  }

  /** The lanes a file of `size` bytes should use (opening extra ones the first time they are worth it). */
  async forFile(size: number, signal: AbortSignal): Promise<Lane[]> {
    if (size < MULTI_LANE_MIN_BYTES) return [this.main];
    await this.#startWidening(signal);
    return [...this.#lanes];
  }

  /**
   * Starts opening extra lanes now, without waiting, when a file of `size` bytes will want them:
   * the round trips of probing and opening then overlap the caller's other set-up.
   */
  prepare(size: number, signal: AbortSignal): void {
    if (size >= MULTI_LANE_MIN_BYTES) this.#startWidening(signal).catch(() => undefined);
  }

  /**
   * The extra lanes for a file of `size` bytes, once open (none for a small file, or when they
   * could not be opened: a transfer never fails for want of extra lanes). The file can start on
   * the main lane meanwhile.
   */
  async extraFor(size: number, signal: AbortSignal): Promise<Lane[]> {
    if (size < MULTI_LANE_MIN_BYTES) return [];
    await this.#startWidening(signal).catch(() => undefined);
    return this.#lanes.slice(1);
  }

  #startWidening(signal: AbortSignal): Promise<void> {
    this.#widening ??= this.#widen(signal);
    return this.#widening;
  }

  /** Lanes wanted at this RTT: enough windows per round trip, at most MAX_LANES. */
  static wanted(rttMs: number): number {
    return Math.max(1, Math.min(MAX_LANES, Math.ceil(rttMs / RTT_PER_LANE_MS)));
  }

  async #widen(signal: AbortSignal): Promise<void> {
    let rtt = this.#rttMs;
    if (rtt !== undefined && Lanes.wanted(rtt) <= 1) return;
    // One sample can be inflated by a busy event loop (20 hosts starting at once showed 160 ms on
    // loopback): the least of a few sequential round trips is the link's. Two samples that want
    // the same lane count settle it: a real 50 ms link costs one probe (two with no first sample).
    for (let probe = 0; probe < RTT_PROBES; probe += 1) {
      const t0 = performance.now();
      await this.main.session.realpath('.');
      const sample = performance.now() - t0;
      const agreed = rtt !== undefined && Lanes.wanted(sample) === Lanes.wanted(rtt);
      rtt = rtt === undefined ? sample : Math.min(rtt, sample);
      if (agreed || Lanes.wanted(rtt) <= 1) break;
    }
    if (rtt === undefined || Lanes.wanted(rtt) <= 1) return;
    this.#granted = this.#budget.take(Math.min(Lanes.wanted(rtt) - 1, this.#conn.idleSessions - 1));
    const opened = await Promise.allSettled(Array.from({ length: this.#granted }, () => this.#conn.sftp({ signal })));
    // A lane that could not open is no failure: the transfer goes on with fewer.
    for (const result of opened) if (result.status === 'fulfilled') this.#lanes.push(new Lane(result.value));
  }

  /** Ends the extra lanes (the caller ends the main session). */
  async endExtra(): Promise<void> {
    const extra = this.#lanes.splice(1);
    // Opening may still be under way: its lanes must be ended too.
    await this.#widening?.catch(() => undefined);
    extra.push(...this.#lanes.splice(1));
    // Given back before the ends, which a dead connection may never answer.
    this.#budget.give(this.#granted);
    this.#granted = 0;
    await Promise.allSettled(extra.map((lane) => lane.session.end()));
  }
}

/** The lane with the fewest bytes in flight. */
export function leastLoaded(lanes: readonly Lane[]): number {
  let best = 0;
  for (let i = 1; i < lanes.length; i += 1) if ((lanes[i] as Lane).inFlight < (lanes[best] as Lane).inFlight) best = i;
  return best;
}

/** The abort reason as a FleetError (FLEET_CANCELLED unless the run gave a FleetError, e.g. FLEET_TIMEOUT). */
export function abortReason(signal: AbortSignal, host: string): FleetError {
  const reason: unknown = signal.reason;
  return reason instanceof FleetError ? reason : new FleetError('FLEET_CANCELLED', `${host}: cancelled`, { host }, { cause: reason });
}

/**
 * `promise`, or the abort reason as soon as `signal` fires: work on a connection that may be
 * dead must not hold up a cancel (the caller's cleanup is bounded separately).
 */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, host: string): Promise<T> {
  if (signal.aborted) throw abortReason(signal, host);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal, host));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
