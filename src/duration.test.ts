import { describe, expect, it } from 'vitest';
import { FleetError } from './errors.js';
import { MAX_DURATION_MS, formatDuration, parseDuration } from './duration.js';

function usageError(fn: () => unknown): FleetError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return error as FleetError;
  }
  throw new Error('expected a throw');
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m05s', 125_000],
    ['1m30s250ms', 90_250],
    ['30', 30_000], // a bare number means seconds
    ['1.5', 1_500],
    ['0', 0],
    ['0s', 0],
    [' 10s ', 10_000],
    ['1.0004s', 1_000], // sub-millisecond rounding
  ])('parses %j as %i ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  it.each(['', '   ', '-5s', '-5', '10x', 'NaN', 'abc', '1e3', '10 s', '30m1h', '1m1m', 's', '1.s', 'Infinity', '10S', '1h-30m', '5sms'])(
    'rejects %j with FLEET_USAGE naming the flag',
    (text) => {
      const error = usageError(() => parseDuration(text, '--timeout'));
      expect(error.code).toBe('FLEET_USAGE');
      expect(error.message).toContain('--timeout');
      expect(error.context.details).toEqual({ name: '--timeout', value: text });
    },
  );

  it('rejects durations setTimeout cannot honour', () => {
    expect(parseDuration(`${MAX_DURATION_MS}ms`, '--deadline')).toBe(MAX_DURATION_MS);
    expect(parseDuration('596h', '--deadline')).toBe(596 * 3_600_000);
    const error = usageError(() => parseDuration('1000h', '--deadline'));
    expect(error.code).toBe('FLEET_USAGE');
    expect(error.message).toContain('--deadline');
  });

  it('rejects non-string input as usage, not a crash', () => {
    const error = usageError(() => parseDuration(undefined as unknown as string, '--timeout'));
    expect(error.code).toBe('FLEET_USAGE');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [1_000, '1s'],
    [1_200, '1.2s'],
    [1_249, '1.2s'],
    [42_000, '42s'],
    [59_949, '59.9s'],
    [59_950, '1m00s'],
    [125_000, '2m05s'],
    [3_599_600, '1h00m00s'],
    [3_725_000, '1h02m05s'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('throws TypeError for %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(TypeError);
  });

  it('produces text parseDuration reads back', () => {
    for (const ms of [0, 7, 850, 1_200, 42_000, 125_000, 3_725_000, 86_400_000]) {
      const back = parseDuration(formatDuration(ms), 'x');
      // Printing rounds (to 100 ms under a minute, to 1 s above), so compare within that precision.
      expect(Math.abs(back - ms)).toBeLessThanOrEqual(ms < 60_000 ? 50 : 500);
    }
  });
});
