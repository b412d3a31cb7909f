/**
 * The steps engine: runs a plan's phases (plan.ts) one after the other, each a fan-out over the
 * same open connections, and returns one total report. Emits one run_start, per-step host events
 * (host_state and exit carry `step`), and one summary.
 */
import { setMaxListeners } from 'node:events';
import { fanOut } from '../concurrency/fan-out.js';
import { withTimeout } from '../concurrency/deadline.js';
import { toFleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type EventSink } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import { summarize } from '../result.js';
import { guardSink } from '../run/guard-sink.js';
import type { HostCount } from '../run/rollout.js';
import { HostRun, type StepEnv } from './host-step.js';
import { runLocalStep } from './local-phase.js';
import { describeStep, stepRef, type Step, type StepsFile } from './model.js';
import { classifySteps, hostResultOf, isStepSuccess, skipError, skippedOutcome, stepsReason, type StepOutcome, type StepsReport } from './outcome.js';
import { planPhases } from './plan.js';
import { StopControl } from './stop-control.js';

/** Everything one steps run needs. */
export interface RunStepsEngineOptions extends Omit<StepEnv, 'emit' | 'elapsed' | 'signal' | 'baseDir'> {
  label: string;
  hosts: readonly HostSpec[];
  steps: StepsFile;
  /** Per step with a `when`: the names of the hosts it selects. */
  whenHosts: ReadonlyMap<number, ReadonlySet<string>>;
  forks: number;
  /** Failures tolerated (N or `N%`): past it no new step starts. */
  maxFail: HostCount | undefined;
  deadlineMs: number | undefined;
  signal: AbortSignal | undefined;
  drain: AbortSignal | undefined;
  onEvent: EventSink | undefined;
  /** Environment of local steps. */
  localEnv: Record<string, string | undefined>;
}

