/**
 * One local read shared by every host uploading the same file (DESIGN §7): a bounded
 * producer-consumer window of chunks.
 *
 * - Each host is a consumer with its own cursor. The first consumer to need a chunk reads it
 *   (and reads a few ahead); the others get the same Buffer. A chunk is released as soon as every
 *   consumer has taken it (reference counts, so a thousand hosts cost O(1) per chunk).
 * - The window holds at most `windowChunks` chunks (64 MiB by default: hosts connect over a few
 *   hundred ms and run at different speeds, and a smaller window made most of them fall out of it
 *   on a 64 MiB upload to 20 hosts). When the leader needs a
 *   new chunk and the window is full, the oldest chunk is dropped even though a slow host still
 *   needs it: that host then reads the chunk itself (a positional read into a buffer of its own,
 *   reused for every such read, page cache in practice), so a slow host never stalls the fast
 *   ones and memory never grows past the window plus one chunk per host. A host that catches up
 *   shares the window again.
 * - Consumers take a chunk, hand it to ssh2 (which copies it into its packet at once) and ask for
 *   the next, so a chunk lives only while hosts are between two writes. That is the contract: a
 *   chunk is valid until the consumer's next call to `next()`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { FleetError } from '../errors.js';

/** A piece of the file: `data.length` bytes at `offset`. */
export interface Chunk {
  offset: number;
  data: Buffer;
}

/** One host's view of a shared file. */
export interface ChunkConsumer {
  /** The next chunk, or null at the end of the file. Valid until the next call (its buffer may be reused). */
  next(): Promise<Chunk | null>;
  /**
   * The next chunk if it can be had without waiting (already read into the window), null at the
   * end of the file, undefined when it would have to wait (then nothing was taken: call `next()`).
   * The hot path of an upload: no promise per chunk.
   */
  tryNext(): Chunk | null | undefined;
  /** Leaves the pipeline (done, failed or cancelled): chunks it still held are released. Idempotent. */
  close(): void;
}

/** Options of {@link SharedFile}. */
export interface SharedFileOptions {
  /** Bytes per chunk. Default 255 KiB: OpenSSH's largest SFTP write, so one chunk is one request. */
  chunkSize?: number;
  /** Chunks held at most. Default 256 (64 MiB at the default chunk size). */
  windowChunks?: number;
  /** Chunks the leader reads ahead of itself. Default 8. */
  readAhead?: number;
}

/** OpenSSH's SFTP write limit (limits@openssh.com max-write-length: 256 KiB less 1 KiB). */
export const DEFAULT_CHUNK_SIZE = 255 * 1024;

interface Entry {
  data: Promise<Buffer>;
  /** The data once read. */
  ready?: Buffer;
  /** Consumers that have not taken this chunk yet. */
  waiting: number;
}

interface ConsumerState {
  cursor: number;
  closed: boolean;
  /** For chunks this consumer must read itself: allocated once, reused. */
  own: Buffer | undefined;
}

/** An open local file whose chunks are shared by its consumers. Closes its descriptor with the last consumer. */
export class SharedFile {
  readonly path: string;
  readonly size: number;
  readonly #file: FileHandle;
  readonly #chunkSize: number;
  readonly #window: number;
  readonly #readAhead: number;
  readonly #chunks = new Map<number, Entry>();
  readonly #consumers = new Set<ConsumerState>();
  readonly #onIdle: () => void;
  // Index of the next chunk never read for the window.
  #fresh = 0;
  #reads = 0;
  #idle = false;

  private constructor(path: string, size: number, file: FileHandle, opts: SharedFileOptions, onIdle: () => void) {
    this.path = path;
    this.size = size;
    this.#file = file;
    this.#chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#window = Math.max(1, opts.windowChunks ?? 256);
    this.#readAhead = Math.max(0, opts.readAhead ?? 8);
    this.#onIdle = onIdle;
  }

  /** Opens `path`, expected to hold `size` bytes. `onIdle` runs when the last consumer leaves. */
  static async open(path: string, size: number, opts: SharedFileOptions = {}, onIdle: () => void = () => undefined): Promise<SharedFile> {
    const file = await open(path, 'r').catch((error: unknown) => {
      throw new FleetError('FLEET_LOCAL_IO', `cannot open ${path}: ${(error as { code?: string }).code ?? String(error)}`, {}, { cause: error });
    });
    return new SharedFile(path, size, file, opts, onIdle);
  }

  /** Chunks held right now (for tests: never more than the window). */
  get held(): number {
    return this.#chunks.size;
  }

  /** Disk reads done so far (for tests: one per chunk when hosts keep up). */
  get reads(): number {
    return this.#reads;
  }

