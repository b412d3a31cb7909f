/**
 * Uploads one local file into a new remote temp file: chunks from the shared read (see
 * transfer-source.ts), spread over the host's lanes, with many large writes in flight on each.
 * The temp is created with O_EXCL and mode 0600, then given its final mode before any data, so
 * the file that the rename later reveals already has it.
 */
import { FleetError } from '../errors.js';
import type { RemoteHandle } from '../transport/index.js';
import { abortReason, leastLoaded, untilAborted, type Lane } from './transfer-lanes.js';
import { explainWriteFailure } from './transfer-remote-fs.js';
import type { ChunkConsumer } from './transfer-source.js';

/** One upload. */
export interface UploadSpec {
  temp: string;
  size: number;
  /** Permission bits for the file. */
  mode: number;
  lanes: readonly Lane[];
  /** Opened lazily (files of size 0 need none). */
  chunks: () => Promise<ChunkConsumer>;
  signal: AbortSignal;
  /** Called as the server acknowledges data. */
  onBytes: (n: number) => void;
}

/**
 * Writes the file to `spec.temp`, checks the size the server reports, and closes every handle.
 * On failure the temp may exist: the caller removes it (it tracks every temp it made).
 */
export async function uploadFile(spec: UploadSpec): Promise<void> {
  const main = spec.lanes[0] as Lane;
  const host = main.session.host;
  const first = await main.session.open(spec.temp, 'wx', 0o600);
  const handles: RemoteHandle[] = [first];
  try {
    await main.session.fchmod(first, spec.mode);
    // Every lane writes through its own handle on the same file.
    for (const lane of spec.lanes.slice(1)) handles.push(await lane.session.open(spec.temp, 'r+'));
    if (spec.size > 0) await writeChunks(spec, handles);
    const stats = await main.session.fstat(first);
    if (stats.size !== spec.size) {
      throw new FleetError('FLEET_CHECKSUM_MISMATCH', `${host}: ${spec.temp} holds ${stats.size} bytes after the upload, expected ${spec.size}`, {
        host,
        details: { path: spec.temp, size: stats.size, expected: spec.size },
      });
    }
  } finally {
    const closing = Promise.allSettled(handles.map((handle, i) => (spec.lanes[i] as Lane).session.close(handle)));
    // Aborted: do not wait on a connection that may be dead; the caller's cleanup is bounded.
    if (!spec.signal.aborted) await closing;
  }
}

async function writeChunks(spec: UploadSpec, handles: readonly RemoteHandle[]): Promise<void> {
  const consumer = await spec.chunks();
  const inFlight = new Set<Promise<void>>();
  let failure: FleetError | undefined;
  let acked = 0;
  try {
    while (failure === undefined) {
      if (spec.signal.aborted) throw abortReason(spec.signal, (spec.lanes[0] as Lane).session.host);
      const chunk = await consumer.next();
      if (chunk === null) break;
      const index = leastLoaded(spec.lanes);
      const lane = spec.lanes[index] as Lane;
      const length = chunk.data.length;
      await lane.reserve(length, spec.signal);
      const write = lane.session.write(handles[index] as RemoteHandle, chunk.data, chunk.offset).then(
        () => {
          acked += length;
          spec.onBytes(length);
        },
        (error: unknown) => {
          failure ??= error instanceof FleetError ? error : new FleetError('FLEET_SFTP_FAILURE', String(error));
        },
      );
      const tracked = write.finally(() => {
        lane.release(length);
        inFlight.delete(tracked);
      });
      inFlight.add(tracked);
    }
  } finally {
    consumer.close();
  }
  await untilAborted(Promise.all(inFlight), spec.signal, (spec.lanes[0] as Lane).session.host);
  if (failure !== undefined) throw await explainWriteFailure((spec.lanes[0] as Lane).session, failure, spec.temp, spec.size - acked);
}
