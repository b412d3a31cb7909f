/**
 * One host's part of a report while the run goes: its timeline segments from host_state and
 * host_phase events, its output (capped, stdout and stderr merged line by line in arrival
 * order, as `--output group` merges them), its step cells and its last transfer progress.
 */
import type { FleetEvent, HostRef } from '../../events.js';
import { LineSplitter } from '../line-splitter.js';
import { outputText } from '../output-data.js';
import { CappedText } from './capped-text.js';
import type { HostPhaseEvent, Segment, StepCell } from './model.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;
type StateEvent = Extract<FleetEvent, { type: 'host_state' }>;
type ProgressEvent = Extract<FleetEvent, { type: 'transfer_progress' }>;

/** What the tracker keeps of a host's output once the host is done. */
export interface TrackedOutput {
  text: string;
  cut: boolean;
}

/** Accumulates one host's events. */
export class HostTrack {
  readonly ref: HostRef;
  /** Position in run_start's host list (inventory order); later hosts follow in order of appearance. */
  readonly index: number;
  readonly #segments: Segment[] = [];
  readonly steps: (StepCell | null)[] = [];
  /** Every exit, in order (one per step in a steps run). */
  readonly exits: ExitEvent[] = [];
  transfer: ProgressEvent | undefined;
  #output: CappedText | undefined;
  readonly #cap: number;
  readonly #out = new LineSplitter();
  readonly #err = new LineSplitter();
  /** Open gate: the state entered last and when, for the segment it starts. */
  #open: { state: StateEvent['state']; t: number; step: number } | undefined;
  /** Steps (-1: the whole run) that moved files: their `run` segments are transfers. */
  readonly #transferSteps = new Set<number>();
  #step = -1;
  #stepName = '';
  #outputStep = -1;

  constructor(ref: HostRef, index: number, cap: number) {
    this.ref = ref;
    this.index = index;
    this.#cap = cap;
  }

  onState(event: StateEvent): void {
    const step = event.step?.index ?? -1;
    if (event.step) {
      this.#step = event.step.index;
      this.#stepName = event.step.name;
    }
    const open = this.#open;
    if (open && event.t > open.t) {
      const kind = open.state === 'queued' ? 'wait' : open.state === 'connecting' ? 'connect' : open.state === 'running' ? 'run' : undefined;
      if (kind) this.#segments.push([kind, open.t, event.t, open.step]);
    }
    // `authenticated` is an instant between connect and run; running follows at once.
    this.#open = event.state === 'done' ? undefined : { state: event.state, t: event.t, step };
  }

  onPhase(event: HostPhaseEvent): void {
    const start = Math.max(0, event.t - event.durationMs);
    this.#segments.push([event.phase, start, event.t, event.step?.index ?? this.#step]);
  }

  onOutput(event: Extract<FleetEvent, { type: 'stdout' | 'stderr' }>): void {
    const output = (this.#output ??= new CappedText(this.#cap));
    if (this.#step !== this.#outputStep && this.#step >= 0) {
      // A steps run: each step's output starts under its own header line.
      output.push(this.#out.flushBlock() + this.#err.flushBlock());
      output.push(`\u2500\u2500 step ${this.#step + 1} ${this.#stepName} \u2500\u2500\n`);
      this.#outputStep = this.#step;
    }
    const splitter = event.type === 'stdout' ? this.#out : this.#err;
    output.push(splitter.pushBlock(outputText(event)));
  }

  onProgress(event: ProgressEvent): void {
    this.transfer = event;
    this.#transferSteps.add(this.#step);
  }

  onExit(event: ExitEvent): void {
    this.exits.push(event);
    if (event.step) this.steps[event.step.index] = [event.status, event.exitCode, event.durationMs];
  }

  /**
   * The timeline. A running segment is a transfer when its step reported transfer progress;
   * decided here rather than when it closed, because a transfer's last progress event may come
   * after its host's `done`.
   */
  segments(): Segment[] {
    if (this.#transferSteps.size === 0) return this.#segments;
    return this.#segments.map((s): Segment => (s[0] === 'run' && this.#transferSteps.has(s[3]) ? ['transfer', s[1], s[2], s[3]] : s));
  }

  /** The output as kept, its unfinished last lines ended; releases the buffers. */
  takeOutput(): TrackedOutput {
    const output = this.#output;
    if (!output) return { text: '', cut: false };
    output.push(this.#out.flushBlock() + this.#err.flushBlock());
    this.#output = undefined;
    return { text: output.text(), cut: output.cut > 0 };
  }
}
