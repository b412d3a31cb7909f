import { EVENT_SCHEMA_VERSION, type EventSink, type FleetEvent, type HostRef, type ShardStart } from '../events.js';
import { emptySummary, type HostStatus, type RunSummary } from '../result.js';
import type { JournalWriter } from './journal.js';

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;
type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

/** What a shard of a sharded run is: the fields run_start and summary carry. */
export interface ShardRunInfo {
  runId: string;
  shard: ShardStart;
  attempt: number;
}

/** Options of {@link ShardStream}. */
export interface ShardStreamOptions {
  /** Absent for an unsharded run that only writes `--out`. */
  info?: ShardRunInfo | undefined;
  /** Every host of the shard, in selection order, including those replayed or lost. */
  hosts: readonly HostRef[];
  /** Hosts that ended in an earlier attempt (from the journal): their outcome is replayed. */
  replay?: ReadonlyMap<string, { exit: ExitEvent; reason?: string }>;
  /** Hosts whose command may have started in an earlier attempt and never ended: `lost`. */
  lost?: ReadonlySet<string>;
  journal?: JournalWriter | undefined;
  /** Where the shard's events go: the renderer, the `--out` file. */
  sinks: readonly EventSink[];
}

/**
 * The event sink of one shard: passes the engine's events on, and makes them the shard's
 * account of all its hosts. run_start gets the run id, shard and attempt, and lists every host
 * of the shard; hosts settled by an earlier attempt (replayed, lost) follow it as `exit` events;
 * the summary counts them too. It also keeps the journal: a claim when a host starts running
 * (the engine emits that synchronously right before the command starts), `done` when it ends.
 */
export class ShardStream {
  readonly #opts: ShardStreamOptions;
  readonly #positions: Map<string, number>;
  readonly #claimed = new Set<string>();
  readonly #done = new Set<string>();
  #summary: RunSummary | undefined;

  constructor(opts: ShardStreamOptions) {
    this.#opts = opts;
    this.#positions = new Map(opts.hosts.map((h, i) => [h.host, i]));
  }

  /** The shard's summary once it ended: the engine's plus the replayed and lost hosts. */
  get summary(): RunSummary | undefined {
    return this.#summary;
  }

  /** The sink to give the engine. */
  readonly onEvent = (event: FleetEvent): void => {
    switch (event.type) {
      case 'run_start':
        this.#emit({ ...event, hosts: [...this.#opts.hosts], ...this.#info() });
        this.#settleEarlier();
        return;
      case 'host_state':
        if (event.state === 'running' && !this.#claimed.has(event.host)) {
          this.#claimed.add(event.host);
          this.#opts.journal?.claim(event.host);
        }
        this.#emit(event);
        return;
      case 'exit':
        // A steps run's exit events are per step; the host's outcome is known at the summary.
        if (event.step === undefined && this.#claimed.has(event.host) && !this.#done.has(event.host)) {
          this.#done.add(event.host);
          this.#opts.journal?.done(event.host, event);
        }
        this.#emit(event);
        return;
      case 'summary':
        this.#finish(event);
        return;
      default:
        this.#emit(event);
    }
  };

  /**
   * The events of a shard where nothing runs: an empty shard (no host hashes to it), or a retry
   * whose hosts were all settled by earlier attempts. A run_start and a summary, so the shard
   * still reports (an empty shard is a success, and `fleet report` sees that it ran).
   */
  runWithoutEngine(command: string): void {
    this.onEvent({ type: 'run_start', version: EVENT_SCHEMA_VERSION, command, started: new Date().toISOString(), hosts: [] });
    this.onEvent({ type: 'summary', summary: emptySummary(), durationMs: 0, failed: [] });
  }

  #info(): Partial<ShardRunInfo> {
    const info = this.#opts.info;
    return info ? { runId: info.runId, shard: info.shard, attempt: info.attempt } : {};
  }

  #settleEarlier(): void {
    for (const host of this.#opts.hosts) {
      const replayed = this.#opts.replay?.get(host.host);
      if (replayed) {
        this.#emit({ type: 'host_state', host: host.host, state: 'done', t: 0 });
        this.#emit(replayed.exit);
      } else if (this.#opts.lost?.has(host.host)) {
        this.#emit({ type: 'host_state', host: host.host, state: 'done', t: 0 });
        this.#emit(lostExit(host.host));
      }
    }
  }

  #finish(event: SummaryEvent): void {
    const summary = { ...event.summary };
    const failed = [...event.failed];
    const add = (host: string, status: HostStatus, reason: string): void => {
      summary[status] += 1;
      summary.total += 1;
      if (status !== 'ok' && status !== 'unchanged') failed.push({ host, status, reason });
    };
    for (const host of this.#opts.hosts) {
      const replayed = this.#opts.replay?.get(host.host);
      if (replayed) add(host.host, replayed.exit.status, replayed.reason ?? reasonOfExit(replayed.exit));
      else if (this.#opts.lost?.has(host.host)) add(host.host, 'lost', reasonOfExit(lostExit(host.host)));
    }
    failed.sort((a, b) => (this.#positions.get(a.host) ?? 0) - (this.#positions.get(b.host) ?? 0));
    // A steps run's hosts: done when the run ends, with their final status.
    const failedStatus = new Map(failed.map((f) => [f.host, f]));
    for (const host of this.#claimed) {
      if (this.#done.has(host)) continue;
      this.#done.add(host);
      const f = failedStatus.get(host);
      this.#opts.journal?.done(host, { type: 'exit', host, status: f?.status ?? 'ok', exitCode: null, signal: null, durationMs: 0 }, f?.reason);
    }
    this.#summary = summary;
    this.#emit({ ...event, summary, failed, ...this.#info() });
  }

  #emit(event: FleetEvent): void {
    for (const sink of this.#opts.sinks) sink(event);
  }
}

/** A retried shard's word for a host its earlier attempt lost. */
const LOST_BY_EARLIER_ATTEMPT = 'its command may have started in an earlier attempt of this shard, which ended before it reported; outcome unknown, not re-run';

/** The exit event of a `lost` host (by default: lost by an earlier attempt); `why` says how. */
export function lostExit(host: string, why: string = LOST_BY_EARLIER_ATTEMPT): ExitEvent {
  return {
    type: 'exit',
    host,
    status: 'lost',
    exitCode: null,
    signal: null,
    durationMs: 0,
    error: { code: 'FLEET_HOST_LOST', message: why },
  };
}

/** The summary's reason for a host, from its exit event (as the engine words it). */
export function reasonOfExit(exit: ExitEvent): string {
  if (exit.error) return `${exit.error.code}: ${exit.error.message}`;
  if (exit.signal) return `killed by signal ${exit.signal}`;
  return `exit ${exit.exitCode ?? '?'}`;
}
