import { describe, expect, it } from 'vitest';
import type { BenchOptions } from '../../bench/context.js';
import { evaluateTargets } from '../../bench/targets.js';
import type { CaseResult, Measurement } from '../../bench/types.js';

const opts: BenchOptions = {
  quick: false,
  runs: 3,
  hosts: 100,
  largeHosts: 1000,
  rtts: [0, 50],
  cases: ['put', 'put-skip', 'get'],
  forks: 100,
  transferHosts: 20,
  fileMiB: 64,
  steps: 20,
  baselines: undefined,
  write: false,
};

function measured(id: string, median: number): Measurement {
  return {
    id,
    label: id,
    fleet: id.startsWith('fleet'),
    summary: { n: 3, min: median, median, max: median },
    peakRssMiB: null,
    cpuS: null,
    serverCpuS: null,
    samples: [],
    failures: 0,
  };
}

function result(key: string, medians: Record<string, number>): CaseResult {
  const [caseId = key] = key.split(/-\d+-rtt/);
  return { key, caseId, title: key, hosts: 20, rttMs: 0, measurements: Object.entries(medians).map(([id, m]) => measured(id, m)), notes: [] };
}

const byName = (results: CaseResult[]) => new Map(evaluateTargets(results, opts).map((t) => [t.name, t]));

describe("issue #7's transfer targets in the bench report", () => {
  it('put must take at most 1/1.3 of unverified fastPut at RTT 0 and 1/2.5 at the largest RTT', () => {
    const targets = byName([
      result('put-20-rtt0', { fleet: 3.0, 'sftp-put': 4.0 }),
      result('put-20-rtt50', { fleet: 3.0, 'sftp-put': 6.0 }),
    ]);
    const at0 = targets.get('put 64 MiB to 20 hosts, RTT 0 ms: fleet (verified) / fastPut (unverified)');
    expect(at0).toMatchObject({ measured: 0.75, status: 'PASS' });
    expect(at0?.limit).toBeCloseTo(1 / 1.3);
    const at50 = targets.get('put 64 MiB to 20 hosts, RTT 50 ms: fleet (verified) / fastPut (unverified)');
    expect(at50).toMatchObject({ measured: 0.5, status: 'MISS', limit: 0.4 });
  });

  it('a baseline the run skipped makes the target n/a, not a pass', () => {
    const targets = byName([result('put-20-rtt0', { fleet: 3.0 }), result('put-20-rtt50', { fleet: 3.0 })]);
    expect(targets.get('put 64 MiB to 20 hosts, RTT 0 ms: fleet (verified) / fastPut (unverified)')?.status).toBe('n/a');
  });

  it('skip-unchanged is measured against the first put, get verified against --no-verify', () => {
    const targets = byName([
      result('put-20-rtt0', { fleet: 4.0, 'sftp-put': 2.0 }),
      result('put-skip-20-rtt0', { fleet: 0.5 }),
      result('get-20-rtt0', { fleet: 4.4, 'fleet-no-verify': 4.0 }),
    ]);
    expect(targets.get('put --skip-unchanged, unchanged / first put (fleet)')).toMatchObject({ measured: 0.125, status: 'MISS', limit: 0.1 });
    expect(targets.get('get 64 MiB from 20 hosts: verified / --no-verify')?.status).toBe('MISS');
    expect(targets.get('get 64 MiB from 20 hosts: verified / --no-verify')?.measured).toBeCloseTo(1.1);
  });

  it('cases the run did not include add no transfer targets', () => {
    const names = [...byName([result('exec-100-rtt0', { fleet: 1, 'ssh2-naive': 1 })]).keys()];
    expect(names.some((n) => n.startsWith('put') || n.startsWith('get'))).toBe(false);
  });
});
