import { createHash } from 'node:crypto';
import type { FleetEvent } from '../events.js';
import { foldHostnames } from '../inventory/hostlist-fold.js';
import { escapeTerminal, trimCarriageReturn } from './escape.js';
import type { OutputFlow } from '../output-flow.js';
import { outputText } from './output-data.js';
import type { Renderer, TextSink } from './renderer.js';
import { SpillStore } from './spill-store.js';
import { SpilledText } from './spilled-text.js';
import type { Style } from './style.js';
import { formatSummary } from './summary.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;

/** Options of the group renderer. */
export interface GroupRendererOptions {
  stdout: TextSink;
  stderr: TextSink;
  style: Style;
  /** No summary: only the grouped output. */
  quiet?: boolean;
  /** Holds each distinct output until the end (default: 64 MiB in memory, then a temp file). */
  store?: SpillStore;
  /** The reader's backpressure: printing waits while stdout is congested. */
  flow?: OutputFlow | undefined;
}

/** Hosts whose output and outcome were identical, as the group renderer prints them. */
export interface OutputGroup {
  /** Inventory names, in inventory order. */
  hosts: string[];
  /** Outcome shown in the header: `exit 0`, `signal KILL`, or a status such as `timeout`. */
  outcome: string;
  /** stdout lines, raw (not yet escaped). */
  lines: string[];
  /** stderr lines, raw: printed apart, on fleet's stderr. */
  stderr: string[];
}

/**
 * How one host ended, in a word or two: `exit N` when the command exited, `signal X` when it was
 * killed, otherwise the status (`timeout`, `interrupted`, `unreachable`...).
 */
export function outcomeLabel(exit: Pick<ExitEvent, 'status' | 'exitCode' | 'signal' | 'error'>): string {
  if (exit.error) return exit.status;
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.exitCode !== null) return `exit ${exit.exitCode}`;
  return exit.status;
}

/** A host while its output arrives; dropped once it ends and its output joined a group. */
interface Capture {
  index: number;
  out: SpilledText;
  err: SpilledText;
  /** The latest exit of a steps run's host: it may run more steps, so it ends at the summary. */
  exit?: ExitEvent;
}

/** One distinct (outcome, stdout, stderr): its text stored once, however many hosts share it. */
interface StoredGroup {
  hosts: { host: string; index: number }[];
  outcome: string;
  /** Each stream's text, every line ending in "\n" ('' is no output, "\n" one empty line). */
  out: SpilledText;
  err: SpilledText;
}

/**
 * Identical outputs folded across hosts, as ClusterShell's `clush -b` / `clubak -b` do: each
 * distinct (output, outcome) pair is printed once under a header naming its hosts as a folded
 * range (`h[1-40,42] (41 hosts) exit 0`), largest groups first, ties in inventory order.
 *
 * Remote stdout and stderr stay apart, as in `stream` mode: a group's stdout is printed on
 * fleet's stdout under its header; its stderr, if any, right after on fleet's stderr under the
 * same header marked `stderr`. So `2>/dev/null` hides the hosts' stderr, and `2>&1` shows each
 * group's stdout then its stderr. Everything is printed when the renderer is closed (group by
 * group, at the reader's pace); the summary follows on stderr. Hosts that ended with an error
 * and printed nothing (unreachable, auth, skipped...) form no group: the summary lists them with
 * the reason. Hosts with an error that did print (a command killed by --timeout) are shown, since
 * their partial output is often the clue.
 *
 * Memory: a host's output goes chunk by chunk into the run's SpillStore as it arrives (to disk
 * past the store's budget, for all hosts together), so neither many hosts nor a high
 * `--max-output` can hold more than the budget in memory; when a host ends its output joins its
 * group by digest (identical outputs are kept once), and printing reads one chunk at a time.
 */
export class GroupRenderer implements Renderer {
  readonly #opts: GroupRendererOptions;
  readonly #store: SpillStore;
  readonly #running = new Map<string, Capture>();
  readonly #groups = new Map<string, StoredGroup>();
  #nextIndex = 0;
  #summary: Extract<FleetEvent, { type: 'summary' }> | undefined;
  #closed = false;

