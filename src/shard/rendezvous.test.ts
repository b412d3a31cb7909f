import { describe, expect, it } from 'vitest';
import { planShards, selectShard } from './plan.js';
import { assignShards, hostKey, planHash, shardOf, shardOfKey } from './rendezvous.js';

const names = (n: number, prefix = 'host'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}.example.com`);

describe('rendezvous split', () => {
  // CPU-heavy (41 M weights): a generous timeout for a shared machine.
  it('puts every host in exactly one shard in 1..N, for N = 1..64 over 0..20,000 hosts', { timeout: 120_000 }, () => {
    const all = names(20_000);
    const keys = all.map(hostKey);
    for (const size of [0, 1, 2, 7, 100, 20_000]) {
      for (let total = 1; total <= 64; total++) {
        const counts = new Array<number>(total).fill(0);
        let outside = 0;
        for (let i = 0; i < size; i++) {
          const s = shardOfKey(keys[i] as [number, number], total);
          if (Number.isInteger(s) && s >= 0 && s < total) counts[s] = (counts[s] ?? 0) + 1;
          else outside++;
        }
        expect(outside).toBe(0);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(size);
      }
    }
    // Each shard's selection is disjoint from the others and together they are the whole list.
    const seen = new Set<string>();
    for (let k = 1; k <= 8; k++) for (const h of selectShard(all, (x) => x, k, 8).hosts) {
      expect(seen.has(h)).toBe(false);
      seen.add(h);
    }
    expect(seen.size).toBe(all.length);
  });

  it('balances: at 20,000 hosts over 8 shards every shard is within 5% of 2,500', () => {
    const { counts } = planShards(names(20_000), 8);
    for (const c of counts) expect(Math.abs(c - 2500)).toBeLessThan(125);
  });

  it('adding or removing a host moves no other host', { timeout: 60_000 }, () => {
    const base = names(5000);
    for (const total of [2, 5, 16, 64]) {
      const before = assignShards(base, total);
      const after = assignShards([...base, 'newcomer.example.com', 'another.example.com'], total);
      expect(after.slice(0, base.length)).toEqual(before);
      const removed = assignShards(base.filter((_, i) => i !== 17), total);
      expect(removed).toEqual(before.filter((_, i) => i !== 17));
    }
  });

  it('going from N to N+1 shards moves about 1/(N+1) of the hosts, all of them to the new shard', { timeout: 120_000 }, () => {
    const all = names(20_000);
    for (const n of [1, 2, 3, 7, 15, 31, 63]) {
      const before = assignShards(all, n);
      const after = assignShards(all, n + 1);
      let moved = 0;
      after.forEach((s, i) => {
        if (s !== before[i]) {
          moved++;
          expect(s).toBe(n + 1);
        }
      });
      const expected = all.length / (n + 1);
      expect(Math.abs(moved - expected) / expected).toBeLessThan(0.1);
    }
  });

  it('depends on the name only: the same host lands in the same shard whatever the order', () => {
    const all = names(1000);
    const shards = assignShards(all, 9);
    const forward = new Map(all.map((n, i) => [n, shards[i]]));
    const reversed = [...all].reverse();
    assignShards(reversed, 9).forEach((s, i) => expect(s).toBe(forward.get(reversed[i] as string)));
    expect(shardOf('web01', 4)).toBe(shardOf('web01', 4));
  });

  it('is pinned: a change of algorithm must bump SHARD_ALGORITHM (these values are the v1 split)', () => {
    expect(['web01', 'web02', 'db1', 'lab001', 'lab400'].map((n) => shardOf(n, 4))).toMatchInlineSnapshot(`
      [
        1,
        2,
        1,
        3,
        1,
      ]
    `);
  });

  // Speed (20,000 hosts x 8 shards <= 1 s) is a bench target: bench/shard.ts, not a unit test on a shared machine.

  it('rejects a total below 1', () => {
    expect(() => assignShards(['a'], 0)).toThrow(TypeError);
  });
});

describe('plan hash', () => {
  it('is stable: the same set of names and N give the same hash, whatever the order', () => {
    const all = names(300);
    expect(planHash(all, 4)).toBe(planHash([...all].reverse(), 4));
    expect(planHash(all, 4)).toMatch(/^[0-9a-f]{16}$/);
    expect(planHash(['a', 'b'], 2)).toMatchInlineSnapshot(`"82d71d49f4ea1eb6"`);
  });

  it('changes with any host, with N', () => {
    const all = names(300);
    expect(planHash(all, 4)).not.toBe(planHash(all, 5));
    expect(planHash(all, 4)).not.toBe(planHash(all.slice(1), 4));
    expect(planHash(['ab', 'c'], 2)).not.toBe(planHash(['a', 'bc'], 2));
  });
});
