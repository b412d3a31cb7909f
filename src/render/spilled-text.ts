/**
 * One host's stream of output, as a renderer that must hold it until the run ends keeps it:
 * chunk by chunk in the run's SpillStore, so the run's total output in memory stays within the
 * store's budget (the rest is in its private temp file) however many hosts print how much, and
 * however high `--max-output` is. Read back one chunk at a time: a 100 MiB output is never one
 * string.
 */
import { createHash, type Hash } from 'node:crypto';
import type { SpillRef, SpillStore } from './spill-store.js';

export class SpilledText {
  readonly #store: SpillStore;
  readonly #refs: SpillRef[] = [];
  /** Per chunk: true when it is base64 of bytes (see OutputEncoding); empty while none was. */
  readonly #base64: boolean[] = [];
  readonly #hash: Hash = createHash('sha256');
  #length = 0;
  #last = '';

  constructor(store: SpillStore) {
    this.#store = store;
  }

  /** Characters appended so far. */
  get length(): number {
    return this.#length;
  }

  /** The last character appended ('' while empty). */
  get lastChar(): string {
    return this.#last;
  }

  /** True once a chunk was appended as base64. */
  get hasBase64(): boolean {
    return this.#base64.length > 0;
  }

  /** Appends a chunk; `base64`: it is the base64 of bytes that were not UTF-8. */
  append(text: string, base64 = false): void {
    if (text === '') return;
    if (base64 || this.#base64.length > 0) {
      while (this.#base64.length < this.#refs.length) this.#base64.push(false);
      this.#base64.push(base64);
    }
    this.#refs.push(this.#store.put(text));
    this.#hash.update(text);
    this.#length += text.length;
    this.#last = text.at(-1) ?? '';
  }

  /** sha256 of the text (hex); call once, when the text is complete. */
  digest(): string {
    return this.#hash.digest('hex');
  }

  /** The chunks, in order, each read back from memory or the spill file as it is reached. */
  *chunks(): Generator<string> {
    for (const ref of this.#refs) yield this.#store.read(ref);
  }

  /** The chunks as bytes: base64 ones decoded, text ones as UTF-8. */
  *byteChunks(): Generator<Buffer> {
    let i = 0;
    for (const text of this.chunks()) yield Buffer.from(text, this.#base64[i++] === true ? 'base64' : 'utf8');
  }

  /** The whole text (tests, small outputs). */
  text(): string {
    return [...this.chunks()].join('');
  }

  /** Gives back the memory budget of chunks held in memory (a duplicate of a stored text). */
  drop(): void {
    for (const ref of this.#refs) this.#store.drop(ref);
    this.#refs.length = 0;
  }
}
