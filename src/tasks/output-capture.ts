import { StringDecoder } from 'node:string_decoder';

/** Marker appended once when a host's output passes the cap, so the cut is never silent. */
export function truncationMarker(limitBytes: number): string {
  return `\n[fleet: output truncated at ${limitBytes} bytes]\n`;
}

/**
 * Captures one stream of one host: decodes UTF-8 across chunk boundaries, forwards text as it
 * arrives, and stops at `limitBytes` with a visible marker, so a thousand chatty hosts cannot
 * exhaust memory. Bytes past the cap are counted, not kept.
 */
export class OutputCapture {
  readonly #limit: number;
  readonly #keep: boolean;
  readonly #onText: ((text: string) => void) | undefined;
  readonly #decoder = new StringDecoder('utf8');
  #parts: string[] = [];
  #bytes = 0;
  #truncated = false;

  /**
   * @param limitBytes cap on bytes kept and forwarded
   * @param keep keep the text for `text()` (off when only events are wanted)
   * @param onText called with each decoded piece, including the marker
   */
  constructor(limitBytes: number, keep: boolean, onText?: (text: string) => void) {
    this.#limit = limitBytes;
    this.#keep = keep;
    this.#onText = onText;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Total bytes the host sent on this stream, kept or not. */
  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Buffer): void {
    const room = this.#limit - this.#bytes;
    this.#bytes += chunk.length;
    if (this.#truncated) return;
    if (chunk.length <= room) {
      this.#emit(this.#decoder.write(chunk));
      return;
    }
    this.#truncated = true;
    this.#emit(this.#decoder.write(chunk.subarray(0, Math.max(0, room))) + this.#decoder.end());
    this.#emit(truncationMarker(this.#limit));
  }

  /** Ends the stream (flushes a dangling partial character) and returns what was kept. */
  end(): string {
    if (!this.#truncated) this.#emit(this.#decoder.end());
    const text = this.#parts.join('');
    this.#parts = [];
    return text;
  }

  #emit(text: string): void {
    if (text === '') return;
    if (this.#keep) this.#parts.push(text);
    this.#onText?.(text);
  }
}
