/** The targets (#9), checked against the medians measured in this run. */
import { FAULTS_BOUND_MS, FAULTS_MAX_RSS_MB } from './cases/faults.js';
import type { BenchOptions } from './context.js';
import { ratio } from './stats.js';
import type { CaseResult, Measurement } from './types.js';

export interface TargetResult {
  name: string;
  /** Measured value (ratio, ms or MB); NaN when the run did not measure it. */
  measured: number;
  limit: number;
  unit: 'x' | 'ms' | 'MB';
  status: 'PASS' | 'MISS' | 'n/a';
  detail: string;
}

function find(results: readonly CaseResult[], key: string, id: string): Measurement | undefined {
  const m = results.find((r) => r.key === key)?.measurements.find((x) => x.id === id);
  return m !== undefined && m.skipped === undefined && m.summary.n > 0 ? m : undefined;
}

function target(name: string, measured: number, limit: number, unit: TargetResult['unit'], detail: string): TargetResult {
  const status = Number.isFinite(measured) ? (measured <= limit ? 'PASS' : 'MISS') : 'n/a';
  return { name, measured, limit, unit, status, detail };
}

export function evaluateTargets(results: readonly CaseResult[], opts: BenchOptions): TargetResult[] {
  const n = opts.hosts;
  const rtt = Math.max(...opts.rtts);
  const med = (key: string, id: string): number => find(results, key, id)?.summary.median ?? Number.NaN;
  const exec0 = `exec-${n}-rtt0`;
  const execR = `exec-${n}-rtt${rtt}`;
  const large = `exec-${opts.largeHosts}-rtt${rtt}`;
  const largeRss = find(results, large, 'fleet')?.peakRssMiB;
  const out: TargetResult[] = [
    target(`exec ${n} hosts, RTT 0: fleet / ssh2 fan-out`, ratio(med(exec0, 'fleet'), med(exec0, 'ssh2-naive')), 0.9, 'x', 'medians, same rounds'),
  ];
  if (rtt > 0) {
    out.push(
      target(`exec ${n} hosts, RTT ${rtt} ms: fleet / ssh2 fan-out`, ratio(med(execR, 'fleet'), med(execR, 'ssh2-naive')), 0.7, 'x', 'medians, same rounds'),
      target(`exec ${n} hosts: fleet at RTT ${rtt} ms / fleet at RTT 0`, ratio(med(execR, 'fleet'), med(exec0, 'fleet')), 1.15, 'x', 'medians of two cases'),
      target(`exec ${opts.largeHosts} hosts / ${n} hosts at RTT ${rtt} ms (fleet)`, ratio(med(large, 'fleet'), med(execR, 'fleet')), 11, 'x', 'medians of two cases'),
      target(
        `exec ${opts.largeHosts} hosts at RTT ${rtt} ms: fleet peak RSS`,
        largeRss === undefined || largeRss === null ? Number.NaN : (largeRss * 1024 * 1024) / 1e6,
        300,
        'MB',
        'max over runs, GNU time %M',
      ),
    );
  }
  for (const mode of ['stream', 'group']) {
    const rss = find(results, `exec-output-${opts.largeHosts}-rtt0`, `fleet-${mode}`)?.peakRssMiB;
    out.push(
      target(
        `exec ${opts.largeHosts} hosts x 1 MiB output, --output ${mode}: fleet peak RSS`,
        rss === undefined || rss === null ? Number.NaN : (rss * 1024 * 1024) / 1e6,
        400,
        'MB',
        'GNU time %M (issue #6)',
      ),
    );
  }
  const faults = find(results, `faults-${opts.largeHosts}-rtt0`, 'fleet');
  if (faults !== undefined || opts.cases.includes('faults')) {
    out.push(
      target(`exec ${opts.largeHosts} hosts with faults: wall time`, faults?.summary.median ?? Number.NaN, FAULTS_BOUND_MS, 'ms', 'connect-timeout + timeout + 2 s; statuses exact'),
      target(`exec ${opts.largeHosts} hosts with faults: fleet peak RSS`, faults?.peakRssMiB == null ? Number.NaN : (faults.peakRssMiB * 1024 * 1024) / 1e6, FAULTS_MAX_RSS_MB, 'MB', 'GNU time %M'),
    );
  }
  out.push(...freshTargets(results, opts));
  out.push(...warmTargets(results, opts));
  out.push(...transferTargets(results, opts));
  const report = find(results, `report-${opts.largeHosts}-rtt0`, 'fleet');
  if (report !== undefined || opts.cases.includes('report')) {
    out.push(target(`HTML report of ${opts.largeHosts} hosts: navigation to table painted (Chromium)`, report?.summary.median ?? Number.NaN, 1500, 'ms', 'median, Element Timing (issue #18)'));
  }
  out.push(target('fleet --help start-up', med('startup-help', 'fleet'), 150, 'ms', 'median wall time, spawn to exit'));
  return out;
}

/**
 * Issue #16's fresh-connection targets: one host at RTT 200 ms in at most 5.5 round trips (from
 * the roundtrips case: difference of the minimums at RTT 200 and 0, over the RTT); 100 hosts at
 * RTT 50 ms at most 0.85x the ssh2 fan-out, and 0.75x with the fast key exchange profile.
 */
