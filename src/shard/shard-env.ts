import { FleetError } from '../errors.js';

/** Which shard this process runs, 1-based, and where that came from (for messages). */
export interface ShardSpec {
  index: number;
  total: number;
  /** `--shard`, or the environment variable(s) `--shard auto` read. */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The schedulers `--shard auto` knows, each with how it numbers its tasks. `base` 0: the index
 * counts from 0 (k8s, Nomad), 1: from 1. A scheduler that does not say how many tasks there are
 * needs `--shard-total`.
 */
interface IndexSource {
  name: string;
  /** The variables whose presence means "this scheduler". */
  index: string;
  read(env: Env, totalFlag: number | undefined): { index: number; total: number | undefined; vars: string };
}

const SOURCES: readonly IndexSource[] = [
  {
    name: 'Kubernetes Indexed Job',
    index: 'JOB_COMPLETION_INDEX',
    read: (env, total) => ({ index: int(env, 'JOB_COMPLETION_INDEX') + 1, total, vars: 'JOB_COMPLETION_INDEX (0-based)' }),
  },
  {
    name: 'Slurm job array',
    index: 'SLURM_ARRAY_TASK_ID',
    // Arrays may start anywhere (--array=0-3 or 1-4): the position is ID - MIN.
    read: (env) => ({
      index: int(env, 'SLURM_ARRAY_TASK_ID') - int(env, 'SLURM_ARRAY_TASK_MIN') + 1,
      total: int(env, 'SLURM_ARRAY_TASK_COUNT'),
      vars: 'SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT',
    }),
  },
  {
    name: 'GitLab parallel job',
    index: 'CI_NODE_INDEX',
    read: (env) => ({ index: int(env, 'CI_NODE_INDEX'), total: int(env, 'CI_NODE_TOTAL'), vars: 'CI_NODE_INDEX of CI_NODE_TOTAL (1-based)' }),
  },
  {
    name: 'Nomad allocation',
    index: 'NOMAD_ALLOC_INDEX',
    read: (env, total) => ({ index: int(env, 'NOMAD_ALLOC_INDEX') + 1, total, vars: 'NOMAD_ALLOC_INDEX (0-based)' }),
  },
  {
    name: 'FLEET_SHARD_INDEX',
    index: 'FLEET_SHARD_INDEX',
    read: (env, total) => {
      const index = int(env, 'FLEET_SHARD_INDEX');
      if (index === 0) throw usage('FLEET_SHARD_INDEX=0: FLEET_SHARD_INDEX counts from 1 (a GitHub matrix of shard: [1, 2, 3, 4])');
      return { index, total: env['FLEET_SHARD_TOTAL'] === undefined ? total : int(env, 'FLEET_SHARD_TOTAL'), vars: 'FLEET_SHARD_INDEX of FLEET_SHARD_TOTAL (1-based)' };
    },
  },
];

/** The environment variables `--shard auto` reads, for help and error messages. */
export const SHARD_INDEX_VARIABLES: readonly string[] = SOURCES.map((s) => s.index);

/**
 * What `--shard` (with `--shard-total`) means: `K/N` (K counts from 1), or `auto`, which reads
 * the scheduler's index from the environment. Undefined when neither flag is given.
 * @throws FleetError FLEET_USAGE (exit 2) naming the problem: a malformed value, K = 0, K > N,
 *   `auto` with no scheduler or two of them, a 0-based scheduler without `--shard-total`.
 */
export function resolveShard(shard: string | undefined, shardTotal: string | undefined, env: Env): ShardSpec | undefined {
  const totalFlag = shardTotal === undefined ? undefined : positive(shardTotal, '--shard-total');
  if (shard === undefined) {
    if (totalFlag !== undefined) throw usage('--shard-total needs --shard (K/N or auto)');
    return undefined;
  }
  const text = shard.trim();
  if (text === 'auto') return fromEnvironment(env, totalFlag);
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw usage(`invalid value for --shard: '${shard}' (K/N with K from 1 to N, e.g. 2/8, or auto)`);
  const total = positive(m[2] as string, '--shard');
  if (totalFlag !== undefined && totalFlag !== total) throw usage(`--shard ${text} and --shard-total ${totalFlag} disagree`);
  return checkRange({ index: Number(m[1]), total, source: `--shard ${text}` });
}

function fromEnvironment(env: Env, totalFlag: number | undefined): ShardSpec {
  const present = SOURCES.filter((s) => env[s.index] !== undefined && env[s.index] !== '');
  if (present.length === 0) {
    throw usage(`--shard auto: no scheduler index in the environment (looked for ${SHARD_INDEX_VARIABLES.join(', ')}); give --shard K/N`);
  }
  if (present.length > 1) {
    throw usage(`--shard auto: two shard sources at once (${present.map((s) => `${s.index} from ${s.name}`).join(' and ')}); unset one or give --shard K/N`);
  }
  const source = present[0] as IndexSource;
  const read = source.read(env, totalFlag);
  if (read.total === undefined) throw usage(`--shard auto: ${source.name} gives only the index (${read.vars}); give the number of shards with --shard-total N`);
  if (totalFlag !== undefined && totalFlag !== read.total) throw usage(`--shard auto: ${source.name} says ${read.total} shards (${read.vars}) but --shard-total says ${totalFlag}`);
  return checkRange({ index: read.index, total: read.total, source: `${source.name}: ${read.vars}` });
}

function checkRange(spec: ShardSpec): ShardSpec {
  if (spec.index === 0 && spec.source.startsWith('--shard')) {
    throw usage(`${spec.source}: shards count from 1 (1/${spec.total} .. ${spec.total}/${spec.total}); for a 0-based index K write ${'K+1'}/${spec.total} or use --shard auto`);
  }
  if (!Number.isSafeInteger(spec.index) || spec.index < 1 || spec.index > spec.total) {
    throw usage(`shard index ${spec.index} is out of range 1..${spec.total} (${spec.source})`);
  }
  return spec;
}

function int(env: Env, name: string): number {
  const text = env[name];
  if (text === undefined || !/^\d+$/.test(text.trim())) throw usage(`--shard auto: ${name} is ${text === undefined ? 'not set' : `'${text}', not a whole number`}`);
  return Number(text.trim());
}

function positive(text: string, flag: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 100_000) throw usage(`invalid number of shards for ${flag}: '${text}' (1 to 100000)`);
  return value;
}

