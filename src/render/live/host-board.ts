import { formatDuration } from '../../duration.js';
import type { FleetEvent, HostPhase, HostRef, StepRef } from '../../events.js';
import type { HostStatus } from '../../result.js';
import { formatBytes, formatRate } from '../bytes.js';
import { escapeTerminal } from '../escape.js';
import { outcomeLabel } from '../group.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;
type ProgressEvent = Extract<FleetEvent, { type: 'transfer_progress' }>;
type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

/** One host as the live view knows it. Times are milliseconds since the run started. */
export interface BoardHost {
  readonly name: string;
  /** Escaped for the terminal once, here. */
  readonly label: string;
  phase: HostPhase;
  /** When it left `queued` (its elapsed time counts from there). */
  startedAt: number | undefined;
  /** When its latest step reached `done` (`fleet run`). */
  endedAt?: number | undefined;
  /** Its outcome: set once, when the host has nothing more to run. */
  exit: ExitEvent | undefined;
  /** The step it is on, or last finished (`fleet run` only). */
  step?: StepRef | undefined;
  /** Its latest step succeeded and the next has not started: the exit of that step. */
  waiting?: ExitEvent | undefined;
  /** The latest transfer progress (put/get), if any. */
  progress?: ProgressEvent | undefined;
}

/** A host in flight, for "slowest" lists. */
export interface SlowHost {
  host: BoardHost;
  elapsedMs: number;
}

/** Statuses that render as success. */
export function isOkStatus(status: HostStatus): boolean {
  return status === 'ok' || status === 'unchanged';
}

// Longest gate or outcome word ("authenticated"): pads the column so elapsed times line up.
const PHASE_WIDTH = 13;

/**
 * The live view's model of the run: each host's gate, start and exit, fed by events and read
 * by both views. It holds no timers and no listr2 state, so it is tested on its own.
 */
export class HostBoard {
  readonly #hosts = new Map<string, BoardHost>();
  readonly #failures: BoardHost[] = [];
  readonly #width: number;
  #exited = 0;
  /** Events carried steps: a host's exit may be one of several (see applyExit). */
  #steps = false;
  /** Steps in the run, when run_start listed them (`step 2/5`). */
  readonly #stepCount: number | undefined;

  constructor(refs: readonly HostRef[], steps?: readonly StepRef[]) {
    this.#stepCount = steps?.length;
    for (const ref of refs) {
      this.#hosts.set(ref.host, { name: ref.host, label: escapeTerminal(ref.host), phase: 'queued', startedAt: undefined, exit: undefined });
    }
    // Same cap as the stream renderer: one absurd name must not push every row off screen.
    // A loop, not Math.max(...spread): spreading 100k+ arguments overflows the stack.
    let width = 0;
    for (const host of this.#hosts.values()) width = Math.max(width, host.label.length);
    this.#width = Math.min(40, width);
  }

  /** Hosts in inventory order. */
  get hosts(): BoardHost[] {
    return [...this.#hosts.values()];
  }

  /** Hosts announced by run_start. */
  get total(): number {
    return this.#hosts.size;
  }

  /** Hosts with an exit event. */
  get exited(): number {
    return this.#exited;
  }

  /** Records a gate; returns the host, or undefined for a host the run never announced. */
  applyState(event: Extract<FleetEvent, { type: 'host_state' }>): BoardHost | undefined {
    const host = this.#live(event.host, event.step);
    if (!host) return undefined;
    if (event.step) this.#enterStep(host, event.step);
    host.phase = event.state;
    if (event.state !== 'queued') host.startedAt ??= event.t;
    if (event.state === 'done') host.endedAt = event.t;
    return host;
  }

  /** Records a transfer's progress; returns the host, or undefined when unknown or already ended. */
  applyProgress(event: ProgressEvent): BoardHost | undefined {
    const host = this.#hosts.get(event.host);
    if (!host || host.exit) return undefined;
    host.progress = event;
    return host;
  }

  /** Bytes moved and to move over every host with transfer progress, and their summed rate (hosts in flight). */
  transferTotals(): { bytes: number; totalBytes: number; rate: number } | undefined {
    let seen = false;
    const totals = { bytes: 0, totalBytes: 0, rate: 0 };
    for (const host of this.#hosts.values()) {
      if (!host.progress) continue;
      seen = true;
      totals.bytes += host.progress.bytes;
      totals.totalBytes += host.progress.totalBytes;
      if (!host.exit) totals.rate += host.progress.rate;
    }
    return seen ? totals : undefined;
  }

  /**
   * Records an outcome; a second exit for the same host is ignored. In a steps run (the exit
   * names its step) a successful step only makes the host wait for its next one: the host ends
   * with a step that did not succeed, a skip, or the run's summary (settle).
   */
  applyExit(event: ExitEvent): BoardHost | undefined {
    const host = this.#live(event.host, event.step);
    if (!host) return undefined;
    host.phase = 'done';
    if (!event.step) return this.#end(host, event);
    this.#enterStep(host, event.step);
    if (isOkStatus(event.status)) {
      host.waiting = event;
      return host;
    }
    return this.#end(host, this.#wholeRun(host, event));
  }

  /**
   * Ends the hosts still waiting after their last step, once the summary arrives: each with the
   * status the summary gives it (ok unless listed as failed). Returns the hosts it ended.
   */
  settle(summary: SummaryEvent): BoardHost[] {
    const failed = new Map(summary.failed.map((f) => [f.host, f.status]));
    const settled: BoardHost[] = [];
    for (const host of this.#hosts.values()) {
      if (host.exit || !host.waiting) continue;
      const status = failed.get(host.name) ?? host.waiting.status;
      settled.push(this.#end(host, { ...this.#wholeRun(host, host.waiting), status }));
    }
    return settled;
  }

  /** The host an event may still change: known, not ended, and not an event of an earlier step. */
  #live(name: string, step: StepRef | undefined): BoardHost | undefined {
    const host = this.#hosts.get(name);
    if (!host || host.exit) return undefined;
    if (step && host.step && step.index < host.step.index) return undefined;
    return host;
  }

  #enterStep(host: BoardHost, step: StepRef): void {
    this.#steps = true;
    if (host.step?.index !== step.index) host.waiting = undefined;
    host.step = step;
  }

  /** A step's exit as the host's outcome: its duration becomes the host's whole time. */
  #wholeRun(host: BoardHost, exit: ExitEvent): ExitEvent {
    if (host.startedAt === undefined || host.endedAt === undefined) return exit;
    return { ...exit, durationMs: Math.max(0, host.endedAt - host.startedAt) };
  }

