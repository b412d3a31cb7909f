import { AsyncLocalStorage } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Semaphore, type Release } from './semaphore.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// Lets queued promise callbacks run without advancing time.
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Semaphore', () => {
  it.each([0, -1, 1.5, Number.NaN, '2', undefined])('rejects limit %j with TypeError', (limit) => {
    expect(() => new Semaphore(limit as number)).toThrow(TypeError);
  });

  it('accepts Infinity as "no limit"', async () => {
    const sem = new Semaphore(Number.POSITIVE_INFINITY);
    await Promise.all(Array.from({ length: 100 }, () => sem.acquire()));
    expect(sem.active).toBe(100);
  });

  it('never runs more than limit at once, and does reach the limit', async () => {
    const limit = 5;
    const sem = new Semaphore(limit);
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 60 }, (_, i) =>
      sem.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        expect(sem.active).toBeLessThanOrEqual(limit);
        expect(running).toBeLessThanOrEqual(limit);
        await sleep(((i * 7) % 13) + 1);
        expect(sem.active).toBeLessThanOrEqual(limit);
        running -= 1;
        return i;
      }),
    );
    await vi.runAllTimersAsync();
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(peak).toBe(limit);
    expect(sem.active).toBe(0);
    expect(sem.pending).toBe(0);
  });

  it('serves equal priorities first come, first served', async () => {
    const sem = new Semaphore(1);
    const order: string[] = [];
    const hold = await sem.acquire();
    const done = ['a', 'b', 'c', 'd'].map((name) => sem.run(() => void order.push(name)));
    expect(sem.pending).toBe(4);
    hold();
    await Promise.all(done);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('serves higher priority first, FIFO within a priority', async () => {
    const sem = new Semaphore(1);
    const order: string[] = [];
    const hold = await sem.acquire();
    const queued = [
      ['low', 0],
      ['high1', 5],
      ['mid', 1],
      ['high2', 5],
      ['neg', -3],
    ] as const;
    const done = queued.map(([name, priority]) => sem.run(() => void order.push(name), { priority }));
    hold();
    await Promise.all(done);
    expect(order).toEqual(['high1', 'high2', 'mid', 'low', 'neg']);
  });

  it('removes an aborted waiter from the queue and keeps the slot count right', async () => {
    const sem = new Semaphore(1);
    const hold = await sem.acquire();
    const controller = new AbortController();
    const reason = new Error('stop');
    const aborted = sem.acquire({ signal: controller.signal });
    const survivor = sem.acquire();
    expect(sem.pending).toBe(2);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(sem.pending).toBe(1);
    expect(sem.active).toBe(1);
    hold();
    const release = await survivor; // the aborted waiter did not swallow the slot
    expect(sem.active).toBe(1);
    release();
    expect(sem.active).toBe(0);
    expect(sem.tryAcquire()).toBeTypeOf('function');
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const sem = new Semaphore(1);
    const controller = new AbortController();
    controller.abort('gone');
    await expect(sem.acquire({ signal: controller.signal })).rejects.toBe('gone');
    // Even with a free slot: an aborted caller must not start work.
    expect(sem.active).toBe(0);
    expect(sem.pending).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('adds one abort listener per signal however many waiters share it, and removes it', async () => {
    const sem = new Semaphore(1);
    const hold = await sem.acquire();
    const controller = new AbortController();
    const waiters = Array.from({ length: 50 }, () => sem.acquire({ signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    hold();
    for (const waiter of waiters) (await waiter)();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(sem.active).toBe(0);
  });

  it('aborting a shared signal rejects only the waiters that used it', async () => {
    const sem = new Semaphore(1);
    const hold = await sem.acquire();
    const shared = new AbortController();
    const a = sem.acquire({ signal: shared.signal });
    const b = sem.acquire();
    const c = sem.acquire({ signal: shared.signal });
    shared.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    await expect(c).rejects.toMatchObject({ name: 'AbortError' });
    expect(sem.pending).toBe(1);
    hold();
    await expect(b).resolves.toBeTypeOf('function');
  });

  it('releases the slot when fn throws or rejects', async () => {
    const sem = new Semaphore(1);
    await expect(
      sem.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(sem.active).toBe(0);
    await expect(sem.run(async () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(sem.active).toBe(0);
    await expect(sem.run(() => 42)).resolves.toBe(42);
  });

  it('makes release idempotent: a second call frees nothing', async () => {
    const sem = new Semaphore(2);
    const first = await sem.acquire();
    await sem.acquire();
    first();
    first();
    expect(sem.active).toBe(1);

    const one = new Semaphore(1);
    const hold = await one.acquire();
    const granted: Release[] = [];
    void one.acquire().then((r) => granted.push(r));
    void one.acquire().then((r) => granted.push(r));
    hold();
    hold(); // must not hand a second slot to the second waiter
    await flush();
    expect(granted).toHaveLength(1);
    expect(one.active).toBe(1);
    expect(one.pending).toBe(1);
  });

  it('keeps the caller\'s AsyncLocalStorage context inside run, even when started by another release', async () => {
    const als = new AsyncLocalStorage<string>();
    const sem = new Semaphore(1);
    // limit 1 and a timer in each task: b, c and d are started by the previous holder's release.
    const seen = Promise.all(
      ['a', 'b', 'c', 'd'].map((id) =>
        als.run(id, () =>
          sem.run(async () => {
            const before = als.getStore();
            await sleep(5);
            return [before, als.getStore()];
          }),
        ),
      ),
    );
    await vi.runAllTimersAsync();
    expect(await seen).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
      ['d', 'd'],
    ]);
  });

  it('setLimit grows at once and shrinks by not granting until holders release', async () => {
    const sem = new Semaphore(1);
    const hold = await sem.acquire();
    const queued = [sem.acquire(), sem.acquire(), sem.acquire()];
    sem.setLimit(3);
    const [r1, r2] = [await queued[0], await queued[1]];
    expect(sem.active).toBe(3);
    expect(sem.pending).toBe(1);

    sem.setLimit(1);
    hold();
    r1?.();
    await flush();
    expect(sem.active).toBe(1); // 3 holders - 2 releases; at the new limit, so the waiter stays out
    expect(sem.pending).toBe(1);
    r2?.();
    const r3 = await queued[2];
    expect(sem.active).toBe(1);
    r3?.();
    expect(() => sem.setLimit(0)).toThrow(TypeError);
  });

  it('tryAcquire never overtakes the queue', async () => {
    const sem = new Semaphore(1);
    const hold = sem.tryAcquire();
    expect(hold).toBeTypeOf('function');
    expect(sem.tryAcquire()).toBeUndefined();
    const waiter = sem.acquire();
    hold?.();
    // The slot went to the waiter synchronously, so there is nothing to try for.
    expect(sem.tryAcquire()).toBeUndefined();
    (await waiter)();
    expect(sem.active).toBe(0);
  });

  it('rejects invalid acquire options with TypeError', async () => {
    const sem = new Semaphore(1);
    await expect(sem.acquire({ priority: Number.NaN })).rejects.toBeInstanceOf(TypeError);
    await expect(sem.acquire({ priority: '1' as unknown as number })).rejects.toBeInstanceOf(TypeError);
    await expect(sem.acquire({ signal: {} as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    await expect(sem.acquire(null as unknown as undefined)).rejects.toBeInstanceOf(TypeError);
    await expect(sem.run('nope' as unknown as () => void)).rejects.toBeInstanceOf(TypeError);
    expect(sem.active).toBe(0);
  });
});
