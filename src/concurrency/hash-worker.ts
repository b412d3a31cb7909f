/**
 * The hash pool's worker (a worker_threads entry; see hash-pool.ts). It hashes a file by path,
 * streaming it through crypto's sha256, or a stream of chunks the main thread sends. Messages are
 * id-correlated; errors go back as `{ code, message }` data (STYLE "Worker boundary"), never as
 * Error objects, and the main thread rebuilds the FleetError.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** A request from the pool. A stream is `begin`, any number of `update`, then `end` (or `cancel`). */
export type HashRequest =
  | { id: number; kind: 'file'; path: string }
  | { id: number; kind: 'begin' }
  | { id: number; kind: 'update'; data: Uint8Array }
  | { id: number; kind: 'end' }
  | { id: number; kind: 'cancel' };

/**
 * The one answer to a `file` or `end` request (and to a failed stream); plus, for each `update`,
 * an acknowledgement of the bytes hashed (`acked`), so the sender can bound what is queued here.
 */
export type HashResponse =
  | { id: number; acked: number }
  | { id: number; ok: true; sha256: string; size: number }
  | { id: number; ok: false; error: { code: 'FLEET_LOCAL_IO' | 'FLEET_CANCELLED' | 'FLEET_INTERNAL'; message: string } };

// Large reads: fewer syscalls and hash updates; page-cache reads run near memcpy speed.
const READ_CHUNK = 1024 * 1024;

interface Job {
  hash: Hash;
  size: number;
  stream?: ReadStream;
}

const port = parentPort;
if (port !== null) {
  const jobs = new Map<number, Job>();
  const reply = (message: HashResponse): void => port.postMessage(message);
  const fail = (id: number, code: 'FLEET_LOCAL_IO' | 'FLEET_CANCELLED' | 'FLEET_INTERNAL', message: string): void => {
    jobs.get(id)?.stream?.destroy();
    jobs.delete(id);
    reply({ id, ok: false, error: { code, message } });
  };
  const finish = (id: number): void => {
    const job = jobs.get(id);
    if (job === undefined) return;
    jobs.delete(id);
    reply({ id, ok: true, sha256: job.hash.digest('hex'), size: job.size });
  };

  port.on('message', (req: HashRequest) => {
    try {
      switch (req.kind) {
        case 'file': {
          const stream = createReadStream(req.path, { highWaterMark: READ_CHUNK });
          const job: Job = { hash: createHash('sha256'), size: 0, stream };
          jobs.set(req.id, job);
          stream.on('data', (chunk: string | Buffer) => {
            job.hash.update(chunk);
            job.size += chunk.length;
          });
          stream.on('end', () => finish(req.id));
          stream.on('error', (error: NodeJS.ErrnoException) => {
            if (jobs.get(req.id) === job) fail(req.id, 'FLEET_LOCAL_IO', `cannot read ${req.path}: ${error.code ?? error.message}`);
          });
          return;
        }
        case 'begin':
          jobs.set(req.id, { hash: createHash('sha256'), size: 0 });
          return;
        case 'update': {
          const job = jobs.get(req.id);
          if (job === undefined) return;
          job.hash.update(req.data);
          job.size += req.data.byteLength;
          port.postMessage({ id: req.id, acked: req.data.byteLength } satisfies HashResponse);
          return;
        }
        case 'end':
          finish(req.id);
          return;
        case 'cancel':
          if (jobs.has(req.id)) fail(req.id, 'FLEET_CANCELLED', 'cancelled');
          return;
        default:
          req satisfies never;
      }
    } catch (error) {
      fail(req.id, 'FLEET_INTERNAL', error instanceof Error ? error.message : String(error));
    }
  });
}
