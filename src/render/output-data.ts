/**
 * The two readings of a stdout/stderr event's `data` (see OutputEncoding): the exact bytes, for
 * documents that must keep them, and text for a terminal, where bytes that are not UTF-8 show
 * as `\xNN` (the same notation escapeTerminal uses for control characters) instead of vanishing
 * into U+FFFD.
 */
import type { OutputEncoding } from '../events.js';

/** The part of a stdout/stderr event this module reads. */
export interface OutputData {
  data: string;
  encoding?: OutputEncoding | undefined;
}

/** The exact bytes the host sent. */
export function outputBytes(event: OutputData): Buffer {
  return Buffer.from(event.data, event.encoding === 'base64' ? 'base64' : 'utf8');
}

/** The output as text for a terminal: valid UTF-8 decoded, every other byte as `\xNN`. */
export function outputText(event: OutputData): string {
  if (event.encoding !== 'base64') return event.data;
  const bytes = outputBytes(event);
  let text = '';
  let run = 0; // start of the current stretch of valid UTF-8
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceAt(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += bytes.toString('utf8', run, i) + `\\x${(bytes[i] as number).toString(16).padStart(2, '0')}`;
    i += 1;
    run = i;
  }
  return text + bytes.toString('utf8', run, i);
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function validSequenceAt(bytes: Buffer, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
