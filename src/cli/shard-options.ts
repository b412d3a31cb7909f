import { Option, type Command } from 'commander';

/** What `--on-retry` may say when a shard runs again (see docs/scale-out.md). */
export const ON_RETRY_VALUES = ['rerun', 'skip-started'] as const;

/** The scale-out options, as commander parses them. */
export interface ShardOptions {
  shard?: string;
  shardTotal?: string;
  runId?: string;
  out?: string;
  outDir?: string;
  onRetry?: (typeof ON_RETRY_VALUES)[number];
  journal?: string;
}

// Every scale-out option, checked against ShardOptions: a key added there and not here fails to compile.
const SHARD_OPTION_KEYS = ['shard', 'shardTotal', 'runId', 'out', 'outDir', 'onRetry', 'journal'] as const satisfies readonly (keyof ShardOptions)[];
const everyShardOption: Exclude<keyof ShardOptions, (typeof SHARD_OPTION_KEYS)[number]> extends never ? true : never = true;
void everyShardOption;

/** True when any scale-out option is given; without one, a command runs no shard machinery. */
export function wantsShard(options: ShardOptions): boolean {
  return SHARD_OPTION_KEYS.some((key) => options[key] !== undefined);
}

/**
 * Adds `--shard`, `--shard-total`, `--run-id`, `--out`, `--out-dir`, `--on-retry` and
 * `--journal` to a command that runs on hosts (exec, put, get, run). `fleet hosts` takes only
 * the first two (`selectionOnly`): it lists a shard's hosts and runs nothing.
 */
export function addShardOptions(command: Command, opts: { selectionOnly?: boolean } = {}): Command {
  command
    .option('--shard <K/N|auto>', 'run only shard K of N (K from 1) of the selected hosts; auto: from the scheduler (k8s, Slurm, GitLab, Nomad, FLEET_SHARD_INDEX)')
    .option('--shard-total <n>', 'the number of shards, for schedulers that give only an index (k8s JOB_COMPLETION_INDEX, NOMAD_ALLOC_INDEX)');
  if (opts.selectionOnly === true) return command;
  return command
    .option('--run-id <id>', 'the id all shards of one run share (default FLEET_RUN_ID, else the scheduler\'s own id)')
    .option('--out <file>', 'also write the events as JSONL to FILE (what `fleet report` merges)')
    .option('--out-dir <dir>', 'also write the events as JSONL to DIR/<run-id>/shard-K-of-N.a<attempt>.jsonl')
    .addOption(new Option('--on-retry <what>', 'when this shard ran before: rerun every host, or skip-started (needs --journal); exec/run refuse without it').choices(ON_RETRY_VALUES))
    .option('--journal <dir>', 'record each host\'s start (fsync\'d) and end in DIR/<run-id>/shard-K-of-N.journal, on storage a retried shard sees');
}
