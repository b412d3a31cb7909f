/**
 * `-v` and `-vv` on stderr, beside whatever renderer `--output` chose (stdout stays that
 * renderer's alone, so `--output json -v` is still one JSON document on stdout):
 * - `-v`: each host's phases as they end, `web01  kex  12.3ms` (tcp, banner, kex, auth, channel, exit);
 * - `-vv`: also the SSH library's protocol debug lines, `web01  debug  Handshake: KEX algorithm: ...`.
 * Every line goes through the redactor (the run's secrets never print, whatever a line holds) and
 * the terminal escaper (debug lines quote what the server sent).
 */
import type { FleetEvent } from '../events.js';
import { escapeTerminal } from './escape.js';
import type { Renderer, TextSink } from './renderer.js';

/** Replaces every occurrence of a secret with `***`. */
export type Redact = (text: string) => string;

/**
 * A redactor for `secrets` (passwords, passphrases, key text): each secret, and each line of a
 * multi-line one (PEM bodies wrap), longest first so a part never shadows its whole. Values under
 * 4 characters are skipped: redacting `a` would mangle every line and protect nothing.
 */
export function createRedactor(secrets: Iterable<string | undefined>): Redact {
  const parts = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined) continue;
    for (const part of [secret, ...secret.split(/\r?\n/)]) {
      const trimmed = part.trim();
      if (trimmed.length >= 4) parts.add(trimmed);
    }
  }
  const list = [...parts].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const part of list) out = out.split(part).join('***');
    return out;
  };
}

/** `-vv`'s sink for protocol debug lines: `host  debug    line` on `stderr`, redacted and escaped. */
export function sshDebugPrinter(stderr: TextSink, redact: Redact): (host: string, line: string) => void {
  return (host, line) => stderr.write(`${escapeTerminal(redact(`${host}  debug    ${line}`))}\n`);
}

/** Options of {@link VerboseRenderer}. */
export interface VerboseOptions {
  /** 1: phases; 2: phases and protocol debug. */
  level: number;
  redact: Redact;
}

/** Wraps the chosen renderer: prints `host_phase` events (and debug lines) on stderr, forwards every event. */
export class VerboseRenderer implements Renderer {
  readonly #inner: Renderer;
  readonly #stderr: TextSink;
  readonly #opts: VerboseOptions;

  constructor(inner: Renderer, stderr: TextSink, opts: VerboseOptions) {
    this.#inner = inner;
    this.#stderr = stderr;
    this.#opts = opts;
  }

  onEvent(event: FleetEvent): void {
    if (event.type === 'host_phase' && this.#opts.level >= 1) {
      const step = event.step === undefined ? '' : `  [${event.step.name}]`;
      this.#line(event.host, `${event.phase.padEnd(7)}  ${event.durationMs.toFixed(1)}ms${step}`);
    }
    this.#inner.onEvent(event);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #line(host: string, text: string): void {
    this.#stderr.write(`${escapeTerminal(this.#opts.redact(`${host}  ${text}`))}\n`);
  }
}
