/**
 * A small worker_threads pool for sha256 (DESIGN §7: worker threads are for local CPU work such
 * as hashing large files, so the event loop keeps serving SSH traffic and progress). Sized to
 * `os.availableParallelism()`; workers start on first use. Requests are id-correlated; a worker
 * answers `{ id, sha256, size }` or `{ id, error: { code, message } }`, rebuilt here as a
 * FleetError (STYLE "Worker boundary"). Written here rather than taken from piscina: it needs
 * sticky streams (every chunk of a stream goes to the worker that holds its hash state), which a
 * task pool does not offer, and it stays under 200 lines.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { FleetError } from '../errors.js';
import type { HashRequest, HashResponse } from './hash-worker.js';

/** A digest and the number of bytes it covers. */
export interface HashResult {
  sha256: string;
  size: number;
}

/** Chunks hashed in order in one worker; `digest()` ends the stream. */
export interface HashStream {
  /**
   * Sends a chunk. With `transfer`, the chunk's ArrayBuffer moves to the worker (no copy; the
   * caller must not touch it again, and it must not be a pooled Buffer's shared memory).
   */
  update(data: Uint8Array, opts?: { transfer?: boolean }): void;
  /** Bytes sent with `update` that the worker has not hashed yet. */
  readonly backlog: number;
  /** Resolves once the backlog is at most `bytes` (at once if it is): how a fast sender waits for the worker. */
  whenBacklogBelow(bytes: number): Promise<void>;
  digest(): Promise<HashResult>;
  /** Drops the stream; a pending digest rejects with FLEET_CANCELLED. */
  abort(): void;
}

interface Pending {
  resolve: (result: HashResult) => void;
  reject: (error: FleetError) => void;
  /** A file job holds one of its worker's file slots until it is answered. */
  file: boolean;
}

/** A stream's bytes in the worker's queue, and who waits for them to drain. */
interface Backlog {
  bytes: number;
  waiters: { limit: number; resolve: () => void }[];
}

interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  backlogs: Map<number, Backlog>;
  /** Open streams on this worker (they count as load until they end). */
  streams: number;
  files: number;
}

interface QueuedFile {
  id: number;
  path: string;
  pending: Pending;
  slot: Slot | undefined;
}

// Files read at once per worker: enough to overlap I/O with hashing, few enough that hashing a
// tree of 100k files never opens 100k descriptors (the rest wait in the pool's queue).
const FILES_PER_WORKER = 2;
// Streams one running worker takes before another starts. A worker costs ~0.15 s of CPU to start
// and hashes ~1.5 GB/s, while a stream brings bytes at network speed: on 2 cores a second worker
// for a 2-host get cost more than it saved.
const STREAMS_PER_WORKER = 8;

/** Options of {@link HashPool}. */
export interface HashPoolOptions {
  /** Workers at most. Default `os.availableParallelism()`. */
  size?: number;
}

/** The pool. Owned by one operation (or Fleet); `close()` terminates the workers. */
export class HashPool {
  readonly #slots: Slot[];
  readonly #queue: QueuedFile[] = [];
  #nextId = 1;
  #closed = false;

  constructor(opts: HashPoolOptions = {}) {
    const size = Math.max(1, Math.floor(opts.size ?? os.availableParallelism()));
    this.#slots = Array.from({ length: size }, () => ({ worker: undefined, pending: new Map(), backlogs: new Map(), streams: 0, files: 0 }));
  }

