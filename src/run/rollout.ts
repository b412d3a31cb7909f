/**
 * Rolling work (DESIGN §2 `--batch`, `--max-fail`, `--canary`): which hosts run in which wave,
 * and when a run stops starting hosts. Pure policy, no I/O: the run frame (run-frame.ts) asks it
 * and enforces it, for operations and steps runs alike.
 *
 * - Waves: an optional canary wave of `canary` hosts, then batches of `batch` hosts (one wave
 *   of everything left without `batch`), in inventory order. A wave starts only once every
 *   host of the previous one has finished (Ansible's `serial`).
 * - Stop: once more than `maxFail` hosts have failed (any outcome but ok/unchanged/skipped), or
 *   as soon as a canary host fails, no new host starts; hosts already running finish, and the
 *   rest end `skipped` with the reason (pyinfra's fail percent, bssh's fail-fast as `maxFail: 0`).
 */
import { FleetError } from '../errors.js';
import type { HostStatus } from '../result.js';

/** A number of hosts, or a percentage of the selected hosts (`'25%'`). */
export type HostCount = number | `${number}%`;

/** The rolling-work options of an operation. */
export interface RolloutOptions {
  /** Hosts per wave; each wave waits for the previous one to finish. Default: one wave. */
  batch?: HostCount | undefined;
  /** Failures tolerated: past this many (or this share of the selected hosts) no new host starts. */
  maxFail?: HostCount | undefined;
  /** A first wave of this many hosts; if any of them fails, no other host starts. */
  canary?: number | undefined;
}

/**
 * `value` as a number of hosts out of `total`. A percentage rounds down, as Ansible's `serial`
 * does, but never below `min`.
 * @throws TypeError for a negative, fractional or malformed count, or a percentage outside 0-100.
 */
export function resolveHostCount(value: HostCount, total: number, name: string, min = 0): number {
  const pct = percentOf(value, name);
  if (pct !== undefined) return Math.max(min, Math.floor((total * pct) / 100));
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`The "${name}" option must be an integer >= ${min} or a percentage ('25%'). Received ${String(value)}`);
  }
  return value;
}

/** Validates rollout options up front, so a bad value fails before any host starts. */
export function validateRollout(opts: RolloutOptions): void {
  if (opts.batch !== undefined) resolveHostCount(opts.batch, 1, 'batch', 1);
  if (opts.maxFail !== undefined) resolveHostCount(opts.maxFail, 1, 'maxFail', 0);
  if (opts.canary !== undefined) {
    if (!Number.isSafeInteger(opts.canary) || opts.canary < 1) {
      throw new TypeError(`The "canary" option must be an integer >= 1. Received ${String(opts.canary)}`);
    }
  }
}

/** The waves of a run: host indexes (into the selected hosts), in inventory order. */
export function planWaves(total: number, opts: RolloutOptions): number[][] {
  validateRollout(opts);
  const indexes = Array.from({ length: total }, (_, i) => i);
  const waves: number[][] = [];
  let rest = indexes;
  if (opts.canary !== undefined && total > 0) {
    waves.push(rest.slice(0, opts.canary));
    rest = rest.slice(opts.canary);
  }
  const size = opts.batch === undefined ? rest.length : resolveHostCount(opts.batch, total, 'batch', 1);
  for (let i = 0; i < rest.length; i += size) waves.push(rest.slice(i, i + size));
  return waves;
}

/** True for the outcomes that count against `maxFail` and the canary. */
export function countsAsFailure(status: HostStatus): boolean {
  return status !== 'ok' && status !== 'unchanged' && status !== 'skipped';
}

/**
 * A source of "stop starting work" besides failures: the first Ctrl-C (drain) or, for a steps
 * run, the run signal itself; `reason` turns the signal's abort into the FLEET_SKIPPED hosts see.
 */
export interface StopSource {
  signal: AbortSignal;
  reason: (cause: unknown) => FleetError;
}

/**
 * Counts failures as hosts finish and says when to stop starting work. One per run.
 * `stopReason` is the FLEET_SKIPPED error every host not started from then on carries: the
 * first of a failure past the limits (`record`), a stop the caller decides (`stop`: a failed
 * canary or local step), then the `sources`, in order. The first reason stays.
 */
export class RolloutPolicy {
  readonly #total: number;
  readonly #maxFail: HostCount | undefined;
  readonly #canary: number;
  readonly #sources: readonly StopSource[];
  #failed = 0;
  #canaryFailed = 0;
  #stop: FleetError | undefined;

  constructor(total: number, opts: RolloutOptions, sources: readonly (StopSource | undefined)[] = []) {
    validateRollout(opts);
    this.#total = total;
    this.#maxFail = opts.maxFail;
    this.#canary = opts.canary ?? 0;
    this.#sources = sources.filter((s): s is StopSource => s !== undefined);
  }

  /** Hosts that failed so far. */
  get failed(): number {
    return this.#failed;
  }

  /** Why no more work may start; undefined while it may. */
  get stopReason(): FleetError | undefined {
    if (this.#stop === undefined) {
      const source = this.#sources.find((s) => s.signal.aborted);
      if (source !== undefined) this.#stop = source.reason(source.signal.reason);
    }
    return this.#stop;
  }

  /** Stops the run for `reason` unless it already stopped. */
  stop(reason: FleetError): void {
    this.#stop ??= reason;
  }

  /** Records a finished host; `inCanary` when it belongs to the canary wave. */
  record(status: HostStatus, inCanary: boolean): void {
    if (!countsAsFailure(status)) return;
    this.#failed += 1;
    if (inCanary) this.#canaryFailed += 1;
    if (this.#stop !== undefined) return;
    if (inCanary) {
      this.#stop = new FleetError('FLEET_SKIPPED', `not started: the canary wave failed (${this.#canaryFailed} of ${this.#canary} canary hosts)`, {
        details: { reason: 'canary', failed: this.#canaryFailed, canary: this.#canary },
      });
    } else if (this.#maxFail !== undefined && this.#exceeds(this.#maxFail)) {
      this.#stop = new FleetError('FLEET_SKIPPED', `not started: max-fail ${this.#maxFail} exceeded (${this.#failed} of ${this.#total} hosts failed)`, {
        details: { reason: 'max-fail', failed: this.#failed, maxFail: this.#maxFail, total: this.#total },
      });
    }
  }

  // "More than N%" compares exactly (failed/total > pct/100), with no rounding to argue about.
  #exceeds(limit: HostCount): boolean {
    const pct = percentOf(limit, 'maxFail');
    return pct === undefined ? this.#failed > (limit as number) : this.#failed * 100 > pct * this.#total;
  }
}

function percentOf(value: HostCount, name: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  const pct = match ? Number(match[1]) : Number.NaN;
  if (!(pct >= 0 && pct <= 100)) {
    throw new TypeError(`The "${name}" option must be an integer or a percentage from 0% to 100%. Received ${JSON.stringify(value)}`);
  }
  return pct;
}
