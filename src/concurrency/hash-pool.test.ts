import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { HashPool } from './hash-pool.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('HashPool', () => {
  let dir: string;
  let pool: HashPool;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-hash-'));
    pool = new HashPool({ size: 2 });
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hashes files in workers, many at once, each answer matched to its request', async () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      const data = randomBytes(i * 300_001 + 1);
      const path = join(dir, `f${i}`);
      writeFileSync(path, data);
      return { path, digest: sha256(data), size: data.length };
    });
    const results = await Promise.all(files.map((f) => pool.hashFile(f.path)));
    expect(results).toEqual(files.map((f) => ({ sha256: f.digest, size: f.size })));
  });

  it('queues file jobs beyond what the workers read at once (a large tree opens few files at a time)', async () => {
    const paths = Array.from({ length: 300 }, (_, i) => {
      const path = join(dir, `small${i}`);
      writeFileSync(path, `file ${i}`);
      return path;
    });
    const results = await Promise.all(paths.map((p) => pool.hashFile(p)));
    expect(results.map((r) => r.sha256)).toEqual(paths.map((_, i) => sha256(Buffer.from(`file ${i}`))));
  });

  it('hashes an empty file', async () => {
    const path = join(dir, 'empty');
    writeFileSync(path, '');
    expect(await pool.hashFile(path)).toEqual({ sha256: sha256(Buffer.alloc(0)), size: 0 });
  });

  it('rebuilds a worker-side failure as a FleetError with its code', async () => {
    const error = await pool.hashFile(join(dir, 'missing')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FLEET_LOCAL_IO');
    expect((error as FleetError).message).toContain('ENOENT');
  });

  it('hashes streams chunk by chunk, in order, copied or transferred', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 97));
    const a = pool.stream();
    const b = pool.stream();
    for (const part of parts) {
      a.update(part);
      // Its own ArrayBuffer, safe to transfer (as transfer-download's allocUnsafeSlow reads are).
      // Not Buffer.from(): a small one is a slice of Node's shared pool, which Node 22+ refuses
      // to transfer (DataCloneError) and Node 20 would detach whole, under every other pooled Buffer.
      const own = Buffer.allocUnsafeSlow(part.length);
      part.copy(own);
      b.update(own, { transfer: true });
    }
    const expected = { sha256: sha256(Buffer.concat(parts)), size: parts.reduce((n, p) => n + p.length, 0) };
    expect(await a.digest()).toEqual(expected);
    expect(await b.digest()).toEqual(expected);
  });

  it('puts streams on a running worker before starting another (a worker costs more to start than a stream to hash)', async () => {
    const fresh = new HashPool({ size: 2 });
    try {
      const data = randomBytes(4096);
      const streams = Array.from({ length: 8 }, () => fresh.stream());
      for (const stream of streams) stream.update(data);
      expect(fresh.started).toBe(1);
      const ninth = fresh.stream(); // the first worker is full: the second starts
      ninth.update(data);
      expect(fresh.started).toBe(2);
      for (const result of await Promise.all([...streams, ninth].map((s) => s.digest()))) expect(result).toEqual({ sha256: sha256(data), size: 4096 });
    } finally {
      await fresh.close();
    }
  });

  it('reports the bytes a stream has queued in its worker, and wakes a sender once they are hashed', async () => {
    const stream = pool.stream();
    for (let i = 0; i < 8; i += 1) stream.update(Buffer.alloc(1024 * 1024, i));
    expect(stream.backlog).toBe(8 * 1024 * 1024);
    await stream.whenBacklogBelow(0);
    expect(stream.backlog).toBe(0);
    await expect(stream.whenBacklogBelow(0)).resolves.toBeUndefined();
    expect((await stream.digest()).size).toBe(8 * 1024 * 1024);
  });

  it('rejects with the abort reason when the signal fires, and keeps serving', async () => {
    const path = join(dir, 'big');
    writeFileSync(path, Buffer.alloc(32 * 1024 * 1024, 7));
    const controller = new AbortController();
    const pending = pool.hashFile(path, { signal: controller.signal });
    controller.abort(new FleetError('FLEET_CANCELLED', 'stop'));
    await expect(pending).rejects.toMatchObject({ code: 'FLEET_CANCELLED', message: 'stop' });
    expect((await pool.hashFile(path)).size).toBe(32 * 1024 * 1024);
  });

  it('fails pending work on close, and refuses new work after', async () => {
    const own = new HashPool({ size: 1 });
    const stream = own.stream();
    stream.update(Buffer.from('x'));
    const digest = stream.digest();
    await own.close();
    // The digest either finished before the close or was failed by it; never left hanging.
    await digest.catch((e: unknown) => expect((e as FleetError).code).toBe('FLEET_CANCELLED'));
    expect(() => own.hashFile('/nope')).toThrow(FleetError);
  });
});
