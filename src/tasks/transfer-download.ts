/**
 * Downloads one remote file into a new local temp (O_EXCL|O_NOFOLLOW, see transfer-local.ts):
 * reads of the server's largest size, many in flight on each lane, written at their offsets, and
 * hashed in order in a worker as they land (so the digest is ready when the last byte is). Memory
 * is bounded by the lanes' in-flight budgets: a read's budget is given back only once its chunk
 * is written and hashed.
 */
import type { FileHandle } from 'node:fs/promises';
import type { HashResult, HashStream } from '../concurrency/hash-pool.js';
import { FleetError } from '../errors.js';
import type { RemoteHandle } from '../transport/index.js';
import { localError, openLocalTemp } from './transfer-local.js';
import { abortReason, leastLoaded, untilAborted, type Lane } from './transfer-lanes.js';

// Bytes a download may have queued for its hash worker before its reads wait.
const HASH_BACKLOG_BYTES = 8 * 1024 * 1024;

/** One download. */
export interface DownloadSpec {
  host: string;
  remote: string;
  /** A real local directory (checked by the caller) and the checked name of the file in it. */
  localDir: string;
  name: string;
  lanes: readonly Lane[];
  /** Hashes what arrives (undefined: no verification). */
  hash: HashStream | undefined;
  signal: AbortSignal;
  onBytes: (n: number) => void;
}

/** A finished download, waiting in its temp. */
export interface Downloaded {
  temp: string;
  size: number;
  /** Of the bytes written (when a hash stream was given). */
  digest: HashResult | undefined;
}

/**
 * Runs the download; the temp's path is reported through `onTemp` as soon as it exists, so the
 * caller can remove it whatever happens next.
 */
export async function downloadFile(spec: DownloadSpec, onTemp: (path: string) => void): Promise<Downloaded> {
  const main = spec.lanes[0] as Lane;
  const open: { lane: Lane; handle: RemoteHandle }[] = [];
  let local: { path: string; handle: FileHandle } | undefined;
  try {
    // One round trip for every lane's handle; on a partial failure each opened one is closed on its own lane.
    const opened = await Promise.allSettled(spec.lanes.map((lane) => lane.session.open(spec.remote, 'r')));
    opened.forEach((result, i) => {
      if (result.status === 'fulfilled') open.push({ lane: spec.lanes[i] as Lane, handle: result.value });
    });
    const failed = opened.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const handles = open.map((o) => o.handle);
    const stats = await main.session.fstat(handles[0] as RemoteHandle);
    local = await openLocalTemp(spec.localDir, spec.name, spec.host);
    onTemp(local.path);
    // Only permission bits: never setuid/setgid/sticky from a remote host.
    await local.handle.chmod(stats.mode & 0o777).catch((error: unknown) => {
      throw localError(error, spec.host, `set the mode of ${local?.path}`);
    });
    if (stats.size > 0) await readAll(spec, handles, local.handle, stats.size);
    const digest = spec.hash ? await untilAborted(spec.hash.digest(), spec.signal, spec.host) : undefined;
    return { temp: local.path, size: stats.size, digest };
  } catch (error) {
    spec.hash?.abort();
    throw error;
  } finally {
    await local?.handle.close().catch(() => undefined);
    const closing = Promise.allSettled(open.map(({ lane, handle }) => lane.session.close(handle)));
    if (!spec.signal.aborted) await closing;
  }
}

async function readAll(spec: DownloadSpec, handles: readonly RemoteHandle[], file: FileHandle, size: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  // Chunks that arrived ahead of the hash cursor, by offset (bounded by the lanes' budgets).
  const ahead = new Map<number, { data: Buffer; done: () => void }>();
  let hashed = 0;
  let failure: FleetError | undefined;
  const feedHash = (offset: number, data: Buffer, done: () => void): void => {
    if (spec.hash === undefined || failure !== undefined) return done();
    ahead.set(offset, { data, done });
    for (let next = ahead.get(hashed); next !== undefined; next = ahead.get(hashed)) {
      ahead.delete(hashed);
      hashed += next.data.length;
      // Its own ArrayBuffer (allocUnsafeSlow), written already: moved to the worker, not copied.
      spec.hash.update(next.data, { transfer: true });
      // The read's budget comes back once the worker keeps up: a busy worker slows the reads
      // rather than queueing the whole download in its inbox.
      void spec.hash.whenBacklogBelow(HASH_BACKLOG_BYTES).then(next.done);
    }
  };

  for (let offset = 0; offset < size && failure === undefined; ) {
    if (spec.signal.aborted) throw abortReason(spec.signal, spec.host);
    const index = leastLoaded(spec.lanes);
    const lane = spec.lanes[index] as Lane;
    const length = Math.min(lane.session.maxReadBytes, size - offset);
    if (!lane.tryReserve(length)) await lane.reserve(length, spec.signal);
    const at = offset;
    offset += length;
    const task = readChunk(spec, lane, handles[index] as RemoteHandle, at, length)
      .then(async (data) => {
        await file.write(data, 0, data.length, at).catch((error: unknown) => {
          throw localError(error, spec.host, `write ${spec.name}`);
        });
        spec.onBytes(data.length);
        await new Promise<void>((resolve) => feedHash(at, data, resolve));
      })
      .catch((error: unknown) => {
        failure ??= error instanceof FleetError ? error : new FleetError('FLEET_INTERNAL', String(error), { host: spec.host });
        // Chunks waiting for this one to be hashed would wait forever: let them go.
        for (const waiting of ahead.values()) waiting.done();
        ahead.clear();
      })
      .finally(() => {
        lane.release(length);
        inFlight.delete(task);
      });
    inFlight.add(task);
  }
  await untilAborted(Promise.all(inFlight), spec.signal, spec.host);
  if (failure !== undefined) throw failure;
}

/** Reads exactly `length` bytes at `offset` (a server may answer a read with fewer). */
async function readChunk(spec: DownloadSpec, lane: Lane, handle: RemoteHandle, offset: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafeSlow(length);
  let got = 0;
  while (got < length) {
    const n = await lane.session.read(handle, data, got, length - got, offset + got);
    if (n === 0) {
      throw new FleetError('FLEET_CHECKSUM_MISMATCH', `${spec.host}: ${spec.remote} changed while it was downloaded (it ended before ${offset + length} bytes)`, {
        host: spec.host,
      });
    }
    got += n;
  }
  return data;
}
