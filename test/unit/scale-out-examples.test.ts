/**
 * The scale-out recipes in examples/scale-out (docs/scale-out.md) checked offline: the k8s
 * Indexed Job against the Kubernetes API schema (kubernetes-models), and every recipe's shard
 * count against what fleet is told. No cluster, runner or scheduler is contacted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = path.resolve('examples/scale-out');
const read = (name: string): string => readFileSync(path.join(dir, name), 'utf8');

describe('examples/scale-out', () => {
  it('k8s-indexed-job.yaml is a valid batch/v1 Job: Indexed, retries off, --shard-total = completions, run id and failure count from the downward API', () => {
    const doc = parse(read('k8s-indexed-job.yaml')) as Record<string, unknown>;
    const job = new Job(doc as ConstructorParameters<typeof Job>[0]);
    expect(() => job.validate()).not.toThrow();
    const spec = job.spec!;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.backoffLimit).toBe(0);
    expect(spec.template.spec?.restartPolicy).toBe('Never');
    const container = spec.template.spec!.containers[0]!;
    expect(container.args).toContain('--shard=auto');
    expect(container.args).toContain(`--shard-total=${spec.completions}`);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(env['FLEET_RUN_ID']).toBe("metadata.labels['batch.kubernetes.io/job-name']");
    expect(env['JOB_INDEX_FAILURE_COUNT']).toBe("metadata.annotations['batch.kubernetes.io/job-index-failure-count']");
  });

  it('the schema check can fail: a wrong type or enum is refused', () => {
    const doc = parse(read('k8s-indexed-job.yaml')) as { spec: Record<string, unknown> };
    doc.spec['completions'] = 'four';
    expect(() => new Job(doc as unknown as ConstructorParameters<typeof Job>[0]).validate()).toThrow();
  });

  it('github-actions.yml: the matrix has shards 1..FLEET_SHARD_TOTAL and the report merges runs/<run id>', () => {
    const wf = parse(read('github-actions.yml')) as {
      jobs: { shard: { strategy: { matrix: { shard: number[] } }; env: Record<string, unknown> }; report: { steps: { run?: string }[] } };
    };
    const total = Number(wf.jobs.shard.env['FLEET_SHARD_TOTAL']);
    expect(wf.jobs.shard.strategy.matrix.shard).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(wf.jobs.report.steps.some((s) => s.run?.includes('fleet report runs/${{ github.run_id }}'))).toBe(true);
  });

  it('slurm-array.sbatch: --no-requeue, and an array of as many tasks as fleet counts (SLURM_ARRAY_TASK_COUNT)', () => {
    const text = read('slurm-array.sbatch');
    expect(text).toMatch(/^#SBATCH --no-requeue$/m);
    expect(text).toMatch(/^#SBATCH --array=1-4$/m);
    expect(text).toMatch(/--shard auto/);
  });

  it('nomad-batch.nomad.hcl: count = --shard-total, no restart, no reschedule', () => {
    const text = read('nomad-batch.nomad.hcl');
    const count = /count\s*=\s*(\d+)/.exec(text)?.[1];
    expect(text).toMatch(new RegExp(`"--shard-total", "${count}"`));
    expect(text).toMatch(/restart \{\s*attempts = 0/);
    expect(text).toMatch(/reschedule \{\s*attempts\s*= 0/);
  });
});
