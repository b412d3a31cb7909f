import { createHash } from 'node:crypto';
import type { FleetEvent } from '../events.js';
import { foldHostnames } from '../inventory/hostlist-fold.js';
import { escapeTerminal, trimCarriageReturn } from './escape.js';
import { LineSplitter } from './line-splitter.js';
import type { OutputFlow } from '../output-flow.js';
import { outputText } from './output-data.js';
import type { Renderer, TextSink } from './renderer.js';
import { SpillStore, type SpillRef } from './spill-store.js';
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
  /** Output lines, raw (not yet escaped), stdout and stderr interleaved in arrival order. */
  lines: string[];
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
  out: LineSplitter;
  err: LineSplitter;
  /** Whole lines so far, each ending in "\n", stdout and stderr merged in arrival order. */
  text: string;
  /** The latest exit of a steps run's host: it may run more steps, so it ends at the summary. */
  exit?: ExitEvent;
}

/** One distinct (outcome, output): its text stored once, however many hosts share it. */
interface StoredGroup {
  hosts: { host: string; index: number }[];
  outcome: string;
  /** The lines, each ending in "\n" ('' is no output, "\n" one empty line). */
  text: SpillRef;
}

/**
 * Identical outputs folded across hosts, as ClusterShell's `clush -b` / `clubak -b` do: each
 * distinct (output, outcome) pair is printed once under a header naming its hosts as a folded
 * range (`h[1-40,42] (41 hosts) exit 0`), largest groups first, ties in inventory order.
 *
 * A host's stdout and stderr are merged line by line in arrival order (each stream is split
 * on its own, so a partial stdout line never mixes with stderr): that is the order a person
 * would have seen on the host's terminal. Everything is printed to stdout when the renderer is
 * closed (group by group, at the reader's pace); the summary follows on stderr. Hosts that ended with an error and printed
 * nothing (unreachable, auth, skipped...) form no group: the summary lists them with the
 * reason. Hosts with an error that did print (a command killed by --timeout) are shown, since
 * their partial output is often the clue.
 *
 * Memory: a host's lines are held while it runs; when it ends they join their group by digest,
 * so identical outputs are stored once, and distinct ones go to a SpillStore (to disk past its
 * budget): 1000 hosts x 1 MiB stays bounded.
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
      case 'stdout': {
        const capture = this.#capture(event.host);
        capture.text += capture.out.pushBlock(outputText(event));
        return;
      }
      case 'stderr': {
        const capture = this.#capture(event.host);
        capture.text += capture.err.pushBlock(outputText(event));
        return;
      }
      case 'exit': {
        const capture = this.#capture(event.host);
        capture.text += capture.out.flushBlock() + capture.err.flushBlock();
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
    return this.#sorted().map((group) => this.#materialize(group));
  }

  /** Ends the hosts of a steps run, with the exit of their last step. */
  #finishSteps(): void {
    for (const capture of [...this.#running.values()]) if (capture.exit !== undefined) this.#finish(capture.exit, capture);
  }

  /** A host ended: its output joins the group of the same outcome and lines, or starts one. */
  #finish(exit: ExitEvent, capture: Capture): void {
    this.#running.delete(exit.host);
    const text = capture.text;
    if (exit.error && text === '') return;
    const outcome = outcomeLabel(exit);
    // The digest stands for the text: equal digests are equal outputs (sha256 has no known collisions).
    const key = createHash('sha256').update(JSON.stringify(outcome)).update('\n').update(text).digest('hex');
    const member = { host: exit.host, index: capture.index };
    const group = this.#groups.get(key);
    if (group) group.hosts.push(member);
    else this.#groups.set(key, { hosts: [member], outcome, text: this.#store.put(text) });
  }

  #sorted(): StoredGroup[] {
    for (const group of this.#groups.values()) group.hosts.sort((a, b) => a.index - b.index);
    return [...this.#groups.values()].sort(
      (a, b) => b.hosts.length - a.hosts.length || (a.hosts[0]?.index ?? 0) - (b.hosts[0]?.index ?? 0),
    );
  }

  #materialize(group: StoredGroup): OutputGroup {
    const lines = this.#store.read(group.text).split('\n');
    lines.pop(); // after the last newline: nothing
    return { hosts: group.hosts.map((h) => h.host), outcome: group.outcome, lines };
  }

  async #printGroups(): Promise<void> {
    const { style, stdout, flow } = this.#opts;
    this.#finishSteps();
    // One group in memory at a time (the others may be on disk), and none faster than it is read.
    for (const stored of this.#sorted()) {
      if (flow?.congested) await flow.whenClear();
      const group = this.#materialize(stored);
      const count = `(${group.hosts.length} ${group.hosts.length === 1 ? 'host' : 'hosts'})`;
      // The signal name comes from the remote side: escaped like its output.
      const label = escapeTerminal(group.outcome);
      const outcome = group.outcome === 'exit 0' ? style.ok(label) : style.bad(label);
      const header = `${style.dim('----------------')} ${style.bold(escapeTerminal(foldHostnames(group.hosts)))} ${count} ${outcome}\n`;
      const body = group.lines.map((line) => `${escapeTerminal(trimCarriageReturn(line))}\n`).join('');
      stdout.write(header + body);
    }
  }

  #capture(host: string): Capture {
    let capture = this.#running.get(host);
    if (!capture) {
      // Hosts not announced by run_start sort after those that were, in order of appearance.
      capture = { index: this.#nextIndex++, out: new LineSplitter(), err: new LineSplitter(), text: '' };
      this.#running.set(host, capture);
    }
    return capture;
  }
}
