import { createRenderer, type EventSink, followDirectory, listShardFiles, mergeFiles, type MergeResult, mergeStream, type Renderer, ShardMerger, writeRerunFile } from '../../internal.js';
import fs from 'node:fs';
import path from 'node:path';
import { FleetError } from '../../errors.js';
import { ExitCode, exitCodeForSummary } from '../exit-codes.js';
import { startHtmlReport } from '../html-report.js';
import type { CliIo } from '../io.js';
import { outputFlowFor } from '../io-flow.js';
import type { ReportOptions } from './report.js';

/**
 * `fleet report FILES|DIR|-`: merge a sharded run's events and render them as one run. The exit
 * code is that of one unsharded run over the same hosts; shards that never started or died make
 * it at least 3 (their hosts are unaccounted for, or `lost`); shards of different plans are 2.
 */
export async function runReportCommand(sources: readonly string[], options: ReportOptions, io: CliIo): Promise<number> {
  const warn = (message: string): void => {
    if (options.quiet !== true) io.stderr.write(`fleet: warning: ${message}\n`);
  };
  let renderer: Renderer | undefined;
  const sinks: EventSink[] = [(event) => renderer?.onEvent(event)];
  // --html: the merged events also feed the report page, written with the merged exit code.
  const html = await startHtmlReport({ ...(options.html !== undefined && { report: options.html }) }, io);
  if (html) sinks.push((event) => html.onEvent(event));
  const merger = new ShardMerger((event) => {
    for (const sink of sinks) sink(event);
  });
  // The renderer starts only once the plan is known to be one (a mismatch prints nothing else).
  const startRenderer = async (): Promise<void> => {
    renderer ??= await createRenderer(options.output, io, { color: options.color, quiet: options.quiet === true, flow: outputFlowFor(io) });
  };
  let result: MergeResult;
  try {
    if (sources.length === 1 && sources[0] === '-') {
      if (io.stdin === undefined) throw new FleetError('FLEET_USAGE', 'report -: no stdin to read');
      await mergeStream(io.stdin, merger, warn, startRenderer);
    } else if (options.follow === true) {
      if (sources.length !== 1 || !isDirectory(path.resolve(io.cwd, sources[0] as string))) throw new FleetError('FLEET_USAGE', "report --follow reads one directory (the shards' --out-dir) or '-' (stdin)");
      await followDirectory(path.resolve(io.cwd, sources[0] as string), merger, warn, { beforeOpen: startRenderer, ...(io.drain && { stop: io.drain }) });
    } else {
      await mergeFiles(shardFiles(sources, io.cwd), merger, warn, startRenderer);
    }
    await startRenderer();
    result = merger.end();
  } finally {
    await renderer?.close();
  }
  for (const k of result.missingShards) {
    io.stderr.write(`fleet: shard ${k}/${result.planTotal} of run ${result.runId ?? '-'} never started (no events): its hosts are not in this report\n`);
  }
  if (result.missingShards.length > 0) io.stderr.write(`fleet: ${result.missingHosts} host(s) of the plan are unaccounted for\n`);
  // --follow stopped by Ctrl-C: shards without a summary may still be running, not dead.
  const stopped = options.follow === true && (io.drain?.aborted ?? false);
  const why = stopped ? 'has no summary yet (still running when --follow stopped, or killed)' : 'ended without a summary (killed?)';
  for (const k of result.deadShards) io.stderr.write(`fleet: shard ${k}/${result.planTotal} ${why}: its unfinished hosts are lost (started) or skipped (never started)\n`);
  if (options.hostsFile !== undefined) await writeHostsFile(path.resolve(io.cwd, options.hostsFile), result);
  const code = exitCodeForSummary(result.summary, stopped || (io.interrupt?.aborted ?? false));
  const exitCode = result.missingShards.length > 0 && code < ExitCode.HostFailed ? ExitCode.HostFailed : code;
  await html?.write(exitCode);
  return exitCode;
}

/** Files as given; a directory stands for its .jsonl files (and those of its run-id subdirectories). */
function shardFiles(sources: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const source of sources) {
    const full = path.resolve(cwd, source);
    if (isDirectory(full)) files.push(...listShardFiles(full));
    else if (fs.existsSync(full)) files.push(full);
    else throw new FleetError('FLEET_USAGE', `${source}: no such file or directory`);
  }
  if (files.length === 0) throw new FleetError('FLEET_USAGE', `no shard files (.jsonl) in ${sources.join(' ')}`);
  return files;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The hosts that did not succeed, as a rerun file (one name per line under `#` headers): `fleet
 * exec -i INV --rerun FILE CMD` runs them again with the inventory's settings, `-H @FILE` by name.
 */
async function writeHostsFile(file: string, result: MergeResult): Promise<void> {
  await writeRerunFile(file, {
    hosts: result.failedHosts,
    command: `fleet report (run ${result.runId ?? '-'}, plan ${result.planHash ?? '-'})`,
    written: new Date().toISOString(),
    inventory: [],
  });
}
