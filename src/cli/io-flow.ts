import { streamsOutputFlow, type FlowStream, type OutputFlow } from '../internal.js';
import type { CliIo } from './io.js';

/** Backpressure from the CLI's stdout and stderr, when they are Node streams (not test sinks). */
export function outputFlowFor(io: Pick<CliIo, 'stdout' | 'stderr'>): OutputFlow | undefined {
  const streams: FlowStream[] = [];
  for (const sink of [io.stdout, io.stderr] as unknown[]) if (isFlowStream(sink)) streams.push(sink);
  return streams.length === 0 ? undefined : streamsOutputFlow(streams);
}

function isFlowStream(sink: unknown): sink is FlowStream {
  const s = sink as Partial<FlowStream>;
  return typeof s.writableLength === 'number' && typeof s.destroyed === 'boolean' && typeof s.once === 'function' && typeof s.removeListener === 'function';
}
