/**
 * A Fleet's event stream: every event of every operation on the fleet, for listeners
 * (`fleet.on('exit', fn)`, EventEmitter style) and async iterators (`for await (const e of
 * fleet.events())`), in addition to each call's own `onEvent`.
 */
import { FleetError } from './errors.js';
import type { FleetEvent, FleetEventType } from './events.js';

/** The event of one `type`. */
export type FleetEventOf<K extends FleetEventType> = Extract<FleetEvent, { type: K }>;

/**
 * Options of `Fleet.events()`. `K` is the event types asked for: `events({types: ['exit']})`
 * yields `FleetEventOf<'exit'>`, typed as such, with no cast at the consumer.
 */
export interface EventIteratorOptions<K extends FleetEventType = FleetEventType> {
  /** Only these event types are buffered and yielded (e.g. `['exit', 'summary']`). Default: all. */
  types?: readonly K[];
  /**
   * Events held for a consumer that has not caught up. Past it the iterator ends with
   * FLEET_EVENTS_OVERFLOW instead of dropping events silently. Default 10,000.
   */
  bufferSize?: number;
  /** Aborting ends the iteration (it then returns normally). */
  signal?: AbortSignal;
}

/** Default {@link EventIteratorOptions.bufferSize}. */
export const DEFAULT_EVENT_BUFFER = 10_000;

type AnyListener = (event: FleetEvent) => void;

/**
 * Fans events out to listeners and iterators. Listeners run synchronously, in subscription
 * order. A listener that throws does not stop the run or the other listeners; its error is
 * rethrown asynchronously (an uncaught exception, as from an EventEmitter 'error' nobody handles).
 */
export class FleetEventStream {
  readonly #listeners = new Map<FleetEventType | '*', Set<AnyListener>>();
  readonly #iterators = new Set<EventQueue>();
  #closed = false;

  /** Delivers `event` to every listener and iterator. */
  emit(event: FleetEvent): void {
    for (const key of [event.type, '*'] as const) {
      for (const listener of this.#listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (error) {
          // A listener's bug must not stop the run (or the other listeners); surface it anyway.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    for (const queue of this.#iterators) queue.push(event);
  }

  /** Calls `listener` for each event of `type` (`'*'`: every event). Returns the unsubscribe function. */
  on<K extends FleetEventType>(type: K, listener: (event: FleetEventOf<K>) => void): () => void;
  on(type: '*', listener: (event: FleetEvent) => void): () => void;
  on(type: FleetEventType | '*', listener: (event: never) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as AnyListener);
    return () => this.off(type, listener);
  }

  /** Removes a listener added with {@link FleetEventStream.on}. */
  off(type: FleetEventType | '*', listener: (event: never) => void): void {
    this.#listeners.get(type)?.delete(listener as AnyListener);
  }

  /** An async iterator over events from now on; ends when the fleet closes or `signal` aborts. */
  iterate<K extends FleetEventType = FleetEventType>(opts: EventIteratorOptions<K> = {}): AsyncIterableIterator<FleetEventOf<K>> {
    const size = opts.bufferSize ?? DEFAULT_EVENT_BUFFER;
    if (!Number.isInteger(size) || size < 1) throw new TypeError(`The "bufferSize" option must be an integer >= 1. Received ${String(size)}`);
    const signal = opts.signal;
    const onAbort = (): void => queue.end();
    // Ending detaches the iterator and its abort listener: iterators made one after another with
    // one long-lived signal must not pile listeners on it (MaxListenersExceededWarning).
    const detach = (): void => {
      this.#iterators.delete(queue);
      signal?.removeEventListener('abort', onAbort);
    };
    const queue = new EventQueue(size, opts.types ? new Set<FleetEventType>(opts.types) : undefined, detach);
    if (this.#closed || signal?.aborted) queue.end();
    else {
      this.#iterators.add(queue);
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    // The queue yields only events whose type is in `types` (all when absent: K is then every type).
    return queue as AsyncIterableIterator<FleetEventOf<K>>;
  }

  /** Ends every iterator (they finish after yielding what they hold). Later iterators end at once. */
  close(): void {
    this.#closed = true;
    for (const queue of this.#iterators) queue.end();
    this.#iterators.clear();
  }
}

/** One iterator's bounded buffer. */
class EventQueue implements AsyncIterableIterator<FleetEvent> {
  readonly #size: number;
  readonly #types: ReadonlySet<FleetEventType> | undefined;
  readonly #detach: () => void;
  #buffer: FleetEvent[] = [];
  // Set only while the buffer is empty: a pending next() waiting for the next event.
  #waiter: ((result: IteratorResult<FleetEvent>) => void) | undefined;
  #ended = false;
  #overflow: FleetError | undefined;

  constructor(size: number, types: ReadonlySet<FleetEventType> | undefined, detach: () => void) {
    this.#size = size;
    this.#types = types;
    this.#detach = detach;
  }

  push(event: FleetEvent): void {
    if (this.#ended || (this.#types && !this.#types.has(event.type))) return;
    if (this.#waiter) {
      const resolve = this.#waiter;
      this.#waiter = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#buffer.length >= this.#size) {
      this.#overflow = new FleetError('FLEET_EVENTS_OVERFLOW', `event iterator fell more than ${this.#size} events behind; raise bufferSize or filter types`, {
        details: { bufferSize: this.#size },
      });
      this.#ended = true;
      this.#detach();
      return;
    }
    this.#buffer.push(event);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#detach();
    if (this.#waiter) {
      const resolve = this.#waiter;
      this.#waiter = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<FleetEvent>> {
    const event = this.#buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#overflow) {
      const error = this.#overflow;
      this.#overflow = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<FleetEvent>> {
    this.#buffer = [];
    this.#overflow = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<FleetEvent> {
    return this;
  }
}
