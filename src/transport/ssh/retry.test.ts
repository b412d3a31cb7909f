import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors.js';
import { backoffDelayMs, isRetryableConnectError, MAX_RETRY_DELAY_MS, withConnectRetries } from './retry.js';

describe('backoffDelayMs', () => {
  it('doubles from the base with equal jitter, capped', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(n, 100, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, 100, () => 1))).toEqual([100, 200, 400]);
    expect(backoffDelayMs(20, 100, () => 1)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe('withConnectRetries', () => {
  // Errors not made by connectSsh carry no stage, so they are never retried: a plain refusal
  // here must fail at once. The stage-based retries are covered against real servers.
  it('does not retry an error of unknown stage', async () => {
    let calls = 0;
    const refused = new FleetError('FLEET_CONNECT_REFUSED', 'refused');
    expect(isRetryableConnectError(refused)).toBe(false);
    await expect(
      withConnectRetries(
        async () => {
          calls += 1;
          throw refused;
        },
        { retries: 3, baseDelayMs: 1, host: 'h' },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('reports the attempt count of a success', async () => {
    expect(await withConnectRetries(async () => 'ok', { retries: 2, baseDelayMs: 1, host: 'h' })).toEqual({ value: 'ok', attempts: 1 });
  });
});
