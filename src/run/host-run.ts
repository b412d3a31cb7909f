import { withTimeout } from '../concurrency/deadline.js';
import { toFleetError, type FleetError } from '../errors.js';
import type { EventSink, HostPhase, HostTimingPhase, StepRef } from '../events.js';
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

/** How one runHost differs for a step of a steps run. */
export interface HostRunOptions {
  /** The step this is: host_state, host_phase and exit events carry it. */
  step?: StepRef | undefined;
  /** Holds the connection after the task, for the host's next steps (see HostLease). */
  lease?: HostLease | undefined;
  /** The task's own bound (a step's `timeout:`), instead of the run's `--timeout`. */
  timeoutMs?: number | undefined;
}

/**
 * A host's hold on its connection across several tasks (the steps of one fan-out of a steps
 * run): the first task acquires it, later ones reuse it (or reconnect if it died between two),
 * and `release` gives it back at the end of the fan-out. The pool keeps it open across the
 * barrier, so the next fan-out is lent the same connection.
 */
export class HostLease {
  #conn: Connection | undefined;
  #dead = false;
  #source: ConnectionSource | undefined;

  /** The held connection, while it is open. */
  get conn(): Connection | undefined {
    return this.#dead ? undefined : this.#conn;
  }

  hold(conn: Connection, source: ConnectionSource): void {
    this.#conn = conn;
    this.#source = source;
    this.#dead = false;
    void conn.closed.then(() => {
      if (this.#conn === conn) this.#dead = true;
    });
  }

  release(): void {
    if (this.#conn !== undefined) this.#source?.release(this.#conn);
    this.#conn = undefined;
    this.#source = undefined;
  }
}

/**
 * Takes one host through its gates (connecting → authenticated → running → done), runs the task
 * on its pooled connection and returns its TaskResult. Never throws: every failure becomes a value,
 * and every host (every step of a host, in a steps run) ends with exactly one `exit` event.
 */
export async function runHost<T>(
  host: HostSpec,
  env: HostRunEnv,
  task: HostTask<T> | HostProbe<T>,
  classify: (result: TaskResult<T>) => HostOutcome,
  opts: HostRunOptions = {},
): Promise<TaskResult<T>> {
  const started = performance.now();
  const step = opts.step === undefined ? {} : { step: opts.step };
  // Phases only move forward; a late or repeated report (a shared connection) changes nothing.
  let at = 0;
  const reach = (state: HostPhase): void => {
    const index = HOST_PHASES.indexOf(state);
    if (index <= at) return;
    at = index;
    env.emit({ type: 'host_state', host: host.name, state, t: env.elapsed(), ...step });
  };
  // Durations keep 0.1 ms (a loopback phase takes a few ms).
  const phase = (p: HostTimingPhase, ms: number): void =>
    env.emit({ type: 'host_phase', host: host.name, phase: p, durationMs: Math.round(ms * 10) / 10, t: env.elapsed(), ...step });
  let result: TaskResult<T>;
  let conn: Connection | undefined;
  try {
    if (typeof task === 'function') conn = opts.lease?.conn ?? (await connect(host, env, reach, phase, opts.lease));
    reach('running');
    const name = opts.timeoutMs === undefined ? '--timeout' : 'timeout';
    const bounded = withTimeout(env.signal, opts.timeoutMs ?? env.timeoutMs, { name, host: host.name });
    try {
      const ctx = { host, signal: bounded.signal, emit: env.emit, phase };
      const value = typeof task === 'function' ? await task({ ...ctx, conn: conn as Connection }) : await task.probe({ ...ctx, connections: env.connections });
      result = { host: host.name, ok: true, value, durationMs: Math.round(performance.now() - started) };
    } finally {
      bounded.dispose();
      // The host's last task of this operation: its slot is free for a waiting host.
      if (conn !== undefined && opts.lease === undefined) env.connections.release(conn);
    }
  } catch (error) {
    result = { host: host.name, ok: false, error: toFleetError(error, host.name), durationMs: Math.round(performance.now() - started) };
  }
  reach('done');
  const outcome = classify(result);
  env.emit({
    type: 'exit',
    host: host.name,
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: result.durationMs,
    ...(result.ok ? {} : { error: result.error.toJSON() }),
    ...step,
  });
  return result;
}

/** Acquires the host's connection, announcing the gates it passes. */
async function connect(
  host: HostSpec,
  env: HostRunEnv,
  reach: (state: HostPhase) => void,
  phase: (p: HostTimingPhase, ms: number) => void,
  lease: HostLease | undefined,
): Promise<Connection> {
  // A lease whose connection died gives it back before asking again.
  lease?.release();
  // A steps run's host whose connection the pool kept open across a barrier is still connected:
  // no gate to announce. (Operations always announce them, as a fresh run would.)
  const reused = lease !== undefined && env.connections.isOpen(host.name);
  if (!reused) reach('connecting');
  const conn = await env.connections.acquire(
    connectTargetOf(host),
    env.signal,
    (p) => {
      if (p === 'authenticated') reach('authenticated');
    },
    phase,
  );
  // A connection another operation of the fleet opened: no phases were seen, but it is authenticated.
  if (!reused) reach('authenticated');
  lease?.hold(conn, env.connections);
  return conn;
}

/** Announces a host (or a host's step) that never started: `done`, then its one `exit`. */
export function announceSkipped(env: Pick<HostRunEnv, 'emit' | 'elapsed'>, host: string, status: HostStatus, error: FleetError, step?: StepRef): void {
  const ref = step === undefined ? {} : { step };
  env.emit({ type: 'host_state', host, state: 'done', t: env.elapsed(), ...ref });
  env.emit({ type: 'exit', host, status, exitCode: null, signal: null, durationMs: 0, error: error.toJSON(), ...ref });
}
