import { formatDuration } from '../../duration.js';
import type { FleetEvent, HostPhase, HostRef } from '../../events.js';
import type { HostStatus } from '../../result.js';
import { formatBytes, formatRate } from '../bytes.js';
import { escapeTerminal } from '../escape.js';
import { outcomeLabel } from '../group.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;
type ProgressEvent = Extract<FleetEvent, { type: 'transfer_progress' }>;

/** One host as the live view knows it. Times are milliseconds since the run started. */
export interface BoardHost {
  readonly name: string;
  /** Escaped for the terminal once, here. */
  readonly label: string;
  phase: HostPhase;
  /** When it left `queued` (its elapsed time counts from there). */
  startedAt: number | undefined;
  exit: ExitEvent | undefined;
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

  constructor(refs: readonly HostRef[]) {
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
    const host = this.#hosts.get(event.host);
    if (!host || host.exit) return undefined;
    host.phase = event.state;
    if (event.state !== 'queued') host.startedAt ??= event.t;
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

  /** Records an outcome; a second exit for the same host is ignored. */
  applyExit(event: ExitEvent): BoardHost | undefined {
    const host = this.#hosts.get(event.host);
    if (!host || host.exit) return undefined;
    host.phase = 'done';
    host.exit = event;
    this.#exited += 1;
    // Skipped hosts are the run's choice (max-fail, drain), not failures: counted, not listed.
    if (!isOkStatus(event.status) && event.status !== 'skipped') this.#failures.push(host);
    return host;
  }

  /** Hosts per gate (hosts with an exit excluded) and per final status. */
  counts(): { phases: Record<Exclude<HostPhase, 'done'>, number>; statuses: Map<HostStatus, number> } {
    const phases = { queued: 0, connecting: 0, authenticated: 0, running: 0 };
    const statuses = new Map<HostStatus, number>();
    for (const host of this.#hosts.values()) {
      if (host.exit) statuses.set(host.exit.status, (statuses.get(host.exit.status) ?? 0) + 1);
      // `done` without its exit yet lasts a microtask; count it with running.
      else if (host.phase === 'done') phases.running += 1;
      else phases[host.phase] += 1;
    }
    return { phases, statuses };
  }

  /** Hosts in flight (left queued, no exit yet), longest first; ties in inventory order. */
  slowest(now: number, limit: number): SlowHost[] {
    const inFlight: SlowHost[] = [];
    for (const host of this.#hosts.values()) {
      if (host.exit || host.startedAt === undefined) continue;
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
   * host's own duration once it ended) and, on error, the error code and message.
   */
  titleOf(host: BoardHost, now: number): string {
    const name = host.label.padEnd(this.#width);
    if (host.exit) {
      const { exit } = host;
      const error = exit.error ? `  ${exit.error.code}: ${escapeTerminal(exit.error.message)}` : '';
      const moved = host.progress && !exit.error ? `  ${formatBytes(host.progress.bytes)}` : '';
      return `${name}  ${escapeTerminal(outcomeLabel(exit)).padEnd(PHASE_WIDTH)}  ${elapsedText(exit.durationMs)}${moved}${error}`;
    }
    if (host.startedAt === undefined) return `${name}  ${host.phase}`;
    return `${name}  ${host.phase.padEnd(PHASE_WIDTH)}  ${elapsedText(now - host.startedAt)}${progressText(host.progress)}`;
  }
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
