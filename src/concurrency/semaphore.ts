/**
 * A counting semaphore: p-limit's algorithm (the slot is released in `finally`, async context is
 * kept) plus p-queue's priorities and AbortSignal-aware waiters. Used for the fan-out limit
 * (`--forks`) and as per-host back-pressure for the server's MaxSessions.
 */

/** Gives a slot back. Idempotent: calling it again does nothing, so a slot is never freed twice. */
export type Release = () => void;

/** Options for {@link Semaphore.acquire} and {@link Semaphore.run}. */
export interface AcquireOptions {
  /** Aborting it while still queued removes the waiter; `acquire` then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Higher goes first; equal priorities are served first come, first served. Default 0. */
  priority?: number | undefined;
}

interface Waiter {
  readonly priority: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (release: Release) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * A counting semaphore with priorities and cancellable waiters.
 *
 * Invariant: `active <= limit`, except just after {@link Semaphore.setLimit} lowered the limit:
 * holders are never revoked, so `active` drains down to the new limit as they release.
 */
export class Semaphore {
  #limit: number;
  #active = 0;
  // Sorted by priority, highest first; FIFO within a priority because inserts go after equals.
  #queue: Waiter[] = [];
  // One 'abort' listener per distinct signal, not per waiter: a fan-out of 1,000 hosts shares one
  // run signal, and 1,000 listeners would trip Node's MaxListenersExceededWarning (and cost O(n)).
  #bySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  /** @param limit - how many holders at once: an integer >= 1, or `Infinity`. */
  constructor(limit: number) {
    validateLimit(limit, 'limit');
    this.#limit = limit;
  }

  /** The current maximum number of holders. */
  get limit(): number {
    return this.#limit;
  }

  /** How many slots are held right now. */
  get active(): number {
    return this.#active;
  }

  /** How many callers are queued, waiting for a slot. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Changes the limit. Raising it starts queued waiters at once; lowering it revokes nothing, it only
   * delays new grants until enough holders have released (max-sessions back-pressure shrinks this way).
   *
   * @throws TypeError if `limit` is not an integer >= 1 or `Infinity`.
   */
  setLimit(limit: number): void {
    validateLimit(limit, 'limit');
    this.#limit = limit;
    this.#dispatch();
  }

  /**
   * Waits for a slot. Resolves with an idempotent {@link Release}; the caller must call it (prefer
   * {@link Semaphore.run}, which does so in `finally`).
   *
   * Rejects with `signal.reason` if the signal is already aborted (checked before queueing) or aborts
   * while waiting; the waiter then leaves the queue and no slot is taken. Once granted, a slot is the
   * caller's: a later abort does not take it back. Rejects with TypeError on invalid options.
   */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    let priority: number;
    let signal: AbortSignal | undefined;
    try {
      ({ priority, signal } = validateAcquireOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // #dispatch keeps "someone queued => no free slot", so the queue check is redundant today; it
    // keeps the no-overtaking rule visible here rather than relying on that invariant elsewhere.
    if (this.#queue.length === 0 && this.#active < this.#limit) {
      this.#active += 1;
      return Promise.resolve(this.#makeRelease());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { priority, signal, resolve, reject };
      this.#enqueue(waiter);
      if (signal !== undefined) this.#watch(signal, waiter);
    });
  }

  /**
   * Takes a slot only if one is free right now and nobody is queued.
   * @returns a {@link Release}, or `undefined` when the caller would have to wait.
   */
  tryAcquire(): Release | undefined {
    if (this.#queue.length > 0 || this.#active >= this.#limit) return undefined;
    this.#active += 1;
    return this.#makeRelease();
  }

  /**
   * Runs `fn` while holding a slot and releases the slot when `fn` settles, whether it returned or
   * threw (listr2's limiter leaks a slot on rejection; this must not).
   *
   * Async context (AsyncLocalStorage) of the caller is visible inside `fn`: `fn` is called from this
   * async function's own continuation, never from another holder's release, so no
   * `AsyncResource.bind` is needed (p-limit needs it because it calls queued functions itself).
   */
  async run<R>(fn: () => R | PromiseLike<R>, options: AcquireOptions = {}): Promise<R> {
    if (typeof fn !== 'function') {
      throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    }
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #makeRelease(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#dispatch();
    };
  }

  #dispatch(): void {
    while (this.#active < this.#limit) {
      const waiter = this.#queue.shift();
      if (waiter === undefined) return;
      this.#unwatch(waiter);
      this.#active += 1;
      waiter.resolve(this.#makeRelease());
    }
  }

  #enqueue(waiter: Waiter): void {
    // Binary search for the first waiter with a strictly lower priority; the common case (all equal)
    // lands at the end, so FIFO costs O(log n) and no shifting.
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#queue[mid] as Waiter).priority >= waiter.priority) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, waiter);
  }

  #watch(signal: AbortSignal, waiter: Waiter): void {
    let entry = this.#bySignal.get(signal);
    if (entry === undefined) {
      const waiters = new Set<Waiter>();
      const onAbort = (): void => {
        this.#bySignal.delete(signal);
        this.#queue = this.#queue.filter((w) => !waiters.has(w));
        for (const w of waiters) w.reject(signal.reason);
      };
      entry = { waiters, onAbort };
      this.#bySignal.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.waiters.add(waiter);
  }

  #unwatch(waiter: Waiter): void {
    if (waiter.signal === undefined) return;
    const entry = this.#bySignal.get(waiter.signal);
    if (entry === undefined) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size === 0) {
      waiter.signal.removeEventListener('abort', entry.onAbort);
      this.#bySignal.delete(waiter.signal);
    }
  }
}

function validateLimit(value: unknown, name: string): asserts value is number {
  const ok = value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && (value as number) >= 1);
  if (!ok) {
    throw new TypeError(`The "${name}" option must be an integer >= 1 or Infinity. Received ${String(value)}`);
  }
}

function validateAcquireOptions(options: unknown): { priority: number; signal: AbortSignal | undefined } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`The "options" argument must be of type object. Received ${String(options)}`);
  }
  const { priority = 0, signal } = options as AcquireOptions;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new TypeError(`The "options.priority" property must be a finite number. Received ${String(priority)}`);
  }
  validateAbortSignal(signal, 'options.signal');
  return { priority, signal };
}

/**
 * Node's `validateAbortSignal`: duck-typed so signals from another realm (or a polyfill) pass.
 * @throws TypeError when `signal` is neither undefined nor signal-shaped.
 */
export function validateAbortSignal(signal: unknown, name: string): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || !('aborted' in signal) || !('addEventListener' in signal)) {
    throw new TypeError(`The "${name}" property must be an AbortSignal. Received ${String(signal)}`);
  }
}
