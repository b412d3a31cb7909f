// Type-level tests of the public API (vitest typecheck: tsc checks these, nothing executes).
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecOutput, Fleet, FleetError, FleetEvent, FleetEventOf, HostResult, HostStatus } from '../../src/index.js';

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

describe('HostResult', () => {
  it('carries its status; ok narrows to a success with its value, error to a failure to run', () => {
    const r = {} as HostResult<ExecOutput>;
    expectTypeOf(r.status).toEqualTypeOf<HostStatus>();
    if (r.ok) {
      expectTypeOf(r.status).toEqualTypeOf<'ok' | 'unchanged'>();
      expectTypeOf(r.value).toEqualTypeOf<ExecOutput>();
    } else {
      // A command that exited non-zero ran: it may have a value, so code must check `error`.
      expectTypeOf(r.error).toEqualTypeOf<FleetError | undefined>();
    }
    if (r.error) expectTypeOf(r.value).toEqualTypeOf<undefined>();
    else expectTypeOf(r.value).toEqualTypeOf<ExecOutput>();
  });
});
