import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FleetError } from '../errors.js';
import type { ShardMerger } from './merge.js';
import { forEachEvent, latestAttempts, parseEventLine, readShardStarts, runningHosts } from './shard-files.js';

/** Something the merge noticed that is worth a line on stderr (never a reason to stop). */
export type MergeWarn = (message: string) => void;

/**
 * Merges complete shard files: every shard's run_start first (so the merged run_start lists all
 * hosts and nothing is held in memory), then each file's events in turn. Of several attempts of
 * one shard the latest counts; a host that reached `running` in two attempts is reported as a
 * possible double execution. `beforeOpen` runs once the plan is checked and before any output.
 */
export async function mergeFiles(files: readonly string[], merger: ShardMerger, warn: MergeWarn, beforeOpen: () => Promise<void> = async () => {}): Promise<void> {
  const { chosen, older, empty } = latestAttempts(readShardStarts(files));
  for (const file of empty) warn(`${file}: no run_start (empty, or cut before its first line): ignored`);
  for (const f of chosen) if (f.start) merger.start(f.start);
  await beforeOpen();
  merger.open();
  const ranIn = new Map<string, string>();
  for (const f of older) for (const host of await runningHosts(f.file)) ranIn.set(host, f.file);
  for (const f of chosen) {
    await forEachEvent(
      f.file,
      (event) => {
        if (event.type === 'host_state' && event.state === 'running' && ranIn.has(event.host)) {
          warn(`${event.host} started in ${path.basename(ranIn.get(event.host) as string)} and again in ${path.basename(f.file)}: its command may have run twice`);
        }
        merger.add(event);
      },
      { skipFirst: true },
    );
  }
}

/**
 * Merges events arriving on one stream, several shards interleaved line by line (GNU parallel
 * --line-buffer, `kubectl logs -f`): lines are attributed by their host, run_start and summary
 * by their shard. The merged run_start waits until every shard of the plan has started (or
 * the stream ends), so the live view knows every host from its first frame.
 */
export async function mergeStream(input: NodeJS.ReadableStream, merger: ShardMerger, warn: MergeWarn, beforeOpen: () => Promise<void> = async () => {}): Promise<void> {
  // Loaded by a merge only (this module is reachable from every run's CLI path).
  const readline = process.getBuiltinModule('node:readline');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let bad = 0;
  for await (const line of lines) {
    const event = parseEventLine(line);
    if (event === undefined) {
      if (line.trim() !== '') bad++;
      continue;
    }
    merger.add(event);
    await openWhenAllStarted(merger, beforeOpen);
  }
  if (bad > 0) warn(`${bad} line(s) of the input were not fleet events: ignored`);
  if (!merger.isOpen) await beforeOpen();
}

/**
 * Follows a directory on shared storage while shards write into it: reads each `.jsonl` file's
 * new complete lines every `pollMs`, until every shard of the plan has its summary or `stop`
 * aborts (Ctrl-C: the report then shows what is known). Files appear as shards start.
 */
export async function followDirectory(dir: string, merger: ShardMerger, warn: MergeWarn, opts: { stop?: AbortSignal; pollMs?: number; beforeOpen?: () => Promise<void> } = {}): Promise<void> {
  const tails = new Map<string, { offset: number; partial: boolean }>();
  const beforeOpen = opts.beforeOpen ?? (async () => {});
  const summaries = new Set<number>();
  for (;;) {
    for (const file of latestAttemptFiles(listJsonl(dir), tails)) {
      const tail = tails.get(file) ?? { offset: 0, partial: false };
      tails.set(file, tail);
      for (const line of readLinesFrom(file, tail)) {
        const event = parseEventLine(line);
        if (event === undefined) continue;
        if (event.type === 'summary') summaries.add(event.shard?.index ?? 1);
        merger.add(event);
        await openWhenAllStarted(merger, beforeOpen);
      }
    }
    const { total } = merger.progress;
    if (total !== undefined && summaries.size >= total) break;
    if (opts.stop?.aborted) break;
    try {
      await delay(opts.pollMs ?? 200, undefined, opts.stop ? { signal: opts.stop } : {});
    } catch {
      // Stopped: one last read above is not needed; report what is known.
      break;
    }
  }
  if (!merger.isOpen) await beforeOpen();
  for (const [file, tail] of tails) if (tail.partial) warn(`${file}: its last line is incomplete (the shard was cut short): ignored`);
}

/**
 * Of `shard-K-of-N.a<attempt>.jsonl` files, the latest attempt of each shard, unless an earlier
 * one is already being followed (a retry starting while we follow is reported at the end, by
 * `fleet report DIR` on the finished files).
 */
function latestAttemptFiles(files: readonly string[], following: ReadonlyMap<string, unknown>): string[] {
  const best = new Map<string, { file: string; attempt: number }>();
  for (const file of files) {
    const m = /^(.*)\.a(\d+)\.jsonl$/.exec(file);
    const key = m ? (m[1] as string) : file;
    const attempt = m ? Number(m[2]) : 0;
    const seen = best.get(key);
    if (seen !== undefined && following.has(seen.file)) continue;
    if (seen === undefined || following.has(file) || attempt > seen.attempt) best.set(key, { file, attempt });
  }
  return [...best.values()].map((b) => b.file);
}

async function openWhenAllStarted(merger: ShardMerger, beforeOpen: () => Promise<void>): Promise<void> {
  const { started, total } = merger.progress;
  if (!merger.isOpen && total !== undefined && started >= total) {
    await beforeOpen();
    merger.open();
  }
}

function listJsonl(dir: string): string[] {
  try {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(full);
      else if (entry.isDirectory()) for (const sub of fs.readdirSync(full)) if (sub.endsWith('.jsonl')) out.push(path.join(full, sub));
    }
    return out.sort();
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {}, { cause: error });
  }
}

/**
 * The complete lines written to `file` since `tail.offset`. A line still being written is left
 * for the next read (decoding only up to a newline never splits a UTF-8 character).
 */
function readLinesFrom(file: string, tail: { offset: number; partial: boolean }): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= tail.offset) return [];
    const buf = Buffer.alloc(size - tail.offset);
    const n = fs.readSync(fd, buf, 0, buf.length, tail.offset);
    const end = buf.subarray(0, n).lastIndexOf(10);
    tail.partial = end + 1 < n;
    if (end < 0) return [];
    tail.offset += end + 1;
    return buf.subarray(0, end).toString('utf8').split('\n');
  } finally {
    fs.closeSync(fd);
  }
}