function freshTargets(results: readonly CaseResult[], opts: BenchOptions): TargetResult[] {
  const out: TargetResult[] = [];
  const far = find(results, 'roundtrips-1-rtt200', 'fleet');
  const zero = find(results, 'roundtrips-1-rtt0', 'fleet');
  if (far !== undefined || zero !== undefined) {
    const trips = far !== undefined && zero !== undefined ? (far.summary.min - zero.summary.min) / 200 : Number.NaN;
    out.push(target('fresh exec, 1 host at RTT 200 ms: round trips (fleet)', trips, 5.5, 'x', '(min at 200 ms - min at 0) / 200 ms (issue #16)'));
  }
  const key = `exec-${opts.hosts}-rtt50`;
  const med = (id: string): number => find(results, key, id)?.summary.median ?? Number.NaN;
  if (results.some((r) => r.key === key)) {
    out.push(
      target(`exec ${opts.hosts} hosts, RTT 50 ms: fleet / ssh2 fan-out (issue #16)`, ratio(med('fleet'), med('ssh2-naive')), 0.85, 'x', 'medians, same rounds'),
      target(`exec ${opts.hosts} hosts, RTT 50 ms: fleet --kex-profile fast / ssh2 fan-out`, ratio(med('fleet-fast-kex'), med('ssh2-naive')), 0.75, 'x', 'medians, same rounds (issue #16)'),
    );
  }
  return out;
}

/**
 * Issue #16's warm targets: 100 hosts through a warm keeper at most 0.2x a fresh fleet exec at
 * each RTT; one host warm at most 150 ms whole process; 1000 warm hosts at the largest RTT in at
 * most 1.5 s, with the keeper's RSS at most 300 MB.
 */
function warmTargets(results: readonly CaseResult[], opts: BenchOptions): TargetResult[] {
  const out: TargetResult[] = [];
  const med = (key: string, id: string): number => find(results, key, id)?.summary.median ?? Number.NaN;
  for (const rtt of opts.rtts) {
    const key = `persist-${opts.hosts}-rtt${rtt}`;
    if (!results.some((r) => r.key === key)) continue;
    out.push(target(`exec ${opts.hosts} hosts, RTT ${rtt} ms: warm keeper / fresh (fleet)`, ratio(med(key, 'fleet-warm'), med(key, 'fleet')), 0.2, 'x', 'medians, same rounds (issue #16)'));
    out.push(target(`exec ${opts.hosts} hosts, RTT ${rtt} ms: fleet warm / pssh ControlPersist warm`, ratio(med(key, 'fleet-warm'), med(key, 'pssh-controlpersist')), 1, 'x', 'medians, same rounds (issue #16: beat the classic warm path)'));
  }
  if (results.some((r) => r.key === 'persist-1-rtt0')) {
    out.push(target('exec 1 host warm, whole process (fleet --persist)', med('persist-1-rtt0', 'fleet-warm'), 150, 'ms', 'median wall time, spawn to exit (issue #16)'));
  }
  const rtt = Math.max(...opts.rtts);
  const large = results.find((r) => r.key === `persist-large-${opts.largeHosts}-rtt${rtt}`);
  if (large !== undefined) {
    const rss = /RSS (\d+) MB/.exec(large.notes.join(' '))?.[1];
    out.push(
      target(`exec ${opts.largeHosts} hosts warm at RTT ${rtt} ms (fleet --persist)`, med(large.key, 'fleet-warm'), 1500, 'ms', 'median wall time (issue #16)'),
      target(`keeper RSS with ${opts.largeHosts} warm hosts`, rss === undefined ? Number.NaN : Number(rss), 300, 'MB', 'fleet persist status (issue #16)'),
    );
  }
  return out;
}

/**
 * Issue #7's transfer targets: put verified at least 1.3x (RTT 0) and 2.5x (largest RTT) faster
 * than an unverified fastPut, i.e. at most 1/1.3 and 1/2.5 of its time; a second put with
 * --skip-unchanged under 10% of the first; get verified under 5% slower than without.
 */
function transferTargets(results: readonly CaseResult[], opts: BenchOptions): TargetResult[] {
  const n = opts.transferHosts;
  const mib = opts.fileMiB;
  const med = (key: string, id: string): number => find(results, key, id)?.summary.median ?? Number.NaN;
  const has = (prefix: string): boolean => results.some((r) => r.key.startsWith(prefix));
  const out: TargetResult[] = [];
  if (results.some((r) => /^put-\d+-rtt/.test(r.key))) {
    for (const rtt of opts.rtts) {
      const key = `put-${n}-rtt${rtt}`;
      const limit = rtt === 0 ? 1 / 1.3 : 1 / 2.5;
      out.push(
        target(`put ${mib} MiB to ${n} hosts, RTT ${rtt} ms: fleet (verified) / fastPut (unverified)`, ratio(med(key, 'fleet'), med(key, 'sftp-put')), limit, 'x', `${rtt === 0 ? '1.3' : '2.5'}x faster (issue #7)`),
      );
    }
  }
  const skip = `put-skip-${n}-rtt0`;
  const first = `put-${n}-rtt0`;
  if (has('put-skip-')) {
    out.push(target(`put --skip-unchanged, unchanged / first put (fleet)`, ratio(med(skip, 'fleet'), med(first, 'fleet')), 0.1, 'x', 'medians of two cases (issue #7)'));
  }
  const get = `get-${n}-rtt0`;
  if (has('get-')) {
    out.push(target(`get ${mib} MiB from ${n} hosts: verified / --no-verify`, ratio(med(get, 'fleet'), med(get, 'fleet-no-verify')), 1.05, 'x', 'medians, same rounds (issue #7)'));
  }
  return out;
}
