/**
 * What every fault test asserts besides its own statuses: the run's events are total (exactly one
 * final `exit` per host, matching the report), nothing leaked, nothing was left unhandled.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import type { FleetEvent } from '../../../src/events.js';
import type { RunReport } from '../../../src/result.js';
import { activeResources, describeSockets, leakedSince, watchUnhandledRejections, type ResourceCounts } from './leaks.js';

/** A run with its events, wall time, and each host's status and error code. */
export interface CheckedRun<T> {
  report: RunReport<T>;
  events: FleetEvent[];
  wallMs: number;
  status: Record<string, string>;
  code: Record<string, string | undefined>;
}

/**
 * Runs `start` with an event sink, then checks the report is total: one result per host, one
 * `exit` event per host agreeing with it, a summary that adds up.
 */
export async function checkedRun<T>(start: (onEvent: (e: FleetEvent) => void) => Promise<RunReport<T>>): Promise<CheckedRun<T>> {
  const events: FleetEvent[] = [];
  const t0 = performance.now();
  const report = await start((e) => events.push(e));
  const wallMs = performance.now() - t0;
  const exits = events.filter((e): e is Extract<FleetEvent, { type: 'exit' }> => e.type === 'exit');
  const status: Record<string, string> = {};
  const code: Record<string, string | undefined> = {};
  for (const e of exits) {
    expect(status[e.host], `${e.host}: a second final status`).toBeUndefined();
    status[e.host] = e.status;
    code[e.host] = e.error?.code;
  }
  expect(Object.keys(status).sort()).toEqual(report.results.map((r) => r.host).sort());
  for (const r of report.results) expect(code[r.host]).toBe(r.error?.code);
  expect(report.summary.total).toBe(report.results.length);
  return { report, events, wallMs, status, code };
}

/**
 * Registers hooks that fail a test which leaves more active resources (sockets, timers, child
 * processes, workers) than it found, after a settle of `settleMs`, or saw an unhandled rejection.
 */
export function useLeakGuard(settleMs = 3000): void {
  let baseline: ResourceCounts = {};
  let watcher: ReturnType<typeof watchUnhandledRejections> | undefined;
  beforeEach(() => {
    baseline = activeResources();
    watcher = watchUnhandledRejections();
  });
  afterEach(async () => {
    const rejections = watcher?.stop() ?? [];
    expect(rejections, 'unhandled rejections').toEqual([]);
    const leaked = await leakedSince(baseline, settleMs);
    expect(leaked, `resources left active; sockets now: ${describeSockets().join(', ')}`).toEqual({});
  });
}

/** A run's whole-run bound from the issue: connect timeout + command timeout + 2 s. */
export function runBoundMs(connectTimeoutMs: number, commandTimeoutMs = 0): number {
  return connectTimeoutMs + commandTimeoutMs + 2000;
}
