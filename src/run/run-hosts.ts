import { FleetError, toFleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { withStatus, type HostResult, type RunReport, type TaskResult } from '../result.js';
import { announceSkipped, runHost, type HostOutcome, type HostProbe, type HostTask } from './host-run.js';
import { planWaves, type RolloutOptions } from './rollout.js';
import { runFrame, type RunFrameOptions } from './run-frame.js';

/** Everything one operation's run needs. */
export interface RunHostsOptions<T> extends RunFrameOptions {
  /** The work: a task on the host's connection, or a probe that needs none (see HostProbe). */
  task: HostTask<T> | HostProbe<T>;
  classify: (result: TaskResult<T>) => HostOutcome;
  /** Waves, canary and max-fail (see rollout.ts). Default: one wave, no failure limit. */
  rollout?: RolloutOptions | undefined;
}

/**
 * Fans a task out over hosts under the forks limit and returns the total report: one result per
 * selected host, in inventory order, whatever happened. Emits run_start, the hosts' events and
 * a closing summary (the run frame, run-frame.ts). Rejects only on programmer error (a
 * TypeError for bad rollout options).
 *
 * Hosts run in waves (planWaves): a wave is one fan-out, and the next starts only when it has
 * settled, i.e. when every host of the wave has reached `done`. That await is the barrier: hosts
 * of later waves stay `queued` without holding a fork slot, and the stop policy is asked after
 * the barrier, so a failure in wave 1 stops wave 2 before any of it connects.
 */
export async function runHosts<T>(opts: RunHostsOptions<T>): Promise<RunReport<T>> {
  const rollout = opts.rollout ?? {};
  const waves = planWaves(opts.hosts.length, rollout);
  const end = await runFrame(opts, { rollout }, async ({ env, policy, wave }) => {
    const results = new Array<TaskResult<T>>(opts.hosts.length);
    for (const [w, indexes] of waves.entries()) {
      const inCanary = w === 0 && rollout.canary !== undefined;
      const settled = await wave(
        indexes.map((i) => opts.hosts[i] as HostSpec),
        {
          run: async (host) => {
            const result = await runHost(host, env, opts.task, opts.classify);
            policy.record(opts.classify(result).status, inCanary);
            return result;
          },
          skipped: (host, reason) => {
            const error = skipError(host, reason);
            const result: TaskResult<T> = { host: host.name, ok: false, error, durationMs: 0 };
            announceSkipped(env, host.name, opts.classify(result).status, error);
            return result;
          },
          crashed: (host, error): TaskResult<T> => ({ host: host.name, ok: false, error: toFleetError(error, host.name), durationMs: 0 }),
        },
      );
      indexes.forEach((index, k) => {
        results[index] = settled[k] as TaskResult<T>;
      });
    }
    const outcomes = results.map((result) => ({ result, outcome: opts.classify(result) }));
    return { value: outcomes, hosts: outcomes.map(({ result, outcome }) => ({ host: result.host, status: outcome.status, reason: () => reasonOf(result, outcome) })) };
  });
  // Each result carries the status it was counted with (and `ok` only when that is a success).
  const results = end.value.map((o): HostResult<T> => withStatus<T, TaskResult<T>>(o.result, o.outcome.status));
  return { command: opts.label, startedAt: end.startedAt, durationMs: end.durationMs, results, summary: end.summary };
}

/**
 * The error of a host that never started. `details.reason` is always set: `drain`, `max-fail`,
 * `canary` (from the stop's own FLEET_SKIPPED), `interrupted` or `deadline` (from the run signal).
 */
function skipError(host: HostSpec, reason: FleetError): FleetError {
  const details = reason.context.details ?? {};
  const make = (message: string, why: Record<string, unknown>): FleetError =>
    new FleetError('FLEET_SKIPPED', message, { host: host.name, details: { ...details, ...why } }, { cause: reason });
  if (reason.code === 'FLEET_SKIPPED') return make(reason.message, {});
  if (reason.code === 'FLEET_CANCELLED') return make('not started: the run was interrupted', { reason: 'interrupted' });
  return make(`not started (${reason.code}: ${reason.message})`, { reason: reason.code === 'FLEET_TIMEOUT' ? 'deadline' : 'error' });
}

function reasonOf<T>(result: TaskResult<T>, outcome: HostOutcome): string {
  if (!result.ok) return `${result.error.code}: ${result.error.message}`;
  if (outcome.signal) return `killed by signal ${outcome.signal}`;
  return `exit ${outcome.exitCode ?? '?'}`;
}
