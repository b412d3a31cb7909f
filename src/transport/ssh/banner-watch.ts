/**
 * Watches the server's first bytes on a connect's socket (beside ssh2, which reads the same
 * chunks) and reports a bad identification at once (see banner.ts), or the moment a good one is
 * complete (the `banner` phase's end). Stops looking once the identification is in.
 */
import type { Duplex } from 'node:stream';
import { FleetError } from '../../errors.js';
import { BannerParser, escapeBytes } from './banner.js';

/** The error for a bad identification: `where` names the host (`web01 (10.0.0.5:22)`). */
export function bannerError(where: string, host: string, reason: string): FleetError {
  return new FleetError('FLEET_HANDSHAKE_FAILED', `${where}: ${reason}`, { host, details: { stage: 'banner' } });
}

/**
 * The error for a connection that ended (close, reset) after the server sent bytes but no
 * identification; undefined when it sent none or the identification was in.
 */
export function bannerEndedError(watch: BannerWatch | undefined, where: string, host: string, err?: unknown): FleetError | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const reason = watch?.endedReason(code === 'ECONNRESET' ? 'read: Connection reset by peer' : undefined);
  if (reason === undefined) return undefined;
  // sshd throttling us: a lost connection (retried with --retries), not a server that is no SSH server.
  const refusal = watch?.refusal;
  if (refusal !== undefined) {
    const message = `${where}: kex_exchange_identification: Connection closed by remote host: sshd said "${refusal}" (too many unauthenticated connections at once; --retries helps)`;
    return new FleetError('FLEET_CONNECTION_LOST', message, { host, details: { stage: 'banner', refusal } });
  }
  return bannerError(where, host, reason);
}

// What sshd writes before closing a connection it will not serve now (sshd.c): MaxStartups and
// PerSourceMaxStartups throttling, PerSourcePenalties. Transient: worth a retry, unlike a server
// that does not speak SSH at all.
const SSHD_REFUSALS = /^(Exceeded (PerSource)?MaxStartups|Not allowed at this time)$/;

/** How long after its first byte a server has to complete its identification (see banner.ts). */
export const BANNER_GRACE_MS = 1000;

/** Reports of a {@link BannerWatch}. */
export interface BannerWatchEvents {
  /** The identification is complete and valid. */
  ident(ident: string): void;
  /** The server sent something that is not an SSH identification: `reason` is for the message. */
  invalid(reason: string): void;
}

/** The server's first bytes on one connect attempt. */
export class BannerWatch {
  readonly #parser = new BannerParser();
  readonly #sock: Duplex;
  readonly #events: BannerWatchEvents;
  readonly #graceMs: number;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  #bytes = 0;
  readonly #onData = (chunk: Buffer): void => this.#push(chunk);

  constructor(sock: Duplex, events: BannerWatchEvents, graceMs = BANNER_GRACE_MS) {
    this.#sock = sock;
    this.#events = events;
    this.#graceMs = graceMs;
    // Prepended: this verdict comes before ssh2's parser reacts to the same chunk. A paused
    // socket (ssh2 pauses it until its crypto is ready) stays paused: nothing is read early.
    sock.prependListener('data', this.#onData);
  }

  /** True once the server sent any byte and the identification is not complete yet. */
  get partial(): boolean {
    return !this.#done && this.#bytes > 0;
  }

  /**
   * The reason to report when the connection ended (closed, reset) before the identification:
   * OpenSSH's words when the server had sent something, undefined when it sent nothing (the
   * MaxStartups drop, which the connect's own error describes and the retry policy knows).
   */
  endedReason(detail = 'Connection closed by remote host'): string | undefined {
    if (!this.partial) return undefined;
    return `kex_exchange_identification: ${detail}${this.#sent()}`;
  }

  /**
   * The refusal text sshd sent before closing (`Exceeded MaxStartups`), when that is all the
   * server sent; undefined otherwise.
   */
  get refusal(): string | undefined {
    const lines = this.#parser.lines;
    if (lines.length !== 1 || this.#bytes !== this.#parser.head.length) return undefined;
    return SSHD_REFUSALS.test(lines[0] as string) ? lines[0] : undefined;
  }

  /** Stops watching (idempotent). */
  dispose(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#sock.removeListener('data', this.#onData);
  }

  #push(chunk: Buffer): void {
    if (this.#done) return;
    if (this.#bytes === 0) {
      this.#timer = setTimeout(() => this.#fail('no SSH identification from the server'), this.#graceMs);
      this.#timer.unref();
    }
    this.#bytes += chunk.length;
    const verdict = this.#parser.push(chunk);
    if (verdict.kind === 'ident') {
      this.dispose();
      this.#events.ident(verdict.ident);
    } else if (verdict.kind === 'invalid') {
      this.#fail(verdict.reason);
    }
  }

  #fail(reason: string): void {
    if (this.#done) return;
    const message = `kex_exchange_identification: ${reason}${this.#sent()}`;
    this.dispose();
    this.#events.invalid(message);
  }

  #sent(): string {
    return `; the server sent "${escapeBytes(this.#parser.head)}" (not an SSH server?)`;
  }
}
