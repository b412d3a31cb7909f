import { type HostCount, inventoryFromHosts, isStepSuccess, loadStepsFile, openFleet, resolveHostSelection, selectHosts, type StepsReport } from '../../internal.js';
import { FleetError } from '../../errors.js';
import { finishWithoutEngine, prepareShard, startHtmlReport } from '../run-extras.js';
import type { ShardOptions } from '../shard-options.js';
import { connectFleetOptions } from '../connect-settings.js';
import { ExitCode, exitCodeForSummary, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { outputFlowFor } from '../io-flow.js';
import { chooseRenderer } from '../renderer-choice.js';
import { parseCommonSettings, selectionOptions } from '../settings.js';
import type { RunCommandOptions } from './run.js';

/**
 * `fleet run STEPS.yaml`: load and check the steps (exit 2 before any connection when they are
 * wrong), select hosts, run through the library, render, map to an exit code.
 */
export async function runStepsCommand(file: string, options: RunCommandOptions & ShardOptions, io: CliIo): Promise<number> {
  const settings = parseCommonSettings(options);
  const maxFail = options.maxFail === undefined ? undefined : parseMaxFail(options.maxFail);
  const steps = await loadStepsFile(file, { cwd: io.cwd });
  const htmlReport = await startHtmlReport(options, io);
  // Every host, not just `-l`'s: the Fleet applies `-l`, and `when` patterns resolve against the
  // whole inventory (a step for `db` is no error when `-l web` leaves no db host in the run).
  const { limit, ...selection } = selectionOptions(options, settings, io);
  const hosts = await resolveHostSelection(selection);
  // --shard splits the hosts `-l` selects; the Fleet still gets them all, for `when` patterns.
  const shard = await prepareShard(options, selectHosts(inventoryFromHosts(hosts), limit), io, 'run', () => chooseRenderer(options, io));
  if (shard && shard.hosts.length === 0) return finishWithoutEngine(shard, `run ${file}`);
  const connect = await connectFleetOptions(options, settings, hosts, io);
  io.beforeConnect?.();
  const fleet = openFleet({
    inventory: hosts,
    ...(limit !== undefined && { limit }),
    ...(shard && { onlyHosts: new Set(shard.hosts.map((h) => h.name)) }),
    forks: settings.forks,
    ...(settings.hostKeyPolicy && { hostKeyPolicy: settings.hostKeyPolicy }),
    ...(options.knownHosts && { knownHostsFiles: options.knownHosts }),
    env: io.env,
    ...connect,
  });
  if (settings.hostKeyPolicy === 'off') {
    io.stderr.write('fleet: warning: --strict-host-keys no: host keys are NOT checked; anyone on the path can impersonate these hosts\n');
  }
  const renderer = shard?.renderer ?? (await chooseRenderer(options, io, hosts));
  const flow = outputFlowFor(io);
  try {
    const report = await fleet.run(steps, {
      label: `run ${file}`,
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
      ...(maxFail !== undefined && { maxFail }),
      ...(io.interrupt && { signal: io.interrupt }),
      ...(io.drain && { drain: io.drain }),
      capture: false,
      localEnv: io.env,
      onEvent: (event) => {
        if (shard) shard.onEvent(event);
        else renderer.onEvent(event);
        htmlReport?.onEvent(event);
      },
      ...(flow && { outputFlow: flow }),
    });
    await renderer.close();
    shard?.close();
    const interrupted = (io.interrupt?.aborted ?? false) || (io.drain?.aborted ?? false);
    const exitCode = exitCodeForRun(shard?.summary ? { ...report, summary: shard.summary } : report, interrupted);
    await htmlReport?.write(exitCode);
    return exitCode;
  } finally {
    shard?.close();
    await fleet.close();
  }
}

/**
 * The hosts' exit code, raised by a failed local step (a local command that exited non-zero
 * is a command failure, 1; one that could not run or finish is 3).
 */
export function exitCodeForRun(report: StepsReport, interrupted: boolean): ExitCodeValue {
  const hosts = exitCodeForSummary(report.summary, interrupted);
  const failedLocal = report.local.filter((o) => o.ran && !isStepSuccess(o.status));
  if (hosts === ExitCode.Interrupted || failedLocal.length === 0) return hosts;
  const local = failedLocal.some((o) => o.error !== undefined) ? ExitCode.HostFailed : ExitCode.CommandFailed;
  return Math.max(hosts, local) as ExitCodeValue;
}

/** `--max-fail N` or `N%`; anything else is FLEET_USAGE (exit 2). */
function parseMaxFail(text: string): HostCount {
  const value = text.trim();
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (/^\d+(\.\d+)?%$/.test(value) && Number.parseFloat(value) <= 100) return value as `${number}%`;
  throw new FleetError('FLEET_USAGE', `invalid value for --max-fail: '${text}' (a number of hosts, or a percentage such as 10%)`);
}
