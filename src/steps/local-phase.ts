/**
 * A `local:` step as a phase of the run: its command filled from run-wide variables, run once
 * in the steps file's directory, its output and exit reported as events of the pseudo-host
 * {@link LOCAL_HOST}.
 */
import { withTimeout } from '../concurrency/deadline.js';
import { FleetError, toFleetError } from '../errors.js';
import { statusOfError, type ExecOutput } from '../result.js';
import type { StepEnv } from './host-step.js';
import { runLocalCommand } from './local-step.js';
import { describeStep, stepRef, type Step } from './model.js';
import type { StepOutcome } from './outcome.js';
import { renderTemplate, type Template } from './template.js';

/**
 * How events name the machine running fleet during a local step. Not a valid inventory name
 * (no inventory host is called this), so renderers show it apart from the hosts.
 */
export const LOCAL_HOST = '(local)';

/** Runs a local step; never throws. */
export async function runLocalStep(
  step: Step,
  env: StepEnv & { vars: ReadonlyMap<string, string>; localEnv: Record<string, string | undefined> },
): Promise<StepOutcome> {
  const t0 = performance.now();
  const ref = stepRef(step);
  let value: ExecOutput | undefined;
  let error: FleetError | undefined;
  env.emit({ type: 'host_state', host: LOCAL_HOST, state: 'running', t: env.elapsed(), step: ref });
  const bound = withTimeout(env.signal, step.timeoutMs ?? env.timeoutMs, { name: step.timeoutMs === undefined ? '--timeout' : 'timeout' });
  try {
    if (step.action.kind !== 'local') throw new FleetError('FLEET_INTERNAL', `${describeStep(step)} is not a local step`);
    const fill = (t: Template, use: 'command' | 'path'): string => {
      const r = renderTemplate(t, env.vars, use);
      if ('text' in r) return r.text;
      throw new FleetError('FLEET_CONFIG_INVALID', `${describeStep(step)}: {{ ${r.missing} }} has no value (the step registering it did not run)`);
    };
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v, 'path')]));
    value = await runLocalCommand({
      command: fill(step.action.command, 'command'),
      cwd: env.baseDir,
      env: { ...env.localEnv, ...stepEnv },
      signal: bound.signal,
      maxOutputBytes: env.maxOutputBytes,
      capture: env.capture || step.register !== undefined,
      onStdout: (data) => env.emit({ type: 'stdout', host: LOCAL_HOST, data }),
      onStderr: (data) => env.emit({ type: 'stderr', host: LOCAL_HOST, data }),
    });
  } catch (thrown) {
    error = toFleetError(thrown);
  } finally {
    bound.dispose();
  }
  const durationMs = Math.round(performance.now() - t0);
  const base = { index: step.index, name: step.name, kind: step.action.kind, ran: true, durationMs };
  const outcome: StepOutcome = error
    ? { ...base, status: statusOfError(error.code), exitCode: null, signal: null, stdout: '', stderr: '', error }
    : {
        ...base,
        status: value?.exitCode === 0 ? 'ok' : 'failed',
        exitCode: value?.exitCode ?? null,
        signal: value?.signal ?? null,
        stdout: value?.stdout ?? '',
        stderr: value?.stderr ?? '',
      };
  env.emit({ type: 'host_state', host: LOCAL_HOST, state: 'done', t: env.elapsed(), step: ref });
  env.emit({
    type: 'exit',
    host: LOCAL_HOST,
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs,
    ...(error && { error: error.toJSON() }),
    step: ref,
  });
  return outcome;
}
