/**
 * Hand-built event streams for renderer tests: what a run would emit, without a run.
 * Deterministic (fixed start time, addresses and timestamps) so tests can assert exact text.
 */
import { EVENT_SCHEMA_VERSION, type ErrorInfo, type FleetEvent, type HostPhase } from '../../events.js';
import { summarize, type HostStatus } from '../../result.js';

/** One host's part in a recorded run. */
export interface HostScript {
  host: string;
  /** Output chunks in arrival order; each is `['stdout' | 'stderr', data]`, plus `'base64'` for bytes. */
  output?: (readonly ['stdout' | 'stderr', string] | readonly ['stdout' | 'stderr', string, 'base64'])[];
  /** Defaults to `ok`, or `failed` when exitCode is non-zero. */
  status?: HostStatus;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number;
  error?: ErrorInfo;
}

/** The fixed start time of every recorded run. */
export const RECORDED_START = '2024-05-01T12:00:00.000Z';

/**
 * Builds the events of one run: run_start, every host queued, then each host in turn through
 * its gates, its output and its exit, then the summary (computed as the runner computes it).
 * Hosts that fail to connect stop at `connecting`; skipped hosts never leave `queued`.
 */
export function recordRun(command: string, scripts: readonly HostScript[], runDurationMs = 1_500): FleetEvent[] {
  const events: FleetEvent[] = [
    {
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command,
      started: RECORDED_START,
      hosts: scripts.map((s, i) => ({ host: s.host, address: `10.0.0.${i + 1}`, port: 22, user: 'deploy' })),
    },
    ...scripts.map((s): FleetEvent => ({ type: 'host_state', host: s.host, state: 'queued', t: 0 })),
  ];
  const finals: { host: string; status: HostStatus; reason: string }[] = [];
  scripts.forEach((s, i) => {
    const status = s.status ?? (s.exitCode !== undefined && s.exitCode !== 0 ? 'failed' : 'ok');
    const exitCode = s.exitCode === undefined ? (s.error ? null : 0) : s.exitCode;
    const durationMs = s.durationMs ?? 100 * (i + 1);
    const t0 = 10 * i;
    phasesOf(status).forEach((state, k) => events.push({ type: 'host_state', host: s.host, state, t: t0 + k }));
    for (const [type, data, encoding] of s.output ?? []) events.push({ type, host: s.host, data, ...(encoding && { encoding }) });
    events.push({ type: 'host_state', host: s.host, state: 'done', t: t0 + durationMs });
    events.push({
      type: 'exit',
      host: s.host,
      status,
      exitCode,
      signal: s.signal ?? null,
      durationMs,
      ...(s.error ? { error: s.error } : {}),
    });
    if (status !== 'ok' && status !== 'unchanged') {
      const reason = s.error ? `${s.error.code}: ${s.error.message}` : s.signal ? `killed by signal ${s.signal}` : `exit ${exitCode ?? '?'}`;
      finals.push({ host: s.host, status, reason });
    }
  });
  events.push({
    type: 'summary',
    summary: summarize(events.flatMap((e) => (e.type === 'exit' ? [e.status] : []))),
    durationMs: runDurationMs,
    failed: finals,
  });
  return events;
}

function phasesOf(status: HostStatus): HostPhase[] {
  switch (status) {
    case 'skipped':
      return [];
    case 'unreachable':
    case 'hostkey':
    case 'auth':
      return ['connecting'];
    default:
      return ['connecting', 'authenticated', 'running'];
  }
}
