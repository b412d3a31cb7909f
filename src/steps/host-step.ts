/**
 * One step on one host, as a task of the run engine (run/host-run.ts): the host's gates, its
 * connection lease across steps, the step's timeout and its `exit` come from runHost; this fills
 * the step's templates from the host's variables and runs it. Never throws: every failure is
 * the step's outcome.
 */
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { OutputFlow } from '../output-flow.js';
import { statusOfError, type ExecOutput, type TaskResult } from '../result.js';
import { HostLease, runHost, type HostOutcome, type HostRunEnv, type HostTaskContext } from '../run/host-run.js';
import { execTask } from '../tasks/exec.js';
import { confinedLocalDest } from './local-dest.js';
import { describeStep, stepRef, type Step } from './model.js';
import { isStepSuccess, type StepOutcome } from './outcome.js';
import { hostValue, undefinedVariable } from './host-values.js';
import { isHostValueName, renderTemplate, type Template, type TemplateUse } from './template.js';
import type { TransferSteps } from './transfer-steps.js';

/** What every step of a run shares: the run's (connections, events, clock, signal) and the steps'. */
export interface StepEnv extends HostRunEnv {
  maxOutputBytes: number;
  capture: boolean;
  /** The output reader's backpressure (see OutputFlow). */
  flow?: OutputFlow | undefined;
  /** Where relative local paths resolve. */
  baseDir: string;
  transfers: TransferSteps;
}

/** What a step's task returns on a host: an exec's output, or a transfer task's result. */
export type StepValue = { exec: ExecOutput } | { transfer: unknown };

/** One host's walk through the steps: its variables, outcomes and connection. */
export class HostRun {
  readonly host: HostSpec;
  readonly vars: Map<string, string>;
  readonly outcomes: Array<StepOutcome | undefined>;
  /** The step whose failure ended this host's run. */
  failedAt: StepOutcome | undefined;
  // Held from the host's first step of a fan-out to its last (released by `release`); the pool
  // keeps it open across the barrier, so the next fan-out gets the same one back.
  readonly #lease = new HostLease();
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

  /** Runs `step` on this host (one runHost: its gates and its exit carry the step); records and returns its outcome. */
  async run(step: Step, env: StepEnv): Promise<StepOutcome> {
    this.#started ??= performance.now();
    const result = await runHost(this.host, env, (ctx) => this.#task(step, env, ctx), classifyStep, {
      step: stepRef(step),
      lease: this.#lease,
      timeoutMs: step.timeoutMs,
    });
    this.#ended = performance.now();
    const outcome = outcomeOf(step, result);
    this.outcomes[step.index] = outcome;
    if (!isStepSuccess(outcome.status)) this.failedAt = outcome;
    if (result.ok && 'exec' in result.value && step.register !== undefined) this.vars.set(step.register, result.value.exec.stdout.trim());
    return outcome;
  }

  /** Gives the host's connection back to the pool (end of a fan-out); the next step acquires it again. */
  release(): void {
    this.#lease.release();
  }

  /** The step as a HostTask: templates filled from this host's variables, then exec, put or get. */
  async #task(step: Step, env: StepEnv, { conn, signal, phase }: HostTaskContext): Promise<StepValue> {
    const name = this.host.name;
    if (step.action.kind === 'exec') {
      const exec = await execTask(conn, {
        command: this.#fill(step, step.action.command, 'command'),
        env: this.#fillEnv(step),
        pty: step.pty,
        signal,
        maxOutputBytes: env.maxOutputBytes,
        capture: env.capture || step.register !== undefined,
        flow: env.flow,
        onTiming: phase,
        // The piece keeps output that is not UTF-8 exact (base64) for json/jsonl.
        onStdout: (_text, piece) => env.emit({ type: 'stdout', host: name, ...piece }),
        onStderr: (_text, piece) => env.emit({ type: 'stderr', host: name, ...piece }),
      });
      return { exec };
    }
    if (step.action.kind === 'put') {
      const src = path.resolve(env.baseDir, this.#fill(step, step.action.src, 'path'));
      const put = env.transfers.put ?? unsupported('put');
      const dest = this.#fill(step, step.action.dest, 'path');
      return { transfer: await put({ conn, host: this.host, src, dest, mode: step.action.mode, recursive: step.action.recursive ?? false, signal, emit: env.emit }) };
    }
    if (step.action.kind === 'get') {
      const dest = confinedLocalDest(step.action.dest, this.#fill(step, step.action.dest, 'path'), env.baseDir, { allowOutside: step.action.allowDestOutside ?? false, host: name });
      const get = env.transfers.get ?? unsupported('get');
      const src = this.#fill(step, step.action.src, 'path');
      return { transfer: await get({ conn, host: this.host, src, dest, recursive: step.action.recursive ?? false, signal, emit: env.emit }) };
    }
    throw new FleetError('FLEET_INTERNAL', `${describeStep(step)} is a local step; it does not run per host`);
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
}

/** A step's status on a host: its error's, its exit code's, or its transfer's. */
export function classifyStep(result: TaskResult<StepValue>): HostOutcome {
  if (!result.ok) return { status: statusOfError(result.error.code), exitCode: null, signal: null };
  if ('exec' in result.value) return { status: result.value.exec.exitCode === 0 ? 'ok' : 'failed', exitCode: result.value.exec.exitCode, signal: result.value.exec.signal };
  return { status: transferStatus(result.value.transfer), exitCode: null, signal: null };
}

/** A step's outcome on a host (or on this machine, for a local step) from its task's result. */
export function outcomeOf(step: Step, result: TaskResult<StepValue>): StepOutcome {
  const { status, exitCode, signal } = classifyStep(result);
  const base = { index: step.index, name: step.name, kind: step.action.kind, ran: true, durationMs: result.durationMs };
  if (!result.ok) return { ...base, status, exitCode, signal, stdout: '', stderr: '', error: result.error };
  if ('exec' in result.value) return { ...base, status, exitCode, signal, stdout: result.value.exec.stdout, stderr: result.value.exec.stderr };
  return { ...base, status, exitCode, signal, stdout: '', stderr: '', transfer: result.value.transfer };
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
