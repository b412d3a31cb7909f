import { assignShards, planHash, SHARD_ALGORITHM } from './rendezvous.js';

/** How a selection splits into shards: what `fleet shards N` prints and every shard agrees on. */
export interface ShardPlan {
  algorithm: string;
  total: number;
  planHash: string;
  /** Hosts in the plan (the whole selection, every shard). */
  hostCount: number;
  /** Hosts per shard; `counts[0]` is shard 1. */
  counts: number[];
  /** Each host's 1-based shard, in selection order. */
  hosts: { host: string; shard: number }[];
}

/** Splits `names` (the selection after -l, in inventory order) into `total` shards. */
export function planShards(names: readonly string[], total: number): ShardPlan {
  const shards = assignShards(names, total);
  const counts = new Array<number>(total).fill(0);
  for (const s of shards) counts[s - 1] = (counts[s - 1] ?? 0) + 1;
  return {
    algorithm: SHARD_ALGORITHM,
    total,
    planHash: planHash(names, total),
    hostCount: names.length,
    counts,
    hosts: names.map((host, i) => ({ host, shard: shards[i] as number })),
  };
}

/** What a shard of a plan knows about itself: carried on run_start and summary events. */
export interface ShardSelection<T> {
  /** The hosts of this shard, in selection order. */
  hosts: T[];
  /** Their 0-based positions in the whole selection: lets `fleet report` restore inventory order. */
  positions: number[];
  planHash: string;
  /** Hosts in the whole plan. */
  hostCount: number;
}

/** The hosts of shard `index` (1-based) of `total`, in selection order. */
export function selectShard<T>(hosts: readonly T[], nameOf: (host: T) => string, index: number, total: number): ShardSelection<T> {
  const names = hosts.map(nameOf);
  const shards = assignShards(names, total);
  const selected: T[] = [];
  const positions: number[] = [];
  shards.forEach((s, i) => {
    if (s === index) {
      selected.push(hosts[i] as T);
      positions.push(i);
    }
  });
  return { hosts: selected, positions, planHash: planHash(names, total), hostCount: names.length };
}