  #end(host: BoardHost, exit: ExitEvent): BoardHost {
    host.exit = exit;
    host.waiting = undefined;
    this.#exited += 1;
    // Skipped hosts are the run's choice (max-fail, drain), not failures: counted, not listed.
    if (!isOkStatus(exit.status) && exit.status !== 'skipped') this.#failures.push(host);
    return host;
  }

  /** Hosts per gate (hosts with an exit excluded; `waiting` between steps, steps runs only) and per final status. */
  counts(): { phases: Record<Exclude<HostPhase, 'done'>, number> & { waiting?: number }; statuses: Map<HostStatus, number> } {
    const phases: Record<Exclude<HostPhase, 'done'>, number> & { waiting?: number } = { queued: 0, connecting: 0, authenticated: 0, running: 0 };
    if (this.#steps) phases.waiting = 0;
    const statuses = new Map<HostStatus, number>();
    for (const host of this.#hosts.values()) {
      if (host.exit) statuses.set(host.exit.status, (statuses.get(host.exit.status) ?? 0) + 1);
      else if (host.waiting) phases.waiting = (phases.waiting ?? 0) + 1;
      // `done` without its exit yet lasts a microtask; count it with running.
      else if (host.phase === 'done') phases.running += 1;
      else phases[host.phase] += 1;
    }
    return { phases, statuses };
  }

  /** Hosts in flight (left queued, no exit yet, not waiting between steps), longest first; ties in inventory order. */
  slowest(now: number, limit: number): SlowHost[] {
    const inFlight: SlowHost[] = [];
    for (const host of this.#hosts.values()) {
      if (host.exit || host.waiting || host.startedAt === undefined) continue;
      inFlight.push({ host, elapsedMs: Math.max(0, now - host.startedAt) });
    }
    return inFlight.sort((a, b) => b.elapsedMs - a.elapsedMs).slice(0, limit);
  }

  /** The last `limit` failed hosts, oldest first. */
  failures(limit: number): BoardHost[] {
    return this.#failures.slice(-limit);
  }

  get failureCount(): number {
    return this.#failures.length;
  }

  /**
   * One host's row: name, gate or outcome, elapsed time (as of `now` while in flight, the
   * host's own duration once it ended, the time so far while it waits between steps), the step
   * it is on (`fleet run`) and, on error, the error code and message.
   */
  titleOf(host: BoardHost, now: number): string {
    const name = host.label.padEnd(this.#width);
    const step = stepText(host.step, this.#stepCount);
    if (host.exit) {
      const { exit } = host;
      const error = exit.error ? `  ${exit.error.code}: ${escapeTerminal(exit.error.message)}` : '';
      const moved = host.progress && !exit.error ? `  ${formatBytes(host.progress.bytes)}` : '';
      return `${name}  ${escapeTerminal(outcomeLabel(exit)).padEnd(PHASE_WIDTH)}  ${elapsedText(exit.durationMs)}${moved}${step}${error}`;
    }
    if (host.startedAt === undefined) return `${name}  ${host.phase}${step}`;
    if (host.waiting) return `${name}  ${'waiting'.padEnd(PHASE_WIDTH)}  ${elapsedText((host.endedAt ?? now) - host.startedAt)}${step} done`;
    return `${name}  ${host.phase.padEnd(PHASE_WIDTH)}  ${elapsedText(now - host.startedAt)}${progressText(host.progress)}${step}`;
  }
}

/** `  step 2 "restart"` for a host in a steps run (1-based, as describeStep counts); empty otherwise. */
function stepText(step: StepRef | undefined, count: number | undefined): string {
  if (!step) return '';
  return `  step ${step.index + 1}${count === undefined ? '' : `/${count}`} "${escapeTerminal(step.name)}"`;
}

/** `  12.0 MiB/64.0 MiB  35.2 MiB/s  ETA 2s` for a host in a transfer; empty otherwise. */
export function progressText(progress: ProgressEvent | undefined): string {
  if (!progress) return '';
  const eta = progress.etaMs === null ? '' : `  ETA ${elapsedText(progress.etaMs)}`;
  return `  ${formatBytes(progress.bytes)}/${formatBytes(progress.totalBytes)}  ${formatRate(progress.rate)}${eta}`;
}

/** formatDuration, but never throwing inside an event handler over an odd clock reading. */
export function elapsedText(ms: number): string {
  return formatDuration(Number.isFinite(ms) ? Math.max(0, ms) : 0);
}