/** Runs every step on every host it applies to; resolves to the total report. Rejects only on bugs. */
export async function runStepsEngine(opts: RunStepsEngineOptions): Promise<StepsReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  const sink = guardSink(opts.onEvent);
  const emit = sink.emit;
  const run = withTimeout(opts.signal, opts.deadlineMs, { name: '--deadline' });
  // One listener per host in flight is expected here, not a leak.
  setMaxListeners(0, run.signal);
  const { steps } = opts.steps;
  try {
    emit({
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command: opts.label,
      started: startedAt.toISOString(),
      hosts: opts.hosts.map((h) => ({ host: h.name, address: h.address, port: h.port, user: h.user })),
      steps: steps.map(stepRef),
    });
    for (const host of opts.hosts) emit({ type: 'host_state', host: host.name, state: 'queued', t: 0 });

    const env: StepEnv = { ...opts, emit, elapsed, signal: run.signal, baseDir: opts.steps.baseDir };
    const hostRuns = opts.hosts.map((h) => new HostRun(h, steps.length));
    const control = new StopControl(opts.hosts.length, opts.maxFail, run.signal, opts.drain);
    const applies = (step: Step, hr: HostRun): boolean => opts.whenHosts.get(step.index)?.has(hr.host.name) ?? true;
    const local: StepOutcome[] = [];
    // Registered by local steps: the same for every host, and all a local step may use.
    const globals = new Map<string, string>();

    const runChain = async (hr: HostRun, chain: readonly number[]): Promise<void> => {
      try {
        for (const index of chain) {
          const step = steps[index] as Step;
          if (hr.failedAt || !applies(step, hr)) continue;
          if (control.reason) return;
          const outcome = await hr.run(step, env);
          if (!isStepSuccess(outcome.status)) {
            control.hostFailed(outcome.status);
            return;
          }
        }
      } finally {
        // The host's fork slot ends here, so does its lease (the pool keeps the connection open).
        hr.release();
      }
    };
    const fan = (hrs: HostRun[], chain: readonly number[]): Promise<void[]> =>
      fanOut<HostRun, void>(hrs, (hr) => runChain(hr, chain), {
        limit: opts.forks,
        signal: run.signal,
        // Hosts not started here are filled in as skipped once the run ends, with its stop reason.
        shouldStart: () => control.reason === undefined,
        onSkipped: () => undefined,
        onError: (hr, error) => {
          // runChain returns failures as values; a throw is a bug, kept as the host's outcome.
          const step = steps[chain.find((i) => hr.outcomes[i] === undefined) ?? chain[0] ?? 0] as Step;
          const { skip: _notSkipped, ...base } = skippedOutcome(kindOf(step), 'stopped', toFleetError(error, hr.host.name));
          const outcome: StepOutcome = { ...base, status: 'error' };
          hr.outcomes[step.index] = outcome;
          hr.failedAt = outcome;
        },
      });

    for (const phase of planPhases(steps)) {
      if (control.reason) break;
      const active = hostRuns.filter((hr) => hr.failedAt === undefined);
      if (phase.kind === 'flow') {
        await fan(active, phase.steps);
      } else if (phase.kind === 'canary') {
        const step = steps[phase.step] as Step;
        const applicable = active.filter((hr) => applies(step, hr));
        const canaries = applicable.slice(0, phase.canaries);
        await fan(canaries, [phase.step]);
        const bad = canaries.filter((hr) => !isStepSuccess(hr.outcomes[phase.step]?.status ?? 'skipped'));
        if (bad.length > 0) {
          control.stop(`not started: the canary hosts failed ${describeStep(step)} (${bad.map((hr) => hr.host.name).join(', ')})`);
        } else {
          await fan(applicable.slice(phase.canaries), [phase.step]);
        }
      } else {
        const step = steps[phase.step] as Step;
        const outcome = await runLocalStep(step, { ...env, vars: globals, localEnv: opts.localEnv });
        local.push(outcome);
        if (!isStepSuccess(outcome.status)) {
          const how = outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : `exit ${outcome.exitCode ?? outcome.signal ?? '?'}`;
          control.stop(`not started: local ${describeStep(step)} failed (${how})`);
        } else if (step.register !== undefined) {
          globals.set(step.register, outcome.stdout.trim());
          for (const hr of hostRuns) hr.vars.set(step.register, outcome.stdout.trim());
        }
      }
    }

    // Every step a host did not run gets an outcome saying why; the first one the run's stop
    // kept from it is also announced, so each host ends with an exit event.
    for (const hr of hostRuns) {
      let announced = false;
      for (const step of steps) {
        if (step.action.kind === 'local' || hr.outcomes[step.index] !== undefined) continue;
        if (!applies(step, hr)) {
          hr.outcomes[step.index] = skippedOutcome(kindOf(step), 'when', undefined);
        } else if (hr.failedAt) {
          const error = skipError(hr.host.name, `skipped: ${hr.host.name} failed ${describeStep(hr.failedAt)}`);
          hr.outcomes[step.index] = skippedOutcome(kindOf(step), 'host-failed', error);
        } else {
          const reason = control.reason ?? skipError(undefined, 'not started');
          const error = skipError(hr.host.name, reason.message, reason.cause);
          hr.outcomes[step.index] = skippedOutcome(kindOf(step), 'stopped', error);
          if (!announced) {
            announced = true;
            const ref = stepRef(step);
            emit({ type: 'host_state', host: hr.host.name, state: 'done', t: elapsed(), step: ref });
            emit({ type: 'exit', host: hr.host.name, status: 'skipped', exitCode: null, signal: null, durationMs: 0, error: error.toJSON(), step: ref });
          }
        }
      }
    }
    for (const step of steps) {
      if (step.action.kind === 'local' && !local.some((o) => o.index === step.index)) {
        local.push(skippedOutcome(kindOf(step), 'stopped', control.reason ?? skipError(undefined, 'not started')));
      }
    }

    const results = hostRuns.map((hr) =>
      hostResultOf(hr.host.name, hr.outcomes.filter((o): o is StepOutcome => o !== undefined), Object.fromEntries(hr.vars), hr.durationMs),
    );
    const statuses = results.map((r) => classifySteps(r).status);
    const summary = summarize(statuses);
    const durationMs = elapsed();
    emit({
      type: 'summary',
      summary,
      durationMs,
      failed: results.flatMap((r, i) => {
        const status = statuses[i] ?? 'error';
        return isStepSuccess(status) ? [] : [{ host: r.host, status, reason: stepsReason(r) }];
      }),
    });
    sink.rethrow();
    const stopped = control.reason;
    return {
      command: opts.label,
      startedAt: startedAt.toISOString(),
      durationMs,
      results,
      summary,
      steps: steps.map((s) => ({ index: s.index, name: s.name, kind: s.action.kind, gate: s.gate, ...(s.definedAt && { definedAt: s.definedAt }) })),
      local,
      ...(stopped && { stopped }),
    };
  } finally {
    run.dispose();
  }
}

function kindOf(step: Step): { index: number; name: string; kind: Step['action']['kind'] } {
  return { index: step.index, name: step.name, kind: step.action.kind };
}
