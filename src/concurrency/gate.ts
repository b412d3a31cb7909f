/**
 * One-shot events (Python's threading.Event) and a per-host state machine built from them.
 * Waiting is always check-then-wait: a waiter that arrives after the event resolves at once, so no
 * caller can miss a transition that happened before it looked (p-queue `onIdle`).
 */
import { validateAbortSignal } from './semaphore.js';

/** Options for waiting on a {@link Gate} or a {@link HostGate} phase. */
export interface WaitOptions {
  /** Aborting it rejects this wait (with `signal.reason`) without affecting the gate or other waiters. */
  signal?: AbortSignal | undefined;
}

interface GateWaiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  readonly detach: () => void;
}

/**
 * A one-shot event: closed until {@link Gate.open} or {@link Gate.fail}, then settled for good.
 * The first of `open`/`fail` wins; later calls are ignored and return `false`.
 *
 * @typeParam T - the value handed to waiters on open (`void` by default).
 */
export class Gate<T = void> {
  #state: 'closed' | 'open' | 'failed' = 'closed';
  #value: T | undefined;
  #error: unknown;
  // Explicit waiters, not one shared promise: a wait that aborts must drop its callbacks, and a shared
  // promise that is failed with nobody listening would raise an unhandled rejection.
  #waiters = new Set<GateWaiter<T>>();

  /** True once {@link Gate.open} was called (and not preceded by `fail`). */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** True once {@link Gate.fail} was called (and not preceded by `open`). */
  get isFailed(): boolean {
    return this.#state === 'failed';
  }

  /** How many waits are outstanding (aborted ones leave at once, so a leak would show here). */
  get pending(): number {
    return this.#waiters.size;
  }

