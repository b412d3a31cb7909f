import { escapeTerminal } from '../escape.js';
import { formatCompact } from './compact.js';
import { isOkStatus, type BoardHost, type HostBoard } from './host-board.js';
import type { LiveTask, TaskHandle } from './listr-setup.js';

/**
 * One way of showing the board through listr2. The view defines the listr2 tasks; each task
 * function only waits for the events that end it (the run itself happens elsewhere).
 */
export interface LiveView {
  readonly tasks: LiveTask[];
  /** How often `tick` should run: the view redraws elapsed times there. */
  readonly intervalMs: number;
  /** A host passed a gate or ended; `at` is when, in run time. */
  changed(host: BoardHost, at: number): void;
  tick(): void;
  /** The run is over (or abandoned): every task settles. Idempotent. */
  finish(): void;
}

/** A clock in run time: milliseconds since run_start. */
export type RunClock = () => number;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** One host's task: titles set before listr2 started the task are replayed when it does. */
class HostRow {
  readonly host: BoardHost;
  readonly #ended = deferred();
  #handle: TaskHandle | undefined;
  #pending: string[] = [];
  #shown: string;

  constructor(host: BoardHost, title: string) {
    this.host = host;
    this.#shown = title;
  }

  get shown(): string {
    return this.#shown;
  }

  show(title: string): void {
    if (title === this.#shown) return;
    this.#shown = title;
    if (this.#handle) this.#handle.title = ['%s', title];
    else this.#pending.push(title);
  }

  end(): void {
    this.#ended.resolve();
  }

  async run(handle: TaskHandle): Promise<void> {
    // listr2 starts task functions a little after run(): fast hosts may have moved on already.
    for (const title of this.#pending) handle.title = ['%s', title];
    this.#pending = [];
    this.#handle = handle;
    await this.#ended.promise;
    const status = this.host.exit?.status;
    if (status !== undefined && isOkStatus(status)) return;
    if (status === 'skipped') return handle.skip('%s', this.#shown);
    // Thrown so listr2 marks the row failed (red); exitOnError: false keeps the list going.
    throw new Error(this.#shown);
  }
}

/** A row per host: its gate (queued → connecting → authenticated → running → outcome) and time. */
export class RowsView implements LiveView {
  readonly tasks: LiveTask[];
  readonly intervalMs: number;
  readonly #board: HostBoard;
  readonly #clock: RunClock;
  readonly #rows = new Map<string, HostRow>();
  #finished = false;

  constructor(board: HostBoard, clock: RunClock, intervalMs: number) {
    this.#board = board;
    this.#clock = clock;
    this.intervalMs = intervalMs;
    this.tasks = board.hosts.map((host) => {
      const row = new HostRow(host, board.titleOf(host, 0));
      this.#rows.set(host.name, row);
      return { title: ['%s', row.shown], task: (_ctx, handle) => row.run(handle) };
    });
  }

  changed(host: BoardHost, at: number): void {
    const row = this.#rows.get(host.name);
    if (!row) return;
    // `done` is followed at once by the exit event, which says how: showing it would only flicker.
    if (host.phase === 'done' && !host.exit && !host.waiting) return;
    row.show(this.#board.titleOf(host, at));
    if (host.exit) row.end();
  }

  tick(): void {
    const now = this.#clock();
    for (const row of this.#rows.values()) {
      const { host } = row;
      // A host waiting between steps shows the time it took so far: nothing to refresh.
      if (!host.exit && host.startedAt !== undefined && host.phase !== 'done') row.show(this.#board.titleOf(host, now));
    }
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const now = this.#clock();
    for (const row of this.#rows.values()) {
      if (!row.host.exit) row.show(`${this.#board.titleOf(row.host, now)}  (no result)`);
      row.end();
    }
  }
}

/**
 * One task for the whole run, its title a progress line and its output the compact frame
 * (formatCompact). Events only mark the frame stale; `tick` redraws at most every
 * `intervalMs`, so a thousand hosts finishing at once cost one redraw, not a thousand.
 */
export class CompactView implements LiveView {
  readonly tasks: LiveTask[];
  readonly intervalMs: number;
  readonly #board: HostBoard;
  readonly #clock: RunClock;
  readonly #label: string;
  readonly #ended = deferred();
  #handle: TaskHandle | undefined;
  #stale = true;
  #title = '';

  constructor(board: HostBoard, clock: RunClock, intervalMs: number, label: string) {
    this.#board = board;
    this.#clock = clock;
    this.intervalMs = intervalMs;
    this.#label = escapeTerminal(label);
    this.tasks = [
      {
        // The counts from the very first frame, before listr2 starts the task.
        title: ['%s', formatCompact(board, 0, this.#label).title],
        task: (_ctx, handle) => this.#run(handle),
        // The final counts and failures stay on screen above the grouped output.
        rendererOptions: { persistentOutput: true, outputBar: true },
      },
    ];
  }

  changed(): void {
    this.#stale = true;
  }

  tick(): void {
    // Hosts in flight age even without events: their elapsed times need the redraw.
    if (this.#stale || this.#board.exited < this.#board.total) this.#draw();
  }

  finish(): void {
    this.#draw();
    this.#ended.resolve();
  }

  async #run(handle: TaskHandle): Promise<void> {
    this.#handle = handle;
    this.#draw();
    await this.#ended.promise;
    this.#draw();
    if (this.#board.failureCount > 0) throw new Error(this.#title);
  }

  #draw(): void {
    if (!this.#handle) return;
    const frame = formatCompact(this.#board, this.#clock(), this.#label);
    this.#title = frame.title;
    this.#handle.title = ['%s', frame.title];
    this.#handle.output = ['%s', frame.body];
    this.#stale = false;
  }
}
