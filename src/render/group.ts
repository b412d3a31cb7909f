import type { FleetEvent } from '../events.js';
import { foldHostnames } from '../inventory/hostlist-fold.js';
import { escapeTerminal, trimCarriageReturn } from './escape.js';
import { LineSplitter } from './line-splitter.js';
import { outputText } from './output-data.js';
import type { Renderer, TextSink } from './renderer.js';
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

interface Capture {
  index: number;
  out: LineSplitter;
  err: LineSplitter;
  lines: string[];
  exit: ExitEvent | undefined;
}

/**
 * Identical outputs folded across hosts, as ClusterShell's `clush -b` / `clubak -b` do: each
 * distinct (output, outcome) pair is printed once under a header naming its hosts as a folded
 * range (`h[1-40,42] (41 hosts) exit 0`), largest groups first, ties in inventory order.
 *
 * A host's stdout and stderr are merged line by line in arrival order (each stream is split
 * on its own, so a partial stdout line never mixes with stderr): that is the order a person
 * would have seen on the host's terminal. Everything is printed to stdout when the `summary`
 * event arrives; the summary follows on stderr. Hosts that ended with an error and printed
 * nothing (unreachable, auth, skipped...) form no group: the summary lists them with the
 * reason. Hosts with an error that did print (a command killed by --timeout) are shown, since
 * their partial output is often the clue.
 */
export class GroupRenderer implements Renderer {
  readonly #opts: GroupRendererOptions;
  readonly #hosts = new Map<string, Capture>();
  #printed = false;

  constructor(opts: GroupRendererOptions) {
    this.#opts = opts;
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        for (const ref of event.hosts) this.#capture(ref.host);
        return;
      case 'host_state':
      case 'transfer_progress':
        return;
      case 'stdout': {
        const capture = this.#capture(event.host);
        capture.lines.push(...capture.out.push(outputText(event)));
        return;
      }
      case 'stderr': {
        const capture = this.#capture(event.host);
        capture.lines.push(...capture.err.push(outputText(event)));
        return;
      }
      case 'exit': {
        const capture = this.#capture(event.host);
        capture.lines.push(...capture.out.flush(), ...capture.err.flush());
        capture.exit = event;
        return;
      }
      case 'summary':
        this.#printGroups();
        if (!this.#opts.quiet) this.#opts.stderr.write(formatSummary(event, this.#opts.style));
        return;
      default:
        event satisfies never;
    }
  }

  /** Prints the groups if no summary did (a run that ended abnormally still shows its output). */
  async close(): Promise<void> {
    this.#printGroups();
  }

  /** The groups as they stand: finished hosts only, largest first, ties in inventory order. */
  groups(): OutputGroup[] {
    const byKey = new Map<string, OutputGroup & { first: number }>();
    for (const [host, capture] of this.#hosts) {
      if (!capture.exit) continue;
      if (capture.exit.error && capture.lines.length === 0) continue;
      const outcome = outcomeLabel(capture.exit);
      // JSON keeps the key unambiguous whatever bytes the remote output (or signal name) holds.
      const key = JSON.stringify([outcome, capture.lines]);
      const group = byKey.get(key);
      if (group) group.hosts.push(host);
      else byKey.set(key, { hosts: [host], outcome, lines: capture.lines, first: capture.index });
    }
    return [...byKey.values()]
      .sort((a, b) => b.hosts.length - a.hosts.length || a.first - b.first)
      .map(({ hosts, outcome, lines }) => ({ hosts, outcome, lines }));
  }

  #printGroups(): void {
    if (this.#printed) return;
    this.#printed = true;
    const { style, stdout } = this.#opts;
    for (const group of this.groups()) {
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
    let capture = this.#hosts.get(host);
    if (!capture) {
      // Hosts not announced by run_start sort after those that were, in order of appearance.
      capture = { index: this.#hosts.size, out: new LineSplitter(), err: new LineSplitter(), lines: [], exit: undefined };
      this.#hosts.set(host, capture);
    }
    return capture;
  }
}
