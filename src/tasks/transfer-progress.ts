/**
 * One host's transfer progress as `transfer_progress` events: bytes, files, average rate and
 * ETA, at most one event per interval (250 ms by default) however many acknowledgements arrive,
 * plus a final event when the transfer ends.
 */
import type { FleetEvent } from '../events.js';

type ProgressEvent = Extract<FleetEvent, { type: 'transfer_progress' }>;

/** Options of {@link TransferProgress}. */
export interface TransferProgressOptions {
  /** Minimum time between two events. Default 250 ms. */
  intervalMs?: number;
  /** Monotonic clock in ms. Default performance.now. */
  now?: () => number;
}

/** Counts one host's transfer and reports it, rate-limited. */
export class TransferProgress {
  readonly #host: string;
  readonly #emit: (event: ProgressEvent) => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #started: number;
  #bytes = 0;
  #files = 0;
  #totalBytes = 0;
  #totalFiles = 0;
  #lastEmit = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;
  // Something changed since the last event (the final one is not sent twice).
  #dirty = true;

  constructor(host: string, emit: (event: ProgressEvent) => void, opts: TransferProgressOptions = {}) {
    this.#host = host;
    this.#emit = emit;
    this.#intervalMs = opts.intervalMs ?? 250;
    this.#now = opts.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Sets what the transfer will move (known once the remote side was looked at). */
  setTotals(totalBytes: number, totalFiles: number): void {
    this.#totalBytes = totalBytes;
    this.#totalFiles = totalFiles;
    this.#report();
  }

  /** Grows the totals (a tree discovered while walking it). */
  addTotals(bytes: number, files: number): void {
    this.setTotals(this.#totalBytes + bytes, this.#totalFiles + files);
  }

  addBytes(n: number): void {
    this.#bytes += n;
    this.#report();
  }

  fileDone(): void {
    this.#files += 1;
    this.#report();
  }

  /** Emits the last event (at once, whatever the interval) and stops. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dirty) this.#send();
  }

  #report(): void {
    this.#dirty = true;
    if (this.#finished || this.#timer) return;
    const wait = this.#lastEmit + this.#intervalMs - this.#now();
    if (wait <= 0) {
      this.#send();
      return;
    }
    // Trailing edge: the state at the end of the interval is reported, not lost.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#finished) this.#send();
    }, wait);
    this.#timer.unref();
  }

  #send(): void {
    const now = this.#now();
    this.#lastEmit = now;
    this.#dirty = false;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? Math.round(this.#bytes / seconds) : 0;
    const left = Math.max(0, this.#totalBytes - this.#bytes);
    const etaMs = rate > 0 ? Math.round((left / rate) * 1000) : this.#finished ? 0 : null;
    this.#emit({
      type: 'transfer_progress',
      host: this.#host,
      bytes: this.#bytes,
      totalBytes: this.#totalBytes,
      files: this.#files,
      totalFiles: this.#totalFiles,
      rate,
      etaMs,
    });
  }
}
