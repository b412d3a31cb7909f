/**
 * The frame every run has, whatever its hosts do: run_start and the hosts' `queued` states, the
 * run signal (interrupt, `--deadline`), the stop policy (max-fail, canary, the first Ctrl-C's
 * drain), the closing summary. Inside it a run is a sequence of waves: each one bounded fan-out
 * of a per-host unit. runHosts' waves are its rollout batches (one runHost per host); a steps
 * run's are its phases (a chain of steps per host).
 */
import { setMaxListeners } from 'node:events';
import { fanOut } from '../concurrency/fan-out.js';
import { abortReason, withTimeout } from '../concurrency/deadline.js';
import { FleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type EventSink, type FleetEvent, type StepRef } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { isSuccessStatus, summarize, type HostStatus, type RunSummary } from '../result.js';
import type { ConnectionSource } from '../transport/pool.js';
import type { HostRunEnv } from './host-run.js';
import { RolloutPolicy, type RolloutOptions } from './rollout.js';

/** What every run is given. */
export interface RunFrameOptions {
  /** What the run does, for run_start and the json document (e.g. the command line). */
  label: string;
  hosts: readonly HostSpec[];
  forks: number;
  connections: ConnectionSource;
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

/** How a kind of run sets up its frame. */
export interface FrameSetup {
  /** Canary wave and max-fail, as the stop policy counts them. */
  rollout: RolloutOptions;
  /** The skip reason of work not started after the drain; default {@link drainError}. */
  drainReason?: ((cause: unknown) => FleetError) | undefined;
  /** A steps run: the run signal stops the run too, and the steps not run say so with this. */
  runStopReason?: ((why: FleetError) => FleetError) | undefined;
  /** run_start's `steps` (a steps run). */
  steps?: StepRef[] | undefined;
}

/** One wave's per-host unit: its work, and the result of a host that never started or crashed. */
export interface WaveUnit<I, R> {
  run: (item: I) => Promise<R>;
  /** `reason`: the stop policy's reason, or the run signal's (FLEET_CANCELLED, FLEET_TIMEOUT). */
  skipped: (item: I, reason: FleetError) => R;
  /** `run` threw: a bug, kept as the item's result. */
  crashed: (item: I, error: unknown) => R;
}

/** What a run's body gives its frame and gets from it. */
export interface RunFrame {
  /** What runHost needs: the connections, the guarded event sink, the run clock and signal. */
  readonly env: HostRunEnv;
  readonly policy: RolloutPolicy;
  /**
   * One fan-out of `unit` over `items` under `--forks`; resolves when every item has settled
   * (the barrier). Items not started when the policy stops or the run signal aborts are skipped
   * at once, with the reason.
   */
  wave<I, R>(items: readonly I[], unit: WaveUnit<I, R>): Promise<R[]>;
}

/** A host as the closing summary sees it. */
export interface HostClosing {
  host: string;
  status: HostStatus;
  /** The summary's one-line reason; asked only for hosts that did not succeed. */
  reason: () => string;
}

/**
 * Runs `body` inside a run frame: emits run_start and one `queued` per host, gives the body its
 * waves, then the closing summary of the hosts it returns. Rejects only on bugs (a renderer's
 * throw is rethrown after the summary, see guardSink).
 */
export async function runFrame<R>(
  opts: RunFrameOptions,
  setup: FrameSetup,
  body: (frame: RunFrame) => Promise<{ value: R; hosts: readonly HostClosing[] }>,
): Promise<{ value: R; startedAt: string; durationMs: number; summary: RunSummary }> {
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  const sink = guardSink(opts.onEvent);
  const emit = sink.emit;
  // A run-owned signal: every host hangs its own timeout and channel listeners on it.
  const owner = new AbortController();
  const run = withTimeout(opts.signal ? AbortSignal.any([opts.signal, owner.signal]) : owner.signal, opts.deadlineMs, {
    name: '--deadline',
  });
  // One listener per host in flight is expected here, not a leak: lift Node's warning threshold.
  setMaxListeners(0, run.signal);
  const { runStopReason } = setup;
  const policy = new RolloutPolicy(opts.hosts.length, setup.rollout, [
    runStopReason && { signal: run.signal, reason: () => runStopReason(abortReason(run.signal)) },
    opts.drain && { signal: opts.drain, reason: setup.drainReason ?? drainError },
  ]);
  // Aborted at the first stop reason, so hosts waiting for a fork slot are skipped at once (and
  // say so in the live view) rather than one by one as running hosts free their slots. Running
  // hosts never see it: they follow run.signal only.
  const starts = new AbortController();
  const stopStarting = (): void => {
    const reason = policy.stopReason;
    if (reason !== undefined && !starts.signal.aborted) starts.abort(reason);
  };
  opts.drain?.addEventListener('abort', stopStarting);
  try {
    emit({
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command: opts.label,
      started: startedAt.toISOString(),
      hosts: opts.hosts.map((h) => ({ host: h.name, address: h.address, port: h.port, user: h.user })),
      ...(setup.steps && { steps: setup.steps }),
    });
    for (const host of opts.hosts) emit({ type: 'host_state', host: host.name, state: 'queued', t: 0 });
    stopStarting();

    const frame: RunFrame = {
      env: { connections: opts.connections, emit, elapsed, signal: run.signal, timeoutMs: opts.timeoutMs },
      policy,
      wave: async <I, R2>(items: readonly I[], unit: WaveUnit<I, R2>): Promise<R2[]> => {
        // The first to abort names the skip reason: a stop (drain, policy) or the run (interrupt,
        // deadline). Every host waiting for a slot listens on it, as on run.signal.
        const startSignal = AbortSignal.any([starts.signal, run.signal]);
        setMaxListeners(0, startSignal);
        return fanOut<I, R2>(
          items,
          async (item) => {
            const result = await unit.run(item);
            // The unit recorded its failures; asked before the slot is released, so the next
            // host's shouldStart sees the stop.
            stopStarting();
            return result;
          },
          {
            limit: opts.forks,
            signal: startSignal,
            shouldStart: () => policy.stopReason === undefined,
            onSkipped: (item, reason) => unit.skipped(item, isPolicyStop(reason) ? (policy.stopReason ?? reason) : reason),
            onError: (item, error) => unit.crashed(item, error),
          },
        );
      },
    };
    const { value, hosts } = await body(frame);

    const summary = summarize(hosts.map((h) => h.status));
    const durationMs = elapsed();
    emit({
      type: 'summary',
      summary,
      durationMs,
      failed: hosts.filter((h) => !isSuccessStatus(h.status)).map((h) => ({ host: h.host, status: h.status, reason: h.reason() })),
    });
    sink.rethrow();
    return { value, startedAt: startedAt.toISOString(), durationMs, summary };
  } finally {
    opts.drain?.removeEventListener('abort', stopStarting);
    run.dispose();
  }
}

/**
 * Wraps an event sink for a fan-out. A sink that throws is a bug in the caller (a renderer): it
 * must not take the run down halfway, so it goes quiet and its first error is rethrown, by
 * `rethrow()`, once every host has finished.
 */
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

// fanOut's own "shouldStart said no": the policy knows why.
function isPolicyStop(reason: FleetError): boolean {
  return reason.code === 'FLEET_CANCELLED' && reason.context.details?.['reason'] === 'stopped';
}

/** Why nothing starts after the drain (first Ctrl-C, or the reader of the output went away). */
export function drainError(cause: unknown): FleetError {
  // A drain aborted with a message says why (the CLI's "the reader of fleet's output went away").
  const why = typeof cause === 'string' ? cause : 'no new hosts start after the first Ctrl-C';
  return new FleetError('FLEET_SKIPPED', `not started: interrupted (${why})`, { details: { reason: 'drain' } }, { cause });
}