  /** A new consumer, starting at the beginning of the file; undefined once the file was closed (its last consumer left). */
  consumer(): ChunkConsumer | undefined {
    if (this.#idle) return undefined;
    const state: ConsumerState = { cursor: 0, closed: false, own: undefined };
    this.#consumers.add(state);
    // It will take every chunk still held.
    for (const entry of this.#chunks.values()) entry.waiting += 1;
    return {
      next: () => this.#next(state),
      tryNext: () => this.#tryNext(state),
      close: () => this.#leave(state),
    };
  }

  #count(): number {
    return Math.ceil(this.size / this.#chunkSize);
  }

  #next(state: ConsumerState): Promise<Chunk | null> {
    if (state.closed) return Promise.reject(new FleetError('FLEET_INTERNAL', 'chunk consumer used after close'));
    const index = state.cursor;
    if (index >= this.#count()) return Promise.resolve(null);
    state.cursor += 1;
    const offset = index * this.#chunkSize;
    const length = Math.min(this.#chunkSize, this.size - offset);
    let data: Promise<Buffer>;
    const entry = this.#chunks.get(index);
    if (entry !== undefined) {
      data = entry.data;
      this.#taken(index, entry);
    } else if (index >= this.#fresh) {
      // New territory: this consumer leads. Read it (and what lies before it, if it skipped) for all.
      while (this.#fresh <= index) this.#readFresh();
      const own = this.#chunks.get(index);
      data = own ? own.data : this.#read(offset, length);
      if (own) this.#taken(index, own);
    } else {
      // Dropped from the window while this consumer lagged: read into its own buffer, not kept.
      state.own ??= Buffer.allocUnsafe(this.#chunkSize);
      data = this.#read(offset, length, state.own);
    }
    this.#readAheadOf(index);
    return data.then((buf) => ({ offset, data: buf }));
  }

  #tryNext(state: ConsumerState): Chunk | null | undefined {
    if (state.closed) throw new FleetError('FLEET_INTERNAL', 'chunk consumer used after close');
    const index = state.cursor;
    if (index >= this.#count()) return null;
    const entry = this.#chunks.get(index);
    if (entry?.ready === undefined) return undefined;
    state.cursor += 1;
    this.#taken(index, entry);
    this.#readAheadOf(index);
    return { offset: index * this.#chunkSize, data: entry.ready };
  }

  /** Keeps the window `readAhead` chunks ahead of a consumer at `index` (without evicting anything). */
  #readAheadOf(index: number): void {
    while (this.#fresh < this.#count() && this.#fresh <= index + this.#readAhead && this.#chunks.size < this.#window) this.#readFresh();
  }

  #readFresh(): void {
    const index = this.#fresh;
    this.#fresh += 1;
    const offset = index * this.#chunkSize;
    const length = Math.min(this.#chunkSize, this.size - offset);
    while (this.#chunks.size >= this.#window) {
      // The oldest held chunk goes (Map order is insertion order, and fresh reads go in order).
      const oldest = this.#chunks.keys().next().value as number;
      this.#chunks.delete(oldest);
    }
    const data = this.#read(offset, length);
    const entry: Entry = { data, waiting: this.#consumers.size };
    // Held for every consumer; callers must not let a failed read go unhandled meanwhile.
    data.then(
      (buf) => {
        entry.ready = buf;
      },
      () => undefined,
    );
    this.#chunks.set(index, entry);
  }

  #taken(index: number, entry: Entry): void {
    entry.waiting -= 1;
    if (entry.waiting <= 0) this.#chunks.delete(index);
  }

  async #read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.#reads += 1;
    const buf = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#file.read(buf, done, length - done, offset + done).catch((error: unknown) => {
        throw new FleetError('FLEET_LOCAL_IO', `cannot read ${this.path}: ${(error as { code?: string }).code ?? String(error)}`, {}, { cause: error });
      });
      if (bytesRead === 0) throw new FleetError('FLEET_LOCAL_IO', `${this.path} changed while it was sent: it is shorter than ${this.size} bytes`);
      done += bytesRead;
    }
    return buf;
  }

  #leave(state: ConsumerState): void {
    if (state.closed) return;
    state.closed = true;
    this.#consumers.delete(state);
    for (const [index, entry] of this.#chunks) if (index >= state.cursor) this.#taken(index, entry);
    if (this.#consumers.size === 0) {
      this.#idle = true;
      this.#chunks.clear();
      this.#onIdle();
      void this.#file.close().catch(() => undefined);
    }
  }
}

/**
 * The shared files of one operation, by path: hosts working on the same file at the same time
 * share one SharedFile; when the last of them leaves it is closed, and a later host (past the
 * `--forks` window) opens it again.
 */
export class SharedSources {
  readonly #open = new Map<string, Promise<SharedFile>>();
  readonly #opts: SharedFileOptions;

  constructor(opts: SharedFileOptions = {}) {
    this.#opts = opts;
  }

  /** A consumer of `path` (of `size` bytes); close it when done. */
  async consumer(path: string, size: number): Promise<ChunkConsumer> {
    const key = `${size}:${path}`;
    for (;;) {
      let file = this.#open.get(key);
      if (file === undefined) {
        const opening: Promise<SharedFile> = SharedFile.open(path, size, this.#opts, () => {
          if (this.#open.get(key) === opening) this.#open.delete(key);
        });
        file = opening;
        this.#open.set(key, file);
        file.catch(() => this.#open.delete(key));
      }
      // Undefined only if its last consumer left while this one waited for the open: open again.
      const consumer = (await file).consumer();
      if (consumer !== undefined) return consumer;
      if (this.#open.get(key) === file) this.#open.delete(key);
    }
  }
}
