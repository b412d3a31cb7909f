/**
 * Texts a renderer must hold until the run ends (grouped output, json host entries), kept in
 * memory up to a budget and beyond it appended to a private temp file. 1000 hosts with 1 MiB of
 * output each is a gigabyte: held as strings it would exhaust memory (and a single JSON string of
 * it exceeds V8's string limit), spilled it costs a file in the temp directory for the run.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Default bytes kept in memory before texts go to disk. */
export const SPILL_MEMORY_BYTES = 64 * 1024 * 1024;

/** Where a stored text is: in memory, or at an offset of the spill file. */
export type SpillRef = { text: string } | { offset: number; bytes: number };

/** Stores texts; read each back with `read`. Close it to remove its file. */
export class SpillStore {
  readonly #budget: number;
  readonly #dir: string;
  #held = 0;
  #fd: number | undefined;
  #dirPath: string | undefined;
  #end = 0;

  /**
   * @param budget - bytes (UTF-8) held in memory before spilling.
   * @param dir - parent of the spill directory (default: the OS temp dir).
   */
  constructor(budget = SPILL_MEMORY_BYTES, dir = tmpdir()) {
    this.#budget = budget;
    this.#dir = dir;
  }

  /** Bytes of text held in memory now. */
  get heldBytes(): number {
    return this.#held;
  }

  /** Stores `text`: in memory while the budget allows, else in the file. */
  put(text: string): SpillRef {
    const bytes = Buffer.byteLength(text);
    if (this.#held + bytes <= this.#budget) {
      this.#held += bytes;
      return { text };
    }
    const fd = this.#file();
    const offset = this.#end;
    writeSync(fd, text, offset, 'utf8');
    this.#end += bytes;
    return { offset, bytes };
  }

  /** The text behind `ref`. */
  read(ref: SpillRef): string {
    if ('text' in ref) return ref.text;
    const buffer = Buffer.allocUnsafe(ref.bytes);
    let done = 0;
    while (done < ref.bytes) {
      const n = readSync(this.#fd as number, buffer, done, ref.bytes - done, ref.offset + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.toString('utf8', 0, done);
  }

  /** Forgets a text held in memory (its budget comes back); spilled ones stay until close. */
  drop(ref: SpillRef): void {
    if ('text' in ref) this.#held -= Buffer.byteLength(ref.text);
  }

  /** Removes the spill file. The store must not be read afterwards. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    if (this.#dirPath !== undefined) rmSync(this.#dirPath, { recursive: true, force: true });
    this.#dirPath = undefined;
  }

  #file(): number {
    if (this.#fd === undefined) {
      // A directory of our own (0700) holding a 0600 file: remote output can be sensitive.
      this.#dirPath = mkdtempSync(join(this.#dir, 'fleet-output-'));
      this.#fd = openSync(join(this.#dirPath, 'spill'), 'w+', 0o600);
    }
    return this.#fd;
  }
}
