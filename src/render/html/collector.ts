/**
 * The report's event sink. It keeps what the page needs while a run goes (segments, step
 * cells, the last transfer progress, output capped per host) and folds each finished host's
 * output into its group at once, so a 1,000-host run holds one copy of each distinct output.
 */
import { createHash } from 'node:crypto';
import type { FleetEvent, HostRef } from '../../events.js';
import { foldHostnames } from '../../inventory/hostlist-fold.js';
import { HOST_STATUSES } from '../../result.js';
import { outcomeLabel } from '../group.js';
import { HostTrack, type TrackedOutput } from './host-track.js';
import { diffLines, foldDiff } from './line-diff.js';
import type { HostPhaseEvent, ReportData, ReportGroup, ReportHost, ReportMeta } from './model.js';

/** Events a report reads: fleet's own, plus host_phase where the run carries it. */
export type ReportEvent = FleetEvent | HostPhaseEvent;

/** Per-host output kept by default (characters of merged stdout+stderr; head and tail halves). */
export const DEFAULT_REPORT_OUTPUT_CAP = 8 * 1024;

/** Options of the collector. */
export interface ReportCollectorOptions {
  /** Characters of output kept per host (default 8 KiB): the first and last halves. */
  maxOutputChars?: number;
}

type ExitEvent = Extract<FleetEvent, { type: 'exit' }>;
type SummaryEvent = Extract<FleetEvent, { type: 'summary' }>;

/** Statuses in the order the report lists them: the summary's, then `lost` (merged shards). */
const STATUS_ORDER: readonly string[] = [...HOST_STATUSES, 'lost'];

interface GroupAcc {
  members: { host: string; index: number }[];
  outcome: string;
  text: string;
  cut: boolean;
}

/** Collects a run's events into ReportData. Feed it every event, then call `data()`. */
export class ReportCollector {
  readonly #cap: number;
  readonly #tracks = new Map<string, HostTrack>();
  readonly #groups = new Map<string, GroupAcc>();
  /** Host name -> the key of the group its output joined. */
  readonly #groupOf = new Map<string, string>();
  #start: Extract<FleetEvent, { type: 'run_start' }> | undefined;
  #summary: SummaryEvent | undefined;
  /** ms from the first run_start to the current stream's (shards' streams one after another). */
  #offset = 0;

  constructor(options: ReportCollectorOptions = {}) {
    this.#cap = options.maxOutputChars ?? DEFAULT_REPORT_OUTPUT_CAP;
  }

