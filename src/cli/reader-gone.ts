/**
 * A reader that went away (`fleet exec ... | head -1`, `| less` then `q`): writing to the closed
 * pipe fails with EPIPE. Unix tools treat that as "nobody wants the rest" and stop quietly, so
 * fleet does the same through the second-Ctrl-C path: no new host starts, running remote
 * commands are stopped (their process group), and the exit code is 141 (128 + SIGPIPE), never a
 * stack trace from an unhandled stream 'error'.
 */

/** The part of a Node writable stream the watch uses; test sinks without it are not watched. */
interface WatchedStream {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  removeListener(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/** The state of the CLI's output streams' readers. */
export interface ReaderWatch {
  /** Aborted when a reader went away. */
  readonly signal: AbortSignal;
  /** True once a write failed because nobody reads any more (EPIPE). */
  readonly gone: boolean;
  /** The write error that stopped the run, when it was not the reader going away (ENOSPC, EIO...). */
  readonly failure: NodeJS.ErrnoException | undefined;
  /**
   * Resolves once everything written so far has reached the reader or failed: a pipe's EPIPE
   * arrives asynchronously, after the last write of a short command such as `fleet hosts`.
   */
  settle(): Promise<void>;
  /** Removes the listeners (the streams outlive the CLI run in tests). */
  dispose(): void;
}

/** Errors that mean the reading end of our output is closed. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

/** Watches `streams` (stdout, stderr); sinks that are not Node streams are ignored. */
export function watchReaders(streams: readonly unknown[]): ReaderWatch {
  const controller = new AbortController();
  const watched = streams.filter(isWatchedStream);
  const onError = (error: NodeJS.ErrnoException): void => {
    // Any other write error (a full disk under `> out.txt`) also ends our output: nobody gets
    // what follows, so the run stops the same way; main reports it as an interruption.
    if (!controller.signal.aborted) controller.abort(error);
  };
  for (const stream of watched) stream.on('error', onError);
  return {
    signal: controller.signal,
    get gone() {
      const reason = controller.signal.reason as NodeJS.ErrnoException | undefined;
      return controller.signal.aborted && READER_GONE.has(reason?.code ?? '');
    },
    get failure() {
      const reason = controller.signal.reason as NodeJS.ErrnoException | undefined;
      return controller.signal.aborted && !READER_GONE.has(reason?.code ?? '') ? reason : undefined;
    },
    async settle() {
      await Promise.all(
        watched.map(
          (stream) =>
            new Promise<void>((resolve) => {
              // An empty write's callback runs after every earlier write completed or failed.
              stream.write('', (error) => {
                if (error) onError(error as NodeJS.ErrnoException);
                resolve();
              });
            }),
        ),
      );
    },
    dispose() {
      for (const stream of watched) stream.removeListener('error', onError);
    },
  };
}

function isWatchedStream(value: unknown): value is WatchedStream {
  const s = value as Partial<WatchedStream> | undefined;
  return typeof s?.on === 'function' && typeof s.removeListener === 'function' && typeof s.write === 'function';
}
