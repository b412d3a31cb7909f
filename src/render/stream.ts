import type { FleetEvent } from '../events.js';
import { escapeTerminal, trimCarriageReturn } from './escape.js';
import { LineSplitter } from './line-splitter.js';
import { outputText } from './output-data.js';
import type { Renderer, TextSink } from './renderer.js';
import type { Style } from './style.js';
import { formatSummary } from './summary.js';

/** Options of the stream renderer. */
export interface StreamRendererOptions {
  stdout: TextSink;
  stderr: TextSink;
  style: Style;
  /** No per-host error lines and no summary: only remote output. */
  quiet?: boolean;
}

/**
 * `host | line` as lines arrive: remote stdout to our stdout, remote stderr to our stderr,
 * host column aligned, control characters escaped. A host's error is printed as soon as it is
 * known; the summary closes the run on stderr, so stdout stays the hosts' own output.
 */
export class StreamRenderer implements Renderer {
  readonly #opts: StreamRendererOptions;
  readonly #splitters = new Map<string, { out: LineSplitter; err: LineSplitter }>();
  #width = 0;

  constructor(opts: StreamRendererOptions) {
    this.#opts = opts;
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        this.#width = Math.min(40, Math.max(0, ...event.hosts.map((h) => escapeTerminal(h.host).length)));
        return;
      case 'host_state':
      case 'host_phase': // -v prints it (verbose.ts), beside this renderer
      case 'transfer_progress':
        return;
      case 'stdout':
        this.#lines(event.host, this.#splitter(event.host).out.push(outputText(event)), this.#opts.stdout);
        return;
      case 'stderr':
        this.#lines(event.host, this.#splitter(event.host).err.push(outputText(event)), this.#opts.stderr);
        return;
      case 'exit': {
        const splitter = this.#splitters.get(event.host);
        if (splitter) {
          this.#lines(event.host, splitter.out.flush(), this.#opts.stdout);
          this.#lines(event.host, splitter.err.flush(), this.#opts.stderr);
          this.#splitters.delete(event.host);
        }
        if (event.error && !this.#opts.quiet) {
          const text = `${event.status}: ${event.error.code}: ${event.error.message}`;
          this.#opts.stderr.write(`${this.#prefix(event.host)}${this.#opts.style.bad(escapeTerminal(text))}\n`);
        }
        return;
      }
      case 'summary':
        if (!this.#opts.quiet) this.#opts.stderr.write(formatSummary(event, this.#opts.style));
        return;
      default:
        // A new event kind must be handled here: this line stops compiling until it is.
        event satisfies never;
    }
  }

  async close(): Promise<void> {}

  #splitter(host: string): { out: LineSplitter; err: LineSplitter } {
    let splitter = this.#splitters.get(host);
    if (!splitter) {
      splitter = { out: new LineSplitter(), err: new LineSplitter() };
      this.#splitters.set(host, splitter);
    }
    return splitter;
  }

  #prefix(host: string): string {
    return this.#opts.style.dim(`${escapeTerminal(host).padEnd(this.#width)} | `);
  }

  #lines(host: string, lines: string[], sink: TextSink): void {
    if (lines.length === 0) return;
    const prefix = this.#prefix(host);
    sink.write(lines.map((line) => `${prefix}${escapeTerminal(trimCarriageReturn(line))}\n`).join(''));
  }
}
