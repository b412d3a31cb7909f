import fs from 'node:fs';
import path from 'node:path';
import { FleetError } from '../errors.js';

/**
 * A text sink onto a file, one synchronous write per call: each event line is in the kernel
 * before the engine goes on (a host's `running` line before its command starts), so a shard
 * killed with SIGKILL leaves a file that says exactly how far it got.
 */
export class SyncFileSink {
  readonly file: string;
  #fd: number | undefined;

  constructor(file: string) {
    this.file = file;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.#fd = fs.openSync(file, 'w', 0o644);
    } catch (error) {
      throw new FleetError('FLEET_LOCAL_IO', `cannot write ${file}: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  write(text: string): void {
    if (this.#fd !== undefined) fs.writeSync(this.#fd, text);
  }

  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** `DIR/<run-id>/shard-K-of-N.a<attempt>.jsonl`: where `--out-dir` puts a shard's events. */
export function shardOutPath(dir: string, runId: string, index: number, total: number, attempt: number): string {
  return path.join(dir, runId, `shard-${index}-of-${total}.a${attempt}.jsonl`);
}
