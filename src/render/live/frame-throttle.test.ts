import { describe, expect, it } from 'vitest';
import { FrameThrottle, type FrameTimers } from './frame-throttle.js';

/** Timers stepped by hand: `fire()` runs the pending one, as if its interval ended. */
class HandTimers implements FrameTimers {
  pending: (() => void) | undefined;
  setTimeout(callback: () => void): unknown {
    this.pending = callback;
    return callback;
  }
  clearTimeout(): void {
    this.pending = undefined;
  }
  fire(): void {
    const callback = this.pending;
    this.pending = undefined;
    callback?.();
  }
}

describe('FrameThrottle', () => {
  it('draws the first request at once and folds the rest of the interval into one frame', () => {
    const timers = new HandTimers();
    let frames = 0;
    const throttle = new FrameThrottle(() => (frames += 1), 200, timers);
    throttle.request();
    expect(frames).toBe(1);
    for (let i = 0; i < 30; i++) throttle.request();
    expect(frames).toBe(1);
    timers.fire();
    expect(frames).toBe(2);
    // That frame opened a new interval; with no request in it, its end draws nothing.
    timers.fire();
    expect(frames).toBe(2);
    expect(timers.pending).toBeUndefined();
    throttle.request();
    expect(frames).toBe(3);
  });

  it('drops the pending frame on cancel', () => {
    const timers = new HandTimers();
    let frames = 0;
    const throttle = new FrameThrottle(() => (frames += 1), 200, timers);
    throttle.request();
    throttle.request();
    throttle.cancel();
    expect(timers.pending).toBeUndefined();
    expect(frames).toBe(1);
    throttle.request();
    expect(frames).toBe(2);
  });
});