/** Scheduler run ids, in the order tried after `--run-id` and FLEET_RUN_ID. */
const RUN_ID_VARIABLES: readonly string[] = ['SLURM_ARRAY_JOB_ID', 'GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'NOMAD_JOB_ID'];

/**
 * The run id that ties the shards of one run together: `--run-id`, else FLEET_RUN_ID, else the
 * scheduler's own (Slurm array job, GitHub run, GitLab pipeline, Nomad job; on Kubernetes set
 * FLEET_RUN_ID from the job-name label, see examples/). It names a directory, so only
 * `[A-Za-z0-9._-]` are allowed (a scheduler id's other characters become `_`).
 * @throws FleetError FLEET_USAGE when a sharded run has none, or it is not a safe name.
 */
export function resolveRunId(flag: string | undefined, env: Env): { runId: string; source: string } | undefined {
  const candidates: [string | undefined, string][] = [
    [flag, '--run-id'],
    [env['FLEET_RUN_ID'], 'FLEET_RUN_ID'],
    ...RUN_ID_VARIABLES.map((v): [string | undefined, string] => [env[v], v]),
  ];
  for (const [given, source] of candidates) {
    if (given === undefined || given === '') continue;
    // A scheduler's id may hold a slash (Nomad's `batch/dispatch-...`): made safe, not refused.
    const value = source === '--run-id' || source === 'FLEET_RUN_ID' ? given : given.replace(/[^A-Za-z0-9._-]/g, '_');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) throw usage(`run id '${value}' (from ${source}) must be 1-128 of A-Z a-z 0-9 . _ - (it names a directory)`);
    return { runId: value, source };
  }
  return undefined;
}

/** The run id a sharded run must have; without one the shards could not be merged. */
export function requireRunId(flag: string | undefined, env: Env): { runId: string; source: string } {
  const found = resolveRunId(flag, env);
  if (found === undefined) {
    throw usage(`a sharded run needs a run id so that its shards can be merged: give --run-id ID or set FLEET_RUN_ID (or run under a scheduler that sets ${RUN_ID_VARIABLES.slice(0, 4).join(', ')})`);
  }
  return found;
}

/**
 * Which attempt of this shard the scheduler says this is (1 = first): the highest of
 * FLEET_ATTEMPT, GITHUB_RUN_ATTEMPT, SLURM_RESTART_COUNT + 1 and, on Kubernetes,
 * JOB_INDEX_FAILURE_COUNT + 1 (the pod annotation batch.kubernetes.io/job-index-failure-count
 * passed in through the downward API, as examples/ does). Unparsable values are ignored.
 */
export function schedulerAttempt(env: Env): { attempt: number; source: string } {
  const signals: [string, number][] = [
    ['FLEET_ATTEMPT', 0],
    ['GITHUB_RUN_ATTEMPT', 0],
    ['SLURM_RESTART_COUNT', 1],
    ['JOB_INDEX_FAILURE_COUNT', 1],
  ];
  let best = { attempt: 1, source: 'first attempt' };
  for (const [name, add] of signals) {
    const text = env[name];
    if (text === undefined || !/^\d+$/.test(text.trim())) continue;
    const attempt = Number(text.trim()) + add;
    if (attempt > best.attempt) best = { attempt, source: `${name}=${text.trim()}` };
  }
  return best;
}

function usage(message: string): FleetError {
  return new FleetError('FLEET_USAGE', message);
}
