import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetError } from '../errors.js';
import { MAX_DURATION_MS } from '../duration.js';
import { abortReason, withTimeout } from './deadline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function reasonOf(signal: AbortSignal): FleetError {
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBeInstanceOf(FleetError);
  return signal.reason as FleetError;
}

describe('withTimeout', () => {
  it('aborts after ms with a FLEET_TIMEOUT that names the timeout', () => {
    const scope = withTimeout(undefined, 1_000, { name: '--timeout', host: 'web1' });
    vi.advanceTimersByTime(999);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    const reason = reasonOf(scope.signal);
    expect(reason.code).toBe('FLEET_TIMEOUT');
    expect(reason.context).toEqual({ host: 'web1', details: { timeout: '--timeout', ms: 1_000 } });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose clears the timer and detaches from the source, without aborting', () => {
    const source = new AbortController();
    const scope = withTimeout(source.signal, 5_000);
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(source.signal, 'abort')).toHaveLength(1);
    scope.dispose();
    scope.dispose(); // idempotent
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(source.signal, 'abort')).toHaveLength(0);
    vi.advanceTimersByTime(10_000);
    source.abort();
    expect(scope.signal.aborted).toBe(false);
  });

  it('Symbol.dispose does the same as dispose()', () => {
    const scope = withTimeout(undefined, 5_000);
    scope[Symbol.dispose]();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows the source with the same reason and then drops its timer', () => {
    const source = new AbortController();
    const scope = withTimeout(source.signal, 5_000);
    const reason = new FleetError('FLEET_CANCELLED', 'ctrl-c');
    source.abort(reason);
    expect(scope.signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is aborted from the start when the source already is, with no timer', () => {
    const source = new AbortController();
    source.abort('early');
    const scope = withTimeout(source.signal, 5_000);
    expect(scope.signal.reason).toBe('early');
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(source.signal, 'abort')).toHaveLength(0);
  });

  it('the first of source and timer wins; the later one changes nothing', () => {
    const source = new AbortController();
    const scope = withTimeout(source.signal, 100);
    vi.advanceTimersByTime(100);
    source.abort('too late');
    expect(reasonOf(scope.signal).code).toBe('FLEET_TIMEOUT');
  });

  it('without ms returns the source itself and sets no timer', () => {
    const source = new AbortController();
    expect(withTimeout(source.signal, undefined).signal).toBe(source.signal);
    expect(withTimeout(source.signal, Number.POSITIVE_INFINITY).signal).toBe(source.signal);
    const none = withTimeout(undefined, undefined);
    expect(none.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ms = 0 aborts at once', () => {
    expect(reasonOf(withTimeout(undefined, 0).signal).code).toBe('FLEET_TIMEOUT');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps timeouts longer than setTimeout can hold (it would fire at once otherwise)', () => {
    const ms = MAX_DURATION_MS * 2 + 5;
    const scope = withTimeout(undefined, ms);
    vi.advanceTimersByTime(MAX_DURATION_MS);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(MAX_DURATION_MS);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(5);
    expect(reasonOf(scope.signal).context.details).toEqual({ timeout: 'timeout', ms });
  });

  it('unref: true unrefs the timer; the default keeps the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    withTimeout(undefined, 1_000, { unref: true }).dispose();
    withTimeout(undefined, 1_000).dispose();
    const [unrefd, refd] = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(unrefd?.hasRef()).toBe(false);
    expect(refd?.hasRef()).toBe(true);
    spy.mockRestore();
  });

  it.each([-1, Number.NaN, '5'])('throws TypeError for ms %j', (ms) => {
    expect(() => withTimeout(undefined, ms as number)).toThrow(TypeError);
  });

  it('throws TypeError for a malformed signal', () => {
    expect(() => withTimeout({} as AbortSignal, 5)).toThrow(TypeError);
  });
});

describe('abortReason', () => {
  const aborted = (reason?: unknown): AbortSignal => {
    const c = new AbortController();
    c.abort(reason);
    return c.signal;
  };

  it('keeps a FleetError reason as is', () => {
    const reason = new FleetError('FLEET_TIMEOUT', 'x');
    expect(abortReason(aborted(reason))).toBe(reason);
  });

  it('maps a plain abort() to FLEET_CANCELLED with the AbortError as cause', () => {
    const error = abortReason(aborted(), { host: 'db1' });
    expect(error.code).toBe('FLEET_CANCELLED');
    expect(error.context.host).toBe('db1');
    expect((error.cause as Error).name).toBe('AbortError');
  });

  it('maps AbortSignal.timeout()-style TimeoutError to FLEET_TIMEOUT', () => {
    const error = abortReason(aborted(new DOMException('signal timed out', 'TimeoutError')));
    expect(error.code).toBe('FLEET_TIMEOUT');
  });

  it('maps any other reason to FLEET_CANCELLED', () => {
    expect(abortReason(aborted('SIGINT')).code).toBe('FLEET_CANCELLED');
    expect(abortReason(aborted(new Error('boom'))).code).toBe('FLEET_CANCELLED');
  });

  it('throws TypeError for a signal that has not aborted', () => {
    expect(() => abortReason(new AbortController().signal)).toThrow(TypeError);
  });
});
