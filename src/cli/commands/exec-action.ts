import os from 'node:os';
import path from 'node:path';
import { FleetError } from '../../internal.js';
import { resolveInventoryPaths, type HostSpec } from '../../internal.js';
import { defaultRerunFile, readRerunFile, writeRerunFile, type RerunRecord } from '../../internal.js';
import { statusOfExec, type ExecOutput, type RunReport } from '../../internal.js';
import { resolveHostSelection, type HostSelectionOptions } from '../../internal.js';
import { openFleetForHosts } from '../connect-settings.js';
import { exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { outputFlowFor } from '../io-flow.js';
import { chooseRenderer } from '../renderer-choice.js';
import { parseCommonSettings, selectionOptions } from '../settings.js';
import { parseExecSettings, type ExecCommandOptions } from './exec-options.js';

/**
 * `fleet exec CMD`: parse, select hosts (narrowed to a rerun file's with --only-failed/--rerun),
 * run through the library, render, record the hosts that did not succeed, map to an exit code.
 */
export async function runExecCommand(command: string, options: ExecCommandOptions, io: CliIo): Promise<number> {
  const settings = parseCommonSettings(options);
  const exec = await parseExecSettings(options, io);
  const home = io.env['HOME'] ?? os.homedir();
  const selection = selectionOptions(options, settings, io);
  const rerun = await rerunSelection(options, selection, io, home);
  const hosts = rerun ? onlyRerunHosts(await resolveHostSelection(selection), rerun) : await resolveHostSelection(selection);
  const fleet = await openFleetForHosts(options, settings, hosts, io);
  const renderer = await chooseRenderer(options, io);
  // A slow reader of our output pauses the hosts' output instead of queueing it in memory.
  const flow = outputFlowFor(io);
  try {
    const report = await fleet.exec(command, {
      ...exec,
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      ...(settings.deadlineMs !== undefined && { deadlineMs: settings.deadlineMs }),
      ...(io.interrupt && { signal: io.interrupt }),
      ...(io.drain && { drain: io.drain }),
      capture: false,
      onEvent: (event) => renderer.onEvent(event),
      ...(flow && { outputFlow: flow }),
    });
    await renderer.close();
    await recordFailedHosts(report, command, selection, io, home);
    // Either Ctrl-C counts: after the first, hosts were skipped because the user asked.
    const interrupted = (io.interrupt?.aborted ?? false) || (io.drain?.aborted ?? false);
    return exitCodeForSummary(report.summary, interrupted, options.failOn);
  } finally {
    await fleet.close();
  }
}

/**
 * The rerun file to narrow the selection to, if asked. Without -i/-H on this command line, the
 * hosts come from where the recorded run got them (so `fleet exec --only-failed CMD` just works).
 */
async function rerunSelection(options: ExecCommandOptions, selection: HostSelectionOptions, io: CliIo, home: string): Promise<{ file: string; record: RerunRecord } | undefined> {
  if (options.rerun === undefined && !options.onlyFailed) return undefined;
  const file = options.rerun === undefined ? defaultRerunFile(io.env, home) : path.resolve(io.cwd, options.rerun);
  const record = await readRerunFile(file);
  if ((selection.inventoryFiles ?? []).length === 0 && selection.adHoc === undefined) {
    selection.inventoryFiles = record.inventory;
    if (record.adHoc !== undefined) selection.adHoc = record.adHoc;
  }
  return { file, record };
}

/** The selected hosts that the rerun file names, in inventory order; every name must be known. */
function onlyRerunHosts(selected: HostSpec[], rerun: { file: string; record: RerunRecord }): HostSpec[] {
  const wanted = new Set(rerun.record.hosts);
  if (wanted.size === 0) throw new FleetError('FLEET_SELECTOR_EMPTY', `${rerun.file}: the last run left no failed hosts to run on`);
  const known = new Set(selected.map((h) => h.name));
  const missing = [...wanted].filter((name) => !known.has(name));
  if (missing.length > 0) {
    throw new FleetError('FLEET_SELECTOR_INVALID', `${rerun.file}: ${missing.length} host(s) not in the current selection: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }
  return selected.filter((h) => wanted.has(h.name));
}

/** Writes the default rerun file; failing to is worth a warning, not a failed run. */
async function recordFailedHosts(report: RunReport<ExecOutput>, command: string, selection: HostSelectionOptions, io: CliIo, home: string): Promise<void> {
  const file = defaultRerunFile(io.env, home);
  const files = selection.inventoryFiles ?? [];
  const inventory = selection.adHoc !== undefined && files.length === 0 ? [] : resolveInventoryPaths(files, io.env, io.cwd, home);
  const record: RerunRecord = {
    hosts: report.results.filter((r) => !['ok', 'unchanged'].includes(statusOfExec(r))).map((r) => r.host),
    command,
    written: new Date().toISOString(),
    inventory,
    adHoc: selection.adHoc,
    limit: selection.limit,
  };
  try {
    await writeRerunFile(file, record);
  } catch (error) {
    const message = error instanceof FleetError ? error.message : String(error);
    io.stderr.write(`fleet: warning: ${message}\n`);
  }
}
