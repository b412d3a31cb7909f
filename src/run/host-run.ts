import { withTimeout } from '../concurrency/deadline.js';
import { toFleetError } from '../errors.js';
import type { EventSink, HostPhase, HostTimingPhase } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { HostStatus, TaskResult } from '../result.js';
import type { ConnectionSource } from '../transport/pool.js';
import type { Connection } from '../transport/transport.js';
import { connectTargetOf } from './connect-target.js';

/** The gates every host passes, in order (see HostPhase). */
export const HOST_PHASES: readonly HostPhase[] = ['queued', 'connecting', 'authenticated', 'running', 'done'];

/** What a task gets: the host's open connection and the signal that bounds this task. */
export interface HostTaskContext {
  host: HostSpec;
  conn: Connection;
  /** Aborted by the per-command timeout (reason FLEET_TIMEOUT) or by the run (FLEET_CANCELLED). */
  signal: AbortSignal;
  emit: EventSink;
  /** Emits a `host_phase` event for this host (a phase's duration, as it ends). */
  phase: (phase: HostTimingPhase, durationMs: number) => void;
}

/** One unit of work on one host. Throws only FleetErrors (anything else is a bug). */
export type HostTask<T> = (ctx: HostTaskContext) => Promise<T>;

/**
 * Work on a host that needs no authenticated connection (a host key scan): it gets the
 * connection source instead, and the host goes queued → running → done.
 */
export interface HostProbe<T> {
  probe: (ctx: Omit<HostTaskContext, 'conn'> & { connections: ConnectionSource }) => Promise<T>;
}

/** How a finished host is reported: its status and, for commands, how the command ended. */
export interface HostOutcome {
  status: HostStatus;
  exitCode: number | null;
  signal: string | null;
}

/** What runHost needs from the run around it. */
export interface HostRunEnv {
  connections: ConnectionSource;
  emit: EventSink;
  /** Milliseconds since the run started, for host_state timestamps. */
  elapsed: () => number;
  /** The run's signal: interrupt and deadline. */
  signal: AbortSignal;
  /** Per-task bound, measured from the moment the task starts (not from connect). */
  timeoutMs: number | undefined;
}

/**
 * Takes one host through its gates (connecting → authenticated → running → done), runs the task
 * on its pooled connection and returns its TaskResult. Never throws: every failure becomes a value,
 * and every host ends with exactly one `exit` event.
 */
export async function runHost<T>(
  host: HostSpec,
  env: HostRunEnv,
  task: HostTask<T> | HostProbe<T>,
  classify: (result: TaskResult<T>) => HostOutcome,
): Promise<TaskResult<T>> {
  const started = performance.now();
  // Phases only move forward; a late or repeated report (a shared connection) changes nothing.
  let at = 0;
  const gate = {
    reach: (phase: HostPhase): void => {
      const index = HOST_PHASES.indexOf(phase);
      if (index <= at) return;
      at = index;
      env.emit({ type: 'host_state', host: host.name, state: phase, t: env.elapsed() });
    },
  };
  const phase = (p: HostTimingPhase, ms: number): void => env.emit(hostPhaseEvent(host.name, p, ms, env.elapsed()));
  let result: TaskResult<T>;
  let conn: Connection | undefined;
  try {
    if (typeof task === 'function') {
      gate.reach('connecting');
      conn = await env.connections.acquire(
        connectTargetOf(host),
        env.signal,
        (p) => {
          if (p === 'authenticated') gate.reach('authenticated');
        },
        phase,
      );
      gate.reach('authenticated');
    }
    gate.reach('running');
    const bounded = withTimeout(env.signal, env.timeoutMs, { name: '--timeout', host: host.name });
    try {
      const ctx = { host, signal: bounded.signal, emit: env.emit, phase };
      const value = typeof task === 'function' ? await task({ ...ctx, conn: conn as Connection }) : await task.probe({ ...ctx, connections: env.connections });
      result = { host: host.name, ok: true, value, durationMs: Math.round(performance.now() - started) };
    } finally {
      bounded.dispose();
      // The host's last task of this operation: its slot is free for a waiting host.
      if (conn !== undefined) env.connections.release(conn);
    }
  } catch (error) {
    result = { host: host.name, ok: false, error: toFleetError(error, host.name), durationMs: Math.round(performance.now() - started) };
  }
  gate.reach('done');
  const outcome = classify(result);
  env.emit({
    type: 'exit',
    host: host.name,
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: result.durationMs,
    ...(result.ok ? {} : { error: { code: result.error.code, message: result.error.message } }),
  });
  return result;
}

/** A `host_phase` event; durations keep 0.1 ms (a loopback phase takes a few ms). */
export function hostPhaseEvent(host: string, phase: HostTimingPhase, durationMs: number, t: number) {
  return { type: 'host_phase' as const, host, phase, durationMs: Math.round(durationMs * 10) / 10, t };
}
