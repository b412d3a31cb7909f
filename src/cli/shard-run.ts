import { emptySummary, type EventSink, type HostSpec, journalPath, type JournalState, JournalWriter, JsonlRenderer, readJournal, type Renderer, requireRunId, resolveShard, type RunSummary, schedulerAttempt, selectShard, shardOutPath, type ShardRunInfo, type ShardSpec, ShardStream, SyncFileSink } from '../internal.js';
import path from 'node:path';
import { FleetError } from '../errors.js';
import { exitCodeForSummary, type FailOn } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { ShardOptions } from './shard-options.js';

/** The commands that run on hosts; exec and run are not idempotent, so they refuse a retry. */
export type ShardCommandKind = 'exec' | 'run' | 'put' | 'get';

/**
 * One command's scale-out set-up: the hosts this process runs (its shard, less what earlier
 * attempts settled), and the sink that turns the engine's events into the shard's account
 * (run id, shard, attempt, replayed and lost hosts) for the renderer and the `--out` file.
 */
export class ShardSetup {
  /** The hosts to run now. */
  readonly hosts: HostSpec[];
  /** The renderer the command's events end in (the caller closes it). */
  readonly renderer: Renderer;
  readonly #stream: ShardStream;
  readonly #renderers: Renderer[];
  readonly #closers: (() => void)[];

  constructor(hosts: HostSpec[], stream: (sinks: EventSink[]) => ShardStream, out: SyncFileSink | undefined, journal: JournalWriter | undefined, renderer: Renderer) {
    this.hosts = hosts;
    this.renderer = renderer;
    const file = out ? new JsonlRenderer(out) : undefined;
    this.#renderers = [renderer, ...(file ? [file] : [])];
    this.#stream = stream(this.#renderers.map((r) => (event) => r.onEvent(event)));
    this.#closers = [() => out?.close(), () => journal?.close()];
  }

  /** The sink to pass the library as `onEvent`. */
  get onEvent(): EventSink {
    return this.#stream.onEvent;
  }

  /** The shard's summary (replayed and lost hosts included), once the run ended. */
  get summary(): RunSummary | undefined {
    return this.#stream.summary;
  }

  /** For a shard with no host to run: its run_start and summary, without the engine. */
  runWithoutEngine(label: string): void {
    this.#stream.runWithoutEngine(label);
  }

