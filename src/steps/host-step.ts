/**
 * One step on one host: reuse (or, if it died, reopen) the host's connection, fill the step's
 * templates from the host's variables, run it under its timeout, and report it with events that
 * carry the step. Never throws: every failure is the step's outcome.
 */
import path from 'node:path';
import { withTimeout } from '../concurrency/deadline.js';
import { FleetError, toFleetError } from '../errors.js';
import type { EventSink, HostPhase, HostTimingPhase } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { OutputFlow } from '../output-flow.js';
import { statusOfError, type ExecOutput } from '../result.js';
import { connectTargetOf } from '../run/connect-target.js';
import { hostPhaseEvent } from '../run/host-run.js';
import type { ConnectionSource } from '../transport/pool.js';
import { execTask } from '../tasks/exec.js';
import type { Connection } from '../transport/transport.js';
import { confinedLocalDest } from './local-dest.js';
import { describeStep, stepRef, type Step } from './model.js';
import { isStepSuccess, type StepOutcome } from './outcome.js';
import { hostValue, undefinedVariable } from './host-values.js';
import { isHostValueName, renderTemplate, type Template, type TemplateUse } from './template.js';
import type { TransferSteps } from './transfer-steps.js';

/** What every step of a run shares. */
export interface StepEnv {
  connections: ConnectionSource;
  emit: EventSink;
  /** Milliseconds since the run started (host_state `t`). */
  elapsed: () => number;
  /** The run's signal: interrupt and deadline. */
  signal: AbortSignal;
  /** Per-step bound unless the step sets its own (`--timeout`). */
  timeoutMs: number | undefined;
  maxOutputBytes: number;
  capture: boolean;
  /** The output reader's backpressure (see OutputFlow). */
  flow?: OutputFlow | undefined;
  /** Where relative local paths resolve. */
  baseDir: string;
  transfers: TransferSteps;
}

/** One host's walk through the steps: its variables, outcomes and connection. */
export class HostRun {
  readonly host: HostSpec;
  readonly vars: Map<string, string>;
  readonly outcomes: Array<StepOutcome | undefined>;
  /** The step whose failure ended this host's run. */
  failedAt: StepOutcome | undefined;
  // Held from the host's first step of a fan-out to its last (released by `release`); the pool
  // keeps it open across the barrier, so the next fan-out gets the same one back.
  #conn: Connection | undefined;
  #connDead = false;
  #source: ConnectionSource | undefined;
  #started: number | undefined;
  #ended: number | undefined;

  constructor(host: HostSpec, stepCount: number) {
    this.host = host;
    this.vars = new Map([['host', host.name]]);
    this.outcomes = new Array<StepOutcome | undefined>(stepCount).fill(undefined);
  }

  /** Wall time from the host's first step to its last. */
  get durationMs(): number {
    return this.#started === undefined || this.#ended === undefined ? 0 : Math.round(this.#ended - this.#started);
  }

