import { FleetError } from '../errors.js';
import { EVENT_SCHEMA_VERSION, type EventSink, type FleetEvent, type HostRef, type ShardStart } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import { lostExit, reasonOfExit } from './shard-stream.js';

type RunStart = Extract<FleetEvent, { type: 'run_start' }>;
type Summary = Extract<FleetEvent, { type: 'summary' }>;
type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;

/** What every shard of one run agrees on. */
interface PlanInfo {
  runId: string | undefined;
  planHash: string | undefined;
  total: number;
  hostCount: number;
}

/** One shard's state while merging. */
interface ShardState {
  start: RunStart;
  shard: ShardStart | undefined;
  summary: Summary | undefined;
  /** Latest `t` seen: the duration of a shard that died. */
  lastT: number;
}

/** One host's state while merging. */
interface HostState {
  ref: HostRef;
  shard: ShardState;
  /** Global position in the plan's selection (inventory order). */
  position: number;
  running: boolean;
  exit: ExitEvent | undefined;
}

/** What the merge found besides the hosts' outcomes. */
export interface MergeResult {
  summary: RunSummary;
  /** Shards (1-based) of the plan that never started: no events at all. */
  missingShards: number[];
  /** Hosts of those shards: in no shard's events, so not in the summary. */
  missingHosts: number;
  /** Shards that started but ended without a summary (killed, crashed, cut short). */
  deadShards: number[];
  /** Hosts that did not succeed, in inventory order: what `--hosts-file` writes. */
  failedHosts: string[];
  runId: string | undefined;
  planHash: string | undefined;
  /** Shards in the plan (N). */
  planTotal: number;
}

/**
 * Merges the event streams of a sharded run's shards into the events of one run, as if one
 * unsharded fleet had run over the same hosts: one run_start listing every host in inventory
 * order, every shard's host events as they are, and one summary. Renderers fed these events
 * print what the unsharded run would print.
 *
 * Rules (docs/scale-out.md): shards must share run id, plan hash and N (FLEET_SHARD_MISMATCH
 * otherwise); a shard that ended without a summary died: its hosts that reached `running`
 * without an outcome are `lost` (their command may have run; never re-run by fleet), those that
 * never started are `skipped`; a shard with no events at all never started and is reported by
 * number.
 *
 * Use: `start()` each shard's run_start (all of them first when you can: the merged run_start
 * is emitted at `open()`), then `add()` their other events in any interleaving, then `end()`.
 */
export class ShardMerger {
  readonly #sink: EventSink;
  readonly #shards = new Map<number, ShardState>();
  readonly #hosts = new Map<string, HostState>();
  #open = false;
  readonly #pending: FleetEvent[] = [];
  #plan: PlanInfo | undefined;

  constructor(sink: EventSink) {
    this.#sink = sink;
  }