  /**
   * Opens the gate: every current waiter and every later one resolves with `value`.
   * @returns `true` if this call opened it, `false` if it was already open or failed.
   */
  open(value: T): boolean {
    if (this.#state !== 'closed') return false;
    this.#state = 'open';
    this.#value = value;
    for (const waiter of this.#drain()) waiter.resolve(value);
    return true;
  }

  /**
   * Fails the gate: every current waiter and every later one rejects with `error`.
   * @returns `true` if this call failed it, `false` if it was already open or failed.
   */
  fail(error: unknown): boolean {
    if (this.#state !== 'closed') return false;
    this.#state = 'failed';
    this.#error = error;
    for (const waiter of this.#drain()) waiter.reject(error);
    return true;
  }

  /**
   * Resolves with the open value: at once if already open, else when it opens. Rejects with the
   * failure if failed, or with `signal.reason` if the signal aborts first (checked before waiting too).
   * An abort removes only this waiter. Rejects with TypeError for a malformed signal.
   */
  wait(options: WaitOptions = {}): Promise<T> {
    const signal = options?.signal;
    try {
      validateAbortSignal(signal, 'options.signal');
    } catch (error) {
      return Promise.reject(error);
    }
    // Settled state wins over an aborted signal: the event did happen, and saying so is more useful.
    if (this.#state === 'open') return Promise.resolve(this.#value as T);
    if (this.#state === 'failed') return Promise.reject(this.#error);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: GateWaiter<T> = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #drain(): GateWaiter<T>[] {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.detach();
    return waiters;
  }
}

/** What a {@link HostGate} reports to {@link HostGate.onTransition} listeners. */
export type HostGateTransition<P extends string> =
  | { readonly kind: 'reached'; readonly from: P; readonly to: P }
  | { readonly kind: 'failed'; readonly at: P; readonly error: unknown };

/** Listener for {@link HostGate.onTransition}. */
export type HostGateListener<P extends string> = (transition: HostGateTransition<P>) => void;

/**
 * A per-host state machine over ordered phases, e.g.
 * `new HostGate(['queued', 'connecting', 'authenticated', 'running', 'done'])`.
 * It knows nothing of SSH: callers name the phases and decide when to move.
 *
 * - The first phase is reached on construction.
 * - Phases only move forward. Reaching a later phase also reaches every phase before it (a host
 *   that is `running` has certainly `connected`), so `when('connecting')` resolves then too.
 * - Reaching the current or an earlier phase is a **no-op returning `false`**, not an error: several
 *   code paths (a retry, a shared connection) may report the same progress, and the state already
 *   says more than the late report.
 * - {@link HostGate.fail} is terminal: waiters on phases not reached reject with the error; reached
 *   phases stay reached. Outcomes that are not "the next phase" (closed early, failed) go there.
 *
 * @typeParam P - the phase names; inferred from the constructor's array literal.
 */
export class HostGate<P extends string> {
  readonly #phases: readonly P[];
  readonly #gates: Gate[];
  #index = 0;
  #failure: { error: unknown } | undefined;
  #listeners = new Set<HostGateListener<P>>();
  // Transitions are delivered in order even if a listener calls reach() or fail() re-entrantly.
  #outbox: HostGateTransition<P>[] = [];
  #delivering = false;

  /**
   * @param phases - the phases in order, at least one, no duplicates.
   * @throws TypeError for an empty list, a non-string or a duplicate phase.
   */
  constructor(phases: readonly P[]) {
    if (!Array.isArray(phases) || phases.length === 0) {
      throw new TypeError('The "phases" argument must be a non-empty array of strings.');
    }
    if (phases.some((p) => typeof p !== 'string') || new Set(phases).size !== phases.length) {
      throw new TypeError(`The "phases" argument must hold distinct strings. Received ${JSON.stringify(phases)}`);
    }
    this.#phases = [...phases];
    this.#gates = this.#phases.map(() => new Gate());
    (this.#gates[0] as Gate).open();
  }

  /** The furthest phase reached so far (the phase where it stood when it failed, if it failed). */
  get phase(): P {
    return this.#phases[this.#index] as P;
  }

  /** The failure passed to {@link HostGate.fail}, or `undefined` while it has not failed. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /**
   * True if `phase` has been reached (it or a later phase was).
   * @throws TypeError for a phase this gate does not know.
   */
  has(phase: P): boolean {
    return this.#indexOf(phase) <= this.#index;
  }

  /**
   * Moves forward to `phase`, opening its gate and every earlier one, then tells listeners.
   * @returns `true` if the state moved; `false` if `phase` was already reached or the gate failed.
   * @throws TypeError for a phase this gate does not know.
   */
  reach(phase: P): boolean {
    const target = this.#indexOf(phase);
    if (this.#failure !== undefined || target <= this.#index) return false;
    const from = this.phase;
    for (let i = this.#index + 1; i <= target; i += 1) (this.#gates[i] as Gate).open();
    this.#index = target;
    this.#emit({ kind: 'reached', from, to: phase });
    return true;
  }

  /**
   * Fails the host: every wait on a phase not yet reached rejects with `error`, now and later.
   * @returns `true` if this call failed it; `false` if it had already failed or reached the last phase.
   */
  fail(error: unknown): boolean {
    if (this.#failure !== undefined || this.#index === this.#phases.length - 1) return false;
    this.#failure = { error };
    for (const gate of this.#gates) gate.fail(error); // reached gates are open; fail() ignores them
    this.#emit({ kind: 'failed', at: this.phase, error });
    return true;
  }

  /**
   * Resolves once `phase` is reached (at once if it already was). Rejects with the failure if the
   * host fails first, or with `signal.reason` on abort.
   * Rejects with TypeError for a phase this gate does not know.
   */
  when(phase: P, options: WaitOptions = {}): Promise<void> {
    let index: number;
    try {
      index = this.#indexOf(phase);
    } catch (error) {
      return Promise.reject(error);
    }
    return (this.#gates[index] as Gate).wait(options);
  }

  /**
   * Calls `listener` synchronously after each transition, in order, so callers can emit events.
   * A listener that throws does not stop the others; the first error is rethrown to the caller of
   * `reach`/`fail` after all listeners ran (the state has already changed by then).
   * @returns a function that removes the listener.
   */
  onTransition(listener: HostGateListener<P>): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`The "listener" argument must be of type function. Received ${typeof listener}`);
    }
    // Wrapped so the same function registered twice is called twice and removed independently.
    const entry: HostGateListener<P> = (t) => listener(t);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  #indexOf(phase: P): number {
    const index = this.#phases.indexOf(phase);
    if (index === -1) {
      throw new TypeError(`Unknown phase ${JSON.stringify(phase)}; expected one of ${this.#phases.join(', ')}`);
    }
    return index;
  }

  #emit(transition: HostGateTransition<P>): void {
    this.#outbox.push(transition);
    if (this.#delivering) return;
    this.#delivering = true;
    let firstError: { error: unknown } | undefined;
    try {
      for (let next = this.#outbox.shift(); next !== undefined; next = this.#outbox.shift()) {
        for (const listener of [...this.#listeners]) {
          try {
            listener(next);
          } catch (error) {
            firstError ??= { error };
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
    if (firstError !== undefined) throw firstError.error;
  }
}
