import { createRenderer, createStyle, type FleetEvent, formatSummary, shouldUseColor, VerboseRenderer } from '../../internal.js';
import { redactorFor, verbosity } from '../verbosity.js';
import type { CommonOptions } from '../common-options.js';
import { openCommandFleet } from '../connect-settings.js';
import { exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { formatPingTable, pingDocument } from './ping-output.js';

type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

/**
 * `fleet ping`: connect and authenticate through the library, then print one row per host.
 * Progress and per-host errors go through the usual renderer while hosts connect (the live view
 * on a terminal, else error lines on stderr); the table follows on stdout once every host is
 * done, then the summary. `json` prints one document instead; `jsonl` the event stream alone.
 * Exit codes as for exec: 0 every host ok, 3 any host failed, 130 interrupted.
 */
export async function runPingCommand(options: CommonOptions, io: CliIo): Promise<number> {
  const { fleet, hosts, settings } = await openCommandFleet(options, io);
  const signals = {
    ...(io.interrupt && { signal: io.interrupt }),
    ...(io.drain && { drain: io.drain }),
    ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
  };
  try {
    if (options.output === 'json') {
      const report = await fleet.ping(signals);
      io.stdout.write(`${JSON.stringify(pingDocument(report, hosts), null, 2)}\n`);
      return exitCodeForSummary(report.summary, io.interrupt?.aborted ?? false);
    }
    // No remote output to group: `group` shows what `stream` does.
    const mode = options.output === 'group' ? 'stream' : options.output;
    const chosen = await createRenderer(mode, io, { color: options.color, quiet: options.quiet === true });
    const level = verbosity(options);
    const renderer = level === 0 ? chosen : new VerboseRenderer(chosen, io.stderr, { level, redact: redactorFor(options, io, hosts) });
    const table = mode !== 'jsonl';
    let summary: SummaryEvent | undefined;
    const report = await fleet.ping({
      ...signals,
      onEvent: (event) => {
        // Held back so that it closes the output, after the table.
        if (table && event.type === 'summary') summary = event;
        else renderer.onEvent(event);
      },
    });
    await renderer.close();
    if (table) {
      io.stdout.write(formatPingTable(report));
      if (summary && options.quiet !== true) {
        const style = createStyle(shouldUseColor(io.stdout.isTTY === true, io.env, options.color));
        io.stderr.write(formatSummary(summary, style));
      }
    }
    return exitCodeForSummary(report.summary, io.interrupt?.aborted ?? false);
  } finally {
    await fleet.close();
  }
}
