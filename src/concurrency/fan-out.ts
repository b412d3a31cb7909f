/**
 * Runs one function per item with at most `limit` in flight and returns one result per item, in
 * input order. Total by construction (fabric's `GroupResult`, made total): a throw becomes a value
 * through `onError`, an item that never started becomes a value through `onSkipped`, and the
 * returned promise rejects only for programmer errors.
 */
import { FleetError } from '../errors.js';
import { abortReason } from './deadline.js';
import { Semaphore, validateAbortSignal, type Release } from './semaphore.js';

/** What `fn` gets besides its item. */
export interface FanOutContext {
  /** The run signal (a signal that never aborts if none was given). Pass it to every wait. */
  readonly signal: AbortSignal;
  /** The item's position in the input array. */
  readonly index: number;
}

/**
 * Options for {@link fanOut}.
 *
 * Typing note: TypeScript widens literals returned by these callbacks during inference, so an inline
 * `onError: (h, e) => ({ ok: false, ... })` infers `ok: boolean` and fails against a discriminated
 * union. Annotate the callback's return type, or pass the type arguments: `fanOut<Host, HostResult<T>>(...)`.
 */
export interface FanOutOptions<T, R> {
  /** Most items in flight at once: an integer >= 1 or `Infinity` (`--forks`). */
  limit: number;
  /**
   * The run signal. When it aborts, items still queued are skipped (`onSkipped` with
   * {@link abortReason}); running items keep it in `ctx.signal` and decide themselves how to stop.
   */
  signal?: AbortSignal | undefined;
  /**
   * Turns a throw from `fn` into a result. `fn` should return failures as values; this is the net
   * that keeps one buggy item from losing the others' results.
   */
  onError: (item: T, error: unknown, index: number) => R;
  /**
   * The result for an item that never started: `reason` is the run signal's {@link abortReason}
   * (FLEET_CANCELLED or FLEET_TIMEOUT), or FLEET_CANCELLED with `details.reason: 'stopped'` when
   * `shouldStart` said no.
   */
  onSkipped: (item: T, reason: FleetError, index: number) => R;
  /**
   * Asked right before each item would start (after it got its slot); `false` skips it. This is
   * where early-stop policies live (`--max-fail`, the first Ctrl-C): items already running are
   * not affected, and queued ones are skipped as slots come free.
   */
  shouldStart?: ((item: T, index: number) => boolean) | undefined;
  /** Called once per item as soon as its result is known (to emit events, count failures). */
  onSettled?: ((item: T, result: R, index: number) => void) | undefined;
}

/**
 * Runs `fn` over `items`, at most `options.limit` at a time, starting items in input order.
 *
 * @returns one result per item, aligned with `items`.
 * @throws TypeError (as a rejection) for invalid arguments. If a callback (`onError`, `onSkipped`,
 *   `shouldStart`, `onSettled`) throws, that is a bug too: fanOut still waits for every item to
 *   settle, so no work is left running, then rejects with the first such error.
 */
export async function fanOut<T, R>(
  items: readonly T[],
  fn: (item: T, ctx: FanOutContext) => R | PromiseLike<R>,
  options: FanOutOptions<T, R>,
): Promise<R[]> {
  validateFanOutArgs(items, fn, options);
  const { onError, onSkipped, shouldStart, onSettled } = options;
  const signal = options.signal ?? new AbortController().signal;
  const semaphore = new Semaphore(options.limit);
  const results = new Array<R>(items.length);

  const runOne = async (item: T, index: number): Promise<void> => {
    let release: Release | undefined;
    try {
      release = await semaphore.acquire({ signal });
    } catch {
      // acquire() rejects only when the run signal aborts while this item is queued.
    }
    let result: R;
    try {
      if (release === undefined || signal.aborted) {
        result = onSkipped(item, abortReason(signal), index);
      } else if (shouldStart !== undefined && !shouldStart(item, index)) {
        result = onSkipped(item, stoppedError(), index);
      } else {
        try {
          result = await fn(item, { signal, index });
        } catch (error) {
          result = onError(item, error, index);
        }
      }
    } finally {
      release?.();
    }
    results[index] = result;
    onSettled?.(item, result, index);
  };

  const outcomes = await Promise.allSettled(items.map(runOne));
  const bug = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (bug !== undefined) throw bug.reason;
  return results;
}

function stoppedError(): FleetError {
  return new FleetError('FLEET_CANCELLED', 'not started: the run stopped scheduling new work', {
    details: { reason: 'stopped' },
  });
}

function validateFanOutArgs(items: unknown, fn: unknown, options: unknown): void {
  if (!Array.isArray(items)) {
    throw new TypeError(`The "items" argument must be an array. Received ${typeof items}`);
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`The "options" argument must be of type object. Received ${String(options)}`);
  }
  const o = options as Record<string, unknown>;
  // The Semaphore constructor validates `limit`; check it here too so the message names the option.
  const { limit } = o;
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && (limit as number) >= 1))) {
    throw new TypeError(`The "options.limit" property must be an integer >= 1 or Infinity. Received ${String(limit)}`);
  }
  for (const name of ['onError', 'onSkipped'] as const) {
    if (typeof o[name] !== 'function') {
      throw new TypeError(`The "options.${name}" property must be of type function. Received ${typeof o[name]}`);
    }
  }
  for (const name of ['shouldStart', 'onSettled'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      throw new TypeError(`The "options.${name}" property must be a function. Received ${typeof o[name]}`);
    }
  }
  validateAbortSignal(o['signal'], 'options.signal');
}

/**
 * fanOut for work where one failure ends the lot (the files of one transfer): the first throw
 * aborts `stop` (work running beside it hangs its signals there, and items not started are
 * skipped) and is what this rejects with, once everything running has settled, rather than the
 * aborts it caused. Resolves to the results in item order when nothing failed.
 */
export async function fanOutUntilFailure<T, R>(items: readonly T[], limit: number, stop: AbortController, fn: (item: T) => Promise<R>): Promise<R[]> {
  let first: { error: unknown } | undefined;
  const results = await fanOut<T, R | undefined>(items, (item) => fn(item), {
    limit,
    signal: stop.signal,
    onError: (_item, error) => {
      first ??= { error };
      stop.abort(error);
      return undefined;
    },
    onSkipped: () => undefined,
  });
  if (first !== undefined) throw first.error;
  if (stop.signal.aborted) throw stop.signal.reason;
  return results as R[];
}
