import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onAbort } from './abort-fan-out.js';

describe('onAbort', () => {
  it('many waiters on one signal add one listener, all called on abort', () => {
    const controller = new AbortController();
    const called: number[] = [];
    for (let i = 0; i < 20; i++) onAbort(controller.signal, () => called.push(i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(called).toHaveLength(20);
  });

  it('the last waiter to stop removes the listener; a stopped waiter is not called', () => {
    const controller = new AbortController();
    let called = 0;
    const stops = Array.from({ length: 3 }, () => onAbort(controller.signal, () => (called += 1)));
    stops[0]?.();
    stops[0]?.();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    stops[1]?.();
    stops[2]?.();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const again = onAbort(controller.signal, () => (called += 10));
    controller.abort();
    again();
    expect(called).toBe(10);
  });
});
