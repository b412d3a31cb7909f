import fs from 'node:fs';
import path from 'node:path';
import { FleetError } from '../errors.js';
import type { FleetEvent } from '../events.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;

/** One line of a shard's journal (JSON, one per line, append-only). */
export type JournalRecord =
  | { t: 'attempt'; attempt: number; planHash: string; at: string; pid: number }
  /** Written and fsync'd before the host's command starts. */
  | { t: 'claim'; host: string; attempt: number }
  /** Written after the host ended: its exit event (status, exit code, error), replayed by later attempts. */
  | { t: 'done'; host: string; attempt: number; exit: ExitEvent; reason?: string };

/** What earlier attempts of a shard left in its journal. */
export interface JournalState {
  /** Attempts recorded so far (0: the shard never ran with this journal). */
  attempts: number;
  planHash: string | undefined;
  /** Hosts that ended, with their exit event: replayed, never re-run. */
  done: Map<string, { exit: ExitEvent; reason?: string }>;
  /** Hosts claimed (command may have started) that never ended: `lost`. */
  lost: Set<string>;
}

/** The journal file of shard K of N in run `runId`, under `dir`. */
export function journalPath(dir: string, runId: string, index: number, total: number): string {
  return path.join(dir, runId, `shard-${index}-of-${total}.journal`);
}

/**
 * Reads a journal. A last line cut short by a crash is ignored (it was never complete, so
 * neither was what it recorded); a missing file is an empty journal.
 */
export function readJournal(file: string): JournalState {
  const state: JournalState = { attempts: 0, planHash: undefined, done: new Map(), lost: new Set() };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return state;
    throw new FleetError('FLEET_LOCAL_IO', `cannot read the journal ${file}: ${(error as Error).message}`, {}, { cause: error });
  }
  const claimed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      continue;
    }
    switch (record.t) {
      case 'attempt':
        state.attempts = Math.max(state.attempts, record.attempt);
        state.planHash = record.planHash;
        break;
      case 'claim':
        claimed.add(record.host);
        break;
      case 'done':
        state.done.set(record.host, { exit: record.exit, ...(record.reason !== undefined && { reason: record.reason }) });
        break;
    }
  }
  for (const host of claimed) if (!state.done.has(host)) state.lost.add(host);
  return state;
}

/**
 * The writer side: an append-only file per shard, on shared storage. A claim is fsync'd before
 * the host's command may start, so after any crash a host whose command could have run is
 * claimed; `done` is not fsync'd (losing one only makes a finished host `lost`, the safe side).
 * Writes are synchronous on purpose: the claim must be on disk before the engine goes on to
 * start the command, and the engine calls the event sink synchronously just before it does.
 */
export class JournalWriter {
  readonly file: string;
  readonly #fd: number;
  readonly #attempt: number;

  constructor(file: string, attempt: number, planHash: string) {
    this.file = file;
    this.#attempt = attempt;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.#fd = fs.openSync(file, 'a', 0o600);
    } catch (error) {
      throw new FleetError('FLEET_LOCAL_IO', `cannot open the journal ${file}: ${(error as Error).message}`, {}, { cause: error });
    }
    this.#append({ t: 'attempt', attempt, planHash, at: new Date().toISOString(), pid: process.pid }, true);
  }

  claim(host: string): void {
    this.#append({ t: 'claim', host, attempt: this.#attempt }, true);
  }

  done(host: string, exit: ExitEvent, reason?: string): void {
    this.#append({ t: 'done', host, attempt: this.#attempt, exit, ...(reason !== undefined && { reason }) }, false);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }

  #append(record: JournalRecord, sync: boolean): void {
    // One write per line: O_APPEND keeps each line whole even if two writers shared the file.
    fs.writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    if (sync) fs.fsyncSync(this.#fd);
  }
}
