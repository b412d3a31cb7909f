import fs from 'node:fs';
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { FleetEvent } from '../events.js';

type RunStart = Extract<FleetEvent, { type: 'run_start' }>;

/**
 * One JSONL line as an event, without its `v`; undefined for a blank line or one that is not a
 * JSON event (a line cut short by a killed shard is the usual one).
 */
export function parseEventLine(line: string): FleetEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const record = JSON.parse(line) as { v?: number; type?: unknown };
    if (typeof record !== 'object' || record === null || typeof record.type !== 'string') return undefined;
    const { v: _v, ...event } = record;
    return event as FleetEvent;
  } catch {
    return undefined;
  }
}

/** The `.jsonl` files of DIR and of its subdirectories one level down (DIR/<run-id>/...), sorted. */
export function listShardFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new FleetError('FLEET_USAGE', `cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {}, { cause: error });
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(full);
    else if (entry.isDirectory()) {
      for (const sub of fs.readdirSync(full, { withFileTypes: true })) if (sub.isFile() && sub.name.endsWith('.jsonl')) out.push(path.join(full, sub.name));
    }
  }
  return out.sort();
}

/** The first line of a file (the run_start of a shard's events), read in chunks up to its newline. */
export function readFirstLine(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(256 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buf.subarray(0, nl)));
        break;
      }
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** A shard file and its run_start (undefined: empty, or cut before its first line ended). */
export interface ShardFile {
  file: string;
  start: RunStart | undefined;
}

/** Reads each file's run_start. */
export function readShardStarts(files: readonly string[]): ShardFile[] {
  return files.map((file) => {
    let line: string;
    try {
      line = readFirstLine(file);
    } catch (error) {
      throw new FleetError('FLEET_USAGE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {}, { cause: error });
    }
    const event = parseEventLine(line);
    return { file, start: event?.type === 'run_start' ? event : undefined };
  });
}

/**
 * Of several attempts of one shard, the latest (highest `attempt`) is the shard's account: a
 * retried shard replays what earlier attempts settled (with --journal) or ran everything again
 * (--on-retry rerun). Returns the chosen files in shard order and the older ones.
 */
export function latestAttempts(files: readonly ShardFile[]): { chosen: ShardFile[]; older: ShardFile[]; empty: string[] } {
  const byShard = new Map<string, ShardFile>();
  const older: ShardFile[] = [];
  const empty: string[] = [];
  for (const f of files) {
    if (f.start === undefined) {
      empty.push(f.file);
      continue;
    }
    const key = `${f.start.runId ?? ''}\0${f.start.shard?.planHash ?? f.file}\0${f.start.shard?.index ?? 1}`;
    const seen = byShard.get(key);
    if (seen === undefined) byShard.set(key, f);
    else if ((f.start.attempt ?? 1) > (seen.start?.attempt ?? 1)) {
      older.push(seen);
      byShard.set(key, f);
    } else older.push(f);
  }
  const chosen = [...byShard.values()].sort((a, b) => (a.start?.shard?.index ?? 0) - (b.start?.shard?.index ?? 0));
  return { chosen, older, empty };
}

/**
 * Calls `onEvent` for each line of a file that is an event (after the first with `skipFirst`),
 * reading 1 MiB chunks and splitting lines synchronously: per-line async iteration cost more
 * than the JSON parsing at 80,000 lines. A last line without its newline is still read (it
 * parses only if it is whole).
 */
export async function forEachEvent(file: string, onEvent: (event: FleetEvent) => void, opts: { skipFirst?: boolean } = {}): Promise<void> {
  let skip = opts.skipFirst === true;
  let rest: Buffer | undefined;
  const handle = (line: Buffer): void => {
    if (skip) {
      skip = false;
      return;
    }
    const event = parseEventLine(line.toString('utf8'));
    if (event !== undefined) onEvent(event);
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    const data = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      handle(data.subarray(start, nl));
      start = nl + 1;
    }
    rest = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
  }
  if (rest !== undefined) handle(rest);
}

/** The hosts that reached `running` in a file: who may have executed in an older attempt. */
export async function runningHosts(file: string): Promise<Set<string>> {
  const hosts = new Set<string>();
  await forEachEvent(file, (event) => {
    if (event.type === 'host_state' && event.state === 'running') hosts.add(event.host);
  });
  return hosts;
}
