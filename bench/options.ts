/** Command-line options of `npm run bench -- ...`. */
import { parseArgs } from 'node:util';
import type { BenchOptions } from './context.js';

export const ALL_CASES = ['startup', 'inventory', 'roundtrips', 'exec', 'steps', 'put', 'put-skip', 'get', 'exec-large', 'faults', 'report', 'persist', 'persist-large'] as const;
/** --quick leaves out the 1000-host cases (their lab alone takes a while to start). */
export const QUICK_CASES = ALL_CASES.filter((c) => c !== 'exec-large' && c !== 'faults' && c !== 'report' && c !== 'persist-large');

export const USAGE = `usage: npm run bench -- [options]
  --quick              fewer runs (3; 2 for transfers and steps; pssh and pdsh once, at RTT 0),
                       no warm-up runs, 16 MiB transfers, no 1000-host case (< 3 min on a quiet machine)
  --runs N             runs per tool and case (default 5; --quick 3); transfers, steps and
                       exec-large take at most 3; process-per-host tools 2 at RTT 0, 1 otherwise
                       (--quick: 1, at RTT 0 only)
  --cases a,b          cases to run: ${ALL_CASES.join(', ')} (default: all; --quick: all but exec-large, faults, report)
  --rtt LIST           RTTs in ms for exec and put, through the latency proxy (default 0,50);
                       exec-large uses the largest
  --hosts N            hosts of exec and steps (default 100)
  --large-hosts N      hosts of exec-large and faults (default 1000)
  --forks N            hosts in flight, the same for every tool (default 100)
  --transfer-hosts N   hosts of put and get (default 20)
  --file-mib N         transfer size (default 64; --quick 16)
  --steps N            steps of the steps case (default 20)
  --baselines LIST     only these baselines (ids: ssh2-naive, ssh-xargs, pssh, pdsh, clush, sftp-put, ...);
                       naming any also runs them in exec-large
  --no-write           print only; do not write bench/results/<date>.md|json
  -h, --help`;

export class UsageError extends Error {}

function int(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      cases: { type: 'string' },
      rtt: { type: 'string' },
      hosts: { type: 'string' },
      'large-hosts': { type: 'string' },
      forks: { type: 'string' },
      'transfer-hosts': { type: 'string' },
      'file-mib': { type: 'string' },
      steps: { type: 'string' },
      baselines: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const cases = values.cases === undefined ? [...(quick ? QUICK_CASES : ALL_CASES)] : values.cases.split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = cases.filter((c) => !(ALL_CASES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`unknown case(s) ${unknown.join(', ')}; known: ${ALL_CASES.join(', ')}`);
  const rtts = (values.rtt ?? '0,50').split(',').map((r) => int('rtt', r.trim(), 0, 0));
  return {
    quick,
    runs: int('runs', values.runs, quick ? 3 : 5),
    hosts: int('hosts', values.hosts, 100),
    largeHosts: int('large-hosts', values['large-hosts'], 1000),
    rtts: [...new Set(rtts)].sort((a, b) => a - b),
    cases,
    forks: int('forks', values.forks, 100),
    transferHosts: int('transfer-hosts', values['transfer-hosts'], 20),
    fileMiB: int('file-mib', values['file-mib'], quick ? 16 : 64),
    steps: int('steps', values.steps, 20),
    baselines: values.baselines === undefined ? undefined : new Set(values.baselines.split(',').map((b) => b.trim())),
    write: !values['no-write'],
  };
}
