/**
 * The server's identification (RFC 4253 §4.2), checked as OpenSSH's client checks it
 * (`kex_exchange_identification` in kex.c), before ssh2's own parser sees the bytes. ssh2 accepts
 * NUL bytes and waits forever on a line without a newline; a hostile or confused server (an HTTP
 * or SMTP daemon on port 22, random bytes, a line that never ends) must instead end the connect
 * fast, with a reason in OpenSSH's words.
 *
 * Rules, OpenSSH's unless said otherwise:
 * - a NUL byte, or a CR not followed by LF: "banner line contains invalid characters";
 * - a line over 8192 bytes (OpenSSH's SSH_MAX_BANNER_LEN); the identification line itself over
 *   255 bytes with its CR LF (RFC 4253 §4.2's limit): "banner line too long";
 * - over 1024 lines that are not the identification (SSH_MAX_PRE_BANNER_LINES);
 * - `SSH-x.y-...` that does not parse, or a protocol other than 2.0 / 1.99;
 * - the connection closes after some bytes and before the identification (ours, see BannerWatch);
 * - and, fleet's own rule: the identification must be complete within a grace period after the
 *   server's first byte. RFC 4253 lets a server send other lines first, and OpenSSH then waits for
 *   its ConnectTimeout; but a real sshd writes its identification at once, so a server that sent
 *   something else and then went quiet is not an SSH server, and waiting longer only delays the
 *   verdict.
 */

/** Longest line OpenSSH's client accepts before the identification (kex.c SSH_MAX_BANNER_LEN). */
export const MAX_BANNER_LINE = 8192;
/** Longest identification line, CR LF included (RFC 4253 §4.2). */
export const MAX_IDENT_LINE = 255;
/** Lines OpenSSH's client reads before giving up on an identification (SSH_MAX_PRE_BANNER_LINES). */
export const MAX_PRE_BANNER_LINES = 1024;

/** What the bytes so far amount to. */
export type BannerVerdict =
  | { kind: 'more' }
  | { kind: 'ident'; ident: string }
  | { kind: 'invalid'; reason: string };

const NUL = 0;
const CR = 13;
const LF = 10;
const SSH_DASH = Buffer.from('SSH-', 'latin1');

/** Byte-at-a-time parser of the server's first lines; stops at the identification or a fault. */
export class BannerParser {
  #line: number[] = [];
  #expectLf = false;
  #lines = 0;
  #verdict: BannerVerdict = { kind: 'more' };
  /** The first bytes the server sent (up to 120), for messages. */
  readonly head: number[] = [];
  /** Every complete line before the identification, in order (up to 4, for refusal texts). */
  readonly lines: string[] = [];

  get verdict(): BannerVerdict {
    return this.#verdict;
  }

  /** Feeds server bytes; returns the verdict once it is no longer `more`, and keeps it. */
  push(chunk: Uint8Array): BannerVerdict {
    for (const c of chunk) {
      if (this.#verdict.kind !== 'more') break;
      if (this.head.length < 120) this.head.push(c);
      this.#verdict = this.#byte(c);
    }
    return this.#verdict;
  }

  #byte(c: number): BannerVerdict {
    if (c === CR) {
      this.#expectLf = true;
      return { kind: 'more' };
    }
    if (c === LF) return this.#endLine();
    if (c === NUL || this.#expectLf) return invalid('banner line contains invalid characters');
    this.#line.push(c);
    // The identification's limit counts its CR LF (RFC 4253 §4.2), hence the 2.
    const limit = this.#isIdent() ? MAX_IDENT_LINE - 2 : MAX_BANNER_LINE;
    if (this.#line.length > limit) return invalid('banner line too long');
    return { kind: 'more' };
  }

  #isIdent(): boolean {
    const line = this.#line;
    return line.length >= 4 && SSH_DASH.every((b, i) => line[i] === b);
  }

  #endLine(): BannerVerdict {
    const text = Buffer.from(this.#line).toString('latin1');
    const isIdent = this.#line.length > 4 && this.#isIdent();
    this.#line = [];
    this.#expectLf = false;
    if (isIdent) return checkIdent(text);
    if (this.lines.length < 4) this.lines.push(text);
    this.#lines += 1;
    if (this.#lines >= MAX_PRE_BANNER_LINES) return invalid(`No SSH version received in first ${MAX_PRE_BANNER_LINES} lines from server`);
    return { kind: 'more' };
  }
}

// OpenSSH: sscanf(ident, "SSH-%d.%d-%[^\n]\n", ...) must match 3 fields; ssh2 further wants a
// software version without spaces (comments follow a space), and refuses anything else.
const IDENT = /^SSH-(\d+)\.(\d+)-([^ ]+)(?: .*)?$/;

function checkIdent(line: string): BannerVerdict {
  const m = IDENT.exec(line);
  if (!m) return invalid(`Bad remote protocol version identification: '${escapeBytes(Buffer.from(line, 'latin1'), 100)}'`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 2 || (major === 1 && minor === 99)) return { kind: 'ident', ident: line };
  return invalid(`Protocol major versions differ: 2 vs. ${major}`);
}

function invalid(reason: string): BannerVerdict {
  return { kind: 'invalid', reason };
}

/**
 * Remote bytes made safe to print: printable ASCII as is, everything else as `\xNN` (CR and LF
 * as `\r` `\n`), cut to `max` bytes. What a server sends is untrusted text.
 */
export function escapeBytes(bytes: Uint8Array | readonly number[], max = 60): string {
  let out = '';
  let n = 0;
  for (const b of bytes) {
    if (n++ >= max) return `${out}...`;
    if (b === CR) out += '\\r';
    else if (b === LF) out += '\\n';
    else if (b >= 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}
