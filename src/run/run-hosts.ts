import { setMaxListeners } from 'node:events';
import { fanOut } from '../concurrency/fan-out.js';
import { withTimeout } from '../concurrency/deadline.js';
import { FleetError, toFleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type EventSink } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { summarize, withStatus, type HostResult, type RunReport, type TaskResult } from '../result.js';
import type { ConnectionSource } from '../transport/pool.js';
import { guardSink } from './guard-sink.js';
import { runHost, type HostOutcome, type HostProbe, type HostRunEnv, type HostTask } from './host-run.js';
import { planWaves, RolloutPolicy, type RolloutOptions } from './rollout.js';

/** Everything one fan-out needs. */
export interface RunHostsOptions<T> {
  /** What the run does, for run_start and the json document (e.g. the command line). */
  label: string;
  hosts: readonly HostSpec[];
  forks: number;
  connections: ConnectionSource;
  /** The work: a task on the host's connection, or a probe that needs none (see HostProbe). */
  task: HostTask<T> | HostProbe<T>;
  classify: (result: TaskResult<T>) => HostOutcome;
  /** Per-host task bound. */
  timeoutMs?: number | undefined;
  /** Whole-run bound: running hosts time out, hosts not started are skipped. */
  deadlineMs?: number | undefined;
  /** Aborting stops running tasks (their hosts end `interrupted`) and starts no more. */
  signal?: AbortSignal | undefined;
  /** Aborting starts no new hosts but lets running ones finish (first Ctrl-C). */
  drain?: AbortSignal | undefined;
  /** Waves, canary and max-fail (see rollout.ts). Default: one wave, no failure limit. */
  rollout?: RolloutOptions | undefined;
  onEvent?: EventSink | undefined;
}

/**
 * Fans a task out over hosts under the forks limit and returns the total report: one result per
 * selected host, in inventory order, whatever happened. Emits run_start, the hosts' events and
 * a closing summary. Rejects only on programmer error (a TypeError for bad rollout options).
 *
 * Hosts run in waves (planWaves): a wave is one fanOut, and the next starts only when it has
 * settled, i.e. when every host of the wave has reached `done`. That await is the barrier: hosts
 * of later waves stay `queued` without holding a fork slot, and the stop policy is asked after
 * the barrier, so a failure in wave 1 stops wave 2 before any of it connects.
 */
export async function runHosts<T>(opts: RunHostsOptions<T>): Promise<RunReport<T>> {
  const waves = planWaves(opts.hosts.length, opts.rollout ?? {});
  const policy = new RolloutPolicy(opts.hosts.length, opts.rollout ?? {});
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const sink = guardSink(opts.onEvent);
  const emit = sink.emit;
  // A run-owned signal: every host hangs its own timeout and channel listeners on it.
  const owner = new AbortController();
  const run = withTimeout(opts.signal ? AbortSignal.any([opts.signal, owner.signal]) : owner.signal, opts.deadlineMs, {
    name: '--deadline',
  });
  // One listener per host in flight is expected here, not a leak: lift Node's warning threshold.
  setMaxListeners(0, run.signal);
  let removeDrainListener = (): void => {};
  try {
    emit({
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command: opts.label,
      started: startedAt.toISOString(),
      hosts: opts.hosts.map((h) => ({ host: h.name, address: h.address, port: h.port, user: h.user })),
    });
    for (const host of opts.hosts) emit({ type: 'host_state', host: host.name, state: 'queued', t: 0 });

    const env: HostRunEnv = { connections: opts.connections, emit, elapsed, signal: run.signal, timeoutMs: opts.timeoutMs };
    // Why nothing new may start: the first Ctrl-C, else the policy (canary, max-fail).
    const stopReason = (): FleetError | undefined => (opts.drain?.aborted ? drainError(opts.drain.reason) : policy.stopReason);
    // Aborted at the first stop reason, so hosts waiting for a fork slot are skipped at once (and
    // say so in the live view) rather than one by one as running hosts free their slots. Running
    // hosts never see it: they follow run.signal only.
    const starts = new AbortController();
    const stopStarting = (): void => {
      const reason = stopReason();
      if (reason !== undefined && !starts.signal.aborted) starts.abort(reason);
    };
    opts.drain?.addEventListener('abort', stopStarting);
    removeDrainListener = () => opts.drain?.removeEventListener('abort', stopStarting);
    stopStarting();
    const skip = (host: HostSpec, reason: FleetError): TaskResult<T> => {
      const error = skipError(host, reason);
      const result: TaskResult<T> = { host: host.name, ok: false, error, durationMs: 0 };
      const outcome = opts.classify(result);
      emit({ type: 'host_state', host: host.name, state: 'done', t: elapsed() });
      emit({ type: 'exit', host: host.name, status: outcome.status, exitCode: null, signal: null, durationMs: 0, error: error.toJSON() });
      return result;
    };

    const results = new Array<TaskResult<T>>(opts.hosts.length);
    for (const [w, wave] of waves.entries()) {
      const inCanary = w === 0 && opts.rollout?.canary !== undefined;
      const hosts = wave.map((i) => opts.hosts[i] as HostSpec);
      // The first to abort names the skip reason: a stop (drain, policy) or the run (interrupt, deadline).
      // Every host waiting for a slot listens on it, as on run.signal.
      const startSignal = AbortSignal.any([starts.signal, run.signal]);
      setMaxListeners(0, startSignal);
      const settled = await fanOut<HostSpec, TaskResult<T>>(
        hosts,
        async (host) => {
          const result = await runHost(host, env, opts.task, opts.classify);
          // Counted before the slot is released, so the next host's shouldStart sees it.
          policy.record(opts.classify(result).status, inCanary);
          stopStarting();
          return result;
        },
        {
          limit: opts.forks,
          signal: startSignal,
          shouldStart: () => stopReason() === undefined,
          onSkipped: (host, reason) => skip(host, reason.code === 'FLEET_CANCELLED' && reason.context.details?.['reason'] === 'stopped' ? (stopReason() ?? reason) : reason),
          onError: (host, error) => ({ host: host.name, ok: false, error: toFleetError(error, host.name), durationMs: 0 }),
        },
      );
      wave.forEach((index, k) => {
        results[index] = settled[k] as TaskResult<T>;
      });
    }

    const outcomes = results.map((r) => ({ result: r, outcome: opts.classify(r) }));
    const summary = summarize(outcomes.map((o) => o.outcome.status));
    const durationMs = elapsed();
    emit({
      type: 'summary',
      summary,
      durationMs,
      failed: outcomes
        .filter((o) => o.outcome.status !== 'ok' && o.outcome.status !== 'unchanged')
        .map((o) => ({ host: o.result.host, status: o.outcome.status, reason: reasonOf(o.result, o.outcome) })),
    });
    sink.rethrow();
    // Each result carries the status it was counted with (and `ok` only when that is a success).
    const final = outcomes.map((o): HostResult<T> => withStatus<T, TaskResult<T>>(o.result, o.outcome.status));
    return { command: opts.label, startedAt: startedAt.toISOString(), durationMs, results: final, summary };
  } finally {
    removeDrainListener();
    run.dispose();
  }
}

function drainError(cause: unknown): FleetError {
  // A drain aborted with a message says why (the CLI's "the reader of fleet's output went away").
  const why = typeof cause === 'string' ? cause : 'no new hosts start after the first Ctrl-C';
  return new FleetError('FLEET_SKIPPED', `not started: interrupted (${why})`, { details: { reason: 'drain' } }, { cause });
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
