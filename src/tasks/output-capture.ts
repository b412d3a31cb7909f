import { toOutputPiece, Utf8Chunker, type OutputPiece } from './utf8-chunks.js';

export type { OutputPiece } from './utf8-chunks.js';

/** Marker appended once when a host's output passes the cap, so the cut is never silent. */
export function truncationMarker(limitBytes: number): string {
  return `\n[fleet: output truncated at ${limitBytes} bytes]\n`;
}

/**
 * Where captured output goes as it arrives: `text` is the piece as text (bytes that are not
 * valid UTF-8 decoded with U+FFFD, for callers that only show text), `piece` the exact form
 * events carry (text, or base64 of the raw bytes when they are not valid UTF-8).
 */
export type OutputSink = (text: string, piece: OutputPiece) => void;

/**
 * Captures one stream of one host: forwards it as it arrives in pieces that never split a
 * character, and stops at `limitBytes` with a visible marker, so a thousand chatty hosts cannot
 * exhaust memory. Bytes past the cap are counted, not kept. The cut falls on a character
 * boundary (an unfinished character at the cap is dropped, not reported as invalid bytes).
 */
export class OutputCapture {
  readonly #limit: number;
  readonly #keep: boolean;
  readonly #sink: OutputSink | undefined;
  readonly #chunker = new Utf8Chunker();
  #parts: Buffer[] = [];
  #bytes = 0;
  #truncated = false;
  #ended = false;

  /**
   * @param limitBytes cap on bytes kept and forwarded
   * @param keep keep the output for `end()` (off when only events are wanted)
   * @param sink called with each piece, including the marker
   */
  constructor(limitBytes: number, keep: boolean, sink?: OutputSink) {
    this.#limit = limitBytes;
    this.#keep = keep;
    this.#sink = sink;
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
    if (this.#truncated || this.#ended) return;
    if (chunk.length <= room) {
      this.#forward(this.#chunker.push(chunk));
      return;
    }
    this.#truncated = true;
    this.#forward(this.#chunker.push(chunk.subarray(0, Math.max(0, room))));
    this.#chunker.discard();
    this.#emitText(truncationMarker(this.#limit));
  }

  /** Ends the stream (forwards a dangling partial character as bytes) and returns what was kept, as text. */
  end(): string {
    if (!this.#ended && !this.#truncated) this.#forward(this.#chunker.flush());
    this.#ended = true;
    const text = Buffer.concat(this.#parts).toString('utf8');
    this.#parts = [];
    return text;
  }

  #forward(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#keep) this.#parts.push(Buffer.from(bytes));
    if (this.#sink === undefined) return;
    const piece = toOutputPiece(bytes);
    this.#sink(piece.encoding === undefined ? piece.data : bytes.toString('utf8'), piece);
  }

  #emitText(text: string): void {
    if (this.#keep) this.#parts.push(Buffer.from(text, 'utf8'));
    this.#sink?.(text, { data: text });
  }
}
