import type { EventSink, FleetEvent } from '../events.js';

/**
 * Wraps an event sink for a fan-out. A sink that throws is a bug in the caller (a renderer): it
 * must not take the run down halfway, so it goes quiet and its first error is rethrown, by
 * `rethrow()`, once every host has finished.
 */
export function guardSink(sink: EventSink | undefined): { emit: EventSink; rethrow: () => void } {
  let failure: { error: unknown } | undefined;
  const emit: EventSink = (event: FleetEvent) => {
    if (!sink || failure) return;
    try {
      sink(event);
    } catch (error) {
      failure = { error };
    }
  };
  return {
    emit,
    rethrow: () => {
      if (failure) throw failure.error;
    },
  };
}
