import { describe, expect, it } from 'vitest';
import type { SftpSession } from '../transport/index.js';
import { Lane, LaneBudget, Lanes, leastLoaded, untilAborted } from './transfer-lanes.js';

const session = { host: 'h' } as SftpSession;

describe('Lane', () => {
  it('bounds bytes and requests in flight, always letting one request through', async () => {
    const lane = new Lane(session, 100, 2);
    const signal = new AbortController().signal;
    await lane.reserve(500, signal); // larger than the budget, but the lane is empty
    let second = false;
    const waiting = lane.reserve(10, signal).then(() => {
      second = true;
    });
    await Promise.resolve();
    expect(second).toBe(false);
    lane.release(500);
    await waiting;
    expect(second).toBe(true);
    await lane.reserve(10, signal);
    // Two requests in flight: the third waits for one to finish.
    let third = false;
    const t = lane.reserve(1, signal).then(() => {
      third = true;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    lane.release(10);
    await t;
    expect(lane.inFlight).toBe(11);
  });

  it('stops waiting with the abort reason', async () => {
    const lane = new Lane(session, 10, 64);
    const controller = new AbortController();
    await lane.reserve(10, controller.signal);
    const waiting = lane.reserve(10, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'FLEET_CANCELLED' });
  });

  it('picks the least loaded lane, and wants more lanes as the round trip grows', async () => {
    const lanes = [new Lane(session), new Lane(session), new Lane(session)];
    const signal = new AbortController().signal;
    await (lanes[0] as Lane).reserve(100, signal);
    await (lanes[2] as Lane).reserve(50, signal);
    expect(leastLoaded(lanes)).toBe(1);
    expect(Lanes.wanted(0.2)).toBe(1);
    expect(Lanes.wanted(16)).toBe(1);
    expect(Lanes.wanted(25)).toBe(2);
    expect(Lanes.wanted(50)).toBe(4);
    expect(Lanes.wanted(500)).toBe(4);
  });
});

describe('LaneBudget', () => {
  it('grants what is left, never more, and takes lanes back', () => {
    const budget = new LaneBudget(5);
    expect(budget.take(3)).toBe(3);
    expect(budget.take(3)).toBe(2);
    expect(budget.take(1)).toBe(0);
    expect(budget.take(-1)).toBe(0);
    budget.give(3);
    expect(budget.free).toBe(3);
    expect(budget.take(4)).toBe(3);
  });
});

describe('untilAborted', () => {
  it('rejects at once on abort even if the work never settles', async () => {
    const controller = new AbortController();
    const never = new Promise<void>(() => undefined);
    const pending = untilAborted(never, controller.signal, 'h');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'FLEET_CANCELLED' });
    await expect(untilAborted(Promise.resolve(5), new AbortController().signal, 'h')).resolves.toBe(5);
  });
});
