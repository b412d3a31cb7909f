/**
 * Scale-out (docs/scale-out.md): the rendezvous split of a selection into shards, the scheduler
 * environment, and the merge of shards' events into one run. What the public API re-exports.
 */
export { planShards, selectShard, type ShardPlan, type ShardSelection } from './plan.js';
export { planHash, shardOf, SHARD_ALGORITHM } from './rendezvous.js';
export { resolveRunId, resolveShard, schedulerAttempt, type ShardSpec } from './shard-env.js';
export { ShardMerger, type MergeResult } from './merge.js';
export { followDirectory, mergeFiles, mergeStream, type MergeWarn } from './merge-sources.js';
