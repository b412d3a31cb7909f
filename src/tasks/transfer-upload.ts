/**
 * Uploads one local file into a new remote temp file: chunks from the shared read (see
 * transfer-source.ts), spread over the host's lanes, with many large writes in flight on each.
 * The temp is created with O_EXCL and mode 0600 and keeps it while its contents arrive: nobody
 * else can read a half-written file, nor run one. It gets its final mode just before the rename
 * that puts it in place (transfer-verify.ts), so only a complete, verified file ever has it.
 */
import { FleetError } from '../errors.js';
import type { RemoteHandle } from '../transport/index.js';
import { abortReason, leastLoaded, type Lane } from './transfer-lanes.js';
import { explainWriteFailure } from './transfer-remote-fs.js';
import type { Chunk, ChunkConsumer } from './transfer-source.js';

/** One upload. */
export interface UploadSpec {
  temp: string;
  size: number;
  /** The host's main lane: the upload starts on it. */
  lane: Lane;
  /** More lanes, joining the upload as soon as they are open (see Lanes.extraFor). */
  joining?: Promise<readonly Lane[]>;
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
  const main = spec.lane;
  const host = main.session.host;
  const first = await main.session.open(spec.temp, 'wx', 0o600);
  // Every handle on the temp with the lane it was opened on (the main one, then those that joined).
  const open: { lane: Lane; handle: RemoteHandle }[] = [{ lane: main, handle: first }];
  let closing: Promise<unknown> | undefined;
  const closeAll = (): Promise<unknown> => (closing ??= Promise.allSettled(open.map(({ lane, handle }) => lane.session.close(handle))));
  try {
    if (spec.size > 0) {
      const pool: LanePool = { lanes: [main], handles: [first] };
      // Lanes still opening are not waited for: one that opens after the data closes its handle at once.
      void spec.joining?.then((lanes) => joinLanes(spec, lanes, pool, open), () => undefined);
      try {
        await writeChunks(spec, pool);
      } finally {
        pool.finished = true;
      }
    }
    // The closes follow the fstat on the wire (a server answers one channel's requests in order): one round trip for both.
    const statting = main.session.fstat(first);
    void closeAll();
    const stats = await statting;
    if (stats.size !== spec.size) {
      throw new FleetError('FLEET_CHECKSUM_MISMATCH', `${host}: ${spec.temp} holds ${stats.size} bytes after the upload, expected ${spec.size}`, {
        host,
        details: { path: spec.temp, size: stats.size, expected: spec.size },
      });
    }
  } finally {
    const closed = closeAll();
    // Aborted: do not wait on a connection that may be dead; the caller's cleanup is bounded.
    if (!spec.signal.aborted) await closed;
  }
}

/** The lanes an upload writes through, each with its handle on the temp; grows as lanes join. */
interface LanePool {
  lanes: Lane[];
  handles: RemoteHandle[];
  /** Set by the write loop: resumes it after a lane joined. */
  wake?: () => void;
  /** The data is all written (or the upload failed): late lanes stay out. */
  finished?: boolean;
}

/** Opens each joining lane's handle on the temp and adds it to the pool, unless the upload is over. */
async function joinLanes(spec: UploadSpec, lanes: readonly Lane[], pool: LanePool, open: { lane: Lane; handle: RemoteHandle }[]): Promise<void> {
  await Promise.all(
    lanes.map(async (lane) => {
      if (pool.finished || spec.signal.aborted) return;
      const handle = await lane.session.open(spec.temp, 'r+').catch(() => undefined);
      if (handle === undefined) return; // a lane that cannot join is no failure
      if (pool.finished) {
        await lane.session.close(handle).catch(() => undefined);
        return;
      }
      open.push({ lane, handle });
      pool.lanes.push(lane);
      pool.handles.push(handle);
      pool.wake?.();
    }),
  );
}

/**
 * The write loop, as a pump rather than an async loop: chunks already in the shared window are
 * taken synchronously and written at once, and the loop resumes from the write acknowledgements.
 * A 64 MiB upload is ~250 writes per host and thousands per run; one promise per write instead of
 * a handful measurably lowers the client's CPU, which is the bottleneck of a large fan-out.
 */
async function writeChunks(spec: UploadSpec, pool: LanePool): Promise<void> {
  const consumer = await spec.chunks();
  const { lanes, handles } = pool;
  const main = lanes[0] as Lane;
  const host = main.session.host;
  try {
    await new Promise<void>((resolve, reject) => {
      let held: Chunk | undefined;
      let ended = false;
      let waiting = false;
      let inFlight = 0;
      let acked = 0;
      let failure: FleetError | undefined;
      let settled = false;
      const settle = (error?: FleetError): void => {
        if (settled) return;
        settled = true;
        spec.signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const fail = (error: unknown): void => {
        failure ??= error instanceof FleetError ? error : new FleetError('FLEET_SFTP_FAILURE', String(error), { host });
      };
      // Aborted: settle at once; waiting for writes on a connection that may be dead could hang.
      const onAbort = (): void => settle(abortReason(spec.signal, host));
      spec.signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        if (inFlight > 0 || settled) return;
        if (failure !== undefined) {
          const error = failure;
          void explainWriteFailure(main.session, error, spec.temp, spec.size - acked).then(settle, () => settle(error));
        } else if (ended) settle();
      };
      const pump = (): void => {
        while (failure === undefined && !ended && !waiting && !settled) {
          if (held === undefined) {
            const next = consumer.tryNext();
            if (next === undefined) {
              // Not read yet (or read by this host alone): wait for the disk, then go on.
              waiting = true;
              consumer.next().then((chunk) => {
                waiting = false;
                if (chunk === null) ended = true;
                else held = chunk;
                pump();
                done();
              }, (error: unknown) => {
                waiting = false;
                fail(error);
                done();
              });
              return;
            }
            if (next === null) {
              ended = true;
              break;
            }
            held = next;
          }
          const index = leastLoaded(lanes);
          const lane = lanes[index] as Lane;
          const chunk = held;
          const length = chunk.data.length;
          // Every lane full: an acknowledgement resumes the pump.
          if (!lane.tryReserve(length)) return;
          held = undefined;
          inFlight += 1;
          lane.session.write(handles[index] as RemoteHandle, chunk.data, chunk.offset).then(
            () => {
              acked += length;
              spec.onBytes(length);
              lane.release(length);
              inFlight -= 1;
              pump();
              done();
            },
            (error: unknown) => {
              fail(error);
              lane.release(length);
              inFlight -= 1;
              done();
            },
          );
        }
        done();
      };
      pool.wake = () => {
        if (!settled) pump();
      };
      if (spec.signal.aborted) onAbort();
      else pump();
    });
  } finally {
    consumer.close();
  }
}
