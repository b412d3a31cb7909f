import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedFile, SharedSources, type ChunkConsumer } from './transfer-source.js';

async function drain(consumer: ChunkConsumer, onChunk?: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let expected = 0;
  for (let chunk = await consumer.next(); chunk !== null; chunk = await consumer.next()) {
    expect(chunk.offset).toBe(expected);
    expected += chunk.data.length;
    parts.push(Buffer.from(chunk.data)); // a chunk is valid until the next call only
    onChunk?.();
  }
  consumer.close();
  return Buffer.concat(parts);
}

describe('SharedFile', () => {
  let dir: string;
  let path: string;
  const data = randomBytes(100 * 1000 + 123);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-chunks-'));
    path = join(dir, 'data');
    writeFileSync(path, data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each chunk once for consumers that keep up, and gives each one the whole file', async () => {
    const file = await SharedFile.open(path, data.length, { chunkSize: 1000, windowChunks: 8, readAhead: 2 });
    const consumers = [file.consumer(), file.consumer(), file.consumer()].map((c) => c as ChunkConsumer);
    // Interleaved, one chunk each in turn: the window never fills.
    const got = await Promise.all(consumers.map((c) => drain(c)));
    for (const copy of got) expect(copy.equals(data)).toBe(true);
    expect(file.reads).toBe(Math.ceil(data.length / 1000));
    expect(file.held).toBe(0);
  });

  it('never holds more than the window: a lagging consumer reads for itself and the leader never waits', async () => {
    const file = await SharedFile.open(path, data.length, { chunkSize: 1000, windowChunks: 5, readAhead: 3 });
    const fast = file.consumer() as ChunkConsumer;
    const slow = file.consumer() as ChunkConsumer;
    let maxHeld = 0;
    const fastCopy = await drain(fast, () => {
      maxHeld = Math.max(maxHeld, file.held);
    });
    expect(maxHeld).toBeLessThanOrEqual(5);
    const slowCopy = await drain(slow, () => {
      maxHeld = Math.max(maxHeld, file.held);
    });
    expect(fastCopy.equals(data)).toBe(true);
    expect(slowCopy.equals(data)).toBe(true);
    expect(maxHeld).toBeLessThanOrEqual(5);
    // The slow consumer re-read most chunks itself (the window had moved on): bounded memory wins.
    expect(file.reads).toBeGreaterThan(Math.ceil(data.length / 1000));
  });

  it('releases what a consumer still held when it leaves early, and serves a late joiner', async () => {
    const file = await SharedFile.open(path, data.length, { chunkSize: 1000, windowChunks: 10 });
    const a = file.consumer() as ChunkConsumer;
    const b = file.consumer() as ChunkConsumer;
    await a.next();
    await a.next();
    a.close();
    const late = file.consumer() as ChunkConsumer;
    const [bCopy, lateCopy] = await Promise.all([drain(b), drain(late)]);
    expect(bCopy.equals(data)).toBe(true);
    expect(lateCopy.equals(data)).toBe(true);
    expect(file.held).toBe(0);
    // Closed with its last consumer: a new one must come from a fresh open.
    expect(file.consumer()).toBeUndefined();
  });

  it('fails with FLEET_LOCAL_IO when the file shrank since it was planned', async () => {
    const file = await SharedFile.open(path, data.length + 5000, { chunkSize: 1000 });
    const consumer = file.consumer() as ChunkConsumer;
    await expect(drain(consumer)).rejects.toMatchObject({ code: 'FLEET_LOCAL_IO' });
  });
});

describe('SharedSources', () => {
  it('shares one open file among consumers of the same path, and reopens after the last left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sources-'));
    try {
      const path = join(dir, 'f');
      const data = randomBytes(5000);
      writeFileSync(path, data);
      const sources = new SharedSources({ chunkSize: 512 });
      const [a, b] = await Promise.all([sources.consumer(path, data.length), sources.consumer(path, data.length)]);
      expect((await Promise.all([drain(a), drain(b)])).every((copy) => copy.equals(data))).toBe(true);
      expect((await drain(await sources.consumer(path, data.length))).equals(data)).toBe(true);
      await expect(sources.consumer(join(dir, 'missing'), 1)).rejects.toMatchObject({ code: 'FLEET_LOCAL_IO' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
