/**
 * A `local:` step as a phase of the run: its command filled from run-wide variables, run once
 * in the steps file's directory, its output and exit reported as events of the pseudo-host
 * {@link LOCAL_HOST}. It goes through the same gates as a host's step (run/host-run.ts), as a
 * probe: no connection.
 */
import { FleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { ExecOutput } from '../result.js';
import { runHost } from '../run/host-run.js';
import { classifyStep, outcomeOf, type StepEnv } from './host-step.js';
import { runLocalCommand } from './local-step.js';
import { describeStep, stepRef, type Step } from './model.js';
import type { StepOutcome } from './outcome.js';
import { renderTemplate, type Template } from './template.js';

/**
 * How events name the machine running fleet during a local step. Not a valid inventory name
 * (no inventory host is called this), so renderers show it apart from the hosts.
 */
export const LOCAL_HOST = '(local)';

// The pseudo-host runHost takes a local step through; only its name is ever read (a probe connects nowhere).
const LOCAL_SPEC: HostSpec = { name: LOCAL_HOST, address: 'localhost', port: 0, user: '', identityFiles: [], knownHostsFiles: [], labels: {}, vars: {}, groups: [] };

/** Runs a local step; never throws. */
export async function runLocalStep(
  step: Step,
  env: StepEnv & { vars: ReadonlyMap<string, string>; localEnv: Record<string, string | undefined> },
): Promise<StepOutcome> {
  const probe = async ({ signal }: { signal: AbortSignal }): Promise<ExecOutput> => {
    if (step.action.kind !== 'local') throw new FleetError('FLEET_INTERNAL', `${describeStep(step)} is not a local step`);
    const fill = (t: Template, use: 'command' | 'path'): string => {
      const r = renderTemplate(t, env.vars, use);
      if ('text' in r) return r.text;
      throw new FleetError('FLEET_CONFIG_INVALID', `${describeStep(step)}: {{ ${r.missing} }} has no value (the step registering it did not run)`);
    };
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v, 'path')]));
    return runLocalCommand({
      command: fill(step.action.command, 'command'),
      cwd: env.baseDir,
      env: { ...env.localEnv, ...stepEnv },
      signal,
      maxOutputBytes: env.maxOutputBytes,
      capture: env.capture || step.register !== undefined,
      onStdout: (data) => env.emit({ type: 'stdout', host: LOCAL_HOST, data }),
      onStderr: (data) => env.emit({ type: 'stderr', host: LOCAL_HOST, data }),
    });
  };
  const result = await runHost(LOCAL_SPEC, env, { probe: async (ctx) => ({ exec: await probe(ctx) }) }, classifyStep, { step: stepRef(step), timeoutMs: step.timeoutMs });
  return outcomeOf(step, result);
}
