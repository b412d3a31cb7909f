/**
 * Leak and crash checks around each fault test: the process's active resources (sockets, timers,
 * child processes, workers, ...) must return to the baseline taken before the test, after a short
 * settle, and no promise rejection may go unhandled meanwhile.
 */
import { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Counts of `process.getActiveResourcesInfo()` by resource type. */
export type ResourceCounts = Record<string, number>;

export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resource types (and how many more) now active than in `baseline`. */
export function excessOver(baseline: ResourceCounts, now: ResourceCounts = activeResources()): ResourceCounts {
  const excess: ResourceCounts = {};
  for (const [type, n] of Object.entries(now)) {
    const extra = n - (baseline[type] ?? 0);
    if (extra > 0) excess[type] = extra;
  }
  return excess;
}

/**
 * Waits up to `settleMs` for the active resources to fall back to `baseline`; resolves with what
 * is still in excess then (`{}` when nothing leaked). Sockets closing and timers clearing take a
 * tick or two after a run resolves.
 */
export async function leakedSince(baseline: ResourceCounts, settleMs = 3000): Promise<ResourceCounts> {
  const deadline = performance.now() + settleMs;
  for (;;) {
    const excess = excessOver(baseline);
    // The delay below is itself a Timeout: it is not active while we look.
    if (Object.keys(excess).length === 0 || performance.now() > deadline) return excess;
    await delay(25);
  }
}

/**
 * The open sockets as `local -> remote` lines, to say what leaked when a check fails (Node has
 * no public API for this; `_getActiveHandles` is diagnostics only).
 */
export function describeSockets(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.flatMap((h) => {
    if (!(h instanceof Socket)) return [];
    return [`${h.localAddress ?? '?'}:${h.localPort ?? '?'} -> ${h.remoteAddress ?? '?'}:${h.remotePort ?? '?'}${h.connecting ? ' (connecting)' : ''}`];
  });
}

/** Records unhandled rejections from `start()` until `stop()`, which returns them. */
export function watchUnhandledRejections(): { stop: () => unknown[] } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return {
    stop: () => {
      process.off('unhandledRejection', onRejection);
      return seen;
    },
  };
}
