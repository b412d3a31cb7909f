/**
 * Builds the listr2 list for the live view. Everything listr2-specific that is not a view lives
 * here: where it writes, which renderer, and the options that keep it from taking over the
 * process. The module itself is passed in, because it is imported lazily (DESIGN.md §7).
 */
import type { ListrTask } from 'listr2';
import type { TextSink } from '../renderer.js';
import { framedRenderer } from './framed-renderer.js';

/** The listr2 module, as `import('listr2')` resolves it. */
export type Listr2Module = typeof import('listr2');

/** The terminal the live view draws on: a TextSink, plus what a tty.WriteStream knows. */
export type LiveSink = TextSink & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * The part of listr2's task wrapper the views use. Titles and output go through listr2's
 * printf-style `splat`, so views pass `['%s', text]`: a `%` in a host name stays a `%`.
 */
export interface TaskHandle {
  title: string | unknown[];
  output: string | unknown[];
  skip(message?: string, ...metadata: unknown[]): void;
}

/** A listr2 task as the views define it. */
export type LiveTask = ListrTask<unknown>;

/** Which listr2 renderer draws: `default` on a terminal, `test` (event log lines) in tests. */
export type LiveListrRenderer = 'default' | 'test';

/** Where and how the list renders. */
export interface ListrSetup {
  stdout: LiveSink;
  stderr: TextSink;
  renderer: LiveListrRenderer;
  color: boolean;
  /** Shortest time between two frames of the `default` renderer (see framed-renderer.ts). */
  frameMs: number;
}

/**
 * A list that runs every task at once and never rejects for a failed one:
 * - `exitOnError: false`: a failed host renders red and the others go on;
 * - `registerSignalListeners: false`: listr2 would otherwise catch SIGINT and `process.exit`,
 *   which would break fleet's two-stage Ctrl-C (the CLI owns signals);
 * - the fallback renderer is the primary one: the caller already decided this is a terminal
 *   (from its own stdout, not listr2's look at `process.stdout`);
 * - `formatOutput: 'truncate'`: a long error message must not wrap and push rows off screen;
 * - the default renderer is paced (framedRenderer): frames are throttled, stray lines shown.
 */
export function createListr(mod: Listr2Module, tasks: LiveTask[], setup: ListrSetup): { run(): Promise<unknown> } {
  const stdout = toWriteStream(mod, setup.stdout);
  const stderr = toWriteStream(mod, setup.stderr);
  const processOutput = new mod.ProcessOutput(stdout, stderr);
  const common = { concurrent: true, exitOnError: false, registerSignalListeners: false } as const;
  if (setup.renderer === 'test') {
    const rendererOptions = { logger: new mod.ListrLogger({ useIcons: false, processOutput }), task: ['title' as const] };
    return new mod.Listr(tasks, { ...common, renderer: 'test', fallbackRenderer: 'test', rendererOptions, fallbackRendererOptions: rendererOptions });
  }
  const plain = (text?: string): string => text ?? '';
  const { renderer, spinner } = framedRenderer(mod, { frameMs: setup.frameMs, stdout, streams: [stdout, stderr] });
  const rendererOptions = {
    spinner,
    logger: new mod.ListrLogger({ useIcons: true, toStderr: [], processOutput }),
    collapseErrors: true,
    showErrorMessage: true,
    collapseSkips: true,
    showSkipMessage: true,
    formatOutput: 'truncate' as const,
    // listr2 colours icons itself (colorette, which reads NO_COLOR but not --no-color).
    ...(setup.color ? {} : { color: Object.fromEntries(Object.values(mod.ListrDefaultRendererLogLevels).map((level) => [level, plain])) }),
  };
  return new mod.Listr(tasks, { ...common, renderer, fallbackRenderer: renderer, rendererOptions, fallbackRendererOptions: rendererOptions });
}

/**
 * listr2 writes to Node streams. A real stream is handed over as it is, so listr2's hijack also
 * holds back stray writes to it while a frame is up; any other sink is wrapped.
 */
function toWriteStream(mod: Listr2Module, sink: LiveSink): NodeJS.WriteStream {
  if (typeof (sink as { on?: unknown }).on === 'function') return sink as unknown as NodeJS.WriteStream;
  const stream = mod.createWritable((chunk) => sink.write(chunk));
  // createWritable claims an infinite terminal; log-update would then never clip the frame.
  Object.assign(stream, { columns: sink.columns ?? 80, rows: sink.rows ?? 24, isTTY: sink.isTTY === true });
  return stream as unknown as NodeJS.WriteStream;
}
