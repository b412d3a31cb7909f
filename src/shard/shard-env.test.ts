import { describe, expect, it } from 'vitest';
import { FleetError } from '../errors.js';
import { requireRunId, resolveRunId, resolveShard, schedulerAttempt } from './shard-env.js';

function usageError(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FLEET_USAGE');
    return error as FleetError;
  }
  throw new Error('expected a usage error');
}

describe('--shard K/N', () => {
  it('reads K (1-based) and N', () => {
    expect(resolveShard('2/8', undefined, {})).toMatchObject({ index: 2, total: 8 });
    expect(resolveShard('1/1', undefined, {})).toMatchObject({ index: 1, total: 1 });
    expect(resolveShard(undefined, undefined, {})).toBeUndefined();
  });

  it.each([['0/4', /count from 1/], ['5/4', /out of range 1\.\.4/], ['2/0', /number of shards/], ['x', /K\/N/], ['1/4/2', /K\/N/]])('%s is a usage error', (value, message) => {
    expect(usageError(() => resolveShard(value, undefined, {})).message).toMatch(message);
  });

  it('--shard-total must agree and needs --shard', () => {
    expect(resolveShard('2/4', '4', {})).toMatchObject({ index: 2, total: 4 });
    expect(usageError(() => resolveShard('2/4', '5', {})).message).toMatch(/disagree/);
    expect(usageError(() => resolveShard(undefined, '5', {})).message).toMatch(/needs --shard/);
  });
});

describe('--shard auto', () => {
  it.each<[string, Record<string, string>, string | undefined, { index: number; total: number }]>([
    ['k8s Indexed Job (0-based)', { JOB_COMPLETION_INDEX: '0' }, '4', { index: 1, total: 4 }],
    ['k8s last index', { JOB_COMPLETION_INDEX: '3' }, '4', { index: 4, total: 4 }],
    ['Slurm --array=1-4', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }, undefined, { index: 3, total: 4 }],
    ['Slurm --array=0-3', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' }, undefined, { index: 1, total: 4 }],
    ['GitLab parallel (1-based)', { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '5' }, undefined, { index: 2, total: 5 }],
    ['Nomad (0-based)', { NOMAD_ALLOC_INDEX: '2' }, '3', { index: 3, total: 3 }],
    ['generic', { FLEET_SHARD_INDEX: '4', FLEET_SHARD_TOTAL: '4' }, undefined, { index: 4, total: 4 }],
    ['generic with --shard-total', { FLEET_SHARD_INDEX: '1' }, '2', { index: 1, total: 2 }],
  ])('%s', (_name, env, total, expected) => {
    expect(resolveShard('auto', total, env)).toMatchObject(expected);
  });

  it.each<[string, Record<string, string>, string | undefined, RegExp]>([
    ['no scheduler', {}, undefined, /no scheduler index.*JOB_COMPLETION_INDEX/],
    ['two sources', { JOB_COMPLETION_INDEX: '0', CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' }, '2', /two shard sources.*JOB_COMPLETION_INDEX.*CI_NODE_INDEX/],
    ['k8s without --shard-total', { JOB_COMPLETION_INDEX: '0' }, undefined, /--shard-total/],
    ['Nomad without --shard-total', { NOMAD_ALLOC_INDEX: '0' }, undefined, /--shard-total/],
    ['k8s index out of range', { JOB_COMPLETION_INDEX: '4' }, '4', /out of range 1\.\.4/],
    ['Slurm array with a gap', { SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }, undefined, /out of range/],
    ['Slurm count disagrees with --shard-total', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }, '8', /says 4 shards.*--shard-total says 8/],
    ['GitLab index 0 (not 1-based)', { CI_NODE_INDEX: '0', CI_NODE_TOTAL: '2' }, undefined, /out of range 1\.\.2/],
    ['GitLab without total', { CI_NODE_INDEX: '1' }, undefined, /CI_NODE_TOTAL is not set/],
    ['generic 0-based', { FLEET_SHARD_INDEX: '0', FLEET_SHARD_TOTAL: '4' }, undefined, /counts from 1/],
    ['generic without total', { FLEET_SHARD_INDEX: '1' }, undefined, /--shard-total/],
    ['not a number', { JOB_COMPLETION_INDEX: 'one' }, '2', /not a whole number/],
  ])('%s is a usage error', (_name, env, total, message) => {
    expect(usageError(() => resolveShard('auto', total, env)).message).toMatch(message);
  });
});

describe('run id', () => {
  it('takes --run-id, then FLEET_RUN_ID, then the scheduler', () => {
    expect(resolveRunId('abc', { FLEET_RUN_ID: 'x', GITHUB_RUN_ID: '1' })).toEqual({ runId: 'abc', source: '--run-id' });
    expect(resolveRunId(undefined, { FLEET_RUN_ID: 'x', GITHUB_RUN_ID: '1' })).toEqual({ runId: 'x', source: 'FLEET_RUN_ID' });
    expect(resolveRunId(undefined, { SLURM_ARRAY_JOB_ID: '77' })?.runId).toBe('77');
    expect(resolveRunId(undefined, { GITHUB_RUN_ID: '123' })?.runId).toBe('123');
    expect(resolveRunId(undefined, { CI_PIPELINE_ID: '9' })?.runId).toBe('9');
    expect(resolveRunId(undefined, { NOMAD_JOB_ID: 'batch/dispatch-1' })?.runId).toBe('batch_dispatch-1');
    expect(resolveRunId(undefined, {})).toBeUndefined();
  });

  it('a sharded run without one, or with one that is no safe name, is a usage error', () => {
    expect(usageError(() => requireRunId(undefined, {})).message).toMatch(/needs a run id/);
    expect(usageError(() => requireRunId('../etc', {})).message).toMatch(/names a directory/);
  });
});

describe('scheduler attempt', () => {
  it.each<[Record<string, string>, number]>([
    [{}, 1],
    [{ GITHUB_RUN_ATTEMPT: '1' }, 1],
    [{ GITHUB_RUN_ATTEMPT: '2' }, 2],
    [{ SLURM_RESTART_COUNT: '0' }, 1],
    [{ SLURM_RESTART_COUNT: '1' }, 2],
    [{ JOB_INDEX_FAILURE_COUNT: '2' }, 3],
    [{ FLEET_ATTEMPT: '4', GITHUB_RUN_ATTEMPT: '2' }, 4],
    [{ GITHUB_RUN_ATTEMPT: 'x' }, 1],
  ])('%o is attempt %i', (env, attempt) => {
    expect(schedulerAttempt(env).attempt).toBe(attempt);
  });
});
