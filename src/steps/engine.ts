/**
 * The steps engine: a run frame (run/run-frame.ts) whose waves are a plan's phases (plan.ts),
 * each a fan-out over the same open connections in which a host runs its chain of steps, one
 * runHost per step. Emits one run_start, per-step host events (host_state and exit carry
 * `step`), and one summary.
 */
import { toFleetError, type FleetError } from '../errors.js';
import { announceSkipped } from '../run/host-run.js';
import type { HostCount } from '../run/rollout.js';
import { runFrame, type RunFrame, type RunFrameOptions } from '../run/run-frame.js';
import { HostRun, type StepEnv } from './host-step.js';
import { runLocalStep } from './local-phase.js';
import { describeStep, stepRef, type Step, type StepsFile } from './model.js';
import { classifySteps, hostResultOf, isStepSuccess, skipError, skippedOutcome, stepsReason, type StepOutcome, type StepsReport } from './outcome.js';
import { planPhases } from './plan.js';

/** Everything one steps run needs. */
export interface RunStepsEngineOptions extends RunFrameOptions, Omit<StepEnv, 'emit' | 'elapsed' | 'signal' | 'baseDir' | 'timeoutMs'> {
  steps: StepsFile;
  /** Per step with a `when`: the names of the hosts it selects. */
  whenHosts: ReadonlyMap<number, ReadonlySet<string>>;
  /** Failures tolerated (N or `N%`): past it no new step starts. */
  maxFail: HostCount | undefined;
  /** Environment of local steps. */
  localEnv: Record<string, string | undefined>;
}

/** Runs every step on every host it applies to; resolves to the total report. Rejects only on bugs. */
export async function runStepsEngine(opts: RunStepsEngineOptions): Promise<StepsReport> {
  const { steps } = opts.steps;
  const setup = {
    rollout: { maxFail: opts.maxFail },
    steps: steps.map(stepRef),
    // Every step a host did not get to run names the first reason the run stopped.
    runStopReason: (why: FleetError) => skipError(undefined, `not started: the run stopped (${why.code}: ${why.message})`, why),
    drainReason: (cause: unknown) => skipError(undefined, 'not started: the run was interrupted (no new steps after the first Ctrl-C)', cause),
  };
  const end = await runFrame(opts, setup, async (frame) => {
    const env: StepEnv = { ...opts, ...frame.env, baseDir: opts.steps.baseDir };
    const hostRuns = opts.hosts.map((h) => new HostRun(h, steps.length));
    const local = await runPhases(opts, frame, env, hostRuns);
    const stop = frame.policy;
    // Every step a host did not run gets an outcome saying why; the first one the run's stop
    // kept from it is also announced, so each host ends with an exit event.
    for (const hr of hostRuns) {
      let announced = false;
      for (const step of steps) {
        if (step.action.kind === 'local' || hr.outcomes[step.index] !== undefined) continue;
        if (!applies(opts, step, hr)) {
          hr.outcomes[step.index] = skippedOutcome(step, 'when', undefined);
        } else if (hr.failedAt) {
          const error = skipError(hr.host.name, `skipped: ${hr.host.name} failed ${describeStep(hr.failedAt)}`);
          hr.outcomes[step.index] = skippedOutcome(step, 'host-failed', error);
        } else {
          const reason = stop.stopReason ?? skipError(undefined, 'not started');
          const error = skipError(hr.host.name, reason.message, reason.cause);
          hr.outcomes[step.index] = skippedOutcome(step, 'stopped', error);
          if (!announced) {
            announced = true;
            announceSkipped(frame.env, hr.host.name, 'skipped', error, stepRef(step));
          }
        }
      }
    }
    for (const step of steps) {
      if (step.action.kind === 'local' && !local.some((o) => o.index === step.index)) {
        local.push(skippedOutcome(step, 'stopped', stop.stopReason ?? skipError(undefined, 'not started')));
      }
    }
    const results = hostRuns.map((hr) =>
      hostResultOf(hr.host.name, hr.outcomes.filter((o): o is StepOutcome => o !== undefined), Object.fromEntries(hr.vars), hr.durationMs),
    );
    const hosts = results.map((r) => ({ host: r.host, status: classifySteps(r).status, reason: () => stepsReason(r) }));
    return { value: { results, local, stopped: stop.stopReason }, hosts };
  });
  const { results, local, stopped } = end.value;
  return {
    command: opts.label,
    startedAt: end.startedAt,
    durationMs: end.durationMs,
    results,
    summary: end.summary,
    steps: steps.map((s) => ({ index: s.index, name: s.name, kind: s.action.kind, gate: s.gate, ...(s.definedAt && { definedAt: s.definedAt }) })),
    local,
    ...(stopped && { stopped }),
  };
}

