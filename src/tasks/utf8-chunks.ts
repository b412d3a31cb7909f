/**
 * Splits a byte stream into pieces that are either valid UTF-8 text or exact bytes, for events
 * that must keep a host's output byte-exact (json/jsonl carry the bytes as base64 when they are
 * not text). A multi-byte character cut by a chunk boundary is not "invalid": its first bytes are
 * held back until the rest arrives.
 */
import { isUtf8 } from 'node:buffer';

/** One piece of output as events carry it: text, or base64 of bytes that are not valid UTF-8. */
export interface OutputPiece {
  data: string;
  encoding?: 'base64';
}

/** Turns bytes into an OutputPiece: text when they are valid UTF-8, base64 otherwise. */
export function toOutputPiece(bytes: Buffer): OutputPiece {
  return isUtf8(bytes) ? { data: bytes.toString('utf8') } : { data: bytes.toString('base64'), encoding: 'base64' };
}

/** Holds back an unfinished UTF-8 sequence at the end of each chunk. One per host and stream. */
export class Utf8Chunker {
  #held: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the bytes up to the last complete character (possibly empty). */
  push(chunk: Buffer): Buffer {
    const buf = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const keep = unfinishedTail(buf);
    this.#held = Buffer.from(buf.subarray(buf.length - keep));
    return buf.subarray(0, buf.length - keep);
  }

  /** Ends the stream: returns the held bytes (an unfinished character, so not valid UTF-8). */
  flush(): Buffer {
    const held = this.#held;
    this.#held = Buffer.alloc(0);
    return held;
  }

  /** Drops the held bytes (the stream was cut on purpose, e.g. at the output cap). */
  discard(): void {
    this.#held = Buffer.alloc(0);
  }
}

/**
 * How many bytes at the end of `buf` start a character that is not complete yet: 0 to 3.
 * Only a well-formed start counts (a lead byte followed by continuation bytes only); anything
 * else is left in place, to be judged invalid with the rest.
 */
export function unfinishedTail(buf: Buffer): number {
  const limit = Math.min(3, buf.length);
  for (let back = 1; back <= limit; back += 1) {
    const byte = buf[buf.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    return leadLength(byte) > back ? back : 0;
  }
  return 0;
}

/** The length of the sequence a lead byte starts; 1 for ASCII and for bytes that lead nothing. */
function leadLength(byte: number): number {
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  return 1;
}

