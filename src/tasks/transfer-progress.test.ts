import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FleetEvent } from '../events.js';
import { TransferProgress } from './transfer-progress.js';

type ProgressEvent = Extract<FleetEvent, { type: 'transfer_progress' }>;

describe('TransferProgress', () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('emits at most one event per interval, the trailing state included, and a final one', () => {
    const events: ProgressEvent[] = [];
    const p = new TransferProgress('h', (e) => events.push(e), { intervalMs: 250, now: () => now });
    p.setTotals(1000, 2);
    expect(events).toHaveLength(1);
    for (let i = 0; i < 10; i += 1) {
      now += 10;
      p.addBytes(50);
    }
    expect(events).toHaveLength(1);
    now = 250;
    vi.advanceTimersByTime(250);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ bytes: 500, totalBytes: 1000, rate: 2000, etaMs: 250 });
    now = 300;
    p.addBytes(500);
    p.fileDone();
    p.fileDone();
    p.finish();
    expect(events.at(-1)).toMatchObject({ type: 'transfer_progress', host: 'h', bytes: 1000, files: 2, totalFiles: 2, etaMs: 0 });
    const count = events.length;
    p.finish();
    vi.advanceTimersByTime(1000);
    expect(events).toHaveLength(count);
  });

  it('does not repeat the final event when nothing changed since the last one', () => {
    const events: ProgressEvent[] = [];
    const p = new TransferProgress('h', (e) => events.push(e), { now: () => now });
    p.setTotals(0, 0);
    p.finish();
    expect(events).toHaveLength(1);
  });
});
