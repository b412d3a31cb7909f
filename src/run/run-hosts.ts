import { setMaxListeners } from 'node:events';
import { fanOut } from '../concurrency/fan-out.js';
import { withTimeout } from '../concurrency/deadline.js';
import { FleetError, toFleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type EventSink, type FleetEvent } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { summarize, type HostResult, type RunReport } from '../result.js';
import type { Connections } from './connections.js';
import { runHost, type HostOutcome, type HostTask } from './host-run.js';

/** Everything one fan-out needs. */
export interface RunHostsOptions<T> {
  /** What the run does, for run_start and the json document (e.g. the command line). */
  label: string;
  hosts: readonly HostSpec[];
  forks: number;
  connections: Connections;
  task: HostTask<T>;
  classify: (result: HostResult<T>) => HostOutcome;
  /** Per-host task bound. */
  timeoutMs?: number | undefined;
  /** Whole-run bound: running hosts time out, hosts not started are skipped. */
  deadlineMs?: number | undefined;
  /** Aborting stops running tasks (their hosts end `interrupted`) and starts no more. */
  signal?: AbortSignal | undefined;
  /** Aborting starts no new hosts but lets running ones finish (first Ctrl-C). */
  drain?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
}

/**
 * Fans a task out over hosts under the forks limit and returns the total report: one result per
 * selected host, in inventory order, whatever happened. Emits run_start, the hosts' events and
 * a closing summary. Rejects only on programmer error.
 */
export async function runHosts<T>(opts: RunHostsOptions<T>): Promise<RunReport<T>> {
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
  try {
    emit({
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command: opts.label,
      started: startedAt.toISOString(),
      hosts: opts.hosts.map((h) => ({ host: h.name, address: h.address, port: h.port, user: h.user })),
    });
    for (const host of opts.hosts) emit({ type: 'host_state', host: host.name, state: 'queued', t: 0 });

    const env = { connections: opts.connections, emit, elapsed, signal: run.signal, timeoutMs: opts.timeoutMs };
    const skip = (host: HostSpec, reason: unknown): HostResult<T> => {
      const error = skipError(host, reason);
      const result: HostResult<T> = { host: host.name, ok: false, error, durationMs: 0 };
      const outcome = opts.classify(result);
      emit({ type: 'host_state', host: host.name, state: 'done', t: elapsed() });
      emit({ type: 'exit', host: host.name, status: outcome.status, exitCode: null, signal: null, durationMs: 0, error: error.toJSON() });
      return result;
    };
    const results = await fanOut<HostSpec, HostResult<T>>(opts.hosts, (host) => runHost(host, env, opts.task, opts.classify), {
      limit: opts.forks,
      signal: run.signal,
      shouldStart: () => !opts.drain?.aborted,
      onSkipped: (host, reason) => skip(host, reason ?? opts.drain?.reason),
      onError: (host, error) => ({ host: host.name, ok: false, error: toFleetError(error, host.name), durationMs: 0 }),
    });

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
    return { command: opts.label, startedAt: startedAt.toISOString(), durationMs, results, summary };
  } finally {
    run.dispose();
  }
}

function skipError(host: HostSpec, reason: unknown): FleetError {
  const cause = reason instanceof FleetError ? ` (${reason.code}: ${reason.message})` : '';
  return new FleetError('FLEET_SKIPPED', `not started${cause || ': run stopped before this host'}`, { host: host.name }, { cause: reason });
}

function reasonOf<T>(result: HostResult<T>, outcome: HostOutcome): string {
  if (!result.ok) return `${result.error.code}: ${result.error.message}`;
  if (outcome.signal) return `killed by signal ${outcome.signal}`;
  return `exit ${outcome.exitCode ?? '?'}`;
}

// A sink that throws is a bug in the caller (a renderer); it must not take the fan-out down
// halfway, so the sink goes quiet and its first error is rethrown once every host has finished.
function guardSink(sink: EventSink | undefined): { emit: EventSink; rethrow: () => void } {
  let failure: { error: unknown } | undefined;
  const emit: EventSink = (event: FleetEvent) => {
    if (!sink || failure) return;
    try {
      sink(event);
    } catch (error) {
      failure = { error };
    }
  };
  return {
    emit,
    rethrow: () => {
      if (failure) throw failure.error;
    },
  };
}
