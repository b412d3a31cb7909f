import { StepsError, isFleetError } from '../errors.js';
import type { EventSink } from '../events.js';
import { selectHosts, type Inventory } from '../inventory/index.js';
import type { OutputFlow } from '../output-flow.js';
import { runStepsEngine } from '../steps/engine.js';
import { describeStep, type StepsFile } from '../steps/model.js';
import type { StepsReport } from '../steps/outcome.js';
import type { HostCount } from '../run/rollout.js';
import type { TransferSteps } from '../steps/transfer-steps.js';
import { createTransferSteps } from '../steps/transfers.js';
import type { OperationContext } from './context.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './exec.js';

/** Options of `Fleet.run`. */
export interface FleetRunOptions {
  /** Narrows the fleet's hosts for this run. */
  limit?: string;
  /** Per-step bound on each host, unless a step sets its own `timeout`. */
  timeoutMs?: number;
  /** Whole-run bound: running steps time out, the rest are skipped. */
  deadlineMs?: number;
  /** Aborting stops running steps (hosts end `interrupted`) and starts no more. */
  signal?: AbortSignal;
  /** Aborting starts no new steps; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Once more hosts than this have failed (a number, or `'N%'` of the hosts), no new step starts. */
  maxFail?: HostCount;
  /** Cap per host, step and stream on captured output. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Keep output in the report (default true). Steps that `register` always capture. */
  capture?: boolean;
  /** Backpressure from the events' consumer, as for exec (see OutputFlow). */
  outputFlow?: OutputFlow;
  /** What run_start and the json document call this run. Default `run <file>`. */
  label?: string;
  /** Environment of `local` steps. Default `process.env`. */
  localEnv?: Record<string, string | undefined>;
}

/**
 * Runs loaded steps over the hosts of `ctx`, whose connections every step reuses. `inventory`
 * is the fleet's whole inventory: `when` patterns are resolved against it (so a group or host
 * outside `limit` is not an error), then narrowed to the hosts of the run.
 * @throws StepsError before any connection when a `when` pattern is malformed or names nothing.
 */
export async function runOperation(
  ctx: OperationContext,
  inventory: Inventory,
  steps: StepsFile,
  opts: FleetRunOptions,
  transfers: TransferSteps & { close?(): Promise<void> } = createTransferSteps(),
): Promise<StepsReport> {
  const whenHosts = resolveWhen(steps, inventory);
  const missing = steps.steps.find((s) => (s.action.kind === 'put' || s.action.kind === 'get') && transfers[s.action.kind] === undefined);
  if (missing) {
    throw new StepsError(`${describeStep(missing)}: ${missing.action.kind} steps are not available in this build of fleet`, {
      file: steps.file,
      path: `steps[${missing.index}].${missing.action.kind}`,
    });
  }
  try {
    return await runStepsEngine({
      ...opts,
      label: opts.label ?? `run ${steps.file}`,
      hosts: ctx.hosts,
      steps,
      whenHosts,
      forks: ctx.forks,
      connections: ctx.connections,
      maxFail: opts.maxFail,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      capture: opts.capture ?? true,
      flow: opts.outputFlow,
      localEnv: opts.localEnv ?? process.env,
      transfers,
    });
  } finally {
    await transfers.close?.();
  }
}

/** The host names each step's `when` selects, checked before any connection. */
function resolveWhen(steps: StepsFile, inventory: Inventory): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const step of steps.steps) {
    if (step.when === undefined) continue;
    try {
      out.set(step.index, new Set(selectHosts(inventory, step.when).map((h) => h.name)));
    } catch (error) {
      // A valid pattern that leaves no host just means the step applies to none.
      if (isFleetError(error) && error.code === 'FLEET_SELECTOR_EMPTY') {
        out.set(step.index, new Set());
        continue;
      }
      if (!isFleetError(error)) throw error;
      const line = step.definedAt === undefined ? undefined : Number(/:(\d+)$/.exec(step.definedAt)?.[1]);
      throw new StepsError(
        `${describeStep(step)}: when: ${error.message}`,
        { file: steps.file, path: `steps[${step.index}].when`, ...(line !== undefined && Number.isFinite(line) && { line }) },
        { cause: error },
      );
    }
  }
  return out;
}
