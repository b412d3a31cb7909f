/**
 * What a steps run reports: per host, how each step ended; per run, one RunReport whose
 * per-host status is decided by the step that ended the host's run.
 */
import { FleetError } from '../errors.js';
import { statusOfError, withStatus, type HostResult, type HostStatus, type RunReport, type TaskResult } from '../result.js';
import type { HostOutcome } from '../run/host-run.js';
import type { Step, StepGate, StepKind } from './model.js';

/** Why a step did not run on a host. */
export type StepSkip =
  /** The step's `when` pattern does not select the host: not a failure. */
  | 'when'
  /** The host failed an earlier step (`error.message` names it). */
  | 'host-failed'
  /** The run stopped first: a canary or local step failed, `--max-fail`, deadline, Ctrl-C. */
  | 'stopped';

/** How one step ended on one host (or, for `local` steps, on this machine). */
export interface StepOutcome {
  /** 0-based position of the step. */
  index: number;
  name: string;
  kind: StepKind;
  /** `ok`, `failed` (non-zero exit), a could-not-run status (`timeout`, `unreachable`...) or `skipped`. */
  status: HostStatus;
  /** Whether the step started on the host. */
  ran: boolean;
  exitCode: number | null;
  signal: string | null;
  /** Captured output (empty when the run was told not to capture and the step registers nothing). */
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Why it could not run or finish (for skips: FLEET_SKIPPED naming the reason). */
  error?: FleetError;
  /** Set when the step did not run. */
  skip?: StepSkip;
  /** What a put/get step's task returned. */
  transfer?: unknown;
}

/** A host's steps and the variables it registered. */
export interface StepsOutput {
  steps: StepOutcome[];
  vars: Record<string, string>;
}

/**
 * One host's result. Like every HostResult its `status` is the deciding step's (see
 * classifySteps), `ok` is true only for a success, and `error` is there when the host could not
 * run or finish a step; it also carries `steps` and `vars` whatever happened, so the report
 * always says which steps ran and how each ended.
 */
export type StepsHostResult = HostResult<StepsOutput> & StepsOutput;

/** A step as the report lists it. */
export interface StepInfo {
  index: number;
  name: string;
  kind: StepKind;
  gate: StepGate;
  /** `file:line` of the step in its steps file. */
  definedAt?: string;
}

/** The report of `Fleet.run`: a RunReport with per-step detail. */
export interface StepsReport extends RunReport<StepsOutput> {
  results: StepsHostResult[];
  steps: StepInfo[];
  /** The local steps that ran (or were skipped), in order. */
  local: StepOutcome[];
  /** Why the run stopped early (FLEET_SKIPPED naming the cause), if it did. */
  stopped?: FleetError;
}

/**
 * The step that decided a host's status: the first one that did not succeed (a non-zero exit,
 * a failure to run, or a skip because the run stopped), ignoring steps `when` left out.
 */
export function decidingStep(steps: readonly StepOutcome[]): StepOutcome | undefined {
  return steps.find((s) => !isStepSuccess(s.status) && s.skip !== 'when');
}

/** `ok`, or `unchanged` (a put that found the file already in place): the host goes on. */
export function isStepSuccess(status: HostStatus): boolean {
  return status === 'ok' || status === 'unchanged';
}

/** Builds a host's result from its step outcomes. */
export function hostResultOf(host: string, steps: StepOutcome[], vars: Record<string, string>, durationMs: number): StepsHostResult {
  const deciding = decidingStep(steps);
  const status = classifySteps({ steps }).status;
  const task: TaskResult<StepsOutput> = deciding?.error ? { host, ok: false, error: deciding.error, durationMs } : { host, ok: true, value: { steps, vars }, durationMs };
  return { ...withStatus<StepsOutput, TaskResult<StepsOutput>>(task, status), steps, vars } as StepsHostResult;
}

/** The status, exit code and signal a host's result is summarised and reported with. */
export function classifySteps(result: Pick<StepsOutput, 'steps'>): HostOutcome {
  const deciding = decidingStep(result.steps);
  if (deciding === undefined) {
    const last = [...result.steps].reverse().find((s) => s.ran);
    return { status: 'ok', exitCode: last?.exitCode ?? null, signal: last?.signal ?? null };
  }
  const status = deciding.error ? statusOfError(deciding.error.code) : deciding.status;
  return { status, exitCode: deciding.exitCode, signal: deciding.signal };
}

/** The one-line reason a summary shows for a host that did not end ok. */
export function stepsReason(result: StepsHostResult): string {
  const deciding = decidingStep(result.steps);
  if (deciding === undefined) return 'ok';
  const where = `step ${deciding.index + 1} "${deciding.name}"`;
  if (deciding.error) return deciding.skip === 'stopped' ? `${deciding.error.code}: ${deciding.error.message}` : `${where}: ${deciding.error.code}: ${deciding.error.message}`;
  if (deciding.signal) return `${where}: killed by signal ${deciding.signal}`;
  return `${where}: exit ${deciding.exitCode ?? '?'}`;
}

/** An outcome for a step that did not run. */
export function skippedOutcome(step: Pick<Step, 'index' | 'name' | 'action'>, skip: StepSkip, error: FleetError | undefined): StepOutcome {
  return {
    index: step.index,
    name: step.name,
    kind: step.action.kind,
    status: 'skipped',
    ran: false,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    durationMs: 0,
    skip,
    ...(error && { error }),
  };
}

/** FLEET_SKIPPED for a step a host did not run, naming why. */
export function skipError(host: string | undefined, message: string, cause?: unknown): FleetError {
  return new FleetError('FLEET_SKIPPED', message, host === undefined ? {} : { host }, cause === undefined ? undefined : { cause });
}
