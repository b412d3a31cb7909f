import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../concurrency/semaphore.js';
import { FleetError } from '../../errors.js';
import { retryAfterSessionRefusal, SESSION_LIMIT_RETRIES } from './session-retry.js';

// What ssh2 gives when sshd refuses a session for its MaxSessions.
const refused = (): FleetError =>
  new FleetError('FLEET_CHANNEL_OPEN_FAILED', 'h: could not open a session channel', { host: 'h' }, { cause: Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason: 2 }) });

describe('retryAfterSessionRefusal', () => {
  it('rethrows anything that is not a session-limit refusal', async () => {
    const other = new FleetError('FLEET_CONNECTION_LOST', 'gone', { host: 'h' });
    await expect(retryAfterSessionRefusal(other, 0, new Semaphore(10), undefined)).rejects.toBe(other);
    await expect(retryAfterSessionRefusal(new Error('x'), 0, new Semaphore(10), undefined)).rejects.toThrow('x');
  });

  it('with other channels open, shrinks the limit to them at once (the retry waits for a slot)', async () => {
    const sessions = new Semaphore(10);
    await sessions.acquire();
    await sessions.acquire();
    await retryAfterSessionRefusal(refused(), 0, sessions, undefined);
    expect(sessions.limit).toBe(2);
  });

  it('with none open (the server is still closing the last one), pauses and lets the caller retry', async () => {
    const sessions = new Semaphore(1);
    let done = false;
    const retry = retryAfterSessionRefusal(refused(), 1, sessions, undefined).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false); // a timer, not at once
    await retry;
    expect(done).toBe(true);
    expect(sessions.limit).toBe(1);
  });

  it('gives up after the last attempt, and when the signal fires during the pause', async () => {
    const error = refused();
    await expect(retryAfterSessionRefusal(error, SESSION_LIMIT_RETRIES, new Semaphore(1), undefined)).rejects.toBe(error);
    const aborted = AbortSignal.abort();
    await expect(retryAfterSessionRefusal(error, 0, new Semaphore(1), aborted)).rejects.toBe(error);
  });
});
