/**
 * Composing cancellation: a run signal (Ctrl-C, the library caller's signal), a whole-run deadline
 * and per-operation timeouts, each aborting with a reason that says which one fired.
 *
 * Why not `AbortSignal.any([run, AbortSignal.timeout(ms)])` as STYLE.md sketches:
 * - `AbortSignal.timeout` aborts with a DOMException, not a `FleetError` naming the timeout, and its
 *   timer cannot be cleared, so a finished operation leaves it pending until it fires.
 * - `AbortSignal.any` registers each composite on its sources and, on Node 20-24, a long-lived source
 *   (our run signal, used for every host and every command) keeps accumulating them
 *   (nodejs/node#55351, #64476). Here `dispose()` detaches from the source deterministically.
 * So we link by hand: one controller, one listener on the source, one timer, all removed on dispose.
 */
import { FleetError } from '../errors.js';
import { MAX_DURATION_MS, formatDuration } from '../duration.js';
import { validateAbortSignal } from './semaphore.js';

/** Options for {@link withTimeout} and {@link Deadline}. */
export interface TimeoutOptions {
  /** Which timeout this is, quoted in the FLEET_TIMEOUT message and details (`--timeout`, `connect timeout`). */
  name?: string | undefined;
  /** Host the operation runs on, recorded in the error's context. */
  host?: string | undefined;
  /**
   * Let the process exit while only this timer is pending. Default `false`: a timeout guards work
   * that may not hold the event loop itself (waiting on a gate), and an unref'd timer would then let
   * the process end silently instead of reporting the timeout.
   */
  unref?: boolean | undefined;
}

/** A composed signal and the means to detach it. Use with `using` or call `dispose()` in `finally`. */
export interface TimeoutScope extends Disposable {
  /** Aborts when the source signal aborts (same reason) or when the timeout fires (FLEET_TIMEOUT). */
  readonly signal: AbortSignal;
  /** Clears the timer and detaches from the source signal. Idempotent; does not abort `signal`. */
  dispose(): void;
}

/**
 * Derives a signal that aborts when `signal` aborts or after `ms`, whichever comes first.
 * The timeout's reason is `FleetError('FLEET_TIMEOUT')` with `details: { timeout: name, ms }`.
 *
 * @param signal - the source to follow; `undefined` for none.
 * @param ms - the timeout; `undefined` or `Infinity` for none; `0` aborts at once.
 * @throws TypeError for a malformed signal or a negative/NaN `ms`.
 */
export function withTimeout(
  signal: AbortSignal | undefined,
  ms: number | undefined,
  options: TimeoutOptions = {},
): TimeoutScope {
  validateAbortSignal(signal, 'signal');
  validateTimeoutMs(ms, 'ms');
  if (ms === undefined || ms === Number.POSITIVE_INFINITY) {
    // Nothing to add: hand back the source itself (or a signal that never aborts), no timer.
    return scope(signal ?? new AbortController().signal, () => {});
  }
  const controller = new AbortController();
  if (signal?.aborted) {
    controller.abort(signal.reason);
    return scope(controller.signal, () => {});
  }
  let cancelTimer = (): void => {};
  const onSourceAbort = (): void => finish(signal?.reason);
  const detach = (): void => {
    cancelTimer();
    signal?.removeEventListener('abort', onSourceAbort);
  };
  const finish = (reason: unknown): void => {
    detach();
    controller.abort(reason);
  };
  signal?.addEventListener('abort', onSourceAbort, { once: true });
  if (ms === 0) finish(timeoutError(ms, options));
  else cancelTimer = startTimer(ms, () => finish(timeoutError(ms, options)), options.unref === true);
  return scope(controller.signal, detach);
}

/**
 * The FleetError to record for an aborted signal (execa's first-wins `terminationReason`):
 * a FleetError reason is kept as is (our timeouts, an early-stop policy); a DOMException
 * `TimeoutError` (from `AbortSignal.timeout` in a library caller's code) becomes `FLEET_TIMEOUT`;
 * anything else (plain `abort()`, Ctrl-C) becomes `FLEET_CANCELLED` with the reason as `cause`.
 *
 * @throws TypeError if the signal has not aborted (asking why it aborted is then a bug).
 */
export function abortReason(signal: AbortSignal, options: { host?: string | undefined } = {}): FleetError {
  validateAbortSignal(signal, 'signal');
  if (signal === undefined || !signal.aborted) {
    throw new TypeError('abortReason() needs an aborted signal.');
  }
  const reason: unknown = signal.reason;
  if (reason instanceof FleetError) return reason;
  const context = options.host === undefined ? {} : { host: options.host };
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new FleetError('FLEET_TIMEOUT', `timed out: ${reason.message}`, context, { cause: reason });
  }
  return new FleetError('FLEET_CANCELLED', 'cancelled', context, { cause: reason });
}

// `detach` must be idempotent (clearTimeout and removeEventListener are), which makes dispose so.
function scope(signal: AbortSignal, detach: () => void): TimeoutScope {
  return { signal, dispose: detach, [Symbol.dispose]: detach };
}

function timeoutError(ms: number, options: TimeoutOptions): FleetError {
  const name = options.name ?? 'timeout';
  const context = { details: { timeout: name, ms }, ...(options.host === undefined ? {} : { host: options.host }) };
  return new FleetError('FLEET_TIMEOUT', `${name} of ${formatDuration(ms)} expired`, context);
}

// setTimeout turns delays above 2^31-1 ms into 1 ms, so long timeouts run as a chain of capped timers.
function startTimer(ms: number, onExpire: () => void, unref: boolean): () => void {
  let remaining = ms;
  let handle: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = Math.min(remaining, MAX_DURATION_MS);
    remaining -= delay;
    handle = setTimeout(() => (remaining > 0 ? arm() : onExpire()), delay);
    if (unref) handle.unref();
  };
  arm();
  return () => clearTimeout(handle);
}

function validateTimeoutMs(ms: unknown, name: string): asserts ms is number | undefined {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new TypeError(`The "${name}" argument must be a number >= 0 or undefined. Received ${String(ms)}`);
  }
}
