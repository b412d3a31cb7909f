/** The timer functions a FrameThrottle uses; tests pass their own to step time by hand. */
export interface FrameTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: FrameTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending frame must never keep the process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Coalesces redraw requests into at most one frame per interval. A request with no frame drawn
 * in the last interval draws at once (a host's change shows without delay); requests inside the
 * interval mark the frame stale, and one frame is drawn when the interval ends. So thirty hosts
 * changing in the same instant cost one redraw, not thirty full frames.
 */
export class FrameThrottle {
  readonly #draw: () => void;
  readonly #intervalMs: number;
  readonly #timers: FrameTimers;
  #timer: unknown;
  #stale = false;

  constructor(draw: () => void, intervalMs: number, timers: FrameTimers = realTimers) {
    this.#draw = draw;
    this.#intervalMs = intervalMs;
    this.#timers = timers;
  }

  /** Asks for a frame: now, or once the current interval ends. */
  request(): void {
    if (this.#timer !== undefined) {
      this.#stale = true;
      return;
    }
    this.#draw();
    this.#timer = this.#timers.setTimeout(() => this.#intervalEnded(), this.#intervalMs);
  }

  /** Drops a pending frame (the caller draws its last one itself). */
  cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stale = false;
  }

  #intervalEnded(): void {
    this.#timer = undefined;
    if (!this.#stale) return;
    this.#stale = false;
    this.request();
  }
}