  constructor(opts: GroupRendererOptions) {
    this.#opts = opts;
    this.#store = opts.store ?? new SpillStore();
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        for (const ref of event.hosts) this.#capture(ref.host);
        return;
      case 'host_state':
      case 'host_phase': // -v prints it (verbose.ts), beside this renderer
      case 'transfer_progress':
        return;
      case 'stdout':
        this.#capture(event.host).out.append(outputText(event));
        return;
      case 'stderr':
        this.#capture(event.host).err.append(outputText(event));
        return;
      case 'exit': {
        const capture = this.#capture(event.host);
        if (event.step === undefined) this.#finish(event, capture);
        else capture.exit = event;
        return;
      }
      case 'summary':
        this.#summary = event;
        return;
      default:
        event satisfies never;
    }
  }

  /** Prints the groups, then the summary if one came (a run that ended abnormally still shows its output). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#printGroups();
      if (this.#summary && !this.#opts.quiet) this.#opts.stderr.write(formatSummary(this.#summary, this.#opts.style));
    } finally {
      this.#store.close();
    }
  }

  /**
   * The groups as they stand: finished hosts only, largest first, ties in inventory order. A
   * steps run's hosts count as finished from here on (this is meant for the end of the run).
   */
  groups(): OutputGroup[] {
    this.#finishSteps();
    return this.#sorted().map((group) => ({
      hosts: group.hosts.map((h) => h.host),
      outcome: group.outcome,
      lines: linesOf(group.out.text()),
      stderr: linesOf(group.err.text()),
    }));
  }

  /** Ends the hosts of a steps run, with the exit of their last step. */
  #finishSteps(): void {
    for (const capture of [...this.#running.values()]) if (capture.exit !== undefined) this.#finish(capture.exit, capture);
  }

  /** A host ended: its output joins the group of the same outcome and text, or starts one. */
  #finish(exit: ExitEvent, capture: Capture): void {
    this.#running.delete(exit.host);
    const { out, err } = capture;
    if (exit.error && out.length === 0 && err.length === 0) return;
    // An unfinished last line ends here, as on a terminal.
    for (const text of [out, err]) if (text.length > 0 && text.lastChar !== '\n') text.append('\n');
    const outcome = outcomeLabel(exit);
    // The digests stand for the texts: equal digests are equal outputs (sha256 has no known collisions).
    const key = createHash('sha256').update(JSON.stringify(outcome)).update('\n').update(out.digest()).update(err.digest()).digest('hex');
    const member = { host: exit.host, index: capture.index };
    const group = this.#groups.get(key);
    if (group) {
      group.hosts.push(member);
      out.drop();
      err.drop();
    } else this.#groups.set(key, { hosts: [member], outcome, out, err });
  }

  #sorted(): StoredGroup[] {
    for (const group of this.#groups.values()) group.hosts.sort((a, b) => a.index - b.index);
    return [...this.#groups.values()].sort(
      (a, b) => b.hosts.length - a.hosts.length || (a.hosts[0]?.index ?? 0) - (b.hosts[0]?.index ?? 0),
    );
  }

  async #printGroups(): Promise<void> {
    const { style, stdout, stderr } = this.#opts;
    this.#finishSteps();
    // One chunk in memory at a time (the others may be on disk), and none faster than it is read.
    for (const group of this.#sorted()) {
      const hosts = group.hosts.map((h) => h.host);
      const count = `(${hosts.length} ${hosts.length === 1 ? 'host' : 'hosts'})`;
      // The signal name comes from the remote side: escaped like its output.
      const label = escapeTerminal(group.outcome);
      const outcome = group.outcome === 'exit 0' ? style.ok(label) : style.bad(label);
      const header = `${style.dim('----------------')} ${style.bold(escapeTerminal(foldHostnames(hosts)))} ${count} ${outcome}`;
      await this.#print(stdout, `${header}\n`, group.out);
      if (group.err.length > 0) await this.#print(stderr, `${header} ${style.dim('stderr')}\n`, group.err);
    }
  }

  /** Writes a header and then the text, escaped, chunk by chunk at the reader's pace. */
  async #print(sink: TextSink, header: string, text: SpilledText): Promise<void> {
    const flow = this.#opts.flow;
    if (flow?.congested) await flow.whenClear();
    sink.write(header);
    const escape = new ChunkEscaper();
    for (const chunk of text.chunks()) {
      if (flow?.congested) await flow.whenClear();
      sink.write(escape.push(chunk));
    }
  }

  #capture(host: string): Capture {
    let capture = this.#running.get(host);
    if (!capture) {
      // Hosts not announced by run_start sort after those that were, in order of appearance.
      capture = { index: this.#nextIndex++, out: new SpilledText(this.#store), err: new SpilledText(this.#store) };
      this.#running.set(host, capture);
    }
    return capture;
  }
}

/** The lines of a text whose every line ends in "\n". */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  lines.pop(); // after the last newline: nothing
  return lines;
}

/**
 * escapeTerminal and trimCarriageReturn per line, over a text that arrives in chunks that may
 * cut a line anywhere: a line is never held whole (one can be 100 MiB), only a trailing "\r"
 * waits for the next chunk to say whether it ends its line.
 */
class ChunkEscaper {
  #cr = false;

  push(chunk: string): string {
    let text = this.#cr ? `\r${chunk}` : chunk;
    this.#cr = text.endsWith('\r');
    if (this.#cr) text = text.slice(0, -1);
    return text
      .split('\n')
      .map((line, i, all) => (i < all.length - 1 ? trimCarriageReturn(line) : line))
      .map(escapeTerminal)
      .join('\n');
  }
}
