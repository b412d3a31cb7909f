import { openFleet } from '../../fleet.js';
import { resolveHostSelection } from '../../selection.js';
import type { CommonOptions } from '../common-options.js';
import { exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { chooseRenderer } from '../renderer-choice.js';
import { parseCommonSettings, selectionOptions } from '../settings.js';

/** `fleet exec CMD`: parse, select hosts, run through the library, render, map to an exit code. */
export async function runExecCommand(command: string, options: CommonOptions, io: CliIo): Promise<number> {
  const settings = parseCommonSettings(options);
  const hosts = await resolveHostSelection(selectionOptions(options, settings, io));
  const renderer = await chooseRenderer(options, io);
  if (settings.hostKeyPolicy === 'off') {
    io.stderr.write('fleet: warning: --strict-host-keys no: host keys are NOT checked; anyone on the path can impersonate these hosts\n');
  }
  const fleet = openFleet({
    inventory: hosts,
    forks: settings.forks,
    ...(settings.hostKeyPolicy && { hostKeyPolicy: settings.hostKeyPolicy }),
    ...(options.knownHosts && { knownHostsFiles: options.knownHosts }),
    env: io.env,
  });
  try {
    const report = await fleet.exec(command, {
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
      ...(io.interrupt && { signal: io.interrupt }),
      ...(io.drain && { drain: io.drain }),
      capture: false,
      onEvent: (event) => renderer.onEvent(event),
    });
    await renderer.close();
    return exitCodeForSummary(report.summary, io.interrupt?.aborted ?? false);
  } finally {
    await fleet.close();
  }
}
