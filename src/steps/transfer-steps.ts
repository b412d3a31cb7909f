/**
 * put/get steps, as the engine calls them: one transfer on one host's open connection. The
 * implementations are the put/get tasks (src/tasks/put.ts, get.ts); this seam keeps the engine
 * independent of their options and lets a run check up front that it can do every step.
 */
import type { EventSink } from '../events.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { Connection } from '../transport/index.js';

/** One upload: `src` is an absolute local path, `dest` a remote path (templates filled). */
export interface PutStepRequest {
  conn: Connection;
  host: HostSpec;
  src: string;
  dest: string;
  mode: number | undefined;
  /** Send a directory and everything below it. */
  recursive: boolean;
  signal: AbortSignal;
  emit: EventSink;
}

/** One download: `src` is a remote path, `dest` an absolute local directory (files go to `dest/<host>/`). */
export interface GetStepRequest {
  conn: Connection;
  host: HostSpec;
  src: string;
  dest: string;
  /** Get a directory and everything below it. */
  recursive: boolean;
  signal: AbortSignal;
  emit: EventSink;
}

/**
 * The transfers a steps run can do; a run whose steps need a missing one is refused before
 * connecting. Each rejects only with FleetError.
 */
export interface TransferSteps {
  put?: (req: PutStepRequest) => Promise<unknown>;
  get?: (req: GetStepRequest) => Promise<unknown>;
}
