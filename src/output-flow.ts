/**
 * Backpressure from whoever reads fleet's output to the remote commands producing it. When the
 * consumer falls behind (`fleet exec ... | less`, a slow pipe on a busy machine), hosts' output
 * channels pause: their SSH windows fill and the remote commands block on write, as they would
 * writing to a slow terminal. Without it, 1000 hosts' output queues up in fleet's memory.
 */
/** The consumer's state, as output producers see it. */
export interface OutputFlow {
  /** True while the consumer holds more than it wants: producers should pause. */
  readonly congested: boolean;
  /** Resolves once the consumer has caught up (at once if it is not congested). */
  whenClear(): Promise<void>;
}

/** The writable side of a stream, as far as flow control needs it. */
export interface FlowStream {
  readonly writableLength: number;
  /** A destroyed stream (the reader went away) holds nobody back. */
  readonly destroyed: boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/** Bytes a stream may hold queued before producers pause. */
export const FLOW_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * The flow of some Node writable streams (the CLI's stdout and stderr): congested while any has
 * more than `highWater` bytes queued; clear once each has drained (or was destroyed).
 */
export function streamsOutputFlow(streams: readonly FlowStream[], highWater = FLOW_HIGH_WATER_BYTES): OutputFlow {
  const congestedStreams = (): FlowStream[] => streams.filter((s) => !s.destroyed && s.writableLength > highWater);
  // One wait shared by every paused host: 1000 hosts must not add 1000 'drain' listeners.
  let waiting: Promise<void> | undefined;
  const wait = async (): Promise<void> => {
    // One stream at a time: every listener added is removed when it fires.
    for (let full = congestedStreams()[0]; full !== undefined; full = congestedStreams()[0]) await drained(full);
  };
  return {
    get congested() {
      return congestedStreams().length > 0;
    },
    whenClear() {
      waiting ??= wait().finally(() => {
        waiting = undefined;
      });
      return waiting;
    },
  };
}

/** Resolves on the stream's next 'drain', 'close' or 'error', removing the other listeners. */
function drained(stream: FlowStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'close', 'error'] as const) stream.removeListener(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error'] as const) stream.once(event, done);
  });
}
