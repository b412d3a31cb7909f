import { createHash } from 'node:crypto';

/**
 * Version of the split algorithm. It is part of every plan hash, so shards split by two
 * different algorithms can never be merged as one run. Bump it on any change to `weight`.
 */
export const SHARD_ALGORITHM = 'rendezvous-v1';

/**
 * A host's 64-bit key: the first 8 bytes of sha256(name), as two unsigned 32-bit halves.
 * sha256 once per host (about 1 µs); the per-shard weights below are then pure integer mixing.
 */
export function hostKey(name: string): [number, number] {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}

// murmur3's 32-bit finalizer: full avalanche, so nearby inputs give unrelated outputs.
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The weight of host key `key` for shard `index` (0-based): a 53-bit integer, so it compares
 * exactly as a JS number. Highest weight wins (rendezvous / highest-random-weight hashing):
 * a host's weight for a shard never depends on other hosts or on the number of shards, which is
 * why adding a host moves no other host and going from N to N+1 shards moves only the hosts
 * whose weight for the new shard beats their old best (about 1/(N+1) of them).
 */
export function weight(key: readonly [number, number], index: number): number {
  const seed = Math.imul(index + 1, 0x9e3779b9);
  const a = fmix32(key[1] ^ seed);
  const b = fmix32(key[0] ^ a ^ Math.imul(index + 1, 0x27d4eb2f));
  return a * 2 ** 21 + (b >>> 11);
}

/** The 0-based shard of `key` among `total`: the highest weight, ties to the lower index. */
export function shardOfKey(key: readonly [number, number], total: number): number {
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < total; i++) {
    const w = weight(key, i);
    if (w > bestWeight) {
      best = i;
      bestWeight = w;
    }
  }
  return best;
}

/** The 1-based shard (of `total`) that host `name` belongs to. */
export function shardOf(name: string, total: number): number {
  validateTotal(total);
  return shardOfKey(hostKey(name), total) + 1;
}

/** For each name, its 1-based shard of `total`, in the order given. */
export function assignShards(names: readonly string[], total: number): number[] {
  validateTotal(total);
  return names.map((name) => shardOfKey(hostKey(name), total) + 1);
}

/**
 * The plan hash: sha256 over the algorithm version, the number of shards and the sorted host
 * names (16 hex digits). Two shards of one run have the same selection and N, hence the same
 * hash; any difference (another -l, an inventory change, another N) gives another hash, and
 * `fleet report` refuses to merge them.
 */
export function planHash(names: readonly string[], total: number): string {
  const hash = createHash('sha256');
  hash.update(`${SHARD_ALGORITHM}\n${total}\n`);
  // Sorted by code unit, never by locale: the same on every machine.
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of sorted) hash.update(`${name}\n`);
  return hash.digest('hex').slice(0, 16);
}

function validateTotal(total: number): void {
  if (!Number.isSafeInteger(total) || total < 1) throw new TypeError(`The shard total must be an integer >= 1. Received ${String(total)}`);
}
