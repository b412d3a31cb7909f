/**
 * What fleet actually sends to the remote shell, and how it finds the process group to kill.
 *
 * Why (DESIGN §8, checked on OpenSSH 9.2): sshd refuses SSH "signal" requests for root, and
 * closing a channel without a pty leaves the command running. But sshd runs every session under
 * setsid(), so the session shell's `$$` is the command's process group id. The wrapper's first
 * line reports it on stderr between two RS (0x1E) bytes; POSIX shells run a `-c` script line by
 * line, so the report arrives before the user's command starts. Stopping = a second channel
 * running `kill -s TERM -- -PGID` (then KILL if needed).
 */
import { FleetError } from '../../errors.js';
import { isShellName, shellQuote } from '../../shell-quote.js';

const RS = 0x1e;
const PREFIX = Buffer.from('\x1efleet-pgid:', 'latin1');
const MAX_DIGITS = 10;

/** The first line of every wrapped command: prints `\x1efleet-pgid:<$$>\x1e\n` to stderr. */
export const PGID_REPORT_LINE = `printf '\\036fleet-pgid:%s\\036\\n' "$$" >&2`;

/**
 * Wraps `command`: pgid report first, then `export`s for `env`, then the command unchanged.
 * @throws FleetError FLEET_USAGE for an env name that is not a shell identifier.
 */
export function wrapCommand(command: string, env: Record<string, string> = {}): string {
  const lines = [PGID_REPORT_LINE];
  for (const [name, value] of Object.entries(env)) {
    if (!isShellName(name)) {
      throw new FleetError('FLEET_USAGE', `env: ${JSON.stringify(name)} is not a valid environment variable name`);
    }
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  lines.push(command);
  return lines.join('\n');
}

/**
 * Strips the pgid report from the start of a stream (stderr, or stdout with a pty, where it
 * ends in CR LF) before any byte reaches the caller. Handles the report split across chunks; when
 * the first bytes are anything else, they pass through untouched and `pgid` stays undefined.
 */
export class PgidMarkerParser {
  #held: Buffer | undefined = Buffer.alloc(0);
  #pgid: number | undefined;
  #onDone: ((pgid: number | undefined) => void) | undefined;

  /** @param onDone - called once: with the pgid, or undefined when the stream did not start with one. */
  constructor(onDone?: (pgid: number | undefined) => void) {
    this.#onDone = onDone;
  }

  /** The reported process group id, once seen. */
  get pgid(): number | undefined {
    return this.#pgid;
  }

  /** True once the parser has decided (marker stripped, or not there). */
  get done(): boolean {
    return this.#held === undefined;
  }

  /** Feeds a chunk; returns the bytes to deliver now (possibly empty). */
  push(chunk: Buffer): Buffer {
    if (this.#held === undefined) return chunk;
    const buf = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const verdict = scan(buf);
    if (verdict === 'more') {
      this.#held = buf;
      return Buffer.alloc(0);
    }
    this.#held = undefined;
    if (verdict === 'absent') {
      this.#finish(undefined);
      return buf;
    }
    this.#pgid = verdict.pgid;
    this.#finish(verdict.pgid);
    return buf.subarray(verdict.end);
  }

  /** The stream ended: returns whatever was held back (a truncated report is passed through). */
  end(): Buffer {
    const held = this.#held ?? Buffer.alloc(0);
    if (this.#held !== undefined) {
      this.#held = undefined;
      this.#finish(undefined);
    }
    return held;
  }

  #finish(pgid: number | undefined): void {
    const onDone = this.#onDone;
    this.#onDone = undefined;
    onDone?.(pgid);
  }
}

type ScanResult = 'more' | 'absent' | { pgid: number; end: number };

function scan(buf: Buffer): ScanResult {
  const n = Math.min(buf.length, PREFIX.length);
  for (let i = 0; i < n; i += 1) if (buf[i] !== PREFIX[i]) return 'absent';
  if (buf.length <= PREFIX.length) return 'more';
  let i = PREFIX.length;
  while (i < buf.length && (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39) i += 1;
  const digits = i - PREFIX.length;
  if (digits > MAX_DIGITS) return 'absent';
  if (i === buf.length) return 'more';
  if (digits === 0 || buf[i] !== RS) return 'absent';
  i += 1;
  if (i < buf.length && buf[i] === 0x0d) i += 1; // a pty turns \n into \r\n
  if (i === buf.length) return 'more';
  if (buf[i] !== 0x0a) return 'absent';
  const pgid = Number(buf.toString('latin1', PREFIX.length, PREFIX.length + digits));
  // Never 0 or 1: `kill -- -1` would signal every process the user may signal.
  if (!Number.isSafeInteger(pgid) || pgid < 2) return 'absent';
  return { pgid, end: i + 1 };
}

/**
 * The command that stops process groups: TERM, up to `graceTenths`/10 s for them to go, then
 * KILL. Only POSIX `kill -s`, `[`, `read`, `sleep` (dash's kill builtin rejects
 * `kill -TERM -- -PGID`). It returns as soon as the groups are gone, and a group id cannot be
 * reused while any member (zombies included) holds it, so the KILL never reaches a stranger.
 * `kill -s 0` counts zombies as alive; where a lazy PID 1 leaves orphans unreaped, one pass of
 * awk over /proc/<pid>/stat (state and pgrp follow the last ')') tells them apart, so the grace
 * is not spent waiting on the dead. (A shell `read` loop over /proc took ~400 ms here.)
 */
export function killCommand(pgids: readonly number[], graceTenths = 10): string {
  for (const pgid of pgids) {
    if (!Number.isSafeInteger(pgid) || pgid < 2) throw new FleetError('FLEET_INTERNAL', `refusing to kill process group ${pgid}`);
  }
  const groups = pgids.join(' ');
  return [
    // 0 when group $1 has no live member. Without /proc or awk only kill -s 0 decides.
    '_fleet_gone() {',
    '  kill -s 0 -- -$1 2>/dev/null || return 0',
    '  [ -r /proc/self/stat ] && command -v awk >/dev/null 2>&1 || return 1',
    `  [ -z "$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '{ sub(/.*\\) /, ""); if ($3 == g && $1 != "Z") { print 1; exit } }')" ]`,
    '}',
    `for g in ${groups}; do kill -s TERM -- -$g 2>/dev/null; done`,
    'i=0',
    `while [ $i -lt ${graceTenths} ]; do`,
    `  alive=; for g in ${groups}; do _fleet_gone $g || alive=1; done`,
    '  [ -z "$alive" ] && exit 0',
    '  sleep 0.1 2>/dev/null || { sleep 1; i=$((i+9)); }',
    '  i=$((i+1))',
    'done',
    `for g in ${groups}; do kill -s KILL -- -$g 2>/dev/null; done`,
    'exit 0',
  ].join('\n');
}
