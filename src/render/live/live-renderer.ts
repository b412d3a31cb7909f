import type { FleetEvent } from '../../events.js';
import type { OutputFlow } from '../../output-flow.js';
import { GroupRenderer } from '../group.js';
import type { Renderer, TextSink } from '../renderer.js';
import type { Style } from '../style.js';
import { HostBoard } from './host-board.js';
import { createListr, type Listr2Module, type LiveListrRenderer, type LiveSink } from './listr-setup.js';
import { CompactView, RowsView, type LiveView } from './views.js';

/** Options of the live view. */
export interface LiveRendererOptions {
  /** The terminal: frames, then the grouped output. */
  stdout: LiveSink;
  /** The summary, and listr2's messages. */
  stderr: TextSink;
  style: Style;
  /** Colour for listr2's own icons (the style covers the rest). */
  color: boolean;
  /** No summary after the run. */
  quiet?: boolean;
  /** The reader's backpressure, for the grouped output printed at the end. */
  flow?: OutputFlow | undefined;
  /** Terminal height; more hosts than `rows - 6` switch to the compact view. Default stdout.rows, else 24. */
  rows?: number;
  /** listr2 renderer; `test` logs task events as lines (unit tests). Default `default`. */
  renderer?: LiveListrRenderer;
  /** Monotonic clock in ms. Default performance.now. */
  now?: () => number;
  /** How often rows refresh their elapsed time. Default 1000 ms. */
  tickMs?: number;
  /** How often the compact view may redraw. Default 100 ms. */
  refreshMs?: number;
  /** Shortest time between two frames on the terminal (the `default` renderer). Default 200 ms. */
  frameMs?: number;
}

/**
 * What listr2's default renderer imports when it starts drawing (DefaultRenderer.render). Loaded
 * here, before the run: loaded once hosts connect, each file read waited behind the handshakes'
 * work, and the first frame came 8 s late at -f 300. Best effort: if listr2 resolves other
 * copies, it loads those itself as before.
 */
const LISTR2_RENDER_MODULES: readonly string[] = ['log-update', 'cli-truncate', 'wrap-ansi'];

/** Rows kept free under the list for the shell prompt and listr2's margins. */
const SPARE_ROWS = 6;

/**
 * The TTY live view. While the run goes, listr2 shows a row per host with its gate and elapsed
 * time, or, when there are more hosts than fit on screen, one compact frame (counts, progress
 * bar, slowest hosts, latest failures; see formatCompact) drawn through a single listr2 task's
 * title and output. listr2 runs no work here: each task waits for the events that end it.
 * Remote output is not shown live; once the list ends, the grouped output (GroupRenderer) and
 * the summary follow.
 *
 * Call `start()` before the first event: it loads listr2, lazily, so `fleet --help` and
 * non-TTY runs never pay for it (DESIGN.md §7).
 */
export class LiveRenderer implements Renderer {
  readonly #opts: LiveRendererOptions;
  readonly #group: GroupRenderer;
  readonly #now: () => number;
  #listr2: Listr2Module | undefined;
  #board: HostBoard | undefined;
  #view: LiveView | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #run: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;
  #summary: Extract<FleetEvent, { type: 'summary' }> | undefined;
  #t0 = 0;
  #closed = false;

  constructor(opts: LiveRendererOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => performance.now());
    const quiet = opts.quiet === true;
    this.#group = new GroupRenderer({ stdout: opts.stdout, stderr: opts.stderr, style: opts.style, quiet, flow: opts.flow });
  }

  /** Loads listr2. Must be awaited before events arrive. */
  async start(): Promise<void> {
    this.#listr2 ??= await import('listr2');
    await Promise.all(LISTR2_RENDER_MODULES.map((name) => import(name).catch(() => undefined)));
  }

  onEvent(event: FleetEvent): void {
    switch (event.type) {
      case 'run_start':
        this.#group.onEvent(event);
        this.#begin(event);
        return;
      case 'host_state': {
        const host = this.#board?.applyState(event);
        if (host) this.#view?.changed(host, event.t);
        return;
      }
      case 'host_phase':
        // -v prints phases on stderr (verbose.ts); the live view shows its own gates.
        return;
      case 'transfer_progress': {
        const host = this.#board?.applyProgress(event);
        if (host) this.#view?.changed(host, this.#clock());
        return;
      }
      case 'stdout':
      case 'stderr':
        this.#group.onEvent(event);
        return;
      case 'exit': {
        this.#group.onEvent(event);
        const host = this.#board?.applyExit(event);
        if (host) this.#view?.changed(host, this.#clock());
        return;
      }
      case 'summary':
        // Held back: the grouped output must not print under a frame listr2 is still drawing.
        this.#summary = event;
        // Hosts waiting after their last step end now, with the status the summary gives them.
        for (const host of this.#board?.settle(event) ?? []) this.#view?.changed(host, this.#clock());
        this.#end();
        return;
      default:
        event satisfies never;
    }
  }

  /** Ends the list, then prints the grouped output and the summary. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#end();
    await this.#run;
    if (this.#summary) this.#group.onEvent(this.#summary);
    await this.#group.close();
    // A broken live view is a bug, but the run's output and summary come first.
    if (this.#failure) throw this.#failure.error;
  }

  #begin(event: Extract<FleetEvent, { type: 'run_start' }>): void {
    if (this.#board) return;
    if (!this.#listr2) throw new Error('LiveRenderer.start() must be awaited before the first event');
    const board = new HostBoard(event.hosts, event.steps);
    const rows = this.#opts.rows ?? this.#opts.stdout.rows ?? 24;
    const clock = (): number => this.#clock();
    const view: LiveView =
      board.total > rows - SPARE_ROWS
        ? new CompactView(board, clock, this.#opts.refreshMs ?? 100, event.command)
        : new RowsView(board, clock, this.#opts.tickMs ?? 1_000);
    this.#board = board;
    this.#view = view;
    this.#t0 = this.#now();
    const listr = createListr(this.#listr2, view.tasks, {
      stdout: this.#opts.stdout,
      stderr: this.#opts.stderr,
      renderer: this.#opts.renderer ?? 'default',
      color: this.#opts.color,
      frameMs: this.#opts.frameMs ?? 200,
    });
    // Caught at once: a rejection waiting for close() would be an unhandled one meanwhile.
    this.#run = listr.run().then(
      () => undefined,
      (error: unknown) => {
        this.#failure = { error };
      },
    );
    this.#timer = setInterval(() => view.tick(), view.intervalMs);
    // The view must never keep the process alive on its own.
    this.#timer.unref();
  }

  #end(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#view?.finish();
  }

  #clock(): number {
    return this.#now() - this.#t0;
  }
}