  /** The sink: pass it every event of the run, in order. Unknown event types are ignored. */
  onEvent(event: ReportEvent): void {
    switch (event.type) {
      case 'run_start':
        // Shards' streams read one after another: one header, every host, times on the first start's axis.
        if (this.#start === undefined) this.#start = event;
        else this.#offset = Math.max(0, Date.parse(event.started) - Date.parse(this.#start.started)) || 0;
        for (const ref of event.hosts) this.#track(ref.host, ref);
        return;
      case 'host_state':
        this.#track(event.host).onState(this.#offset === 0 ? event : { ...event, t: event.t + this.#offset });
        return;
      case 'host_phase':
        this.#track(event.host).onPhase(this.#offset === 0 ? event : { ...event, t: event.t + this.#offset });
        return;
      case 'stdout':
      case 'stderr':
        this.#track(event.host).onOutput(event);
        return;
      case 'transfer_progress':
        this.#track(event.host).onProgress(event);
        return;
      case 'exit': {
        const track = this.#track(event.host);
        track.onExit(event);
        // A steps run's host may run more steps: its output joins a group at the end.
        if (event.step === undefined) this.#finish(track, event);
        return;
      }
      case 'summary':
        this.#summary = this.#summary === undefined && this.#offset === 0 ? event : mergeSummary(this.#summary, event, this.#offset);
        return;
      default:
        // A newer fleet's event kind (jsonl read by `fleet report`): nothing to show for it.
        return;
    }
  }

  /** The report's data as the events so far describe it. */
  data(meta: ReportMeta = {}): ReportData {
    const start = this.#start;
    const steps = start?.steps?.map((s) => s.name) ?? null;
    const failedStatus = new Map((this.#summary?.failed ?? []).map((f) => [f.host, f.status as string]));
    for (const track of this.#tracks.values()) {
      const last = track.exits.at(-1);
      if (last && !this.#groupOf.has(track.ref.host) && last.step !== undefined) this.#finish(track, last, failedStatus);
    }
    const groups = this.#sortedGroups();
    const groupIndex = new Map<string, number>(groups.map((g, i) => [g.key, i]));
    const hosts = [...this.#tracks.values()].map((track) => this.#host(track, steps !== null, failedStatus, groupIndex));
    const largest = groups[0]?.acc.text.split('\n') ?? [];
    const reportGroups = groups.map(({ acc }, i): ReportGroup => ({
      label: foldHostnames(acc.members.map((m) => m.host)),
      count: acc.members.length,
      outcome: acc.outcome,
      text: acc.text,
      cut: acc.cut,
      diff: i === 0 ? null : foldDiff(diffLines(largest, acc.text.split('\n'))),
    }));
    return {
      version: 1,
      command: start?.command ?? '',
      started: start?.started ?? '',
      durationMs: this.#summary?.durationMs ?? Math.max(0, ...hosts.flatMap((h) => h.segments.map((s) => s[2]))),
      selection: meta.selection ?? null,
      ranBy: meta.ranBy ?? null,
      exitCode: meta.exitCode ?? null,
      summary: summaryCounts(hosts, this.#summary),
      steps,
      hosts,
      groups: reportGroups,
      outputCap: this.#cap,
    };
  }

  #track(host: string, ref?: HostRef): HostTrack {
    let track = this.#tracks.get(host);
    if (!track) {
      track = new HostTrack(ref ?? { host, address: '', port: 0, user: '' }, this.#tracks.size, this.#cap);
      this.#tracks.set(host, track);
    }
    return track;
  }

  /** A host is done: its output joins the group of the same outcome and text, or starts one. */
  #finish(track: HostTrack, exit: ExitEvent, failedStatus?: Map<string, string>): void {
    const output: TrackedOutput = track.takeOutput();
    const status = failedStatus?.get(exit.host) ?? exit.status;
    if (exit.error && output.text === '') return;
    // A steps run's host is labelled by how it ended overall, a plain run's as --output group does.
    const outcome = exit.step === undefined ? outcomeLabel(exit) : status === 'ok' ? 'ok' : status;
    const key = createHash('sha256').update(JSON.stringify([outcome, output.cut])).update(output.text).digest('hex');
    this.#groupOf.set(exit.host, key);
    const member = { host: exit.host, index: track.index };
    const group = this.#groups.get(key);
    if (group) group.members.push(member);
    else this.#groups.set(key, { members: [member], outcome, text: output.text, cut: output.cut });
  }

  /** Largest first; ties in inventory order of their first host. */
  #sortedGroups(): { key: string; acc: GroupAcc }[] {
    const all = [...this.#groups.entries()].map(([key, acc]) => {
      acc.members.sort((a, b) => a.index - b.index);
      return { key, acc };
    });
    return all.sort((a, b) => b.acc.members.length - a.acc.members.length || (a.acc.members[0]?.index ?? 0) - (b.acc.members[0]?.index ?? 0));
  }

  #host(track: HostTrack, stepsRun: boolean, failedStatus: Map<string, string>, groupIndex: Map<string, number>): ReportHost {
    const exits = track.exits;
    // In a steps run the host's story is told by its first step that did not succeed, else its last.
    const decisive = exits.find((e) => e.status !== 'ok' && e.status !== 'unchanged') ?? exits.at(-1);
    const status = failedStatus.get(track.ref.host) ?? decisive?.status ?? 'unknown';
    const progress = track.transfer;
    const key = this.#groupOf.get(track.ref.host);
    return {
      host: track.ref.host,
      address: track.ref.address,
      user: track.ref.user,
      port: track.ref.port,
      status,
      exitCode: decisive?.exitCode ?? null,
      signal: decisive?.signal ?? null,
      durationMs: exits.reduce((sum, e) => sum + e.durationMs, 0),
      errorCode: decisive?.error?.code ?? null,
      errorMessage: decisive?.error?.message ?? null,
      segments: track.segments(),
      steps: stepsRun ? Array.from({ length: this.#start?.steps?.length ?? 0 }, (_, i) => track.steps[i] ?? null) : null,
      transfer: progress ? [progress.bytes, progress.totalBytes, progress.files, progress.totalFiles, progress.rate] : null,
      group: key === undefined ? -1 : (groupIndex.get(key) ?? -1),
    };
  }
}

/** A later shard's summary added to the ones before it: counts summed, failures listed, the run ends last. */
function mergeSummary(before: SummaryEvent | undefined, next: SummaryEvent, offset: number): SummaryEvent {
  if (before === undefined) return { ...next, durationMs: next.durationMs + offset };
  const summary = { ...before.summary };
  for (const [status, count] of Object.entries(next.summary)) {
    const key = status as keyof typeof summary;
    summary[key] = (summary[key] ?? 0) + count;
  }
  return { type: 'summary', summary, durationMs: Math.max(before.durationMs, next.durationMs + offset), failed: [...before.failed, ...next.failed] };
}

/** Counts per status in report order: the summary event's when there is one, else the hosts'. */
function summaryCounts(hosts: readonly ReportHost[], summary: SummaryEvent | undefined): [string, number][] {
  const counts = new Map<string, number>();
  if (summary) {
    for (const [status, count] of Object.entries(summary.summary)) if (status !== 'total' && count > 0) counts.set(status, count);
  } else {
    for (const h of hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  }
  const rank = (s: string): number => (STATUS_ORDER.includes(s) ? STATUS_ORDER.indexOf(s) : STATUS_ORDER.length);
  return [...counts.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
}