  /** sha256 of the file at `path`, read in a worker. Rejects with FLEET_LOCAL_IO or FLEET_CANCELLED. */
  hashFile(path: string, opts: { signal?: AbortSignal } = {}): Promise<HashResult> {
    if (this.#closed) throw new FleetError('FLEET_INTERNAL', 'the hash pool is closed');
    const id = this.#nextId++;
    let job!: QueuedFile;
    const result = new Promise<HashResult>((resolve, reject) => {
      job = { id, path, pending: { resolve, reject, file: true }, slot: undefined };
    });
    this.#queue.push(job);
    this.#dispatch();
    const { signal } = opts;
    if (signal === undefined) return result;
    const onAbort = (): void => {
      if (job.slot !== undefined) return this.#cancel(job.slot, id, signal.reason);
      const at = this.#queue.indexOf(job);
      if (at >= 0) this.#queue.splice(at, 1);
      job.pending.reject(asCancelled(signal.reason));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    return result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** A stream hashed in one worker, chunk by chunk, in the order `update` is called. */
  stream(): HashStream {
    const slot = this.#pick();
    const id = this.#nextId++;
    slot.streams += 1;
    let open = true;
    const backlog: Backlog = { bytes: 0, waiters: [] };
    slot.backlogs.set(id, backlog);
    const close = (): void => {
      if (!open) return;
      open = false;
      slot.streams -= 1;
      slot.backlogs.delete(id);
      releaseBacklog(backlog, Number.POSITIVE_INFINITY);
    };
    const result = new Promise<HashResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, file: false });
      this.#ref(slot);
    });
    // A failure is reported by digest(); until then it must not count as unhandled.
    result.catch(() => undefined);
    this.#post(slot, { id, kind: 'begin' });
    return {
      update: (data, opts) => {
        if (!open || slot.worker === undefined) return;
        backlog.bytes += data.byteLength;
        const transfer = opts?.transfer === true ? [data.buffer as ArrayBuffer] : [];
        slot.worker.postMessage({ id, kind: 'update', data } satisfies HashRequest, transfer);
      },
      get backlog() {
        return backlog.bytes;
      },
      whenBacklogBelow: (bytes) => {
        if (!open || backlog.bytes <= bytes) return Promise.resolve();
        return new Promise<void>((resolve) => backlog.waiters.push({ limit: bytes, resolve }));
      },
      digest: () => {
        if (open) this.#post(slot, { id, kind: 'end' });
        close();
        return result;
      },
      abort: () => {
        if (open) this.#cancel(slot, id, undefined);
        close();
      },
    };
  }

  /** Terminates the workers; pending requests reject with FLEET_CANCELLED. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.pending.reject(new FleetError('FLEET_CANCELLED', 'the hash pool was closed'));
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        this.#failAll(slot, new FleetError('FLEET_CANCELLED', 'the hash pool was closed'));
        if (worker) await worker.terminate();
      }),
    );
  }

  /** Workers started so far. */
  get started(): number {
    return this.#slots.filter((slot) => slot.worker !== undefined).length;
  }

  /** The slot for a new stream: a running worker with room first, else the least loaded. */
  #pick(): Slot {
    if (this.#closed) throw new FleetError('FLEET_INTERNAL', 'the hash pool is closed');
    let running: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.worker !== undefined && slot.streams < STREAMS_PER_WORKER && (running === undefined || load(slot) < load(running))) running = slot;
    }
    if (running !== undefined) return running;
    let best = this.#slots[0] as Slot;
    for (const slot of this.#slots) if (load(slot) < load(best)) best = slot;
    return best;
  }

  /** Starts queued file jobs on workers with a free file slot, least loaded first. */
  #dispatch(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      let best: Slot | undefined;
      for (const slot of this.#slots) {
        if (slot.files < FILES_PER_WORKER && (best === undefined || load(slot) < load(best))) best = slot;
      }
      if (best === undefined) return;
      const job = this.#queue.shift() as QueuedFile;
      job.slot = best;
      best.files += 1;
      best.pending.set(job.id, job.pending);
      this.#ref(best);
      this.#post(best, { id: job.id, kind: 'file', path: job.path });
    }
  }

  /** Removes a pending request (answered, cancelled or failed), freeing its file slot. */
  #settle(slot: Slot, id: number): Pending | undefined {
    const pending = slot.pending.get(id);
    if (pending === undefined) return undefined;
    slot.pending.delete(id);
    if (pending.file) slot.files -= 1;
    this.#ref(slot);
    return pending;
  }

  #post(slot: Slot, message: HashRequest): void {
    const worker = (slot.worker ??= this.#spawn(slot));
    worker.postMessage(message);
  }

  #cancel(slot: Slot, id: number, reason: unknown): void {
    const pending = this.#settle(slot, id);
    if (pending === undefined) return;
    pending.reject(asCancelled(reason));
    slot.worker?.postMessage({ id, kind: 'cancel' } satisfies HashRequest);
    this.#dispatch();
  }

  #spawn(slot: Slot): Worker {
    const worker = startHashWorker();
    worker.on('message', (message: HashResponse) => {
      if ('acked' in message) {
        const backlog = slot.backlogs.get(message.id);
        if (backlog !== undefined) {
          backlog.bytes -= message.acked;
          releaseBacklog(backlog, backlog.bytes);
        }
        return;
      }
      const pending = this.#settle(slot, message.id);
      if (pending === undefined) return;
      this.#dispatch();
      if (message.ok) pending.resolve({ sha256: message.sha256, size: message.size });
      else pending.reject(new FleetError(message.error.code, message.error.message));
    });
    // A worker that dies takes its jobs with it: they fail (a bug, or memory), the next job respawns it.
    const died = (why: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.streams = 0;
      for (const backlog of slot.backlogs.values()) releaseBacklog(backlog, Number.POSITIVE_INFINITY);
      slot.backlogs.clear();
      this.#failAll(slot, new FleetError('FLEET_INTERNAL', `hash worker ${why}`));
      this.#dispatch();
    };
    worker.on('error', (error) => died(`failed: ${error.message}`));
    worker.on('exit', (code) => died(`exited with code ${code}`));
    return worker;
  }

  #failAll(slot: Slot, error: FleetError): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    slot.files = 0;
    for (const p of pending) p.reject(error);
  }

  /** An idle worker must not keep the process alive; a busy one must (a caller awaits it). */
  #ref(slot: Slot): void {
    if (slot.worker === undefined) return;
    if (slot.pending.size > 0) slot.worker.ref();
    else slot.worker.unref();
  }
}

function load(slot: Slot): number {
  return slot.pending.size + slot.streams;
}

/** Wakes the waiters whose limit `bytes` now satisfies. */
function releaseBacklog(backlog: Backlog, bytes: number): void {
  if (backlog.waiters.length === 0) return;
  const ready = backlog.waiters.filter((w) => bytes <= w.limit || bytes === Number.POSITIVE_INFINITY);
  backlog.waiters = backlog.waiters.filter((w) => !ready.includes(w));
  for (const w of ready) w.resolve();
}

function asCancelled(reason: unknown): FleetError {
  return reason instanceof FleetError ? reason : new FleetError('FLEET_CANCELLED', 'hashing cancelled', {}, { cause: reason });
}

/**
 * Starts hash-worker beside this module: the built `.js` from dist/, or, when this module runs
 * as TypeScript source (vitest, tsx), the `.ts` file through tsx's loader registered inside the
 * worker (a worker does not inherit the parent's loaders).
 */
function startHashWorker(): Worker {
  // Loaded with the first worker: a run that hashes nothing (exec) never pays for worker_threads.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const here = import.meta.url;
  if (!/\.ts$/.test(new URL(here).pathname)) return new Worker(new URL('./hash-worker.js', here));
  const source = new URL('./hash-worker.ts', here).href;
  // tsx's ESM entry (its exports map puts index.mjs beside the index.cjs that require resolves).
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(boot, { eval: true });
}
