// Type-level tests of the public API (vitest typecheck: `tsc` runs on these, nothing executes).
import { describe, expectTypeOf, it } from 'vitest';
import type { Fleet, FleetEvent, FleetEventOf } from '../../src/index.js';

declare const fleet: Fleet;

describe('Fleet.events()', () => {
  it('with types, yields those events narrowed', () => {
    expectTypeOf(fleet.events({ types: ['exit'] })).toEqualTypeOf<AsyncIterableIterator<Extract<FleetEvent, { type: 'exit' }>>>();
    expectTypeOf(fleet.events({ types: ['exit', 'summary'] })).toEqualTypeOf<AsyncIterableIterator<FleetEventOf<'exit' | 'summary'>>>();
  });

  it('a narrowed event exposes its own fields without a cast', async () => {
    for await (const e of fleet.events({ types: ['exit'] })) {
      expectTypeOf(e.exitCode).toEqualTypeOf<number | null>();
      expectTypeOf(e.type).toEqualTypeOf<'exit'>();
    }
  });

  it('without types, yields every event', () => {
    expectTypeOf(fleet.events()).toEqualTypeOf<AsyncIterableIterator<FleetEvent>>();
    expectTypeOf(fleet.events({ bufferSize: 10 })).toEqualTypeOf<AsyncIterableIterator<FleetEvent>>();
  });
});