  /** Runs `step` on this host; records and returns its outcome. */
  async run(step: Step, env: StepEnv): Promise<StepOutcome> {
    this.#started ??= performance.now();
    const t0 = performance.now();
    const ref = stepRef(step);
    const name = this.host.name;
    const state = (s: HostPhase): void => env.emit({ type: 'host_state', host: name, state: s, t: env.elapsed(), step: ref });
    const phase = (p: HostTimingPhase, ms: number): void => env.emit({ ...hostPhaseEvent(name, p, ms, env.elapsed()), step: ref });
    let value: ExecOutput | undefined;
    let transfer: unknown;
    let error: FleetError | undefined;
    try {
      const conn = await this.#connection(env, state, phase);
      state('running');
      const bound = withTimeout(env.signal, step.timeoutMs ?? env.timeoutMs, { name: step.timeoutMs === undefined ? '--timeout' : 'timeout', host: name });
      try {
        if (step.action.kind === 'exec') {
          value = await execTask(conn, {
            command: this.#fill(step, step.action.command, 'command'),
            env: this.#fillEnv(step),
            pty: step.pty,
            signal: bound.signal,
            maxOutputBytes: env.maxOutputBytes,
            capture: env.capture || step.register !== undefined,
            flow: env.flow,
            onTiming: phase,
            // The piece keeps output that is not UTF-8 exact (base64) for json/jsonl.
            onStdout: (_text, piece) => env.emit({ type: 'stdout', host: name, ...piece }),
            onStderr: (_text, piece) => env.emit({ type: 'stderr', host: name, ...piece }),
          });
        } else if (step.action.kind === 'put') {
          const src = path.resolve(env.baseDir, this.#fill(step, step.action.src, 'path'));
          const put = env.transfers.put ?? unsupported('put');
          const dest = this.#fill(step, step.action.dest, 'path');
          transfer = await put({ conn, host: this.host, src, dest, mode: step.action.mode, recursive: step.action.recursive ?? false, signal: bound.signal, emit: env.emit });
        } else if (step.action.kind === 'get') {
          const dest = confinedLocalDest(step.action.dest, this.#fill(step, step.action.dest, 'path'), env.baseDir, { allowOutside: step.action.allowDestOutside ?? false, host: name });
          const get = env.transfers.get ?? unsupported('get');
          const src = this.#fill(step, step.action.src, 'path');
          transfer = await get({ conn, host: this.host, src, dest, recursive: step.action.recursive ?? false, signal: bound.signal, emit: env.emit });
        } else {
          throw new FleetError('FLEET_INTERNAL', `${describeStep(step)} is a local step; it does not run per host`);
        }
      } finally {
        bound.dispose();
      }
    } catch (thrown) {
      error = toFleetError(thrown, name);
    }
    this.#ended = performance.now();
    const outcome = this.#outcome(step, value, transfer, error, Math.round(this.#ended - t0));
    this.outcomes[step.index] = outcome;
    if (!isStepSuccess(outcome.status)) this.failedAt = outcome;
    if (value && step.register !== undefined && !error) this.vars.set(step.register, value.stdout.trim());
    state('done');
    env.emit({
      type: 'exit',
      host: name,
      status: outcome.status,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: outcome.durationMs,
      ...(error && { error: error.toJSON() }),
      step: ref,
    });
    return outcome;
  }

  /** Gives the host's connection back to the pool (end of a fan-out); the next step acquires it again. */
  release(): void {
    if (this.#conn !== undefined && this.#source !== undefined) this.#source.release(this.#conn);
    this.#conn = undefined;
    this.#source = undefined;
  }

  /** The open connection, or a new one when there is none yet or it died (only ever between steps). */
  async #connection(env: StepEnv, state: (s: HostPhase) => void, phase: (p: HostTimingPhase, ms: number) => void): Promise<Connection> {
    if (this.#conn !== undefined && !this.#connDead) return this.#conn;
    this.release();
    // Reused (kept open across a barrier): the host is still connected, no state to announce.
    const reused = env.connections.isOpen(this.host.name);
    if (!reused) state('connecting');
    let authenticated = reused;
    const conn = await env.connections.acquire(
      connectTargetOf(this.host),
      env.signal,
      (p) => {
        if (p !== 'authenticated') return;
        authenticated = true;
        state('authenticated');
      },
      phase,
    );
    this.#source = env.connections;
    // A connection another operation of the fleet opened: no phases were seen, but it is authenticated.
    if (!authenticated) state('authenticated');
    this.#conn = conn;
    this.#connDead = false;
    void conn.closed.then(() => {
      if (this.#conn === conn) this.#connDead = true;
    });
    return conn;
  }

  #fill(step: Step, template: Template, use: TemplateUse): string {
    // Registered values first, then the host's inventory entry (`host`, `vars.X`, ...).
    const rendered = renderTemplate(template, (name) => this.vars.get(name) ?? hostValue(this.host, name), use);
    if ('text' in rendered) return rendered.text;
    const why = isHostValueName(rendered.missing) ? 'not set in the inventory for this host' : 'the step registering it did not run there';
    throw undefinedVariable(this.host.name, rendered.missing, describeStep(step), why);
  }

  #fillEnv(step: Step): Record<string, string> | undefined {
    if (!step.env) return undefined;
    return Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, this.#fill(step, v, 'path')]));
  }

  #outcome(step: Step, value: ExecOutput | undefined, transfer: unknown, error: FleetError | undefined, durationMs: number): StepOutcome {
    const base = { index: step.index, name: step.name, kind: step.action.kind, ran: true, durationMs };
    if (error) {
      return { ...base, status: statusOfError(error.code), exitCode: null, signal: null, stdout: '', stderr: '', error };
    }
    if (value) {
      const status = value.exitCode === 0 ? 'ok' : 'failed';
      return { ...base, status, exitCode: value.exitCode, signal: value.signal, stdout: value.stdout, stderr: value.stderr };
    }
    return { ...base, status: transferStatus(transfer), exitCode: null, signal: null, stdout: '', stderr: '', transfer };
  }
}

// runOperation refuses such runs before connecting; reaching this is a bug.
function unsupported(kind: string): never {
  throw new FleetError('FLEET_INTERNAL', `${kind} steps are not available in this build`);
}

// A transfer task may report `unchanged` (skip-unchanged); anything else that resolved is ok.
function transferStatus(transfer: unknown): 'ok' | 'unchanged' {
  const status = (transfer as { status?: unknown } | undefined)?.status;
  return status === 'unchanged' ? 'unchanged' : 'ok';
}
