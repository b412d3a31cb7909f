import { type ExecOutput, type HostSelectionOptions, type HostSpec, readRerunFile, recordedLimits, rerunFileFor, type RerunRecord, type RerunSelection, resolveHostSelection, resolveInventoryPaths, type RunReport, selectionMismatch, statusOfExec, writeRerunFile } from '../../internal.js';
import os from 'node:os';
import path from 'node:path';
import { FleetError } from '../../errors.js';
import { openFleetForHosts } from '../connect-settings.js';
import { exitCodeForSummary } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { outputFlowFor } from '../io-flow.js';
import { chooseRenderer } from '../renderer-choice.js';
import { parseCommonSettings, selectionOptions } from '../settings.js';
import { finishWithoutEngine, prepareShard, startHtmlReport } from '../run-extras.js';
import type { ShardOptions } from '../shard-options.js';
import { parseExecSettings, type ExecCommandOptions } from './exec-options.js';

/**
 * `fleet exec CMD`: parse, select hosts (narrowed to a rerun file's with --only-failed/--rerun),
 * run through the library, render, record the hosts that did not succeed, map to an exit code.
 */
export async function runExecCommand(command: string, options: ExecCommandOptions & ShardOptions, io: CliIo): Promise<number> {
  const settings = parseCommonSettings(options);
  const exec = await parseExecSettings(options, io);
  const home = io.env['HOME'] ?? os.homedir();
  const selection = selectionOptions(options, settings, io);
  const rerun = await rerunSelection(options, selection, io, home);
  const htmlReport = await startHtmlReport(options, io);
  const selected = rerun ? onlyRerunHosts(await resolveHostSelection(selection), rerun) : await resolveHostSelection(selection);
  // --shard: this process runs its shard only (and what earlier attempts did not settle).
  const shard = await prepareShard(options, selected, io, 'exec', () => chooseRenderer(options, io, selected));
  if (shard && shard.hosts.length === 0) return finishWithoutEngine(shard, command, options.failOn);
  const hosts = shard?.hosts ?? selected;
  const fleet = await openFleetForHosts(options, settings, hosts, io);
  const renderer = shard?.renderer ?? (await chooseRenderer(options, io, hosts));
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
      onEvent: (event) => {
        if (shard) shard.onEvent(event);
        else renderer.onEvent(event);
        htmlReport?.onEvent(event);
      },
      ...(flow && { outputFlow: flow }),
    });
    await renderer.close();
    shard?.close();
    await recordFailedHosts(report, command, selection, io, home);
    // Either Ctrl-C counts: after the first, hosts were skipped because the user asked.
    const interrupted = (io.interrupt?.aborted ?? false) || (io.drain?.aborted ?? false);
    const exitCode = exitCodeForSummary(shard?.summary ?? report.summary, interrupted, options.failOn);
    await htmlReport?.write(exitCode);
    return exitCode;
  } finally {
    shard?.close();
    await fleet.close();
  }
}

/**
 * The rerun file to narrow the selection to, if asked. `--only-failed` reads the file of this
 * selection (inventory, -H and -l: runs elsewhere have their own). `--rerun FILE` reads FILE;
 * without -i/-H the hosts come from where the recorded run got them, and with them the recorded
 * inventory must be this one: a list of names means nothing against another inventory.
 */
async function rerunSelection(options: ExecCommandOptions, selection: HostSelectionOptions, io: CliIo, home: string): Promise<{ file: string; record: RerunRecord } | undefined> {
  if (options.rerun === undefined && !options.onlyFailed) return undefined;
  if (options.rerun !== undefined) {
    const file = path.resolve(io.cwd, options.rerun);
    const record = await readRerunFile(file);
    if ((selection.inventoryFiles ?? []).length === 0 && selection.adHoc === undefined) {
      selection.inventoryFiles = record.inventory;
      if (record.adHoc !== undefined) selection.adHoc = record.adHoc;
    } else {
      refuseMismatch(file, record, rerunSelectionOf(selection, io, home), false);
    }
    return { file, record };
  }
  const current = rerunSelectionOf(selection, io, home);
  const file = rerunFileFor(io.env, home, current);
  let record: RerunRecord;
  try {
    record = await readRerunFile(file);
  } catch (error) {
    const others = await recordedLimits(io.env, home, current);
    const hint = others.length === 0 ? '' : `; runs on this inventory were recorded with ${others.slice(0, 5).join(', ')}`;
    throw new FleetError('FLEET_USAGE', `--only-failed: no run with this inventory and selection has recorded its failed hosts${hint}`, {}, { cause: error });
  }
  refuseMismatch(file, record, current, true);
  return { file, record };
}

function refuseMismatch(file: string, record: RerunRecord, current: RerunSelection, compareLimit: boolean): void {
  const mismatch = selectionMismatch(record, current, compareLimit);
  if (mismatch !== undefined) throw new FleetError('FLEET_USAGE', `the rerun file ${file} belongs to another run: ${mismatch}`);
}

/** What selects this run's hosts, as the rerun file records it (inventory paths absolute). */
function rerunSelectionOf(selection: HostSelectionOptions, io: CliIo, home: string): RerunSelection {
  const files = selection.inventoryFiles ?? [];
  const inventory = selection.adHoc !== undefined && files.length === 0 ? [] : resolveInventoryPaths(files, io.env, io.cwd, home);
  return { inventory, adHoc: selection.adHoc, limit: selection.limit };
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

/** Writes this selection's rerun file; failing to is worth a warning, not a failed run. */
async function recordFailedHosts(report: RunReport<ExecOutput>, command: string, selection: HostSelectionOptions, io: CliIo, home: string): Promise<void> {
  const current = rerunSelectionOf(selection, io, home);
  const record: RerunRecord = {
    hosts: report.results.filter((r) => !['ok', 'unchanged'].includes(statusOfExec(r))).map((r) => r.host),
    command,
    written: new Date().toISOString(),
    ...current,
  };
  try {
    await writeRerunFile(rerunFileFor(io.env, home, current), record);
  } catch (error) {
    const message = error instanceof FleetError ? error.message : String(error);
    io.stderr.write(`fleet: warning: ${message}\n`);
  }
}
