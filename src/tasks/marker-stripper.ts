/**
 * Removes every occurrence of a fixed marker (sudo's prompt) from a byte stream, however the
 * stream is cut into chunks. A chunk ending in what may be the start of the marker keeps those
 * bytes back until the next chunk says; at most `marker.length - 1` bytes are ever held.
 */
export interface MarkerStripperOptions {
  /**
   * Also drop one line break (`\r\n` or `\n`) right after each marker. On a terminal sudo ends
   * the prompt line itself once it has read the password; without a terminal it does not, and a
   * line break there belongs to the command, so this is for `--pty` only.
   */
  eatNewline?: boolean;
}

export class MarkerStripper {
  readonly #marker: Buffer;
  readonly #eatNewline: boolean;
  #held: Buffer = Buffer.alloc(0);
  // A marker ended the previous chunk: the line break that may follow has not arrived yet.
  #afterMarker = false;

  /** @param marker - non-empty; fleet's prompts are unique per run, so a match is never the host's own output. */
  constructor(marker: string | Buffer, options: MarkerStripperOptions = {}) {
    this.#marker = Buffer.isBuffer(marker) ? marker : Buffer.from(marker, 'utf8');
    this.#eatNewline = options.eatNewline === true;
    if (this.#marker.length === 0) throw new TypeError('The "marker" argument must not be empty.');
  }

  /** Feeds a chunk; returns the bytes that can be passed on now (possibly empty). */
  push(chunk: Buffer): Buffer {
    let buf = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    if (this.#afterMarker) {
      const skip = this.#newlineAt(buf, 0);
      if (skip === 'more') {
        this.#held = Buffer.from(buf);
        return Buffer.alloc(0);
      }
      this.#afterMarker = false;
      buf = buf.subarray(skip);
    }
    const out: Buffer[] = [];
    let from = 0;
    for (let at = buf.indexOf(this.#marker, from); at !== -1; at = buf.indexOf(this.#marker, from)) {
      out.push(buf.subarray(from, at));
      from = at + this.#marker.length;
      const skip = this.#newlineAt(buf, from);
      if (skip === 'more') {
        this.#afterMarker = true;
        this.#held = Buffer.from(buf.subarray(from));
        return Buffer.concat(out);
      }
      from += skip;
    }
    const keep = this.#partialAtEnd(buf, from);
    out.push(buf.subarray(from, buf.length - keep));
    this.#held = Buffer.from(buf.subarray(buf.length - keep));
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** Ends the stream: whatever was held back was not the marker (or its line break) after all. */
  end(): Buffer {
    const held = this.#held;
    this.#held = Buffer.alloc(0);
    this.#afterMarker = false;
    return held;
  }

  /** Bytes of line break to drop at `at`: 0, 1 or 2, or 'more' when the buffer ends too soon to tell. */
  #newlineAt(buf: Buffer, at: number): number | 'more' {
    if (!this.#eatNewline) return 0;
    if (at >= buf.length) return 'more';
    if (buf[at] === 0x0a) return 1;
    if (buf[at] !== 0x0d) return 0;
    if (at + 1 >= buf.length) return 'more';
    return buf[at + 1] === 0x0a ? 2 : 0;
  }

  /** Length of the longest tail of `buf` (from `from`) that is a proper prefix of the marker. */
  #partialAtEnd(buf: Buffer, from: number): number {
    const max = Math.min(this.#marker.length - 1, buf.length - from);
    for (let n = max; n > 0; n -= 1) {
      if (buf.compare(this.#marker, 0, n, buf.length - n, buf.length) === 0) return n;
    }
    return 0;
  }
}
