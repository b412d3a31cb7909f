/**
 * Follows the client's side of an SSH connection far enough to tell its phase (RFC 4253): the
 * version line, then binary packets in the clear until the client's NEWKEYS; everything after
 * that is encrypted, i.e. authentication and sessions. Used by the fault proxy to reset a
 * connection in a given phase without timing guesses.
 */

/** SSH message numbers the proxy cares about. */
export const SSH_MSG = { KEXINIT: 20, NEWKEYS: 21, KEX_ECDH_INIT: 30 } as const;

/** Where the client is: before/within key exchange, or past its NEWKEYS (encrypted). */
export type ClientPhase = 'banner' | 'kex' | 'encrypted';

export class ClientPhaseTracker {
  #phase: ClientPhase = 'banner';
  #buffer = Buffer.alloc(0);
  readonly seen = new Set<number>();

  get phase(): ClientPhase {
    return this.#phase;
  }

  /**
   * Feeds client bytes; returns how many bytes of `chunk` belong to the clear-text part (banner
   * and kex packets up to and including NEWKEYS). Bytes after that are encrypted traffic.
   */
  push(chunk: Buffer): number {
    if (this.#phase === 'encrypted') return 0;
    const start = this.#buffer.length;
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    if (this.#phase === 'banner') {
      const eol = this.#buffer.indexOf('\n');
      if (eol === -1) return chunk.length;
      offset = eol + 1;
      this.#phase = 'kex';
    }
    while (this.#buffer.length - offset >= 6) {
      const length = this.#buffer.readUInt32BE(offset);
      if (this.#buffer.length - offset < 4 + length) break;
      const type = this.#buffer[offset + 5] as number;
      this.seen.add(type);
      offset += 4 + length;
      if (type === SSH_MSG.NEWKEYS) {
        this.#phase = 'encrypted';
        const clear = offset - start;
        this.#buffer = Buffer.alloc(0);
        return clear;
      }
    }
    this.#buffer = this.#buffer.subarray(offset);
    return chunk.length;
  }
}
