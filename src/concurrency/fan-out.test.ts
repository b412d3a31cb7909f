import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors.js';
import { fanOut, type FanOutOptions } from './fan-out.js';

type Result = { item: string; ok: true; value: string } | { item: string; ok: false; code: string };

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

// Callbacks shaped like the engine's: a throw or a skip becomes a failed result, never a rejection.
function options(extra: Partial<FanOutOptions<string, Result>> = {}): FanOutOptions<string, Result> {
  return {
    limit: 2,
    onError: (item, error) => ({ item, ok: false, code: error instanceof FleetError ? error.code : 'THROWN' }),
    onSkipped: (item, reason) => ({ item, ok: false, code: `SKIPPED:${reason.code}` }),
    ...extra,
  };
}

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i}`);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('fanOut', () => {
  it('returns results in input order whatever order items finish in', async () => {
    const items = hosts(6);
    const run = fanOut<string, Result>(
      items,
      async (item, { index }) => {
        await sleep((items.length - index) * 10); // the last item finishes first
        return { item, ok: true, value: item.toUpperCase() } as const;
      },
      options({ limit: 3 }),
    );
    await vi.runAllTimersAsync();
    expect((await run).map((r) => r.item)).toEqual(items);
  });

  it('keeps at most limit in flight, reaches it, and starts items in input order', async () => {
    const limit = 4;
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const run = fanOut<string, Result>(
      hosts(40),
      async (item, { index }) => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(index);
        expect(running).toBeLessThanOrEqual(limit);
        await sleep(((index * 5) % 7) + 1);
        running -= 1;
        return { item, ok: true, value: '' } as const;
      },
      options({ limit }),
    );
    await vi.runAllTimersAsync();
    expect(await run).toHaveLength(40);
    expect(peak).toBe(limit);
    expect(started).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('turns a throw (sync or async) into a value through onError and loses nobody', async () => {
    const run = fanOut<string, Result>(
      ['a', 'b', 'c', 'd'],
      (item) => {
        if (item === 'b') throw new Error('sync bug');
        if (item === 'c') return Promise.reject(new FleetError('FLEET_CONNECTION_LOST', 'x'));
        return { item, ok: true, value: item } as const;
      },
      options(),
    );
    expect(await run).toEqual([
      { item: 'a', ok: true, value: 'a' },
      { item: 'b', ok: false, code: 'THROWN' },
      { item: 'c', ok: false, code: 'FLEET_CONNECTION_LOST' },
      { item: 'd', ok: true, value: 'd' },
    ]);
  });

  it('on abort: running items finish with the signal in hand, queued ones get onSkipped', async () => {
    const controller = new AbortController();
    const called: string[] = [];
    const run = fanOut<string, Result>(
      hosts(5),
      async (item, { signal }) => {
        called.push(item);
        expect(signal).toBe(controller.signal);
        try {
          await sleep(1_000, signal);
          return { item, ok: true, value: '' } as const;
        } catch {
          return { item, ok: false, code: 'STOPPED_BY_FN' } as const;
        }
      },
      options({ limit: 2, signal: controller.signal }),
    );
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.runAllTimersAsync();
    expect(await run).toEqual([
      { item: 'h0', ok: false, code: 'STOPPED_BY_FN' },
      { item: 'h1', ok: false, code: 'STOPPED_BY_FN' },
      { item: 'h2', ok: false, code: 'SKIPPED:FLEET_CANCELLED' },
      { item: 'h3', ok: false, code: 'SKIPPED:FLEET_CANCELLED' },
      { item: 'h4', ok: false, code: 'SKIPPED:FLEET_CANCELLED' },
    ]);
    expect(called).toEqual(['h0', 'h1']);
  });

  it('passes a FleetError abort reason (a run deadline) through to onSkipped', async () => {
    const controller = new AbortController();
    const reason = new FleetError('FLEET_TIMEOUT', 'deadline of 1m expired');
    const seen: FleetError[] = [];
    const run = fanOut<string, Result>(hosts(3), () => sleep(100).then(() => ({ item: 'x', ok: true, value: '' }) as const), {
      ...options({ limit: 1, signal: controller.signal }),
      onSkipped: (item, why) => {
        seen.push(why);
        return { item, ok: false as const, code: why.code };
      },
    });
    await vi.advanceTimersByTimeAsync(1); // h0 has started; h1 and h2 are queued
    controller.abort(reason);
    await vi.runAllTimersAsync();
    expect((await run).map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'FLEET_TIMEOUT', 'FLEET_TIMEOUT']);
    expect(seen[0]).toBe(reason);
  });

  it('with an already-aborted signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = vi.fn();
    const results = await fanOut<string, Result>(hosts(3), fn, options({ signal: controller.signal }));
    expect(fn).not.toHaveBeenCalled();
    expect(results.every((r) => !r.ok && r.code === 'SKIPPED:FLEET_CANCELLED')).toBe(true);
  });

  it('skips queued items at once on abort, without waiting for a slot to free', async () => {
    const controller = new AbortController();
    const settled: string[] = [];
    const run = fanOut<string, Result>(hosts(3), (item) => sleep(1_000).then(() => ({ item, ok: true, value: '' }) as const), {
      ...options({ limit: 1, signal: controller.signal }),
      onSettled: (item) => settled.push(item),
    });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual(['h1', 'h2']); // h0 (ignoring the signal) is still running
    await vi.runAllTimersAsync();
    await run;
    expect(settled).toEqual(['h1', 'h2', 'h0']);
  });

  it('an abort after an item got its slot but before it started still skips it', async () => {
    const controller = new AbortController();
    const fn = vi.fn();
    const run = fanOut<string, Result>(hosts(2), fn, options({ limit: 2, signal: controller.signal }));
    controller.abort(); // both slots were granted synchronously; neither item has started
    expect((await run).map((r) => (r.ok ? 'ok' : r.code))).toEqual(['SKIPPED:FLEET_CANCELLED', 'SKIPPED:FLEET_CANCELLED']);
    expect(fn).not.toHaveBeenCalled();
  });

  it('shouldStart=false skips with FLEET_CANCELLED/stopped: a max-fail of 1', async () => {
    let failures = 0;
    const reasons: unknown[] = [];
    const run = fanOut<string, Result>(
      hosts(5),
      async (item) => {
        await sleep(10);
        return item === 'h1' ? ({ item, ok: false, code: 'EXIT_1' } as const) : ({ item, ok: true, value: '' } as const);
      },
      {
        ...options({ limit: 1 }),
        shouldStart: () => failures < 1,
        onSettled: (_item, result) => {
          if (!result.ok) failures += 1;
        },
        onSkipped: (item, reason) => {
          reasons.push(reason.context.details);
          return { item, ok: false as const, code: `SKIPPED:${reason.code}` };
        },
      },
    );
    await vi.runAllTimersAsync();
    expect((await run).map((r) => (r.ok ? 'ok' : r.code))).toEqual([
      'ok',
      'EXIT_1',
      'SKIPPED:FLEET_CANCELLED',
      'SKIPPED:FLEET_CANCELLED',
      'SKIPPED:FLEET_CANCELLED',
    ]);
    expect(reasons).toEqual([{ reason: 'stopped' }, { reason: 'stopped' }, { reason: 'stopped' }]);
  });

  it('calls onSettled exactly once per item, skipped ones included, with the final result', async () => {
    const controller = new AbortController();
    const settled: [string, number][] = [];
    const run = fanOut<string, Result>(hosts(4), (item) => sleep(5).then(() => ({ item, ok: true, value: '' }) as const), {
      ...options({ limit: 1, signal: controller.signal }),
      onSettled: (item, _result, index) => settled.push([item, index]),
    });
    await vi.advanceTimersByTimeAsync(5);
    controller.abort();
    await vi.runAllTimersAsync();
    const results = await run;
    expect(settled.map(([item]) => item).sort()).toEqual(['h0', 'h1', 'h2', 'h3']);
    expect(settled.every(([item, index]) => results[index]?.item === item)).toBe(true);
  });

  it('does not leave an abort listener per item on the run signal', async () => {
    const controller = new AbortController();
    const run = fanOut<string, Result>(hosts(100), (item) => sleep(5).then(() => ({ item, ok: true, value: '' }) as const), {
      ...options({ limit: 10, signal: controller.signal }),
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    await vi.runAllTimersAsync();
    await run;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('handles an empty list', async () => {
    await expect(fanOut<string, Result>([], vi.fn(), options())).resolves.toEqual([]);
  });

  it.each([
    ['limit 0', { limit: 0 }],
    ['limit 1.5', { limit: 1.5 }],
    ['no onError', { onError: undefined }],
    ['no onSkipped', { onSkipped: undefined }],
    ['shouldStart not a function', { shouldStart: true }],
    ['bad signal', { signal: 'x' }],
  ])('rejects with TypeError for %s', async (_name, extra) => {
    const fn = vi.fn();
    await expect(fanOut<string, Result>(['a'], fn, { ...options(), ...(extra as object) })).rejects.toBeInstanceOf(TypeError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with TypeError for non-array items or a non-function fn', async () => {
    await expect(fanOut<string, Result>('ab' as unknown as string[], vi.fn(), options())).rejects.toBeInstanceOf(TypeError);
    await expect(fanOut<string, Result>(['a'], 'fn' as unknown as () => Result, options())).rejects.toBeInstanceOf(TypeError);
  });

  it('a throwing callback is a bug: rejects, but only after every other item settled', async () => {
    const bug = new Error('onError bug');
    const finished: string[] = [];
    let rejectedAt: string[] | undefined;
    const run = fanOut<string, Result>(
      hosts(3),
      async (item) => {
        if (item === 'h0') throw new Error('fn failed');
        await sleep(50);
        finished.push(item);
        return { item, ok: true, value: '' } as const;
      },
      {
        ...options({ limit: 3 }),
        onError: () => {
          throw bug;
        },
      },
    );
    run.catch(() => {
      rejectedAt = [...finished];
    });
    await vi.runAllTimersAsync();
    await expect(run).rejects.toBe(bug);
    expect(rejectedAt).toEqual(['h1', 'h2']);
  });
});
