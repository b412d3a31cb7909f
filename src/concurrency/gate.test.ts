import { getEventListeners } from 'node:events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Gate, HostGate, type HostGateTransition } from './gate.js';

// Lets queued promise callbacks run; a gate never needs timers.
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

/** Tracks a promise's state without awaiting it, so tests can assert "still pending". */
function track<T>(promise: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(t, { state: 'resolved', value }),
    (error: unknown) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

describe('Gate', () => {
  it('holds waiters until open, then resolves them all with the value', async () => {
    const gate = new Gate<number>();
    const a = track(gate.wait());
    const b = track(gate.wait());
    await flush();
    expect(a.state).toBe('pending');
    expect(gate.isOpen).toBe(false);
    expect(gate.open(7)).toBe(true);
    await flush();
    expect(a).toMatchObject({ state: 'resolved', value: 7 });
    expect(b).toMatchObject({ state: 'resolved', value: 7 });
  });

  it('check-then-wait: a waiter arriving after open resolves at once', async () => {
    const gate = new Gate<string>();
    gate.open('ready');
    const late = track(gate.wait());
    await flush();
    expect(late).toMatchObject({ state: 'resolved', value: 'ready' });
  });

  it('is one-shot: the first open or fail wins', async () => {
    const gate = new Gate<number>();
    expect(gate.open(1)).toBe(true);
    expect(gate.open(2)).toBe(false);
    expect(gate.fail(new Error('late'))).toBe(false);
    await expect(gate.wait()).resolves.toBe(1);
    expect(gate.isFailed).toBe(false);
  });

  it('fail rejects every current and future waiter', async () => {
    const gate = new Gate();
    const error = new Error('connection lost');
    const early = gate.wait();
    expect(gate.fail(error)).toBe(true);
    await expect(early).rejects.toBe(error);
    await expect(gate.wait()).rejects.toBe(error);
    expect(gate.open()).toBe(false);
    expect(gate.isOpen).toBe(false);
    expect(gate.isFailed).toBe(true);
  });

  it('failing with nobody waiting raises no unhandled rejection', async () => {
    // vitest fails the run on an unhandled rejection, so this test asserts by not crashing it.
    new Gate().fail(new Error('nobody listens'));
    await flush();
  });

  it('an aborted wait leaves alone the gate and the other waiters', async () => {
    const gate = new Gate<number>();
    const controller = new AbortController();
    const reason = new Error('give up');
    const aborted = track(gate.wait({ signal: controller.signal }));
    const other = track(gate.wait());
    expect(gate.pending).toBe(2);
    controller.abort(reason);
    await flush();
    expect(aborted).toMatchObject({ state: 'rejected', error: reason });
    expect(other.state).toBe('pending');
    expect(gate.pending).toBe(1);
    gate.open(3);
    await flush();
    expect(other).toMatchObject({ state: 'resolved', value: 3 });
    expect(gate.pending).toBe(0);
  });

  it('removes its abort listener once settled', async () => {
    const gate = new Gate();
    const controller = new AbortController();
    const waiting = gate.wait({ signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    gate.open();
    await waiting;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('with an already-aborted signal: rejects on a closed gate, but reports an open one', async () => {
    const controller = new AbortController();
    controller.abort('late');
    await expect(new Gate().wait({ signal: controller.signal })).rejects.toBe('late');
    const open = new Gate<number>();
    open.open(1);
    await expect(open.wait({ signal: controller.signal })).resolves.toBe(1);
  });

  it('rejects a malformed signal with TypeError', async () => {
    await expect(new Gate().wait({ signal: 'x' as unknown as AbortSignal })).rejects.toBeInstanceOf(TypeError);
  });
});

const PHASES = ['queued', 'connecting', 'authenticated', 'running', 'done'] as const;

describe('HostGate', () => {
  it('infers the phase union and starts in the first phase', async () => {
    const gate = new HostGate(['idle', 'ready']);
    expectTypeOf(gate.phase).toEqualTypeOf<'idle' | 'ready'>();
    expect(gate.phase).toBe('idle');
    expect(gate.has('idle')).toBe(true);
    expect(gate.has('ready')).toBe(false);
    await expect(gate.when('idle')).resolves.toBeUndefined();
  });

  it.each([[[]], [['a', 'a']], [['a', 1]], ['ab']])('rejects phases %j with TypeError', (phases) => {
    expect(() => new HostGate(phases as string[])).toThrow(TypeError);
  });

  it('reaching a later phase opens every earlier gate', async () => {
    const gate = new HostGate(PHASES);
    const connecting = track(gate.when('connecting'));
    const authenticated = track(gate.when('authenticated'));
    const done = track(gate.when('done'));
    expect(gate.reach('running')).toBe(true);
    await flush();
    expect(connecting.state).toBe('resolved');
    expect(authenticated.state).toBe('resolved');
    expect(done.state).toBe('pending');
    expect(gate.phase).toBe('running');
    expect(gate.has('connecting')).toBe(true);
  });

  it('never moves backwards: an earlier or the same phase is a no-op returning false', () => {
    const gate = new HostGate(PHASES);
    const seen: HostGateTransition<(typeof PHASES)[number]>[] = [];
    gate.onTransition((t) => seen.push(t));
    gate.reach('authenticated');
    expect(gate.reach('connecting')).toBe(false);
    expect(gate.reach('authenticated')).toBe(false);
    expect(gate.phase).toBe('authenticated');
    expect(seen).toEqual([{ kind: 'reached', from: 'queued', to: 'authenticated' }]);
  });

  it('throws TypeError for an unknown phase (and when() rejects with it)', async () => {
    const gate = new HostGate(PHASES);
    expect(() => gate.reach('flying' as 'done')).toThrow(TypeError);
    expect(() => gate.has('flying' as 'done')).toThrow(TypeError);
    await expect(gate.when('flying' as 'done')).rejects.toBeInstanceOf(TypeError);
  });

  it('fail rejects waiters of unreached phases, now and later; reached phases stay reached', async () => {
    const gate = new HostGate(PHASES);
    gate.reach('connecting');
    const running = gate.when('running');
    const error = new Error('auth refused');
    expect(gate.fail(error)).toBe(true);
    await expect(running).rejects.toBe(error);
    await expect(gate.when('authenticated')).rejects.toBe(error);
    await expect(gate.when('connecting')).resolves.toBeUndefined();
    expect(gate.failure).toEqual({ error });
    expect(gate.phase).toBe('connecting');
    expect(gate.reach('running')).toBe(false);
    expect(gate.fail(new Error('again'))).toBe(false);
  });

  it('cannot fail once the last phase is reached', async () => {
    const gate = new HostGate(PHASES);
    gate.reach('done');
    expect(gate.fail(new Error('too late'))).toBe(false);
    expect(gate.failure).toBeUndefined();
    await expect(gate.when('done')).resolves.toBeUndefined();
  });

  it('when() honours its own signal without failing the host', async () => {
    const gate = new HostGate(PHASES);
    const controller = new AbortController();
    const waiting = gate.when('running', { signal: controller.signal });
    controller.abort('ctrl-c');
    await expect(waiting).rejects.toBe('ctrl-c');
    expect(gate.failure).toBeUndefined();
    gate.reach('running');
    await expect(gate.when('running')).resolves.toBeUndefined();
  });

  it('reports transitions to listeners, in order, and stops after unsubscribe', () => {
    const gate = new HostGate(PHASES);
    const seen: string[] = [];
    const off = gate.onTransition((t) => seen.push(t.kind === 'reached' ? `${t.from}>${t.to}` : `failed@${t.at}`));
    gate.reach('connecting');
    gate.reach('running');
    gate.fail(new Error('x'));
    off();
    gate.reach('done'); // no-op anyway after fail; and the listener is gone
    expect(seen).toEqual(['queued>connecting', 'connecting>running', 'failed@running']);
  });

  it('delivers re-entrant transitions in order to every listener', () => {
    const gate = new HostGate(PHASES);
    const first: string[] = [];
    const second: string[] = [];
    gate.onTransition((t) => {
      if (t.kind === 'reached') first.push(t.to);
      if (t.kind === 'reached' && t.to === 'connecting') gate.reach('authenticated');
    });
    gate.onTransition((t) => {
      if (t.kind === 'reached') second.push(t.to);
    });
    gate.reach('connecting');
    expect(first).toEqual(['connecting', 'authenticated']);
    expect(second).toEqual(['connecting', 'authenticated']);
  });

  it('a throwing listener does not stop the others and is rethrown after the state changed', () => {
    const gate = new HostGate(PHASES);
    const boom = new Error('listener bug');
    const after: string[] = [];
    gate.onTransition(() => {
      throw boom;
    });
    gate.onTransition((t) => after.push(t.kind));
    expect(() => gate.reach('connecting')).toThrow(boom);
    expect(after).toEqual(['reached']);
    expect(gate.phase).toBe('connecting');
  });
});
