import { resolveHostSelection } from '../../internal.js';
import { FleetError } from '../../internal.js';
import type { EventSink } from '../../internal.js';
import type { Fleet } from '../../internal.js';
import type { RunReport, TransferOutput } from '../../internal.js';
import { escapeTerminal } from '../../internal.js';
import type { CommonOptions } from '../common-options.js';
import { openFleetForHosts } from '../connect-settings.js';
import { finishWithoutEngine, prepareShard, startHtmlReport } from '../run-extras.js';
import type { ShardOptions } from '../shard-options.js';
import { exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ReportOption } from '../report-option.js';
import { chooseRenderer } from '../renderer-choice.js';
import { parseCommonSettings, selectionOptions, type CommonSettings } from '../settings.js';
import type { PutCommandOptions } from './put.js';

/** `fleet put LOCAL... REMOTE`: the last path is the destination. */
export async function runPutCommand(paths: readonly string[], options: PutCommandOptions & ShardOptions, io: CliIo): Promise<number> {
  if (paths.length < 2) throw new FleetError('FLEET_USAGE', 'put: give the local source(s), then the remote destination (fleet put LOCAL... REMOTE)');
  const sources = paths.slice(0, -1);
  const remote = paths.at(-1) as string;
  const mode = options.mode === undefined ? undefined : parseMode(options.mode);
  const shard = { kind: 'put', label: `put ${sources.join(' ')} ${remote}` } as const;
  return runTransferCommand(options, io, shard, (fleet, settings, common) =>
    // The local side is read inside, before any host is contacted: a missing source is exit 2.
    fleet.put(sources, remote, {
      ...common,
      recursive: options.recursive === true,
      ...(mode !== undefined && { mode }),
      skipUnchanged: options.skipUnchanged === true,
      verify: options.verify,
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
    }),
  );
}

/** What put and get pass to the library the same way: signals, events, where relative paths resolve. */
export interface TransferCallOptions {
  signal?: AbortSignal;
  drain?: AbortSignal;
  onEvent: EventSink;
  cwd: string;
}

/**
 * Shared by put and get: open the fleet, render the events, print each host's warnings (e.g.
 * verified by size only) on stderr, and map the report to an exit code (3 for any host whose
 * transfer failed, 130 when interrupted).
 */
export async function runTransferCommand(
  options: CommonOptions & ReportOption & ShardOptions,
  io: CliIo,
  what: { kind: 'put' | 'get'; label: string },
  transfer: (fleet: Fleet, settings: CommonSettings, common: TransferCallOptions) => Promise<RunReport<TransferOutput>>,
): Promise<number> {
  const htmlReport = await startHtmlReport(options, io);
  const settings = parseCommonSettings(options);
  const selected = await resolveHostSelection(selectionOptions(options, settings, io));
  // --shard: this process runs its shard only (and what earlier attempts did not settle).
  const shard = await prepareShard(options, selected, io, what.kind, () => chooseRenderer(options, io, selected));
  if (shard && shard.hosts.length === 0) return finishWithoutEngine(shard, what.label);
  const hosts = shard?.hosts ?? selected;
  const fleet = await openFleetForHosts(options, settings, hosts, io);
  try {
    const renderer = shard?.renderer ?? (await chooseRenderer(options, io, hosts));
    const report = await transfer(fleet, settings, {
      ...(io.interrupt && { signal: io.interrupt }),
      ...(io.drain && { drain: io.drain }),
      onEvent: (event) => {
        if (shard) shard.onEvent(event);
        else renderer.onEvent(event);
        htmlReport?.onEvent(event);
      },
      cwd: io.cwd,
    });
    await renderer.close();
    shard?.close();
    if (options.quiet !== true) {
      for (const result of report.results) {
        // Warnings of a transfer that ran (ok or unchanged): one that failed says why instead.
        if (result.value === undefined) continue;
        for (const warning of result.value.warnings) io.stderr.write(`fleet: warning: ${escapeTerminal(result.host)}: ${escapeTerminal(warning)}\n`);
      }
    }
    const interrupted = (io.interrupt?.aborted ?? false) || (io.drain?.aborted ?? false);
    const exitCode = exitCodeForSummary(shard?.summary ?? report.summary, interrupted);
    await htmlReport?.write(exitCode);
    return exitCode;
  } finally {
    shard?.close();
    await fleet.close();
  }
}

/** `0644`, `644`, `0o644` → 0o644; anything else is FLEET_USAGE. */
export function parseMode(text: string): number {
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(text.trim());
  if (m === null) throw new FleetError('FLEET_USAGE', `invalid value for --mode: '${text}' (octal permission bits, e.g. 0644)`);
  return Number.parseInt(m[1] as string, 8);
}
