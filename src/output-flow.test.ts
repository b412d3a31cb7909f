import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamsOutputFlow } from './output-flow.js';

/** A writable that completes writes only when told to. */
function heldWritable(): { stream: Writable; release: () => void } {
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(_chunk, _enc, done) {
      pending.push(done);
    },
  });
  return { stream, release: () => pending.splice(0).forEach((done) => done()) };
}

describe('streamsOutputFlow', () => {
  it('is congested while a stream holds more than the high-water mark, and clears on drain', async () => {
    const { stream, release } = heldWritable();
    const flow = streamsOutputFlow([stream], 100);
    stream.write(Buffer.alloc(60));
    expect(flow.congested).toBe(false);
    await expect(flow.whenClear()).resolves.toBeUndefined();
    for (let i = 0; i < 5; i += 1) stream.write(Buffer.alloc(60));
    expect(flow.congested).toBe(true);
    let cleared = false;
    // Many waiters share one wait: one set of listeners on the stream, not one per waiter.
    const waits = Array.from({ length: 50 }, () => flow.whenClear().then(() => (cleared = true)));
    expect(stream.listenerCount('drain')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cleared).toBe(false);
    // Completing writes one by one until the queue is empty lets 'drain' fire.
    while (stream.writableLength > 0) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waits);
    expect(flow.congested).toBe(false);
    expect(stream.listenerCount('drain')).toBe(0);
  });

  it('clears when a congested stream closes instead of draining', async () => {
    const { stream } = heldWritable();
    const flow = streamsOutputFlow([stream], 10);
    stream.write(Buffer.alloc(50));
    expect(flow.congested).toBe(true);
    const wait = flow.whenClear();
    stream.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(flow.congested).toBe(false);
    await expect(Promise.race([wait.then(() => 'settled'), new Promise((r) => setTimeout(() => r('stuck'), 200))])).resolves.toBe('settled');
  });
});
