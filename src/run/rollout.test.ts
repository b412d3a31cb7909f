import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { planWaves, resolveHostCount, RolloutPolicy } from './rollout.js';

describe('planWaves', () => {
  it('is one wave of everything by default', () => {
    expect(planWaves(4, {})).toEqual([[0, 1, 2, 3]]);
    expect(planWaves(0, {})).toEqual([]);
  });

  it('cuts batches in inventory order, the last one holding the remainder', () => {
    expect(planWaves(7, { batch: 3 })).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('takes a percentage of the selected hosts, rounded down, at least 1', () => {
    expect(planWaves(10, { batch: '25%' })).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
    expect(planWaves(3, { batch: '10%' })).toEqual([[0], [1], [2]]);
  });

  it('puts the canary wave first, then batches of the rest', () => {
    expect(planWaves(6, { canary: 1, batch: 2 })).toEqual([[0], [1, 2], [3, 4], [5]]);
    expect(planWaves(3, { canary: 5 })).toEqual([[0, 1, 2]]);
  });

  it.each([{ batch: 0 }, { batch: -1 }, { batch: 1.5 }, { batch: '150%' as const }, { batch: 'x%' as `${number}%` }, { canary: 0 }, { maxFail: -1 }])(
    'rejects %j with a TypeError',
    (opts) => {
      expect(() => planWaves(5, opts)).toThrow(TypeError);
    },
  );
});

describe('resolveHostCount', () => {
  it('resolves counts and percentages', () => {
    expect(resolveHostCount(3, 10, 'x')).toBe(3);
    expect(resolveHostCount('33%', 10, 'x')).toBe(3);
    expect(resolveHostCount('0%', 10, 'x', 1)).toBe(1);
  });
});

describe('RolloutPolicy', () => {
  it('stops only once failures exceed maxFail, counting every outcome but ok, unchanged and skipped', () => {
    const policy = new RolloutPolicy(10, { maxFail: 2 });
    for (const status of ['ok', 'unchanged', 'skipped', 'failed', 'timeout'] as const) policy.record(status, false);
    expect(policy.failed).toBe(2);
    expect(policy.stopReason).toBeUndefined();
    policy.record('unreachable', false);
    expect(policy.stopReason?.code).toBe('FLEET_SKIPPED');
    expect(policy.stopReason?.context.details).toMatchObject({ reason: 'max-fail', failed: 3, maxFail: 2 });
  });

  it('compares a percentage exactly: 10% of 25 hosts tolerates 2 failures, not 3', () => {
    const policy = new RolloutPolicy(25, { maxFail: '10%' });
    policy.record('failed', false);
    policy.record('failed', false);
    expect(policy.stopReason).toBeUndefined(); // 8% ≤ 10%
    policy.record('failed', false);
    expect(policy.stopReason?.context.details).toMatchObject({ reason: 'max-fail' }); // 12% > 10%
  });

  it('maxFail 0 stops at the first failure', () => {
    const policy = new RolloutPolicy(3, { maxFail: 0 });
    policy.record('error', false);
    expect(policy.stopReason).toBeDefined();
  });

  it('stops at the first canary failure, and the first reason stays', () => {
    const policy = new RolloutPolicy(10, { canary: 2, maxFail: 0 });
    policy.record('ok', true);
    expect(policy.stopReason).toBeUndefined();
    policy.record('failed', true);
    expect(policy.stopReason?.context.details).toMatchObject({ reason: 'canary', failed: 1, canary: 2 });
    expect(policy.stopReason?.message).toMatch(/canary/);
  });

  it('holds a stop the caller decides and its sources (drain, run signal), asked in order; the first reason stays', () => {
    const drain = new AbortController();
    const run = new AbortController();
    const reasonOf = (what: string) => () => new FleetError('FLEET_SKIPPED', what);
    const policy = new RolloutPolicy(4, { maxFail: 0 }, [
      { signal: run.signal, reason: reasonOf('run') },
      undefined,
      { signal: drain.signal, reason: reasonOf('drain') },
    ]);
    expect(policy.stopReason).toBeUndefined();
    drain.abort();
    run.abort();
    expect(policy.stopReason?.message).toBe('run');
    policy.record('failed', false);
    policy.stop(new FleetError('FLEET_SKIPPED', 'canary step'));
    expect(policy.stopReason?.message).toBe('run');
    expect(policy.failed).toBe(1);
  });

  it('a stop the caller decides wins over sources not yet asked', () => {
    const drain = new AbortController();
    const policy = new RolloutPolicy(4, {}, [{ signal: drain.signal, reason: () => new FleetError('FLEET_SKIPPED', 'drain') }]);
    drain.abort();
    policy.stop(new FleetError('FLEET_SKIPPED', 'local step failed'));
    expect(policy.stopReason?.message).toBe('local step failed');
  });
});
