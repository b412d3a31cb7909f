/**
 * What the hosts of one transfer operation share: the worker pool that hashes local files (each
 * file once, however many hosts), the shared local reads, and what every host's task needs to
 * report progress. Owned by the operation, closed when it ends.
 */
import { HashPool, type HashResult, type HashStream } from '../concurrency/hash-pool.js';
import type { FleetEvent } from '../events.js';
import { LaneBudget } from './transfer-lanes.js';
import { SharedSources } from './transfer-source.js';

/** The operation-wide resources a host's put or get uses. */
export interface TransferShared {
  sources: SharedSources;
  /** The extra SFTP channels the operation's hosts may open between them. */
  lanes: LaneBudget;
  /** sha256 of a local file, computed once per operation in the worker pool (started on first ask). */
  digest(path: string): Promise<HashResult>;
  /** A hash stream in the pool (a download is hashed as it arrives). */
  hashStream(): HashStream;
}

/** What a transfer task gets besides its connection. */
export interface TransferEnv {
  /** Aborted by the per-host timeout or the run. */
  signal: AbortSignal;
  emit: (event: Extract<FleetEvent, { type: 'transfer_progress' }>) => void;
  shared: TransferShared;
}

/** The shared resources of one operation. */
export class TransferResources implements TransferShared {
  readonly sources = new SharedSources();
  readonly lanes = new LaneBudget();
  readonly #pool: HashPool;
  readonly #digests = new Map<string, Promise<HashResult>>();

  constructor(pool: HashPool = new HashPool()) {
    this.#pool = pool;
  }

  digest(path: string): Promise<HashResult> {
    let digest = this.#digests.get(path);
    if (digest === undefined) {
      digest = this.#pool.hashFile(path);
      // Awaited by the hosts that verify; a host that failed first must not leave it unhandled.
      digest.catch(() => undefined);
      this.#digests.set(path, digest);
    }
    return digest;
  }

  /** Starts hashing `paths` now, so the digests are ready when the uploads end. */
  prefetch(paths: Iterable<string>): void {
    for (const path of paths) void this.digest(path);
  }

  hashStream(): HashStream {
    return this.#pool.stream();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}
