/**
 * When a steps run stops starting work: a failed canary or local step, `--max-fail`, the run
 * signal (second Ctrl-C, `--deadline`) or the drain signal (first Ctrl-C). The first reason wins
 * and is what every host that did not get to run a step is told.
 */
import { abortReason } from '../concurrency/deadline.js';
import type { FleetError } from '../errors.js';
import type { HostStatus } from '../result.js';
import { RolloutPolicy, type HostCount } from '../run/rollout.js';
import { skipError } from './outcome.js';

/**
 * Tracks failures and the first reason to stop. `--max-fail` is counted by the fan-out's own
 * RolloutPolicy (run/rollout.ts), so `fleet run` and `fleet exec` agree on what it means: a host
 * counts once, when it fails (any status but ok, unchanged, skipped), and "more than N" (or N%
 * of the run's hosts) stops the run.
 */
export class StopControl {
  readonly #policy: RolloutPolicy;
  readonly #signal: AbortSignal;
  readonly #drain: AbortSignal | undefined;
  #reason: FleetError | undefined;

  /**
   * @param hostCount - hosts in the run (what `N%` is a share of).
   * @param maxFail - failures tolerated (undefined: no limit).
   * @param signal - the run signal (interrupt, deadline).
   * @param drain - aborted on the first Ctrl-C: no new steps start.
   * @throws TypeError for a malformed maxFail.
   */
  constructor(hostCount: number, maxFail: HostCount | undefined, signal: AbortSignal, drain: AbortSignal | undefined) {
    this.#policy = new RolloutPolicy(hostCount, { maxFail });
    this.#signal = signal;
    this.#drain = drain;
  }

  /** Why nothing new may start (FLEET_SKIPPED naming the cause), or undefined while the run goes on. */
  get reason(): FleetError | undefined {
    if (this.#reason) return this.#reason;
    if (this.#policy.stopReason) {
      this.#reason = this.#policy.stopReason;
    } else if (this.#signal.aborted) {
      const why = abortReason(this.#signal);
      this.#reason = skipError(undefined, `not started: the run stopped (${why.code}: ${why.message})`, why);
    } else if (this.#drain?.aborted) {
      this.#reason = skipError(undefined, 'not started: the run was interrupted (no new steps after the first Ctrl-C)', this.#drain.reason);
    }
    return this.#reason;
  }

  /** Stops the run with `message` unless it already stopped. */
  stop(message: string): void {
    this.#reason ??= skipError(undefined, message);
  }

  /** Records a host that failed a step with `status`; past `maxFail` the run stops. */
  hostFailed(status: HostStatus): void {
    this.#policy.record(status, false);
  }
}