  /** Whether the merged run_start was emitted (events now pass straight through). */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Shards whose run_start was seen, and how many the plan has (undefined before the first). */
  get progress(): { started: number; total: number | undefined } {
    return { started: this.#shards.size, total: this.#plan?.total };
  }

  /** A shard's run_start. Throws FLEET_SHARD_MISMATCH for a shard of another run or plan. */
  start(event: RunStart): void {
    const shard = event.shard;
    const plan: PlanInfo = { runId: event.runId, planHash: shard?.planHash, total: shard?.total ?? 1, hostCount: shard?.hostCount ?? event.hosts.length };
    if (this.#plan === undefined) this.#plan = plan;
    else this.#checkSamePlan(plan, shard);
    const index = shard?.index ?? 1;
    if (this.#shards.has(index)) {
      throw new FleetError('FLEET_SHARD_MISMATCH', `shard ${index}/${plan.total} appears twice${shard ? '' : ' (these are not shards: unsharded runs cannot be merged)'}; give one file per shard (fleet report picks the latest attempt of each in a directory)`);
    }
    if (this.#open) throw new FleetError('FLEET_INTERNAL', 'a shard started after the merged run_start was emitted');
    const state: ShardState = { start: event, shard, summary: undefined, lastT: 0 };
    this.#shards.set(index, state);
    event.hosts.forEach((ref, i) => {
      this.#hosts.set(ref.host, { ref, shard: state, position: shard?.positions[i] ?? i, running: false, exit: undefined });
    });
  }

  /** Emits the merged run_start (every started shard's hosts, in inventory order) and what was held back. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    const starts = [...this.#shards.values()];
    const first = starts[0]?.start;
    const hosts = [...this.#hosts.values()].sort((a, b) => a.position - b.position).map((h) => h.ref);
    const started = starts.map((s) => s.start.started).sort()[0] ?? new Date().toISOString();
    this.#sink({
      type: 'run_start',
      version: first?.version ?? EVENT_SCHEMA_VERSION,
      command: first?.command ?? '',
      started,
      hosts,
      ...(first?.steps && { steps: first.steps }),
      ...(this.#plan?.runId !== undefined && { runId: this.#plan.runId }),
    });
    for (const event of this.#pending.splice(0)) this.add(event);
  }

  /** Any other event of a shard; held back until `open()`. */
  add(event: FleetEvent): void {
    if (event.type === 'run_start') {
      this.start(event);
      return;
    }
    if (!this.#open) {
      this.#pending.push(event);
      return;
    }
    if (event.type === 'summary') {
      const state = this.#shards.get(event.shard?.index ?? 1);
      if (state) state.summary = event;
      return;
    }
    const host = 'host' in event && typeof event.host === 'string' ? this.#hosts.get(event.host) : undefined;
    if (host === undefined) return; // not a host of a started shard: nothing to attribute it to
    if (event.type === 'host_state') {
      if (event.state === 'running') host.running = true;
      host.shard.lastT = Math.max(host.shard.lastT, event.t);
    } else if (event.type === 'exit' && event.step === undefined) {
      host.exit = event;
    }
    this.#sink(event);
  }

  /** Settles dead shards' hosts, emits the merged summary, and says what was missing. */
  end(): MergeResult {
    this.open();
    const summary = emptySummary();
    const failed: { host: string; status: HostStatus; reason: string; position: number }[] = [];
    const deadShards: number[] = [];
    let durationMs = 0;
    for (const [index, shard] of [...this.#shards.entries()].sort((a, b) => a[0] - b[0])) {
      if (shard.summary) {
        for (const key of Object.keys(summary) as (keyof RunSummary)[]) summary[key] += shard.summary.summary[key] ?? 0;
        for (const f of shard.summary.failed) failed.push({ ...f, position: this.#hosts.get(f.host)?.position ?? 0 });
        durationMs = Math.max(durationMs, shard.summary.durationMs);
        continue;
      }
      deadShards.push(index);
      durationMs = Math.max(durationMs, shard.lastT);
      const total = this.#plan?.total ?? 1;
      for (const ref of shard.start.hosts) {
        const host = this.#hosts.get(ref.host) as HostState;
        let exit = host.exit;
        if (exit === undefined) {
          exit = host.running
            ? lostExit(ref.host, `shard ${index}/${total} ended after this host's command may have started and before it reported an outcome; not re-run`)
            : notStartedExit(ref.host, index, total);
          this.#sink({ type: 'host_state', host: ref.host, state: 'done', t: shard.lastT });
          this.#sink(exit);
        }
        summary[exit.status] += 1;
        summary.total += 1;
        if (exit.status !== 'ok' && exit.status !== 'unchanged') failed.push({ host: ref.host, status: exit.status, reason: reasonOfExit(exit), position: host.position });
      }
    }
    failed.sort((a, b) => a.position - b.position);
    const total = this.#plan?.total ?? 1;
    const missingShards: number[] = [];
    for (let k = 1; k <= total; k++) if (!this.#shards.has(k)) missingShards.push(k);
    const accounted = [...this.#shards.values()].reduce((n, s) => n + s.start.hosts.length, 0);
    this.#sink({
      type: 'summary',
      summary,
      durationMs,
      failed: failed.map(({ host, status, reason }) => ({ host, status, reason })),
      ...(this.#plan?.runId !== undefined && { runId: this.#plan.runId }),
    });
    return {
      summary,
      missingShards,
      missingHosts: Math.max(0, (this.#plan?.hostCount ?? accounted) - accounted),
      deadShards,
      failedHosts: failed.map((f) => f.host),
      runId: this.#plan?.runId,
      planHash: this.#plan?.planHash,
      planTotal: total,
    };
  }

  #checkSamePlan(plan: PlanInfo, shard: ShardStart | undefined): void {
    const known = this.#plan as PlanInfo;
    if (known.planHash === undefined || shard === undefined) {
      throw new FleetError('FLEET_SHARD_MISMATCH', 'these are not the shards of one sharded run (an unsharded run\'s events cannot be merged with others)');
    }
    if (plan.runId !== known.runId) throw new FleetError('FLEET_SHARD_MISMATCH', `shards of two runs: run id ${known.runId ?? '-'} and ${plan.runId ?? '-'}`);
    if (plan.planHash !== known.planHash || plan.total !== known.total) {
      throw new FleetError(
        'FLEET_SHARD_MISMATCH',
        `shard ${shard.index}/${plan.total} has plan ${plan.planHash} but an earlier shard has plan ${known.planHash} (of ${known.total}): they split different host selections or a different N, so together they are not one run`,
      );
    }
  }
}

function notStartedExit(host: string, index: number, total: number): ExitEvent {
  return {
    type: 'exit',
    host,
    status: 'skipped',
    exitCode: null,
    signal: null,
    durationMs: 0,
    error: { code: 'FLEET_SKIPPED', message: `not started: shard ${index}/${total} ended before it started this host` },
  };
}