/** The plan's phases, one after the other, until the run stops; returns the local steps' outcomes. */
async function runPhases(opts: RunStepsEngineOptions, { policy, wave }: RunFrame, env: StepEnv, hostRuns: HostRun[]): Promise<StepOutcome[]> {
  const { steps } = opts.steps;
  const local: StepOutcome[] = [];
  // Registered by local steps: the same for every host, and all a local step may use.
  const globals = new Map<string, string>();
  const runChain = async (hr: HostRun, chain: readonly number[]): Promise<void> => {
    try {
      for (const index of chain) {
        const step = steps[index] as Step;
        if (hr.failedAt || !applies(opts, step, hr)) continue;
        if (policy.stopReason) return;
        const outcome = await hr.run(step, env);
        if (!isStepSuccess(outcome.status)) {
          policy.record(outcome.status, false);
          return;
        }
      }
    } finally {
      // The host's fork slot ends here, so does its lease (the pool keeps the connection open).
      hr.release();
    }
  };
  const fan = (hrs: HostRun[], chain: readonly number[]): Promise<void[]> =>
    wave<HostRun, void>(hrs, {
      run: (hr) => runChain(hr, chain),
      // Hosts not started here are filled in as skipped once the run ends, with its stop reason.
      skipped: () => undefined,
      crashed: (hr, error) => {
        // runChain returns failures as values; a throw is a bug, kept as the host's outcome.
        const step = steps[chain.find((i) => hr.outcomes[i] === undefined) ?? chain[0] ?? 0] as Step;
        const { skip: _notSkipped, ...base } = skippedOutcome(step, 'stopped', toFleetError(error, hr.host.name));
        const outcome: StepOutcome = { ...base, status: 'error' };
        hr.outcomes[step.index] = outcome;
        hr.failedAt = outcome;
      },
    });
  const stop = (message: string): void => policy.stop(skipError(undefined, message));

  for (const phase of planPhases(steps)) {
    if (policy.stopReason) break;
    const active = hostRuns.filter((hr) => hr.failedAt === undefined);
    if (phase.kind === 'flow') {
      await fan(active, phase.steps);
    } else if (phase.kind === 'canary') {
      const step = steps[phase.step] as Step;
      const applicable = active.filter((hr) => applies(opts, step, hr));
      const canaries = applicable.slice(0, phase.canaries);
      await fan(canaries, [phase.step]);
      const bad = canaries.filter((hr) => !isStepSuccess(hr.outcomes[phase.step]?.status ?? 'skipped'));
      if (bad.length > 0) {
        stop(`not started: the canary hosts failed ${describeStep(step)} (${bad.map((hr) => hr.host.name).join(', ')})`);
      } else {
        await fan(applicable.slice(phase.canaries), [phase.step]);
      }
    } else {
      const step = steps[phase.step] as Step;
      const outcome = await runLocalStep(step, { ...env, vars: globals, localEnv: opts.localEnv });
      local.push(outcome);
      if (!isStepSuccess(outcome.status)) {
        const how = outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : `exit ${outcome.exitCode ?? outcome.signal ?? '?'}`;
        stop(`not started: local ${describeStep(step)} failed (${how})`);
      } else if (step.register !== undefined) {
        globals.set(step.register, outcome.stdout.trim());
        for (const hr of hostRuns) hr.vars.set(step.register, outcome.stdout.trim());
      }
    }
  }
  return local;
}

function applies(opts: Pick<RunStepsEngineOptions, 'whenHosts'>, step: Step, hr: HostRun): boolean {
  return opts.whenHosts.get(step.index)?.has(hr.host.name) ?? true;
}
