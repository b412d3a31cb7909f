import { describe, expect, it } from 'vitest';
import { formatBytes, formatRate } from './bytes.js';

describe('formatBytes', () => {
  it('uses binary units with one decimal from KiB up', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64.0 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatRate(35.2 * 1024 * 1024)).toBe('35.2 MiB/s');
  });
  it('never throws on odd input', () => {
    expect(formatBytes(Number.NaN)).toBe('0 B');
    expect(formatBytes(-5)).toBe('0 B');
  });
});