  /** Closes the out file and the journal (the renderer is the caller's). Idempotent. */
  close(): void {
    for (const close of this.#closers.splice(0)) close();
  }
}

/**
 * Reads the scale-out options for a command over `selected` (the hosts after -l, in inventory
 * order). Undefined when none is given: the command runs as before. Everything that can be
 * wrong is found here, before any connection (FLEET_USAGE, FLEET_RETRY_REFUSED,
 * FLEET_SHARD_MISMATCH: exit 2).
 */
export function prepareShard(
  options: ShardOptions & { quiet?: boolean },
  selected: HostSpec[],
  io: CliIo,
  kind: ShardCommandKind,
  renderer: () => Promise<Renderer>,
): Promise<ShardSetup> | undefined {
  const spec = resolveShard(options.shard, options.shardTotal, io.env);
  if (spec === undefined) {
    for (const [flag, value] of [['--out-dir', options.outDir], ['--journal', options.journal], ['--on-retry', options.onRetry], ['--run-id', options.runId]] as const) {
      if (value !== undefined) throw new FleetError('FLEET_USAGE', `${flag} is for sharded runs: give --shard K/N (or --shard 1/1 for one shard)`);
    }
    if (options.out === undefined) return undefined;
    const out = new SyncFileSink(path.resolve(io.cwd, options.out));
    const hosts = selected.map(hostRef);
    return renderer().then((r) => new ShardSetup(selected, (sinks) => new ShardStream({ hosts, sinks }), out, undefined, r));
  }
  if (options.out !== undefined && options.outDir !== undefined) throw new FleetError('FLEET_USAGE', 'give --out FILE or --out-dir DIR, not both');
  return prepareSharded(spec, options, selected, io, kind, renderer);
}

async function prepareSharded(
  spec: ShardSpec,
  options: ShardOptions & { quiet?: boolean },
  selected: HostSpec[],
  io: CliIo,
  kind: ShardCommandKind,
  renderer: () => Promise<Renderer>,
): Promise<ShardSetup> {
  const { runId } = requireRunId(options.runId, io.env);
  const shard = selectShard(selected, (h) => h.name, spec.index, spec.total);
  const journalFile = options.journal === undefined ? undefined : journalPath(path.resolve(io.cwd, options.journal), runId, spec.index, spec.total);
  const earlier: JournalState | undefined = journalFile === undefined ? undefined : readJournal(journalFile);
  if (earlier?.planHash !== undefined && earlier.planHash !== shard.planHash) {
    throw new FleetError('FLEET_SHARD_MISMATCH', `${journalFile}: earlier attempts of shard ${spec.index}/${spec.total} of run ${runId} ran another plan (plan ${earlier.planHash}, now ${shard.planHash}: the selection or inventory changed); use a new --run-id`);
  }
  const scheduler = schedulerAttempt(io.env);
  const journalAttempt = (earlier?.attempts ?? 0) + 1;
  const attempt = Math.max(scheduler.attempt, journalAttempt);
  const ranBefore = attempt > 1;
  const why = journalAttempt > 1 ? `its journal ${journalFile} records ${journalAttempt - 1} earlier attempt(s)` : scheduler.source;
  if (ranBefore && (kind === 'exec' || kind === 'run') && options.onRetry === undefined) {
    throw new FleetError(
      'FLEET_RETRY_REFUSED',
      `shard ${spec.index}/${spec.total} of run ${runId} ran before (${why}): ${kind} refuses to run commands a second time; turn the scheduler's retries off, or pass --on-retry rerun (run every host again) or --on-retry skip-started with --journal (run only hosts never started)`,
    );
  }
  if (options.onRetry === 'skip-started' && earlier === undefined) {
    throw new FleetError('FLEET_USAGE', '--on-retry skip-started needs --journal DIR: the journal is what says which hosts started');
  }
  const skip = ranBefore && options.onRetry === 'skip-started' && earlier !== undefined;
  const replay = skip ? earlier.done : new Map();
  const lost = skip ? earlier.lost : new Set<string>();
  const hosts = shard.hosts.filter((h) => !replay.has(h.name) && !lost.has(h.name));

  const info: ShardRunInfo = {
    runId,
    shard: { index: spec.index, total: spec.total, planHash: shard.planHash, hostCount: shard.hostCount, positions: shard.positions },
    attempt,
  };
  const outFile =
    options.outDir !== undefined
      ? shardOutPath(path.resolve(io.cwd, options.outDir), runId, spec.index, spec.total, attempt)
      : options.out !== undefined
        ? path.resolve(io.cwd, options.out)
        : undefined;
  if (options.quiet !== true) {
    if (shard.hosts.length === 0) {
      io.stderr.write(`fleet: shard ${spec.index}/${spec.total} of run ${runId} is empty (none of the ${shard.hostCount} selected hosts hash to it): nothing to do\n`);
    } else if (skip && hosts.length < shard.hosts.length) {
      io.stderr.write(`fleet: shard ${spec.index}/${spec.total} attempt ${attempt}: ${replay.size} host(s) finished before (replayed), ${lost.size} lost (started, outcome unknown: not re-run), ${hosts.length} to run\n`);
    }
  }
  const r = await renderer();
  const out = outFile === undefined ? undefined : new SyncFileSink(outFile);
  const journal = journalFile === undefined ? undefined : new JournalWriter(journalFile, attempt, shard.planHash);
  const refs = shard.hosts.map(hostRef);
  return new ShardSetup(hosts, (sinks) => new ShardStream({ info, hosts: refs, replay, lost, journal, sinks }), out, journal, r);
}

/**
 * A shard with no host to run (empty, or settled by earlier attempts): its events without any
 * connection, and the exit code of what it reports (an empty shard: 0).
 */
export async function finishWithoutEngine(shard: ShardSetup, label: string, failOn?: FailOn): Promise<number> {
  try {
    shard.runWithoutEngine(label);
    await shard.renderer.close();
  } finally {
    shard.close();
  }
  return exitCodeForSummary(shard.summary ?? emptySummary(), false, failOn);
}

function hostRef(h: HostSpec): { host: string; address: string; port: number; user: string } {
  return { host: h.name, address: h.address, port: h.port, user: h.user };
}
